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
	ctx := context.Background()
	filter := func(fs *flag.FlagSet) *xpay.ContractFilter {
		f := &xpay.ContractFilter{}
		fs.StringVar(&f.ContractNumber, "number", "", "contract number (numeroContratto)")
		fs.StringVar(&f.TaxCode, "taxcode", "", "customer's codice fiscale")
		return f
	}
	printContracts := func(asJSON bool, res *xpay.ContractsResponse) {
		cli.Output(asJSON, res, func(w io.Writer) {
			fmt.Fprintf(w, "%d contracts\n", len(res.Contracts))
			for _, k := range res.Contracts {
				fmt.Fprintf(w, "%s  %s  %s  %s  %s\n", k.ContractNumber, k.TaxCode, k.CardType, k.ActivatedAt, k.UpdateStatus)
			}
		})
	}
	change := func(do func(*xpay.Client, context.Context, *xpay.ContractRequest) (*xpay.ContractChangeResponse, error), done string) func(*flag.FlagSet, *bool) func(*cli.Target) error {
		return func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			number := fs.String("number", "", "contract number (numeroContratto)")
			return func(t *cli.Target) error {
				res, err := do(t.Client, ctx, &xpay.ContractRequest{ContractNumber: *number})
				if err != nil {
					return err
				}
				cli.Output(*asJSON, res, func(w io.Writer) { fmt.Fprintf(w, "%s %s (idOperazione %s)\n", done, *number, res.OperationID) })
				return nil
			}
		}
	}
	cli.Commands("contracts create|list|details|status|delete|enable|disable [flags]", map[string]func(*flag.FlagSet, *bool) func(*cli.Target) error{
		"create": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			var k xpay.POSContract
			fs.StringVar(&k.ContractNumber, "number", "", "new contract number")
			fs.StringVar(&k.POSID, "pos", "", "physical POS id (idPOSFisico)")
			fs.StringVar(&k.AuthorizationCode, "auth", "", "authorization code of the POS payment")
			var amount cli.AmountFlag
			fs.Var(&amount, "amount", "amount of the POS payment in euro, with the cents: 50.00")
			fs.StringVar(&k.Email, "mail", "", "customer e-mail (optional)")
			return func(t *cli.Target) error {
				k.Amount = amount.Amount
				res, err := t.Client.CreateContractFromPOS(ctx, &xpay.CreateContractFromPOSRequest{Contract: k})
				if err != nil {
					return err
				}
				cli.Output(*asJSON, res, func(w io.Writer) { fmt.Fprintf(w, "created %s (idOperazione %s)\n", k.ContractNumber, res.OperationID) })
				return nil
			}
		},
		"list": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			f := filter(fs)
			return func(t *cli.Target) error {
				res, err := t.Client.ListContracts(ctx, f)
				if err == nil {
					printContracts(*asJSON, res)
				}
				return err
			}
		},
		"details": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			f := filter(fs)
			return func(t *cli.Target) error {
				res, err := t.Client.ContractDetails(ctx, f)
				if err == nil {
					printContracts(*asJSON, res)
				}
				return err
			}
		},
		"status": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			f := filter(fs)
			return func(t *cli.Target) error {
				res, err := t.Client.ContractStatus(ctx, &xpay.ContractStatusRequest{ContractFilter: *f})
				if err == nil {
					printContracts(*asJSON, res)
				}
				return err
			}
		},
		"delete":  change((*xpay.Client).DeleteContract, "deleted"),
		"enable":  change((*xpay.Client).EnableContract, "enabled"),
		"disable": change((*xpay.Client).DisableContract, "disabled"),
	})
}
