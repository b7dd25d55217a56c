// Command fleet is an order service with replicas, the way a merchant runs
// one: every replica captures and then partly refunds the same orders,
// through Clients that share one journal in the service's database, and
// each replica recovers the writes of any replica that died. However many
// replicas run, die and come back, every order is captured once and
// refunded once.
//
//	go run ./examples/fleet
//
// starts an in-process sandbox with 40 authorized orders and a journal in
// SQLite, runs two replicas of itself as processes, kills one with SIGKILL
// while it works, starts it again, and shows what each order became. The
// same program is a replica of your own fleet:
//
//	fleet -replica -journal 'postgres://...' -orders orders.txt
//
// with XPAY_ALIAS, XPAY_SECRET and XPAY_BASE_URL set, and orders.txt
// listing one order a line: its code, the amount to capture and the amount
// to refund, in cents. -journal is a PostgreSQL URL or a SQLite file
// (sqlite:PATH). A replica exits 0 once every order is captured and
// refunded, or given up (a refusal, or a write that waits for a person);
// -recover settles the journal's open writes and exits.
//
// Each replica names its writes with an idempotency key of the order
// ("capture/CODE", "refund/CODE"): whichever replica sends one, the
// journal lets it be done once, and Recover tells the others what became
// of a write whose sender died.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
	"github.com/xpaygo/xpay/sqljournal"
	"github.com/xpaygo/xpay/xpaytest"
)

func main() {
	replica := flag.Bool("replica", false, "run as a replica: capture and refund the orders of -orders")
	recoverOnly := flag.Bool("recover", false, "settle the journal's open writes, then exit")
	journal := flag.String("journal", "", "the journal's database: a PostgreSQL URL, or sqlite:PATH")
	ordersFile := flag.String("orders", "", "with -replica: the orders, one a line: CODE CAPTURE REFUND (cents)")
	name := flag.String("name", "", "this replica's name in the journal (default: host and process id)")
	orders := flag.Int("n", 40, "demo: how many orders")
	flag.Parse()
	ctx, stop := cli.Context()
	defer stop()
	switch {
	case *replica || *recoverOnly:
		if *journal == "" {
			cli.BadUsage(errors.New("-journal is required"))
		}
		c := client(*journal, *name)
		if *recoverOnly {
			os.Exit(recoverAll(ctx, c))
		}
		list, err := readOrders(*ordersFile)
		if err != nil {
			cli.BadUsage(err)
		}
		os.Exit(work(ctx, c, list))
	}
	os.Exit(demo(ctx, *orders))
}

// order is what the service does to one order.
type order struct {
	Code            string
	Capture, Refund xpay.Amount
	captured, done  bool
	gaveUp          string
}

func readOrders(path string) ([]*order, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-orders: %w", err)
	}
	defer f.Close()
	var list []*order
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		c, err1 := strconv.ParseInt(fields[min(1, len(fields)-1)], 10, 64)
		r, err2 := strconv.ParseInt(fields[min(2, len(fields)-1)], 10, 64)
		if len(fields) != 3 || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("-orders: %q: want CODE CAPTURE REFUND", sc.Text())
		}
		list = append(list, &order{Code: fields[0], Capture: xpay.Amount(c), Refund: xpay.Amount(r)})
	}
	return list, sc.Err()
}

// client is a Client of the environment's alias whose journal is in the
// database dsn.
func client(dsn, name string) *xpay.Client {
	driver, dialect, source := "pgx", sqljournal.PostgreSQL, dsn
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, dialect, source = "sqlite", sqljournal.SQLite, "file:"+path+"?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		cli.Fail(err)
	}
	j := sqljournal.New(db, dialect)
	if err := j.Migrate(context.Background()); err != nil {
		cli.Fail(err)
	}
	if name == "" {
		name = cli.Owner()
	}
	var opts []xpay.Option
	chaos := newChaos()
	opts = append(opts, xpay.WithJournal(chaos.journal(j), name), xpay.WithHTTPClient(&http.Client{Transport: chaos.transport(http.DefaultTransport)}))
	if c := os.Getenv("XPAY_CLOCK"); c != "" {
		now, err := xpaytest.ParseClock(c)
		if err != nil {
			cli.BadUsage(err)
		}
		opts = append(opts, xpay.WithClock(now))
	}
	c, err := xpay.NewClientFromEnv(opts...)
	if err != nil {
		cli.BadUsage(err)
	}
	return c
}

// work captures, then refunds, every order, whichever replica gets there
// first, recovering between passes what dead replicas left open. It
// returns once each order is done or given up.
func work(ctx context.Context, c *xpay.Client, orders []*order) int {
	lastRecover := time.Time{}
	for {
		left := 0
		progress := false
		for _, i := range rand.Perm(len(orders)) {
			o := orders[i]
			if o.done || o.gaveUp != "" {
				continue
			}
			if step(ctx, c, o) {
				progress = true
			}
			if !o.done && o.gaveUp == "" {
				left++
			}
		}
		if ctx.Err() != nil {
			return cli.ExitFailed
		}
		if left == 0 {
			break
		}
		if time.Since(lastRecover) >= time.Second {
			if rep, err := c.Recover(ctx); err == nil {
				giveUpHeld(orders, rep.Attention)
			}
			lastRecover = time.Now()
		}
		if !progress {
			time.Sleep(100 * time.Millisecond)
		}
	}
	given := 0
	for _, o := range orders {
		if o.gaveUp != "" {
			given++
			fmt.Printf("%s: given up: %s\n", o.Code, o.gaveUp)
		}
	}
	fmt.Printf("replica done: %d orders, %d given up\n", len(orders), given)
	return 0
}

