// Command contracts manages contracts (stored cards):
//
//	go run ./examples/contracts create -number CNT-1 -pos POS00001 -auth A1B2C3 -amount 50.00
//	go run ./examples/contracts list -taxcode RSSMRA80A01H501U
//	go run ./examples/contracts details -number CNT-DEMO-0001
//	go run ./examples/contracts status
//	go run ./examples/contracts disable -number CNT-DEMO-0001
//
// Without XPAY_ALIAS and XPAY_SECRET it runs against an in-process sandbox
// with a demo contract.
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
	cli.Commands("contracts create|list|details|status|delete|enable|disable [flags]", map[string]cli.Command{
		"create":  &create{},
		"list":    &query{do: (*xpay.Client).ListContracts},
		"details": &query{do: (*xpay.Client).ListContractDetails},
		"status": &query{do: func(c *xpay.Client, ctx context.Context, f *xpay.ContractFilter) (*xpay.ContractsResponse, error) {
			return c.ListContractStatuses(ctx, &xpay.ListContractStatusesRequest{ContractFilter: *f})
		}},
		"delete":  &change{do: (*xpay.Client).DeleteContract, done: "deleted"},
		"enable":  &change{do: (*xpay.Client).EnableContract, done: "enabled"},
		"disable": &change{do: (*xpay.Client).DisableContract, done: "disabled"},
	})
}

type create struct {
	contract xpay.POSContract
	amount   cli.AmountFlag
}

func (c *create) Flags(fs *flag.FlagSet) []string {
	fs.StringVar(&c.contract.ContractNumber, "number", "", "new contract number")
	fs.StringVar(&c.contract.POSID, "pos", "", "physical POS id (idPOSFisico)")
	fs.StringVar(&c.contract.AuthorizationCode, "auth", "", "authorization code of the POS payment")
	fs.Var(&c.amount, "amount", "amount of the POS payment in euro, with the cents: 50.00")
	fs.StringVar(&c.contract.Email, "mail", "", "customer e-mail (optional)")
	return []string{"number", "pos", "auth", "amount"}
}

func (c *create) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	c.contract.Amount = c.amount.Amount
	res, err := t.Client.CreateContractFromPOS(ctx, &xpay.CreateContractFromPOSRequest{Contract: c.contract})
	return cli.Result{Value: res, Human: func(w io.Writer) {
		fmt.Fprintf(w, "created %s (idOperazione %s)\n", c.contract.ContractNumber, res.OperationID)
	}}, err
}

// query is a contract query: list, details or status.
type query struct {
	filter xpay.ContractFilter
	do     func(*xpay.Client, context.Context, *xpay.ContractFilter) (*xpay.ContractsResponse, error)
}

func (c *query) Flags(fs *flag.FlagSet) []string {
	fs.StringVar(&c.filter.ContractNumber, "number", "", "contract number (numeroContratto)")
	fs.StringVar(&c.filter.TaxCode, "taxcode", "", "customer's codice fiscale")
	return nil
}

func (c *query) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := c.do(t.Client, ctx, &c.filter)
	return cli.Result{Value: res, Human: func(w io.Writer) {
		fmt.Fprintf(w, "%d contracts\n", len(res.Contracts))
		for _, k := range res.Contracts {
			fmt.Fprintf(w, "%s  %s  %s  %s  %s\n", k.ContractNumber, k.TaxCode, k.CardType, k.ActivatedAt, k.UpdateStatus)
		}
	}}, err
}

// change deletes, enables or disables a contract.
type change struct {
	number string
	do     func(*xpay.Client, context.Context, *xpay.ContractRequest) (*xpay.ContractChangeResponse, error)
	done   string
}

func (c *change) Flags(fs *flag.FlagSet) []string {
	fs.StringVar(&c.number, "number", "", "contract number (numeroContratto)")
	return []string{"number"}
}

func (c *change) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := c.do(t.Client, ctx, &xpay.ContractRequest{ContractNumber: c.number})
	return cli.Result{Value: res, Human: func(w io.Writer) {
		fmt.Fprintf(w, "%s %s (idOperazione %s)\n", c.done, c.number, res.OperationID)
	}}, err
}
