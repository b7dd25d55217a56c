// Command refund voids an uncaptured payment or refunds captured money
// (storna):
//
//	go run ./examples/refund -code ORD-DEMO-0002 -amount 5.00
//
// Amounts are in euro, with the cents. The refund is recorded in the
// journal before it is sent, with the order as read just before, and is
// done once per -key: see examples/capture. Without XPAY_ALIAS and
// XPAY_SECRET it runs against an in-process sandbox with demo orders.
package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
)

func main() {
	code := flag.String("code", "", "order code (codiceTransazione)")
	var amount cli.AmountFlag
	flag.Var(&amount, "amount", "amount to refund or void in euro, with the cents: 5.00")
	currency := flag.String("currency", string(xpay.CurrencyEUR), "ISO 4217 numeric currency")
	paypal := flag.String("paypal-capture", "", "PayPal only: idContabParzialePayPal of the capture to refund")
	key := flag.String("key", "", "idempotency key: a refund with a key the journal holds as done is not sent again")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()
	cli.Require(flag.CommandLine, "code", "amount")

	t := cli.Connect()
	defer t.Close()
	ctx, stop := cli.Context()
	defer stop()
	before, err := t.Client.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: *code})
	if err != nil {
		t.Fail(err)
	}
	res, err := t.Client.Refund(ctx, &xpay.RefundRequest{
		TransactionCode:        *code,
		Amount:                 amount.Amount,
		Currency:               xpay.Currency(*currency),
		PayPalPartialCaptureID: *paypal,
		Before:                 before.Order(), // so that a lost answer can be settled
		IdempotencyKey:         *key,
	})
	if cli.Done(err, *key) {
		return
	}
	if err != nil {
		t.Fail(err)
	}
	// XPay voids an authorization nothing was captured of, and refunds
	// captured money otherwise.
	did := "refunded or voided"
	if captured, err := before.Order().Captured(); err == nil && captured == 0 {
		did = "voided"
	} else if err == nil {
		did = "refunded"
	}
	cli.Output(*asJSON, res, func(w io.Writer) {
		fmt.Fprintf(w, "%s %s of %s (idOperazione %s)\n", did, cli.Money(amount.Amount), *code, res.OperationID)
	})
}