// step takes o one write further. It reports whether a write ended.
func step(ctx context.Context, c *xpay.Client, o *order) bool {
	res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: o.Code})
	if err != nil {
		return false // a read that failed: the next pass reads again
	}
	if !o.captured {
		_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: o.Code, Amount: o.Capture, Currency: xpay.CurrencyEUR,
			Before: res.Order(), IdempotencyKey: "capture/" + o.Code})
		o.captured = settled(o, err)
		return o.captured
	}
	_, err = c.Refund(ctx, &xpay.RefundRequest{TransactionCode: o.Code, Amount: o.Refund, Currency: xpay.CurrencyEUR,
		Before: res.Order(), IdempotencyKey: "refund/" + o.Code})
	o.done = settled(o, err)
	return o.done
}

// settled reports whether a write is done, by this replica or another;
// a refusal gives the order up.
func settled(o *order, err error) bool {
	var apiErr *xpay.APIError
	switch {
	case err == nil, errors.Is(err, xpay.ErrWriteDone):
		return true
	case errors.As(err, &apiErr):
		o.gaveUp = err.Error()
	}
	return false // in flight here or elsewhere, unknown, or not sent: the next pass tries again
}

// giveUpHeld gives up the orders that a write waiting for a person holds.
func giveUpHeld(orders []*order, attention []xpay.JournalEntry) {
	for _, e := range attention {
		for _, o := range orders {
			if e.Write.TransactionCode == o.Code && o.gaveUp == "" {
				o.gaveUp = "a write waits for a person: " + e.Detail
			}
		}
	}
}

