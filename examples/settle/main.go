// Command settle settles the writes whose outcome is unknown: the ones the
// example programs (and your own services) left open in their journal,
// because an answer was lost or the program was killed in the middle.
//
//	go run ./examples/settle -resume
//
// settles every open write of the alias in the journal ($XPAY_JOURNAL,
// default xpay-journal), as a service does at start-up after a crash or a
// redeploy (Client.Recover): a write can be settled once XPay can no
// longer carry it out, xpay.SettleWindow (6 minutes) after it was sent, so
// it waits for those sent less long ago, for -wait at most. It prints what
// each write turned out to be, and lists, until a person acts, the writes
// that no read can settle (-resolve ID) and those that did not happen and
// are still owed: send them again with the same -key, or drop them
// (-drop ID). Its exit status says what is left: 0 nothing; 3 a write
// still unknown, or waiting for a person, or the journal not read whole
// (run it again); 4 a write owed.
//
// Without XPAY_ALIAS and XPAY_SECRET, and without -resume, it shows the
// whole story against the in-process sandbox: a capture whose answer is
// lost (-lost after: the sandbox carried it out; before: it never did;
// late: it reaches the sandbox after the client gave up), the journal
// entry left open, a new Client, as after a restart, recovering it, and a
// capture that did not happen sent again under its key. The sandbox's
// clocks there move 30 s each time they are read, so that the window
// passes in a few reads, however fast the machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
	"github.com/xpaygo/xpay/examples/internal/filejournal"
	"github.com/xpaygo/xpay/xpaytest"
)

func main() { os.Exit(run()) }

