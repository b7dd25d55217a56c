// Command paybylink creates, regenerates and lists Pay-by-Link links:
//
//	go run ./examples/paybylink create -code PBL-1 -amount 12000 -hours 48 -url https://shop.example/esito
//	go run ./examples/paybylink regenerate -code PBL-1 -hours 24
//	go run ./examples/paybylink report -from 01/06/2024 -to 30/06/2024
//
// Amounts are in cents. Without XPAY_ALIAS and XPAY_SECRET it runs against
// an in-process sandbox.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
)

func main() {
	ctx := context.Background()
	cli.Commands("paybylink create|regenerate|report [flags]", map[string]func(*flag.FlagSet, *bool) func(*cli.Target) error{
		"create": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			code := fs.String("code", "", "new order code")
			amount := fs.Int64("amount", 0, "amount in cents")
			hours := fs.Int("hours", 24, "link lifetime in hours")
			returnURL := fs.String("url", "https://shop.example.com/esito", "where the customer returns")
			notifyURL := fs.String("notify", "", "server-to-server notification URL (optional)")
			return func(t *cli.Target) error {
				res, err := t.Client.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
					TransactionCode: *code, Amount: xpay.Amount(*amount), TimeoutHours: *hours,
					ReturnURL: *returnURL, NotifyURL: *notifyURL,
				})
				if err != nil {
					return err
				}
				cli.Output(*asJSON, res, func(w io.Writer) { fmt.Fprintf(w, "link for %s: %s\n", *code, res.URL) })
				return nil
			}
		},
		"regenerate": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			code := fs.String("code", "", "the link's current order code")
			newCode := fs.String("new-code", "", "code for the new link, if the old one was refused (optional)")
			hours := fs.Int("hours", 24, "new lifetime in hours")
			return func(t *cli.Target) error {
				res, err := t.Client.RegeneratePayByLink(ctx, &xpay.RegeneratePayByLinkRequest{
					TransactionCode: *code, NewTransactionCode: *newCode, TimeoutHours: *hours,
				})
				if err != nil {
					return err
				}
				cli.Output(*asJSON, res, func(w io.Writer) {
					fmt.Fprintf(w, "link for %s: %s\n", res.TransactionCode, res.URL)
					if res.TransactionCode != *code {
						fmt.Fprintf(w, "the order code is now %s: use it from here on\n", res.TransactionCode)
					}
				})
				return nil
			}
		},
		"report": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			from := cli.DateFlag{Date: xpay.DateOf(time.Now().AddDate(0, 0, -30))}
			to := cli.DateFlag{Date: xpay.DateOf(time.Now())}
			fs.Var(&from, "from", "first creation day, dd/mm/yyyy (default 30 days ago)")
			fs.Var(&to, "to", "last creation day, dd/mm/yyyy (default today)")
			return func(t *cli.Target) error {
				var links []xpay.PayByLink
				for l, err := range t.Client.PayByLinks(ctx, from.Date, to.Date) {
					if err != nil {
						return err
					}
					links = append(links, l)
				}
				cli.Output(*asJSON, links, func(w io.Writer) {
					fmt.Fprintf(w, "%d links\n", len(links))
					for _, l := range links {
						fmt.Fprintf(w, "%s  %s  %s  %s\n", l.CreatedAt, l.TransactionCode, cli.Money(l.Amount), l.Status)
					}
				})
				return nil
			}
		},
	})
}
