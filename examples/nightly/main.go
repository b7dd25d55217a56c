// Command nightly is the job a merchant runs every night: it lists
// yesterday's orders (the day in Italy) with the streaming API, downloads
// the day's report, and compares both with the merchant's own records,
// printing what differs.
//
//	go run ./examples/nightly -ledger ledger.csv
//	go run ./examples/nightly -ledger ledger.csv -date 16/06/2026
//
// The ledger is the shop's record of its orders: a CSV file separated by
// ';', with a header naming at least codiceTransazione, importo (in
// cents, as XPay writes it) and stato, the state the shop believes the
// order is in. The report is read the same way, by its column names; its
// rows of other days are left out when it has a dataTransazione column.
//
// The exit status is 0 when everything agrees, 1 when something differs
// or the job failed, 2 on bad usage. Without XPAY_ALIAS and XPAY_SECRET it
// runs against an in-process sandbox holding yesterday's orders, and,
// without -ledger, a ledger that differs from them in three places.
package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
	"github.com/xpaygo/xpay/xpaytest"
)

// entry is what one source says of an order.
type entry struct {
	amount xpay.Amount
	state  string
}

// entries are what each source says, order by order: more than one entry
// for an order is a difference of its own.
type entries map[string][]entry

func (m entries) add(code string, e entry) { m[code] = append(m[code], e) }

func main() {
	ledger := flag.String("ledger", "", "the shop's records: CSV with codiceTransazione;importo;stato (required against XPay)")
	day := cli.DateFlag{Date: xpay.Yesterday()}
	flag.Var(&day, "date", "the day to check, dd/mm/yyyy in Italy (default yesterday)")
	flag.Parse()
	if flag.NArg() > 0 {
		cli.BadUsage(fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", flag.Arg(0)))
	}
	t := connect(day.Date, ledger)
	defer t.Close()
	fmt.Printf("Checking %s against %s.\n", day.Date, t.Where)

	ctx := context.Background()
	books, err := readCSV(*ledger, time.Time{})
	if err != nil {
		t.Fail(fmt.Errorf("ledger: %w", err))
	}
	orders, err := listOrders(ctx, t.Client, day.Date)
	if err != nil {
		t.Fail(err)
	}
	report, name, err := downloadReport(ctx, t.Client, day.Date)
	if err != nil {
		t.Fail(err)
	}
	fmt.Printf("%d orders at XPay, %d in the report %q, %d in the ledger.\n", len(orders), len(report), name, len(books))

	differences := compare(books, orders, report)
	for _, d := range differences {
		fmt.Println(d)
	}
	if len(differences) > 0 {
		fmt.Printf("%d differences.\n", len(differences))
		t.Close()
		os.Exit(cli.ExitFailed)
	}
	fmt.Println("Everything agrees.")
}

// listOrders streams the day's orders: memory stays flat however many
// there are.
func listOrders(ctx context.Context, c *xpay.Client, day xpay.Date) (entries, error) {
	orders := entries{}
	req := &xpay.ListOrdersRequest{Period: xpay.DateRange{From: day, To: day}, Channel: xpay.ChannelAll}
	for o, err := range c.Orders(ctx, req) {
		if err != nil {
			return nil, err // an error comes last: what came before cannot be trusted
		}
		orders.add(o.TransactionCode, entry{amount: o.Amount, state: string(o.State)})
	}
	return orders, nil
}

// downloadReport downloads the first report processed the morning after
// day, and keeps its rows of day.
func downloadReport(ctx context.Context, c *xpay.Client, day xpay.Date) (entries, string, error) {
	list, err := c.ListReports(ctx, &xpay.ListReportsRequest{RefDate: day.AddDays(1)})
	if err != nil {
		return nil, "", err
	}
	if len(list.Reports) == 0 {
		return nil, "", errors.New("no report processed after " + day.String())
	}
	r := list.Reports[0]
	var buf bytes.Buffer
	if _, err := c.DownloadReport(ctx, r.ID, &buf); err != nil {
		return nil, "", err
	}
	y, m, d := day.Year, day.Month, day.Day
	rows, err := parseCSV(&buf, time.Date(y, m, d, 0, 0, 0, 0, xpay.Rome()))
	if err != nil {
		return nil, "", fmt.Errorf("report %s: %w", r.ID, err)
	}
	return rows, r.Name, nil
}

// compare lists, order by order, where the ledger, XPay's orders and the
// report disagree. An order that one source names more than once is a
// difference, whatever the others say: a second booking is money the shop
// believes it has twice.
func compare(books, orders, report entries) []string {
	var codes []string
	for _, m := range []entries{books, orders, report} {
		for code := range m {
			if !slices.Contains(codes, code) {
				codes = append(codes, code)
			}
		}
	}
	slices.Sort(codes)
	var out []string
	for _, code := range codes {
		twice := false
		for _, src := range []struct {
			name string
			m    entries
		}{{"in the ledger", books}, {"at XPay", orders}, {"in the report", report}} {
			if es := src.m[code]; len(es) > 1 {
				var amounts []string
				for _, e := range es {
					amounts = append(amounts, cli.Money(e.amount))
				}
				out = append(out, fmt.Sprintf("%s: %d times %s (%s)", code, len(es), src.name, strings.Join(amounts, ", ")))
				twice = true
			}
		}
		if twice {
			continue
		}
		b, inBooks := first(books, code)
		o, atXPay := first(orders, code)
		r, inReport := first(report, code)
		switch {
		case !atXPay && inBooks && inReport:
			out = append(out, code+": in the ledger and the report, not among XPay's orders of the day")
			continue
		case !atXPay && inBooks:
			out = append(out, code+": in the ledger, not at XPay")
			continue
		case !atXPay:
			out = append(out, code+": in the report, not among XPay's orders of the day")
			continue
		case !inBooks:
			out = append(out, fmt.Sprintf("%s: at XPay (%s, %s), not in the ledger", code, cli.Money(o.amount), o.state))
		case b.amount != o.amount:
			out = append(out, fmt.Sprintf("%s: amount %s in the ledger, %s at XPay", code, cli.Money(b.amount), cli.Money(o.amount)))
		case b.state != o.state:
			out = append(out, fmt.Sprintf("%s: state %q in the ledger, %q at XPay", code, b.state, o.state))
		}
		switch {
		case !inReport:
			out = append(out, fmt.Sprintf("%s: at XPay, not in the report", code))
		case r.amount != o.amount:
			out = append(out, fmt.Sprintf("%s: amount %s in the report, %s at XPay", code, cli.Money(r.amount), cli.Money(o.amount)))
		}
	}
	return out
}

// first is what m says of code, if anything.
func first(m entries, code string) (entry, bool) {
	if es := m[code]; len(es) > 0 {
		return es[0], true
	}
	return entry{}, false
}

// readCSV reads a ledger file.
func readCSV(path string, day time.Time) (entries, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseCSV(f, day)
}

// parseCSV reads rows separated by ';' by their header's names: the
// orders of day only, when day is set and the rows are dated.
func parseCSV(r io.Reader, day time.Time) (entries, error) {
	cr := csv.NewReader(r)
	cr.Comma = ';'
	header, err := cr.Read()
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, name := range header {
		col[name] = i
	}
	for _, name := range []string{"codiceTransazione", "importo", "stato"} {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("no %s column in %q", name, header)
		}
	}
	dated, isDated := col["dataTransazione"]
	rows := entries{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		if !day.IsZero() && isDated {
			at, err := xpay.ParseTime(rec[dated], nil)
			if err != nil {
				return nil, fmt.Errorf("dataTransazione %q: %w", rec[dated], err)
			}
			if at.Before(day) || !at.Before(day.AddDate(0, 0, 1)) {
				continue
			}
		}
		amount, err := strconv.ParseInt(rec[col["importo"]], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("importo %q of %s: want cents", rec[col["importo"]], rec[col["codiceTransazione"]])
		}
		rows.add(rec[col["codiceTransazione"]], entry{amount: xpay.Amount(amount), state: rec[col["stato"]]})
	}
}

