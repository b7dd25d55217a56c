// Command reports lists the scheduled reports XPay processed and downloads
// one:
//
//	go run ./examples/reports list
//	go run ./examples/reports download -id 1 -o report.csv
//	go run ./examples/reports url -id 1
//
// Without XPAY_ALIAS and XPAY_SECRET it runs against an in-process sandbox
// with a demo report.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
)

func main() {
	ctx := context.Background()
	cli.Commands("reports list|download|url [flags]", map[string]func(*flag.FlagSet, *bool) func(*cli.Target) error{
		"list": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			var day cli.DateFlag
			fs.Var(&day, "date", "reference day, dd/mm/yyyy (default today)")
			return func(t *cli.Target) error {
				res, err := t.Client.ListReports(ctx, &xpay.ListReportsRequest{RefDate: day.Date})
				if err != nil {
					return err
				}
				cli.Output(*asJSON, res, func(w io.Writer) {
					for _, r := range res.Reports {
						fmt.Fprintf(w, "%s  %s  %s  %s\n", r.ID, r.ProcessedAt, r.Format, r.Name)
					}
				})
				return nil
			}
		},
		"download": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			id := fs.String("id", "", "idReport, from the list")
			out := fs.String("o", "-", "file to write, - for standard output")
			return func(t *cli.Target) error {
				cli.Require(fs, "id")
				if *out == "-" {
					_, err := t.Client.DownloadReport(ctx, *id, os.Stdout)
					return err
				}
				f, err := os.Create(*out)
				if err != nil {
					return err
				}
				n, err := t.Client.DownloadReport(ctx, *id, f)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					_ = os.Remove(*out) // no empty or partial file behind
					return err
				}
				fmt.Fprintf(os.Stderr, "wrote %d bytes to %s\n", n, *out)
				return nil
			}
		},
		"url": func(fs *flag.FlagSet, asJSON *bool) func(*cli.Target) error {
			id := fs.String("id", "", "idReport, from the list")
			return func(t *cli.Target) error {
				cli.Require(fs, "id")
				u, err := t.Client.ReportDownloadURL(*id)
				if err != nil {
					return err
				}
				fmt.Println(u) // valid for 5 minutes; it carries a MAC, so keep it out of logs
				return nil
			}
		},
	})
}
