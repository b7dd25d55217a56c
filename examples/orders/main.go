// Command orders lists the orders of a period (reportOrdini), or with
// -warnings the warnings XPay raised:
//
//	go run ./examples/orders -from 01/06/2024 -to 17/06/2024 -state Autorizzato
//	go run ./examples/orders -warnings
//
// Without XPAY_ALIAS and XPAY_SECRET it runs against an in-process sandbox
// with demo orders.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
)

func main() {
	from := cli.DateFlag{Date: xpay.Today().AddDays(-7)} // days in Italy, as XPay counts them
	to := cli.DateFlag{Date: xpay.Today()}
	flag.Var(&from, "from", "first day, dd/mm/yyyy, in Italy")
	flag.Var(&to, "to", "last day, dd/mm/yyyy, in Italy")
	code := flag.String("code", "", "only this order code")
	channel := flag.String("channel", string(xpay.ChannelAll), "channel: All, CartaCredito, MyBank, PayPal")
	states := flag.String("state", "", "comma-separated states, e.g. Autorizzato,Negato")
	warnings := flag.Bool("warnings", false, "list warnings instead of orders")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()

	t := cli.Connect()
	defer t.Close()
	ctx := context.Background()
	if *warnings {
		res, err := t.Client.ListWarnings(ctx, &xpay.ListWarningsRequest{TransactionCode: *code})
		if err != nil {
			t.Fail(err)
		}
		cli.Output(*asJSON, res, func(w io.Writer) {
			fmt.Fprintf(w, "%d warnings\n", len(res.Warnings))
			for _, x := range res.Warnings {
				fmt.Fprintf(w, "%s  %s  %s\n", x.TransactionDate, x.TransactionCode, x.Message)
			}
		})
		return
	}
	req := &xpay.ListOrdersRequest{
		TransactionCode: *code,
		Period:          xpay.DateRange{From: from.Date, To: to.Date},
		Channel:         xpay.Channel(*channel),
	}
	for _, s := range strings.Split(*states, ",") {
		if s = strings.TrimSpace(s); s != "" {
			req.States = append(req.States, xpay.OrderState(s))
		}
	}
	res, err := t.Client.ListOrders(ctx, req)
	if err != nil {
		t.Fail(err)
	}
	cli.Output(*asJSON, res, func(w io.Writer) {
		fmt.Fprintf(w, "%d orders from %s to %s\n", len(res.Orders), from.Date, to.Date)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tSTATE\tAMOUNT\tBRAND\tDATE")
		for _, o := range res.Orders {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.TransactionCode, o.State, cli.Money(o.Amount), o.Brand, o.TransactionDate)
		}
		tw.Flush()
	})
}
