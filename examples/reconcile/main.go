// Command reconcile shows how to settle a capture whose answer was lost
// (xpay.ErrOutcomeUnknown): read the order before, and after the failure
// let Client.Settle read it until the capture shows or can no longer
// happen. Never capture again without settling.
//
//	go run ./examples/reconcile -code ORD-DEMO-0001 -amount 20.00
//
// Against the in-process sandbox (no XPAY_ALIAS and XPAY_SECRET) it makes
// the capture's answer get lost: -lost after (the default) loses it after
// the sandbox carried the capture out, -lost before loses the request, and
// -lost late makes the sandbox carry it out after the client gave up
// waiting. The clocks run 300 times faster there, so that the settle
// window (xpay.SettleWindow, 6 minutes) passes in about a second; a
// request that waits more than a second before the sandbox reads it is
// then over 5 minutes old, and refused, as XPay would.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
	"github.com/xpaygo/xpay/xpaytest"
)

func main() {
	code := flag.String("code", xpaytest.DemoAuthorized, "order code")
	amount := cli.AmountFlag{Amount: 2000}
	flag.Var(&amount, "amount", "amount to capture in euro, with the cents")
	lost := flag.String("lost", "after", "sandbox only: when the capture's answer is lost: after, before or late")
	flag.Parse()

	faults := map[string]xpaytest.Fault{
		"after":  {Reset: true, Processed: true, Times: 1},
		"before": {Reset: true, Times: 1},
		"late":   {Latency: 300 * time.Millisecond, Times: 1},
	}
	fault, ok := faults[*lost]
	if !ok {
		cli.Fail(fmt.Errorf("-lost %q: want after, before or late", *lost))
	}
	start := time.Now()
	fast := func() time.Time { return start.Add(300 * time.Since(start)) }
	t := cli.ConnectWith([]xpay.Option{xpay.WithClock(fast), xpay.WithTimeout(100 * time.Millisecond)}, []xpaytest.Option{xpaytest.WithClock(fast)})
	defer t.Close()
	if t.Sandbox != nil {
		t.Sandbox.InjectFault("Capture", fault)
		fmt.Printf("Against %s; the next capture's answer will be lost (%s).\n", t.Where, *lost)
	}
	outcome, err := captureOnce(context.Background(), t.Client, *code, amount.Amount)
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
	fmt.Printf("captured before: %s; settling (up to %v after the capture was sent)...\n", cli.Money(before.Order().Captured()), xpay.SettleWindow)

	happened, err := c.Settle(ctx, err, code, xpay.CaptureOf(before.Order(), amount))
	if err != nil {
		return "", fmt.Errorf("still unknown, settle again later: %w", err)
	}
	if happened {
		return "the capture DID happen: do not send it again", nil
	}
	return "the capture did NOT happen, and no longer can: it is safe to send it again", nil
}
