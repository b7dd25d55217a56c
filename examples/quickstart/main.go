// Command quickstart walks an order through its whole life: a Pay-by-Link
// link is created and paid, then the order is read, partly captured,
// partly refunded and listed.
//
//	go run ./examples/quickstart
//
// Without XPAY_ALIAS and XPAY_SECRET it runs against an in-process XPay
// sandbox and pays the link itself. With them (and XPAY_ENV=test|production
// or XPAY_BASE_URL) it talks to that host, prints the link for you to pay
// with a test card, and waits for the payment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"text/tabwriter"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
)

func main() {
	wait := flag.Duration("wait", 10*time.Minute, "how long to wait for the link to be paid (real hosts only)")
	flag.Parse()

	t := cli.Connect()
	defer t.Close()
	if err := run(t, *wait); err != nil {
		t.Fail(err)
	}
}

func run(t *cli.Target, wait time.Duration) error {
	ctx := context.Background()
	c := t.Client
	if t.Sandbox != nil {
		fmt.Printf("No XPAY_ALIAS and XPAY_SECRET set: running against %s.\n\n", t.Where)
	} else {
		fmt.Printf("Running against %s.\n\n", t.Where)
	}
	code := "QS-" + time.Now().Format("20060102-150405")
	const price, captured, refunded = xpay.Amount(12500), xpay.Amount(8000), xpay.Amount(3000)

	fmt.Printf("1. Create a Pay-by-Link link for order %s, %s\n", code, cli.Money(price))
	link, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: code,
		Amount:          price,
		TimeoutHours:    4,
		ReturnURL:       "https://shop.example.com/esito",
	})
	if err != nil {
		return err
	}
	fmt.Printf("   → %s\n", link.URL)

	fmt.Println("2. The customer opens the link and pays")
	if t.Sandbox != nil {
		if err := payOnPage(c, link.URL); err != nil {
			return err
		}
	} else if err := waitForPayment(ctx, c, code, link.URL, wait); err != nil {
		return err
	}

	fmt.Println("3. Read the order")
	order, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
	if err != nil {
		return err
	}
	o := order.Order()
	fmt.Printf("   → %s: %s, %s, %s %s\n", o.TransactionCode, o.State, cli.Money(o.Amount), o.Brand, o.PAN)

	fmt.Printf("4. Capture %s of it\n", cli.Money(captured))
	capture, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: code, Amount: captured, Currency: xpay.CurrencyEUR})
	if errors.Is(err, xpay.ErrOutcomeUnknown) {
		return fmt.Errorf("the capture's answer was lost; read the order before capturing again: %w", err)
	}
	if err != nil {
		return err
	}
	fmt.Printf("   → done (idOperazione %s); the order is now %s\n", capture.OperationID, state(ctx, c, code))

	fmt.Printf("5. Refund %s\n", cli.Money(refunded))
	refund, err := c.Refund(ctx, &xpay.RefundRequest{TransactionCode: code, Amount: refunded, Currency: xpay.CurrencyEUR})
	if err != nil {
		return err
	}
	fmt.Printf("   → done (idOperazione %s); the order is now %s\n", refund.OperationID, state(ctx, c, code))

	fmt.Println("6. List today's orders")
	today := xpay.Today()
	list, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today, To: today}, Channel: xpay.ChannelAll})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	for _, o := range list.Orders {
		fmt.Fprintf(tw, "   \t%s\t%s\t%s\n", o.TransactionCode, o.State, cli.Money(o.Amount))
	}
	tw.Flush()

	fmt.Println("7. The order's operations (operazioni)")
	order, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
	if err != nil {
		return err
	}
	tw = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "   \tTYPE\tAMOUNT\tSTATE\tDATE")
	for _, op := range order.Order().Operations() {
		fmt.Fprintf(tw, "   \t%s\t%s\t%s\t%s\n", op.Type, cli.Money(op.Amount), op.State, op.Date)
	}
	tw.Flush()
	fmt.Println("\nDone.")
	return nil
}

// state reads the order's state, for the narration.
func state(ctx context.Context, c *xpay.Client, code string) string {
	res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return string(res.Order().State)
}

// payOnPage pays a sandbox link as a browser would: it submits the payment
// page's form and stops at the redirect back to the shop, whose outcome
// parameters it verifies as the shop must.
func payOnPage(c *xpay.Client, link string) error {
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.PostForm(link, url.Values{"outcome": {"approve"}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("payment page answered %s", resp.Status)
	}
	res, err := c.VerifyPaymentResult(back.Query())
	if err != nil {
		return fmt.Errorf("the shop cannot trust the payment result: %w", err)
	}
	fmt.Printf("   → the payment page sends the customer back to the shop with esito=%s, codAut=%s: MAC verified, %s paid at %s (Italy)\n",
		res.Outcome, res.AuthorizationCode, cli.Money(res.Amount), res.Time.Format("15:04:05"))
	if !res.Paid() {
		return fmt.Errorf("the payment was not made: esito %s", res.Outcome)
	}
	return nil
}

// waitForPayment polls the order until the link has been paid.
func waitForPayment(ctx context.Context, c *xpay.Client, code, link string, wait time.Duration) error {
	fmt.Printf("   Open %s and pay with a test card; waiting up to %v.\n", link, wait)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
		var apiErr *xpay.APIError
		switch {
		case err == nil && res.Order() != nil && res.Order().State == xpay.OrderStateAuthorized:
			fmt.Println("   → paid")
			return nil
		case err == nil && res.Order() != nil && res.Order().State == xpay.OrderStateDenied:
			return errors.New("the payment was refused")
		case err != nil && !(errors.As(err, &apiErr) && apiErr.Code == xpay.CodeNotFound):
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the link was not paid within %v", wait)
		case <-time.After(5 * time.Second):
		}
	}
}
