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
	cli.Commands("controls blacklist-add|blacklist-remove|blacklist-check|blacklist-list|cfpan-check|cfpan-delete|cfpan-list [flags]", map[string]cli.Command{
		"blacklist-add":    &blacklistAdd{},
		"blacklist-remove": &blacklistRemove{},
		"blacklist-check":  &blacklistCheck{},
		"blacklist-list":   &blacklistList{},
		"cfpan-check":      &pair{do: (*xpay.Client).CheckCFPAN},
		"cfpan-delete":     &pairDelete{},
		"cfpan-list":       &pairList{},
	})
}

// target is a blacklist value and its type.
type target struct{ xpay.BlacklistRequest }

func (c *target) Flags(fs *flag.FlagSet) []string {
	fs.Func("type", "CodiceFiscale or CodiceContratto", cli.ValueType(&c.Type))
	fs.StringVar(&c.Value, "value", "", "the tax code or contract number")
	return []string{"type", "value"}
}

func done(res any, what, id string) cli.Result {
	return cli.Result{Value: res, Human: func(w io.Writer) { fmt.Fprintf(w, "%s (idOperazione %s)\n", what, id) }}
}

func entries(res *xpay.BlacklistResponse) cli.Result {
	return cli.Result{Value: res, Human: func(w io.Writer) {
		listed, err := res.Listed()
		if err != nil {
			cli.Fail(err)
		}
		fmt.Fprintf(w, "listed: %v\n", listed)
		for _, e := range res.Entries {
			fmt.Fprintf(w, "%s  %s  %s  %s\n", e.Type, e.Value, e.CreatedAt, e.Description)
		}
	}}
}

func pairs(res *xpay.CFPANResponse) cli.Result {
	return cli.Result{Value: res, Human: func(w io.Writer) {
		fmt.Fprintf(w, "%d pairs\n", len(res.Associations))
		for _, a := range res.Associations {
			fmt.Fprintf(w, "%s  %s  %s  %s\n", a.TaxCode, a.HashPAN, a.Expiry, a.State)
		}
	}}
}

type blacklistAdd struct {
	target
	reason string
}

func (c *blacklistAdd) Flags(fs *flag.FlagSet) []string {
	fs.StringVar(&c.reason, "reason", "", "why")
	return c.target.Flags(fs)
}

func (c *blacklistAdd) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := t.Client.AddToBlacklist(ctx, &xpay.AddToBlacklistRequest{Type: c.Type, Value: c.Value, Description: c.reason})
	if err != nil {
		return cli.Result{}, err
	}
	return done(res, "blacklisted "+c.Value, res.OperationID), nil
}

type blacklistRemove struct{ target }

func (c *blacklistRemove) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := t.Client.RemoveFromBlacklist(ctx, &xpay.RemoveFromBlacklistRequest{Type: c.Type, Value: c.Value})
	if err != nil {
		return cli.Result{}, err
	}
	return done(res, "removed "+c.Value, res.OperationID), nil
}

type blacklistCheck struct{ target }

func (c *blacklistCheck) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := t.Client.CheckBlacklist(ctx, &c.BlacklistRequest)
	if err != nil {
		return cli.Result{}, err
	}
	return entries(res), nil
}

type blacklistList struct{ target }

func (c *blacklistList) Flags(fs *flag.FlagSet) []string {
	c.target.Flags(fs)
	return []string{"type"}
}

func (c *blacklistList) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := t.Client.ListBlacklist(ctx, &xpay.ListBlacklistRequest{Type: c.Type})
	if err != nil {
		return cli.Result{}, err
	}
	return entries(res), nil
}

// pair is a CF/PAN pair, checked.
type pair struct {
	xpay.CFPANRequest
	do func(*xpay.Client, context.Context, *xpay.CFPANRequest) (*xpay.CFPANResponse, error)
}

func (c *pair) Flags(fs *flag.FlagSet) []string {
	fs.StringVar(&c.TaxCode, "taxcode", "", "codice fiscale")
	fs.StringVar(&c.HashPAN, "hashpan", "", "the card, as XPay knows it")
	fs.StringVar(&c.GroupCode, "group", "", "group code assigned by Nexi")
	return []string{"taxcode", "hashpan", "group"}
}

func (c *pair) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := c.do(t.Client, ctx, &c.CFPANRequest)
	if err != nil {
		return cli.Result{}, err
	}
	return pairs(res), nil
}

type pairDelete struct{ pair }

func (c *pairDelete) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := t.Client.DeleteCFPAN(ctx, &xpay.DeleteCFPANRequest{TaxCode: c.TaxCode, HashPAN: c.HashPAN, GroupCode: c.GroupCode})
	if err != nil {
		return cli.Result{}, err
	}
	return done(res, "deleted the pair of "+c.TaxCode, res.OperationID), nil
}

type pairList struct{ xpay.ListCFPANRequest }

func (c *pairList) Flags(fs *flag.FlagSet) []string {
	fs.Func("type", "CodiceFiscale or CodiceContratto", cli.ValueType(&c.Type))
	fs.StringVar(&c.Value, "value", "", "the tax code or contract number")
	fs.StringVar(&c.GroupCode, "group", "", "group code assigned by Nexi")
	return []string{"type", "value", "group"}
}

func (c *pairList) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := t.Client.ListCFPAN(ctx, &c.ListCFPANRequest)
	if err != nil {
		return cli.Result{}, err
	}
	return pairs(res), nil
}