// connect reaches XPay with credentials, and otherwise starts a sandbox
// holding orders of day, with a demo ledger unless one is given.
func connect(day xpay.Date, ledger *string) *cli.Target {
	if os.Getenv("XPAY_ALIAS") != "" || os.Getenv("XPAY_SECRET") != "" {
		if *ledger == "" {
			cli.BadUsage(errors.New("-ledger is required against XPay"))
		}
		return cli.Connect()
	}
	srv := xpaytest.NewServer()
	at := time.Date(day.Year, day.Month, day.Day, 15, 0, 0, 0, xpay.Rome())
	for _, o := range []xpaytest.Order{
		{Code: "NIGHT-0001", Amount: 1200, CreatedAt: at},
		{Code: "NIGHT-0002", Amount: 3000, State: xpay.OrderStateCaptured, CreatedAt: at.Add(time.Hour)},
		{Code: "NIGHT-0003", Amount: 4550, State: xpay.OrderStateDenied, CreatedAt: at.Add(2 * time.Hour)},
		{Code: "NIGHT-0005", Amount: 800, CreatedAt: at.AddDate(0, 0, 1)}, // the next day: neither listed nor compared
	} {
		if err := srv.AddOrder(o); err != nil {
			panic(err)
		}
	}
	if _, err := srv.AddReport("Transazioni giornaliere", at.AddDate(0, 0, 1).Add(-9*time.Hour)); err != nil {
		panic(err)
	}
	t := &cli.Target{Client: srv.Client(), Sandbox: srv, Where: "an in-process XPay sandbox at " + srv.URL}
	if *ledger == "" {
		*ledger = filepath.Join(os.TempDir(), fmt.Sprintf("xpay-ledger-%d.csv", os.Getpid()))
		books := "codiceTransazione;importo;stato\n" +
			"NIGHT-0001;1200;Autorizzato\n" +
			"NIGHT-0002;3500;Contabilizzato\n" + // the shop recorded another amount
			"NIGHT-0004;999;Contabilizzato\n" // the shop thinks it was paid: XPay never saw it
		// NIGHT-0003 is missing: the shop never recorded the denied payment
		if err := os.WriteFile(*ledger, []byte(books), 0o600); err != nil {
			t.Fail(err)
		}
		fmt.Println("Demo ledger:", *ledger)
	}
	return t
}