// run does the work, and returns the exit status.
func run() int {
	resume := flag.Bool("resume", false, "settle the open writes in the journal, and nothing else")
	wait := flag.Duration("wait", xpay.SettleWindow+time.Minute, "with -resume: how long to wait for writes sent too recently to be settled yet")
	drop := flag.String("drop", "", "a write settled as not done that will not be sent again: its journal entry ID")
	resolve := flag.String("resolve", "", "a write no read could settle, decided by a person: its journal entry ID")
	happened := flag.Bool("happened", false, "with -resolve: the write happened (default: it did not)")
	note := flag.String("note", "", "with -drop or -resolve: what the person saw or decided")
	code := flag.String("code", xpaytest.DemoAuthorized, "demo: order code")
	amount := cli.AmountFlag{Amount: 2000}
	flag.Var(&amount, "amount", "demo: amount to capture in euro, with the cents")
	lost := flag.String("lost", "after", "demo: when the capture's answer is lost: after, before or late")
	flag.Parse()
	if flag.NArg() > 0 {
		cli.BadUsage(fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", flag.Arg(0)))
	}
	ctx, stop := cli.Context()
	defer stop()

	switch {
	case *drop != "" || *resolve != "":
		t := cli.Connect()
		defer t.Close()
		var err error
		if *drop != "" {
			err = t.Client.Drop(ctx, *drop, *note)
		} else {
			err = t.Client.Resolve(ctx, *resolve, *happened, *note)
		}
		if err != nil {
			t.Fail(err)
		}
		fmt.Println("recorded in the journal", t.Journal.Dir())
		return 0
	case *resume:
		t := cli.Connect()
		defer t.Close()
		fmt.Printf("Settling the open writes in the journal %s, against %s.\n", t.Journal.Dir(), t.Where)
		return settle(ctx, t.Client, t.Now, *wait, realSleep)
	}
	return demo(ctx, *code, amount.Amount, *lost)
}

// settle recovers the journal's open writes, round after round, waiting
// (for wait at most) for those sent too recently to be settled yet, and
// reports. now is the Client's clock, on which the leases end; pause
// waits between rounds. It returns the exit status.
func settle(ctx context.Context, c *xpay.Client, now func() time.Time, wait time.Duration, pause func(context.Context, time.Duration) error) int {
	deadline, stopBy := now().Add(wait), time.Now().Add(wait)
	var rep *xpay.Recovery
	settled, status, stopped := 0, 0, false
	for {
		var err error
		rep, err = c.Recover(ctx)
		if rep == nil {
			rep = &xpay.Recovery{}
		}
		for _, e := range rep.Settled {
			fmt.Printf("%s: %s\n", describe(e), outcome(e))
			if e.State != xpay.JournalOpen {
				settled++
			}
		}
		if err == nil {
			next, ok := nextLease(rep.Open)
			if !ok || next.After(deadline) || time.Now().After(stopBy) {
				break
			}
			err = pause(ctx, min(next.Sub(now()), time.Second))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", strings.ReplaceAll(err.Error(), "\n", " "))
			status, stopped = cli.ExitUnknown, true
			break
		}
	}
	for _, e := range rep.Owed {
		fmt.Printf("OWED: %s did NOT happen and was not sent again: send it again with -key %s, or drop it: -drop %s\n", describe(e), e.IdempotencyKey, e.ID)
		if status == 0 {
			status = cli.ExitOwed // unless a write is unknown, below
		}
	}
	for _, e := range rep.Attention {
		fmt.Printf("FOR A PERSON: %s: %s; once decided: -resolve %s [-happened]\n", describe(e), e.Detail, e.ID)
		status = cli.ExitUnknown
	}
	for _, e := range rep.Open {
		fmt.Printf("STILL UNKNOWN: %s: open until %s%s\n", describe(e), e.LeaseUntil.In(xpay.Rome()).Format(time.DateTime), detail(e))
		status = cli.ExitUnknown
	}
	if stopped { // what is left is not known whole
		fmt.Printf("%d settled; settling stopped before the end: run it again to know what is left.\n", settled)
		return status
	}
	fmt.Printf("%d settled, %d still unknown, %d for a person, %d owed.\n", settled, len(rep.Open), len(rep.Attention), len(rep.Owed))
	return status
}

// nextLease is the earliest end of a lease among open writes.
func nextLease(open []xpay.JournalEntry) (time.Time, bool) {
	var next time.Time
	for _, e := range open {
		if next.IsZero() || e.LeaseUntil.Before(next) {
			next = e.LeaseUntil
		}
	}
	return next, !next.IsZero()
}

func realSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(max(d, 10*time.Millisecond))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func describe(e xpay.JournalEntry) string {
	w := e.Write
	s := fmt.Sprintf("%s %s", e.Operation, e.ID)
	if w.Amount != 0 {
		s = fmt.Sprintf("%s of %s", s, cli.Money(w.Amount))
	}
	if w.TransactionCode != "" {
		s += " on " + w.TransactionCode
	}
	return s + " (sent " + e.Sent.In(xpay.Rome()).Format(time.DateTime) + ")"
}

func detail(e xpay.JournalEntry) string {
	if e.Detail == "" {
		return ""
	}
	return ": " + strings.ReplaceAll(e.Detail, "\n", " ")
}

func outcome(e xpay.JournalEntry) string {
	switch e.State {
	case xpay.JournalDone:
		return "it DID happen: do not send it again"
	case xpay.JournalNotDone:
		return "it did NOT happen, and no longer can: it is safe to send it again"
	case xpay.JournalAttention:
		return "no read can tell: a person must look" + detail(e)
	}
	return "STILL UNKNOWN" + detail(e)
}

// demo tells the story of a lost capture against the in-process sandbox.
func demo(ctx context.Context, code string, amount xpay.Amount, lost string) int {
	faults := map[string]xpaytest.Fault{
		"after":  {Reset: true, Processed: true, Times: 1},
		"before": {Reset: true, Times: 1},
		"late":   {}, // the network loses the answer: see late
	}
	fault, ok := faults[lost]
	if !ok {
		cli.BadUsage(fmt.Errorf("-lost %q: want after, before or late", lost))
	}
	if os.Getenv("XPAY_ALIAS") != "" || os.Getenv("XPAY_SECRET") != "" {
		cli.BadUsage(errors.New("the demo loses a capture on purpose and needs the in-process sandbox: unset XPAY_ALIAS and XPAY_SECRET, or settle the journal with -resume"))
	}
	dir, err := os.MkdirTemp("", "xpay-journal")
	if err != nil {
		cli.Fail(err)
	}
	defer os.RemoveAll(dir)
	j, err := filejournal.Open(dir)
	if err != nil {
		cli.Fail(err)
	}

	clock := &stepClock{ms: time.Now().UnixMilli()}
	srv := xpaytest.NewServer(xpaytest.WithDemoData(), xpaytest.WithClock(clock.now))
	defer srv.Close()
	network := &late{next: http.DefaultTransport}
	newClient := func(owner string) *xpay.Client {
		return srv.Client(xpay.WithHTTPClient(&http.Client{Transport: network}), xpay.WithJournal(j, owner))
	}
	fmt.Printf("Against an in-process XPay sandbox at %s, with a journal in %s; the next capture's answer will be lost (%s).\n", srv.URL, dir, lost)
	if lost == "late" {
		network.holdNextCapture()
	} else {
		srv.InjectFault("Capture", fault)
	}

	key := "capture/" + code
	first := newClient("first")
	if err := capture(ctx, first, code, amount, key); err == nil {
		return 0
	} else if !errors.Is(err, xpay.ErrOutcomeUnknown) {
		cli.Fail(err)
	}
	fmt.Println("The capture was recorded in the journal before it was sent: it stays open there.")
	fmt.Println("A restart: a new Client reads the order, then recovers the journal's open writes.")
	restarted := newClient("restarted")
	if res, err := restarted.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code}); err == nil {
		total, _ := res.Order().Captured()
		fmt.Printf("The order shows %s captured, which says nothing yet: a capture may still land.\n", cli.Money(total))
	}
	status := settle(ctx, restarted, clock.now, time.Hour, func(context.Context, time.Duration) error { return nil })
	if status != cli.ExitOwed {
		return status
	}
	fmt.Println("Sending the capture that is owed again, under the same key:")
	if err := capture(ctx, newClient("restarted"), code, amount, key); err != nil {
		cli.Fail(err)
	}
	return 0
}

