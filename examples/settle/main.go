// Command settle settles writes whose outcome is unknown: captures and
// refunds whose answer was lost, saved as pending writes
// (xpay.PendingWrite, one JSON file each) by the example programs or by
// your own service.
//
//	go run ./examples/settle -resume -dir xpay-pending
//
// settles every pending write in the directory, as a service does at
// start-up after a crash or a redeploy: each in the background, at once,
// with Client.Settle, which may take up to xpay.SettleWindow (6 minutes)
// after the write was sent. The file of each write settled is removed;
// the others are kept, to settle again later, and the exit status is
// then 3.
//
// Without XPAY_ALIAS and XPAY_SECRET, and without -resume, it shows the
// whole story against the in-process sandbox: a capture whose answer is
// lost (-lost after: the sandbox carried it out; before: it never did;
// late: it reaches the sandbox after the client gave up), the pending
// write persisted, a new Client, as after a restart, and the pending
// write resumed. The sandbox's clocks there move 30 s each time they are
// read, so that the window passes in a few reads, however fast the
// machine.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
	"github.com/xpaygo/xpay/xpaytest"
)

func main() { os.Exit(run()) }

// run does the work, and returns the exit status: 0, or cli.ExitUnknown
// when a pending write is still unknown.
func run() int {
	resumeOnly := flag.Bool("resume", false, "settle the pending writes in -dir, and nothing else")
	dir := flag.String("dir", "", "directory of pending writes (default $XPAY_PENDING_DIR or xpay-pending; the demo: a temporary one)")
	code := flag.String("code", xpaytest.DemoAuthorized, "demo: order code")
	amount := cli.AmountFlag{Amount: 2000}
	flag.Var(&amount, "amount", "demo: amount to capture in euro, with the cents")
	lost := flag.String("lost", "after", "demo: when the capture's answer is lost: after, before or late")
	flag.Parse()
	if flag.NArg() > 0 {
		cli.BadUsage(fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", flag.Arg(0)))
	}
	ctx := context.Background()

	if *resumeOnly {
		if *dir == "" {
			*dir = cli.PendingDir()
		}
		t := cli.Connect()
		defer t.Close()
		fmt.Printf("Settling the pending writes in %s, against %s.\n", *dir, t.Where)
		return status(resume(ctx, t.Client, *dir))
	}

	faults := map[string]xpaytest.Fault{
		"after":  {Reset: true, Processed: true, Times: 1},
		"before": {Reset: true, Times: 1},
		"late":   {}, // the network loses the answer: see late
	}
	fault, ok := faults[*lost]
	if !ok {
		cli.BadUsage(fmt.Errorf("-lost %q: want after, before or late", *lost))
	}
	if os.Getenv("XPAY_ALIAS") != "" || os.Getenv("XPAY_SECRET") != "" {
		cli.BadUsage(errors.New("the demo loses a capture on purpose and needs the in-process sandbox: unset XPAY_ALIAS and XPAY_SECRET, or settle saved writes with -resume"))
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "xpay-pending")
		if err != nil {
			cli.Fail(err)
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	}

	clock := &stepClock{ms: time.Now().UnixMilli()}
	srv := xpaytest.NewServer(xpaytest.WithDemoData(), xpaytest.WithClock(clock.now))
	defer srv.Close()
	network := &late{next: http.DefaultTransport}
	newClient := func() *xpay.Client { return srv.Client(xpay.WithHTTPClient(&http.Client{Transport: network})) }
	fmt.Printf("Against an in-process XPay sandbox at %s; the next capture's answer will be lost (%s).\n", srv.URL, *lost)
	if *lost == "late" {
		network.holdNextCapture()
	} else {
		srv.InjectFault("Capture", fault)
	}

	w, err := captureOnce(ctx, newClient(), *code, amount.Amount)
	if err != nil {
		cli.Fail(err)
	}
	if w == nil {
		return 0
	}
	path, err := cli.SavePending(*dir, *w)
	if err != nil {
		cli.Fail(fmt.Errorf("the pending write could not be saved, settle it now: %w", err))
	}
	fmt.Printf("Saved the pending write to %s, before anything else.\n", path)
	fmt.Println("A restart: a new Client resumes the pending writes in the background.")
	return status(resume(ctx, newClient(), *dir))
}

// captureOnce reads the order, then captures amount of it. It returns the
// pending write when the answer is lost.
func captureOnce(ctx context.Context, c *xpay.Client, code string, amount xpay.Amount) (*xpay.PendingWrite, error) {
	before, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
	if err != nil {
		return nil, err
	}
	_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: code, Amount: amount, Currency: xpay.CurrencyEUR, Before: before.Order()})
	var unknown *xpay.OutcomeUnknownError
	switch {
	case err == nil:
		fmt.Println("captured", cli.Money(amount))
		return nil, nil
	case !errors.As(err, &unknown):
		return nil, err // XPay refused, or the request was never sent: nothing happened
	}
	fmt.Println("The capture failed with an unknown outcome:", err)
	return &unknown.Write, nil
}

// resume settles every pending write in dir, each in a goroutine of its
// own, and reports each as it ends. It returns how many are still
// unknown.
func resume(ctx context.Context, c *xpay.Client, dir string) int {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		cli.Fail(err)
	}
	type settled struct {
		file     string
		w        xpay.PendingWrite
		happened bool
		err      error
	}
	done := make(chan settled)
	for _, f := range files {
		go func() {
			s := settled{file: f}
			s.w, s.err = load(f)
			if s.err == nil {
				s.happened, s.err = c.Settle(ctx, &s.w)
			}
			done <- s
		}()
	}
	unknown := 0
	for range files {
		s := <-done
		what := fmt.Sprintf("%s of %s on %s (sent %s)", s.w.Operation, cli.Money(s.w.Amount), s.w.TransactionCode, s.w.Sent.In(xpay.Rome()).Format(time.DateTime))
		switch {
		case s.err != nil:
			unknown++
			fmt.Printf("%s: STILL UNKNOWN, kept in %s: %v\n", what, s.file, strings.ReplaceAll(s.err.Error(), "\n", " "))
			continue
		case s.happened:
			fmt.Printf("%s: it DID happen: do not send it again\n", what)
		default:
			fmt.Printf("%s: it did NOT happen, and no longer can: it is safe to send it again\n", what)
		}
		if err := os.Remove(s.file); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
		}
	}
	fmt.Printf("%d pending writes, %d settled, %d still unknown.\n", len(files), len(files)-unknown, unknown)
	return unknown
}

func load(path string) (xpay.PendingWrite, error) {
	var w xpay.PendingWrite
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &w)
	}
	return w, err
}

func status(unknown int) int {
	if unknown > 0 {
		return cli.ExitUnknown
	}
	return 0
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
