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
	cli.Commands("reports list|download|url [flags]", map[string]cli.Command{
		"list":     &list{},
		"download": &download{},
		"url":      &signedURL{},
	})
}

type list struct{ day cli.DateFlag }

func (c *list) Flags(fs *flag.FlagSet) []string {
	fs.Var(&c.day, "date", "reference day, dd/mm/yyyy (default today)")
	return nil
}

func (c *list) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := t.Client.ListReports(ctx, &xpay.ListReportsRequest{RefDate: c.day.Date})
	return cli.Result{Value: res, Human: func(w io.Writer) {
		for _, r := range res.Reports {
			fmt.Fprintf(w, "%s  %s  %s  %s\n", r.ID, r.ProcessedAt, r.Format, r.Name)
		}
	}}, err
}

type download struct{ id, out string }

func (c *download) Flags(fs *flag.FlagSet) []string {
	fs.StringVar(&c.id, "id", "", "idReport, from the list")
	fs.StringVar(&c.out, "o", "-", "file to write, - for standard output")
	return []string{"id"}
}

func (c *download) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	if c.out == "-" {
		_, err := t.Client.DownloadReport(ctx, c.id, os.Stdout)
		return cli.Result{}, err
	}
	// The report goes to a temporary file beside c.out, renamed over it
	// only once whole: a failed download leaves c.out as it was.
	var n int64
	err := cli.WriteFileAtomic(c.out, func(f io.Writer) (err error) {
		n, err = t.Client.DownloadReport(ctx, c.id, f)
		return err
	})
	if err != nil {
		return cli.Result{}, err
	}
	fmt.Fprintf(os.Stderr, "wrote %d bytes to %s\n", n, c.out)
	return cli.Result{}, nil
}

type signedURL struct{ id string }

func (c *signedURL) Flags(fs *flag.FlagSet) []string {
	fs.StringVar(&c.id, "id", "", "idReport, from the list")
	return []string{"id"}
}

func (c *signedURL) Run(_ context.Context, t *cli.Target) (cli.Result, error) {
	u, err := t.Client.SignDownloadURL(c.id)
	// Valid for 5 minutes; it carries a MAC, so keep it out of logs.
	return cli.Result{Value: u, Human: func(w io.Writer) { fmt.Fprintln(w, u) }}, err
}