// capture reads the order, then captures amount of it under key.
func capture(ctx context.Context, c *xpay.Client, code string, amount xpay.Amount, key string) error {
	before, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
	if err != nil {
		return err
	}
	_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: code, Amount: amount, Currency: xpay.CurrencyEUR, Before: before.Order(), IdempotencyKey: key})
	if err == nil {
		fmt.Println("captured", cli.Money(amount))
		return nil
	}
	fmt.Println("The capture failed:", err)
	return err
}

// stepClock is the demo's clock: 30 s later each time it is read, so that
// the demo's time passes with its work, not with the machine's speed.
type stepClock struct{ ms int64 }

func (c *stepClock) now() time.Time {
	return time.UnixMilli(atomic.AddInt64(&c.ms, (30 * time.Second).Milliseconds()))
}

// late is a network that can lose a capture's answer while delivering its
// request later: the client sees the connection reset at once, and the
// sandbox gets the capture once the first read after it has been
// answered.
type late struct {
	next http.RoundTripper
	mu   sync.Mutex
	hold bool
	held func() // delivers the held capture, and waits for its answer
}

func (l *late) holdNextCapture() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hold = true
}

func (l *late) RoundTrip(req *http.Request) (*http.Response, error) {
	l.mu.Lock()
	hold := l.hold && strings.HasSuffix(req.URL.Path, "/contabilizza")
	if hold {
		l.hold = false
		body, err := io.ReadAll(req.Body)
		if err != nil {
			l.mu.Unlock()
			return nil, err
		}
		held := req.Clone(context.Background())
		l.held = func() {
			held.Body = io.NopCloser(strings.NewReader(string(body)))
			if res, err := l.next.RoundTrip(held); err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
			}
		}
	}
	l.mu.Unlock()
	if hold {
		return nil, errors.New("connection reset by peer")
	}
	res, err := l.next.RoundTrip(req)
	l.mu.Lock()
	deliver := l.held
	l.held = nil
	l.mu.Unlock()
	if deliver != nil { // after this read's answer: the read showed nothing
		if err == nil {
			b, rerr := io.ReadAll(res.Body)
			_ = res.Body.Close()
			res.Body = io.NopCloser(strings.NewReader(string(b)))
			err = rerr
		}
		deliver()
		fmt.Println("(the capture sent before reached the sandbox only now, after a read that did not show it)")
	}
	return res, err
}
