// Command recurring runs a subscription: its first payment, on XPay's
// payment page, keeps the customer's card under a contract; every later
// one is charged to the contract without the customer (Charge).
//
// Recurring payments have an alias and a key of their own, which Nexi
// assigns with the service: a shop holds two Clients, its own for its
// ordinary payments and their back office, and the recurring one for the
// contracts, their payments and any back-office call on those orders.
//
//	go run ./examples/recurring
//
// Without credentials it tells the whole story against two in-process
// sandboxes, one for each alias. With XPAY_ALIAS and XPAY_SECRET, and
// XPAY_RECURRING_ALIAS and XPAY_RECURRING_SECRET, it charges a contract
// that a first payment registered there:
//
//	go run ./examples/recurring -contract CNT-0001-ROSSI -expiry 203012 -amount 9.99
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
	"github.com/xpaygo/xpay/xpaytest"
)

// The recurring alias of the offline story, and its key: the sandbox's own.
const (
	recurringAlias  = "ALIAS_RECURRING_000002"
	recurringSecret = "RECURRING_SECRET_NOT_FOR_PRODUCTION"
)

func main() {
	contract := flag.String("contract", "", "the contract to charge (with credentials)")
	expiry := flag.String("expiry", "", "the card's expiry, yyyymm, as the first payment's scadenza_pan said (optional)")
	code := flag.String("code", "SUB-"+time.Now().Format("20060102-150405"), "the charge's order code: a new one for every charge")
	amount := cli.AmountFlag{Amount: 999}
	flag.Var(&amount, "amount", "the amount of each payment, in euro with the cents")
	flag.Parse()
	if flag.NArg() > 0 {
		cli.BadUsage(fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", flag.Arg(0)))
	}

	t := cli.Connect()
	defer t.Close()
	var err error
	if t.Sandbox == nil {
		if *contract == "" {
			cli.BadUsage(errors.New("-contract is required against a real host: the first payment needs a customer on XPay's page"))
		}
		err = charge(t, *contract, *code, *expiry, amount.Amount)
	} else {
		err = story(t, *code, amount.Amount)
	}
	if err != nil {
		t.Fail(err)
	}
}

// charge charges contract once, with the recurring alias's Client.
func charge(t *cli.Target, contract, code, expiry string, amount xpay.Amount) error {
	alias, secret := os.Getenv("XPAY_RECURRING_ALIAS"), os.Getenv("XPAY_RECURRING_SECRET")
	if alias == "" || secret == "" {
		cli.BadUsage(errors.New("XPAY_RECURRING_ALIAS and XPAY_RECURRING_SECRET are required: recurring charges use their own alias and key"))
	}
	opts := []xpay.Option{xpay.WithBaseURL(t.Client.BaseURL())}
	if os.Getenv("XPAY_INSECURE_HTTP") == "1" {
		opts = append(opts, xpay.WithInsecureHTTP())
	}
	recurring, err := xpay.NewClient(alias, secret, opts...)
	if err != nil {
		cli.BadUsage(err)
	}
	fmt.Printf("Running against %s, as %s.\n", t.Where, recurring)
	res, err := recurring.Charge(context.Background(), &xpay.ChargeRequest{
		ContractNumber: contract, TransactionCode: code, Amount: amount, Currency: xpay.CurrencyEUR, CardExpiry: expiry,
	})
	if err != nil {
		return err // an unknown outcome is saved as a pending write: read the order before charging again
	}
	printCharge(res)
	return nil
}

func printCharge(res *xpay.ChargeResponse) {
	at, err := res.AuthorizedAt()
	when := at.Format("02/01/2006 15:04:05") + " in Italy"
	if err != nil {
		when = res.Date + " " + res.Time
	}
	fmt.Printf("   → authorized: code %s, %s, %s\n", res.AuthorizationCode, when, res.Brand)
}

// story runs a subscription against two sandboxes, one per alias: the
// shop's (t's) and the recurring one.
func story(t *cli.Target, code string, amount xpay.Amount) error {
	ctx := context.Background()
	sub := xpaytest.NewServer(xpaytest.WithCredentials(recurringAlias, recurringSecret))
	defer sub.Close()
	shop := t.Client
	recurring := sub.Client() // in production: xpay.NewClient(recurring alias, recurring key)
	fmt.Printf("Running against two in-process XPay sandboxes, one per alias: the shop's at %s, the recurring one at %s.\n", t.Sandbox.URL, sub.URL)
	fmt.Printf("Two Clients: %s\n             %s\n\n", shop, recurring)

	contract := "CNT-" + code
	first := code + "-01"
	fmt.Printf("1. The first payment of the subscription, %s, on XPay's page: order %s, contract %s, signed with the recurring key\n", cli.Money(amount), first, contract)
	page, err := recurring.SignPaymentPage(&xpay.PaymentPageRequest{
		Kind: xpay.PageRecurringFirst, TransactionCode: first, Amount: amount, ContractNumber: contract, Group: sub.Group(),
		ReturnURL: "https://shop.example/esito", CancelURL: "https://shop.example/annullo",
	})
	if err != nil {
		return err
	}
	browser := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.PostForm(page.Action, page.Values()) // the form the shop's page posts
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("the payment page answered %s", resp.Status)
	}
	back, err := sub.PayCheckout(first, true) // the customer pays on the page
	if err != nil {
		return err
	}
	u, err := url.Parse(back)
	if err != nil {
		return err
	}
	res, err := recurring.VerifyPaymentResult(u.Query())
	if err != nil {
		return err
	}
	if !res.Paid() || res.ContractNumber() != contract {
		return fmt.Errorf("the first payment is %s, for contract %q", res.Outcome, res.ContractNumber())
	}
	expiry := res.CardExpiry()
	fmt.Printf("   → paid, verified: contract %s registered, card expiring %s (keep both with the customer)\n", res.ContractNumber(), expiry)

	sub.MoveClock(31 * 24 * time.Hour)
	second := code + "-02"
	fmt.Printf("2. A month later the recurring Client charges %s to the contract: order %s\n", cli.Money(amount), second)
	charged, err := recurring.Charge(ctx, &xpay.ChargeRequest{ContractNumber: contract, TransactionCode: second, Amount: amount,
		Currency: xpay.CurrencyEUR, CardExpiry: expiry})
	if err != nil {
		return err
	}
	printCharge(charged)

	fmt.Println("3. The order is the recurring alias's: its Client reads it, the shop's does not know it")
	order, err := recurring.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: second})
	if err != nil {
		return err
	}
	fmt.Printf("   → recurring Client: %s %s, %s\n", order.Order().TransactionCode, order.Order().State, cli.Money(order.Order().Amount))
	_, err = shop.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: second})
	fmt.Println("   → the shop's Client:", err)

	third := code + "-03"
	fmt.Printf("4. Next month's charge, %s, whose answer is lost on the way back\n", third)
	sub.InjectFault("Charge", xpaytest.Fault{Reset: true, Processed: true, Times: 1})
	_, err = recurring.Charge(ctx, &xpay.ChargeRequest{ContractNumber: contract, TransactionCode: third, Amount: amount, Currency: xpay.CurrencyEUR})
	var unknown *xpay.OutcomeUnknownError
	if !errors.As(err, &unknown) {
		return fmt.Errorf("want an unknown outcome, got %v", err)
	}
	fmt.Println("   → outcome unknown: the card may have been charged; never charge again with a new code before reading the order")
	order, err = recurring.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: unknown.Write.TransactionCode})
	if err != nil {
		return err
	}
	fmt.Printf("   → the order %s is %s: the charge happened, do not charge again\n", third, order.Order().State)

	fmt.Println("5. The customer ends the subscription: the contract is disabled, and a charge is refused")
	if _, err := recurring.DisableContract(ctx, &xpay.ContractRequest{ContractNumber: contract}); err != nil {
		return err
	}
	_, err = recurring.Charge(ctx, &xpay.ChargeRequest{ContractNumber: contract, TransactionCode: code + "-04", Amount: amount, Currency: xpay.CurrencyEUR})
	var apiErr *xpay.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != xpay.CodeInvalidContract {
		return fmt.Errorf("want KO %d, got %v", xpay.CodeInvalidContract, err)
	}
	fmt.Println("   →", err)
	fmt.Println("Done.")
	return nil
}
