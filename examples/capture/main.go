// Command capture captures (contabilizza) all or part of an authorized
// payment:
//
//	go run ./examples/capture -code ORD-DEMO-0001 -amount 20.00
//
// Amounts are in euro, with the cents. It reads the order first, so that
// a capture whose answer is lost can be settled: it then exits with status
// 3 and saves the pending write for examples/settle (see -h). Without
// XPAY_ALIAS and XPAY_SECRET it runs against an in-process sandbox with
// demo orders.
package main

import (
	"context"
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
	asJSON := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()
	cli.Require(flag.CommandLine, "code", "amount")

	t := cli.Connect()
	defer t.Close()
	ctx := context.Background()
	before, err := t.Client.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: *code})
	if err != nil {
		t.Fail(err)
	}
	res, err := t.Client.Capture(ctx, &xpay.CaptureRequest{
		TransactionCode: *code,
		Amount:          amount.Amount,
		Currency:        xpay.Currency(*currency),
		Before:          before.Order(), // so that a lost answer can be settled
	})
	if err != nil {
		t.Fail(err)
	}
	cli.Output(*asJSON, res, func(w io.Writer) {
		fmt.Fprintf(w, "captured %s of %s (idOperazione %s)\n", cli.Money(amount.Amount), *code, res.OperationID)
	})
}