// recoverAll settles the journal's open writes, waiting for those whose
// lease has not ended, and prints what is left for people.
func recoverAll(ctx context.Context, c *xpay.Client) int {
	for {
		rep, err := c.Recover(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			return cli.ExitFailed
		}
		for _, e := range rep.Settled {
			fmt.Printf("recovered %s %s of %s: %s (%s)\n", e.Operation, e.IdempotencyKey, cli.Money(e.Write.Amount), e.State, e.Detail)
		}
		if len(rep.Open) == 0 {
			for _, e := range rep.Attention {
				fmt.Printf("FOR A PERSON: %s %s: %s\n", e.Operation, e.IdempotencyKey, e.Detail)
			}
			if len(rep.Attention) > 0 {
				return cli.ExitUnknown
			}
			return 0
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// chaos kills this process, with SIGKILL, at the points of a write where
// a crash is worst, each with the probability XPAY_FLEET_KILL gives (0,
// the default, never), or at the first time it reaches the point it names
// ("at:during the send"): before the journal records it ("before the
// journal"), between the record and the send ("between the journal and
// the send"), once XPay has its request but before the answer is read
// ("during the send"), and once it is answered but before the journal
// closes it ("after the answer, before the close"). It is for drills: see
// the tests of examples.
type chaos struct {
	p  float64
	at string
}

func newChaos() *chaos {
	v := os.Getenv("XPAY_FLEET_KILL")
	if at, ok := strings.CutPrefix(v, "at:"); ok {
		return &chaos{at: at}
	}
	p, _ := strconv.ParseFloat(v, 64)
	return &chaos{p: p}
}

var kills atomic.Int32

func (c *chaos) maybeDie(point string) {
	if point == c.at || c.p > 0 && rand.Float64() < c.p {
		kills.Add(1)
		fmt.Fprintf(os.Stderr, "chaos: killed %s\n", point)
		p, _ := os.FindProcess(os.Getpid())
		_ = p.Kill()
		select {} // the signal is on its way
	}
}

func (c *chaos) journal(j xpay.Journal) xpay.Journal { return &chaosJournal{Journal: j, c: c} }

type chaosJournal struct {
	xpay.Journal
	c *chaos
}

func (j *chaosJournal) Begin(ctx context.Context, e *xpay.JournalEntry) error {
	j.c.maybeDie("before the journal")
	err := j.Journal.Begin(ctx, e)
	if err == nil {
		j.c.maybeDie("between the journal and the send")
	}
	return err
}

func (j *chaosJournal) Update(ctx context.Context, id, owner string, u xpay.JournalUpdate) error {
	if u.State == xpay.JournalDone || u.State == xpay.JournalRefused {
		j.c.maybeDie("after the answer, before the close")
	}
	return j.Journal.Update(ctx, id, owner, u)
}

func (c *chaos) transport(next http.RoundTripper) http.RoundTripper {
	return roundTrip(func(r *http.Request) (*http.Response, error) {
		res, err := next.RoundTrip(r)
		if err == nil && !strings.HasSuffix(r.URL.Path, "/situazioneOrdine") {
			c.maybeDie("during the send")
		}
		return res, err
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// demo runs two replicas as processes against an in-process sandbox, and
// kills one.
func demo(ctx context.Context, n int) int {
	if os.Getenv("XPAY_ALIAS") != "" || os.Getenv("XPAY_SECRET") != "" {
		cli.BadUsage(errors.New("the demo runs its own sandbox: unset XPAY_ALIAS and XPAY_SECRET, or run replicas with -replica"))
	}
	dir, err := os.MkdirTemp("", "xpay-fleet")
	if err != nil {
		cli.Fail(err)
	}
	defer os.RemoveAll(dir)
	// A clock 30 times faster, shared with the replicas: a write whose
	// sender died is settled 12 s after it was sent, not 6 minutes.
	origin := time.Now()
	speed := 30
	srv := xpaytest.NewServer(xpaytest.WithClock(xpaytest.FastClock(origin, speed)))
	defer srv.Close()
	var lines []string
	for i := range n {
		code := fmt.Sprintf("FLEET-%04d", i+1)
		if err := srv.AddOrder(xpaytest.Order{Code: code, Amount: 5000}); err != nil {
			cli.Fail(err)
		}
		lines = append(lines, code+" 5000 1500")
	}
	ordersFile := filepath.Join(dir, "orders.txt")
	if err := os.WriteFile(ordersFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		cli.Fail(err)
	}
	journal := "sqlite:" + filepath.Join(dir, "journal.db")
	self, err := os.Executable()
	if err != nil {
		cli.Fail(err)
	}
	env := append(os.Environ(), "XPAY_BASE_URL="+srv.URL, "XPAY_ALIAS="+srv.Alias(), "XPAY_SECRET="+srv.Secret(),
		fmt.Sprintf("XPAY_CLOCK=%d*%d", origin.UnixMilli(), speed))
	start := func(name, kill string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, self, "-replica", "-journal", journal, "-orders", ordersFile, "-name", name)
		cmd.Env, cmd.Stdout, cmd.Stderr = append(slices.Clip(env), "XPAY_FLEET_KILL="+kill), os.Stdout, os.Stderr
		if err := cmd.Start(); err != nil {
			cli.Fail(err)
		}
		return cmd
	}
	fmt.Printf("%d orders at an in-process sandbox (%s), two replicas, one journal (%s); the clock runs %d times faster.\n", n, srv.URL, journal, speed)
	fmt.Println("replica-a kills itself (SIGKILL) now and then, at the worst points of a write, and is started again; replica-b carries on.")
	b := start("replica-b", "0")
	for kills := 0; ; kills++ {
		kill := "0.05"
		if kills >= 3 {
			kill = "0"
		}
		err := start("replica-a", kill).Wait()
		if err == nil {
			break
		}
		fmt.Println("replica-a died:", err)
	}
	if err := b.Wait(); err != nil {
		cli.Fail(fmt.Errorf("replica-b failed: %w", err))
	}
	fmt.Println("Recovering what the killed replica left open, once its window has passed:")
	rec := exec.CommandContext(ctx, self, "-recover", "-journal", journal, "-name", "recovery")
	rec.Env, rec.Stdout, rec.Stderr = env, os.Stdout, os.Stderr
	if err := rec.Run(); err != nil {
		cli.Fail(err)
	}
	c := srv.Client()
	twice := 0
	for _, l := range lines {
		code := strings.Fields(l)[0]
		res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
		if err != nil {
			cli.Fail(err)
		}
		var captures, refunds int
		for _, op := range res.Order().Operations() {
			switch op.Type {
			case xpay.OperationTypeCapture:
				captures++
			case xpay.OperationTypeRefund:
				refunds++
			}
		}
		if captures != 1 || refunds != 1 {
			twice++
			fmt.Printf("%s: %d captures, %d refunds\n", code, captures, refunds)
		}
	}
	fmt.Printf("%d orders: %d captured once and refunded once (%d capture and %d refund requests reached the sandbox).\n",
		n, n-twice, srv.Requests("Capture"), srv.Requests("Refund"))
	db, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(journal, "sqlite:"))
	if err != nil {
		cli.Fail(err)
	}
	defer db.Close()
	entries, err := sqljournal.New(db, sqljournal.SQLite).Entries(ctx, c.AliasFingerprint())
	if err != nil {
		cli.Fail(err)
	}
	states := map[xpay.JournalState]int{}
	for _, e := range entries {
		states[e.State]++
	}
	fmt.Printf("The journal: %d writes done, %d settled as not done and sent again, %d never sent, %d refused, %d open.\n",
		states[xpay.JournalDone], states[xpay.JournalNotDone], states[xpay.JournalNotSent], states[xpay.JournalRefused], states[xpay.JournalOpen])
	if twice > 0 {
		return cli.ExitFailed
	}
	return 0
}
