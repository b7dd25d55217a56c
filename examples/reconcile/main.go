// Command reconcile shows how to settle a capture whose answer was lost
// (xpay.ErrOutcomeUnknown): read the order before and after, and compare
// what was captured. Never capture again without looking.
//
//	go run ./examples/reconcile -code ORD-DEMO-0001 -amount 2000
//
// Against the in-process sandbox (no XPAY_ALIAS and XPAY_SECRET) it makes
// the capture's answer get lost on its way back, after the sandbox carried
// it out; -processed=false loses the request before it is carried out.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
	"github.com/xpaygo/xpay/xpaytest"
)

func main() {
	code := flag.String("code", xpaytest.DemoAuthorized, "order code")
	amount := flag.Int64("amount", 2000, "amount to capture, in cents")
	processed := flag.Bool("processed", true, "sandbox only: whether the lost capture was carried out")
	flag.Parse()

	t := cli.Connect()
	defer t.Close()
	if t.Sandbox != nil {
		t.Sandbox.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: *processed, Times: 1})
		fmt.Printf("Against %s; the next capture's answer will be lost.\n", t.Where)
	}
	outcome, err := captureOnce(context.Background(), t.Client, *code, xpay.Amount(*amount))
	if err != nil {
		t.Fail(err)
	}
	fmt.Println(outcome)
}

// captureOnce captures amount of the order at most once, even when the
// answer is lost.
func captureOnce(ctx context.Context, c *xpay.Client, code string, amount xpay.Amount) (string, error) {
	before, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
	if err != nil {
		return "", err
	}
	_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: code, Amount: amount, Currency: xpay.CurrencyEUR})
	if err == nil {
		return "captured " + cli.Money(amount), nil
	}
	if !errors.Is(err, xpay.ErrOutcomeUnknown) {
		return "", err // XPay refused, or the request was never sent: nothing happened
	}
	fmt.Println("capture failed with an unknown outcome:", err)

	after, rerr := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
	if rerr != nil {
		return "", fmt.Errorf("still unknown, read the order again later: %w", rerr)
	}
	was, is := before.Order().Captured(), after.Order().Captured()
	fmt.Printf("captured before: %s, now: %s\n", cli.Money(was), cli.Money(is))
	if is-was >= amount {
		return "the capture DID happen: do not send it again", nil
	}
	return "the capture did NOT happen: it is safe to send it again", nil
}
