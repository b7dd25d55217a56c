// Command order shows an order and its operations (situazioneOrdine):
//
//	go run ./examples/order -code ORD-DEMO-0002
//
// Without XPAY_ALIAS and XPAY_SECRET it runs against an in-process sandbox
// with demo orders.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
)

func main() {
	code := flag.String("code", "", "order code (codiceTransazione)")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()
	cli.Require(flag.CommandLine, "code")

	t := cli.Connect()
	defer t.Close()
	res, err := t.Client.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: *code})
	if err != nil {
		t.Fail(err)
	}
	cli.Output(*asJSON, res, func(w io.Writer) {
		o := res.Order()
		if o == nil {
			fmt.Fprintln(w, "no order in the answer")
			return
		}
		fmt.Fprintf(w, "%s  %s  %s  %s %s  %s\n", o.TransactionCode, o.State, cli.Money(o.Amount), o.Brand, o.PAN, o.TransactionDate)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TYPE\tAMOUNT\tSTATE\tDATE\tUSER")
		for _, op := range o.Operations() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", op.Type, cli.Money(op.Amount), op.State, op.Date, op.User)
		}
		tw.Flush()
	})
}
