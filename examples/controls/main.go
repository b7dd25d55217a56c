// Command controls manages the blacklist and the CF/PAN pairs:
//
//	go run ./examples/controls blacklist-add -type CodiceFiscale -value RSSMRA80A01H501U -reason "Chargeback"
//	go run ./examples/controls blacklist-check -type CodiceFiscale -value VRDLGU75B12F205X
//	go run ./examples/controls blacklist-list -type CodiceFiscale
//	go run ./examples/controls blacklist-remove -type CodiceFiscale -value VRDLGU75B12F205X
//	go run ./examples/controls cfpan-check -taxcode RSSMRA80A01H501U -hashpan ... -group GRP_SANDBOX
//	go run ./examples/controls cfpan-list -type CodiceFiscale -value RSSMRA80A01H501U -group GRP_SANDBOX
//	go run ./examples/controls cfpan-delete -taxcode RSSMRA80A01H501U -hashpan ... -group GRP_SANDBOX
//
// Without XPAY_ALIAS and XPAY_SECRET it runs against an in-process sandbox
// with demo data.
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
	ctx := context.Background()
	target := func(fs *flag.FlagSet) *xpay.BlacklistRequest {
		r := &xpay.BlacklistRequest{}
		fs.Func("type", "CodiceFiscale or CodiceContratto", cli.ValueType(&r.Type))
		fs.StringVar(&r.Value, "value", "", "the tax code or contract number")
		return r
	}
	pair := func(fs *flag.FlagSet) *xpay.CFPANRequest {
		r := &xpay.CFPANRequest{}
		fs.StringVar(&r.TaxCode, "taxcode", "", "codice fiscale")
		fs.StringVar(&r.HashPAN, "hashpan", "", "the card, as XPay knows it")
		fs.StringVar(&r.GroupCode, "group", "", "group code assigned by Nexi")
		return r
	}
	printEntries := func(asJSON bool, res *xpay.BlacklistResponse) {
		cli.Output(asJSON, res, func(w io.Writer) {
			fmt.Fprintf(w, "listed: %v\n", res.Listed())
			for _, e := range res.Entries {
				fmt.Fprintf(w, "%s  %s  %s  %s\n", e.Type, e.Value, e.CreatedAt, e.Description)
			}
		})
	}
	printPairs := func(asJSON bool, res *xpay.CFPANResponse) {
		cli.Output(asJSON, res, func(w io.Writer) {
			fmt.Fprintf(w, "%d pairs\n", len(res.Associations))
			for _, a := range res.Associations {
				fmt.Fprintf(w, "%s  %s  %s  %s\n", a.TaxCode, a.HashPAN, a.Expiry, a.State)
			}
		})
	}
	done := func(asJSON bool, res any, what string, id string) {
		cli.Output(asJSON, res, func(w io.Writer) { fmt.Fprintf(w, "%s (idOperazione %s)\n", what, id) })
	}
	cli.Commands("controls blacklist-add|blacklist-remove|blacklist-check|blacklist-list|cfpan-check|cfpan-delete|cfpan-list [flags]", map[string]func(*flag.FlagSet, *bool) func(*cli.Target) error{
		"blacklist-add": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			r := target(fs)
			reason := fs.String("reason", "", "why")
			return func(t *cli.Target) error {
				res, err := t.Client.AddToBlacklist(ctx, &xpay.AddToBlacklistRequest{Type: r.Type, Value: r.Value, Description: *reason})
				if err == nil {
					done(*asJSON, res, "blacklisted "+r.Value, res.OperationID)
				}
				return err
			}
		},
		"blacklist-remove": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			r := target(fs)
			return func(t *cli.Target) error {
				res, err := t.Client.RemoveFromBlacklist(ctx, r)
				if err == nil {
					done(*asJSON, res, "removed "+r.Value, res.OperationID)
				}
				return err
			}
		},
		"blacklist-check": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			r := target(fs)
			return func(t *cli.Target) error {
				res, err := t.Client.CheckBlacklist(ctx, r)
				if err == nil {
					printEntries(*asJSON, res)
				}
				return err
			}
		},
		"blacklist-list": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			r := target(fs)
			return func(t *cli.Target) error {
				res, err := t.Client.ListBlacklist(ctx, &xpay.ListBlacklistRequest{Type: r.Type})
				if err == nil {
					printEntries(*asJSON, res)
				}
				return err
			}
		},
		"cfpan-check": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			r := pair(fs)
			return func(t *cli.Target) error {
				res, err := t.Client.CheckCFPAN(ctx, r)
				if err == nil {
					printPairs(*asJSON, res)
				}
				return err
			}
		},
		"cfpan-delete": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			r := pair(fs)
			return func(t *cli.Target) error {
				res, err := t.Client.DeleteCFPAN(ctx, r)
				if err == nil {
					done(*asJSON, res, "deleted the pair of "+r.TaxCode, res.OperationID)
				}
				return err
			}
		},
		"cfpan-list": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			r := &xpay.ListCFPANRequest{}
			fs.Func("type", "CodiceFiscale or CodiceContratto", cli.ValueType(&r.Type))
			fs.StringVar(&r.Value, "value", "", "the tax code or contract number")
			fs.StringVar(&r.GroupCode, "group", "", "group code assigned by Nexi")
			return func(t *cli.Target) error {
				res, err := t.Client.ListCFPAN(ctx, r)
				if err == nil {
					printPairs(*asJSON, res)
				}
				return err
			}
		},
	})
}
