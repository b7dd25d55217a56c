// Command capture captures (contabilizza) all or part of an authorized
// payment:
//
//	go run ./examples/capture -code ORD-DEMO-0001 -amount 20.00 -key capture/ORD-DEMO-0001/1
//
// Amounts are in euro, with the cents. The capture is recorded in the
// journal ($XPAY_JOURNAL, default xpay-journal) before it is sent, with
// the order as read just before: a capture whose answer is lost, or a
// program killed in the middle (SIGINT, SIGTERM, SIGKILL), leaves it open
// there, and examples/settle settles it (exit status 3). With -key, the
// capture is done once: run again with the same key, it is not sent
// again. Without XPAY_ALIAS and XPAY_SECRET it runs against an in-process
// sandbox with demo orders.
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
	flag.Var(&amount, "amount", "amount to capture in euro, with the cents: 20.00")
	currency := flag.String("currency", string(xpay.CurrencyEUR), "ISO 4217 numeric currency")
	key := flag.String("key", "", "idempotency key: a capture with a key the journal holds as done is not sent again")
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
	res, err := t.Client.Capture(ctx, &xpay.CaptureRequest{
		TransactionCode: *code,
		Amount:          amount.Amount,
		Currency:        xpay.Currency(*currency),
		Before:          before.Order(), // so that a lost answer can be settled
		IdempotencyKey:  *key,
	})
	if cli.Done(err, *key) {
		return
	}
	if err != nil {
		t.Fail(err)
	}
	cli.Output(*asJSON, res, func(w io.Writer) {
		fmt.Fprintf(w, "captured %s of %s (idOperazione %s)\n", cli.Money(amount.Amount), *code, res.OperationID)
	})
}
