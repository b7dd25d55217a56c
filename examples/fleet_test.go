package examples_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/internal/pgtest"
	"github.com/xpaygo/xpay/sqljournal"
	"github.com/xpaygo/xpay/xpaytest"
)

// The fleet's invariant, under fire: replicas of examples/fleet, real
// processes sharing one journal, capture and refund orders against
// xpay-sandbox (a process too) while answers are lost, writes land late
// (within XPay's 5 minutes, and after them), and replicas die by SIGKILL,
// from outside at any moment and from inside at the worst points of a
// write (before the journal, between it and the send, during the send,
// after the answer and before the close). Then recovery, then every order
// is read back from the sandbox: none may be captured or refunded twice,
// none left short, no write recorded as not done that happened (or done
// that did not), and none left open. All processes share a clock that
// runs 30 times faster, so that the 6 minutes after which a write is
// settled pass in 12 s; nothing here waits on the machine's speed for a
// result, only for work to end.
//
// XPAY_CHAOS_ORDERS sets the number of orders (60 by default); see
// scripts/chaos.sh for longer runs. PostgreSQL runs where a server can be
// had (see internal/pgtest), and must in CI (XPAY_REQUIRE_POSTGRES).
func TestFleetChaos(t *testing.T) {
	n := 60
	if v := os.Getenv("XPAY_CHAOS_ORDERS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	for _, engine := range []string{"SQLite", "PostgreSQL"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			var journal string
			if engine == "SQLite" {
				journal = "sqlite:" + filepath.Join(t.TempDir(), "journal.db")
			} else {
				journal = postgresDatabase(t)
			}
			chaos(t, n, journal)
		})
	}
}

var (
	pgOnce sync.Once
	pgDSN  string
	pgErr  error
)

// postgresDatabase is a new database on a PostgreSQL server for the test:
// XPAY_TEST_POSTGRES, or a throwaway one. Without either the test is
// skipped, saying so, unless XPAY_REQUIRE_POSTGRES is set.
func postgresDatabase(t *testing.T) string {
	pgOnce.Do(func() {
		if pgDSN = os.Getenv("XPAY_TEST_POSTGRES"); pgDSN != "" {
			return
		}
		var stop func()
		pgDSN, stop, pgErr = pgtest.Start()
		if stop != nil {
			stopPostgres = stop
		}
	})
	if pgErr != nil {
		if os.Getenv("XPAY_REQUIRE_POSTGRES") != "" {
			t.Fatalf("PostgreSQL is required (XPAY_REQUIRE_POSTGRES) and cannot be had: %v", pgErr)
		}
		t.Skipf("SKIPPED: the fleet on PostgreSQL: no server (set XPAY_TEST_POSTGRES, or install PostgreSQL's initdb and pg_ctl): %v", pgErr)
	}
	admin, err := sql.Open("pgx", pgDSN)
	require.NoError(t, err)
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "fleet_" + hex.EncodeToString(b[:])
	_, err = admin.Exec("CREATE DATABASE " + name)
	require.NoError(t, err)
	u, err := url.Parse(pgDSN)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

// stopPostgres stops the throwaway server, if the tests started one.
var stopPostgres = func() {}

// fleetOrder is an order of the drill: 50.00 authorized, 20.00 to
// capture and 5.00 to refund, so that a second capture or refund would
// be accepted, and show.
const authorized, toCapture, toRefund = 5000, 2000, 500

func chaos(t *testing.T, n int, journal string) {
	ctx := context.Background()
	origin, speed := time.Now(), 30
	clock := fmt.Sprintf("%d*%d", origin.UnixMilli(), speed)

	sandbox := exec.Command(filepath.Join(bin, "xpay-sandbox"), "-addr", "127.0.0.1:0", "-demo=false", "-clock", clock, "-max-items", strconv.Itoa(4*n+100))
	out, err := sandbox.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, sandbox.Start())
	t.Cleanup(func() { _ = sandbox.Process.Kill(); _ = sandbox.Wait() })
	base := ""
	lines := bufio.NewScanner(out)
	for base == "" && lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "export XPAY_BASE_URL="); ok {
			base = v
		}
	}
	require.NotEmpty(t, base)
	go func() {
		for lines.Scan() {
		}
	}()

	control := func(path, body string) {
		res, err := http.Post(base+xpaytest.ControlPrefix+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, "%s %s", path, body)
	}
	var list bytes.Buffer
	codes := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("CHAOS-%05d", i+1)
		control("orders", fmt.Sprintf(`{"code":%q,"amount":%d}`, codes[i], authorized))
		fmt.Fprintf(&list, "%s %d %d\n", codes[i], toCapture, toRefund)
	}
	ordersFile := filepath.Join(t.TempDir(), "orders.txt")
	require.NoError(t, os.WriteFile(ordersFile, list.Bytes(), 0o600))
	env := append(os.Environ(), "XPAY_BASE_URL="+base, "XPAY_ALIAS="+xpaytest.DefaultAlias, "XPAY_SECRET="+xpaytest.DefaultSecret, "XPAY_CLOCK="+clock)

	// The replicas, started again whenever they die, with the in-process
	// kills on for their first lives only, so that the drill ends: 4, or
	// more with more orders, as the faults and the kills from outside
	// grow with them.
	const replicas = 3
	d := &drill{args: []string{"-replica", "-journal", journal, "-orders", ordersFile}, env: env, livesWithKills: max(4, n/15),
		stats: map[string]int{}, running: make([]*exec.Cmd, replicas),
		// Each point is also hit for sure: a life is given one that has
		// not fired yet, and dies the first time it reaches it (unless
		// killed from outside first: the point goes back to the others).
		unfired: []string{"before the journal", "between the journal and the send", "during the send", "after the answer, before the close"}}
	count := d.count
	var wg sync.WaitGroup
	for r := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.lives(t, r)
		}()
	}

	// Faults and kills from outside while they work.
	faults := []string{
		"Capture:reset,processed,times=1",     // carried out, the answer lost
		"Refund:reset,processed,times=1",      //
		"Capture:reset,times=1",               // lost before XPay: not carried out
		"Refund:reset,times=1",                //
		"Capture:landafter=3m,times=1",        // lands late, within XPay's 5 minutes
		"Refund:landafter=2m,times=1",         //
		"Capture:landafter=7m,times=1",        // lands too late: XPay refuses it
		"GetOrder:unsignedko=2,times=1",       // a read that cannot be trusted
		"Capture:stale=10m,processed,times=1", // a replayed answer
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	outsideKills := 0
	for fired := 0; ; fired++ {
		select {
		case <-done:
		case <-time.After(time.Duration(50+mrand.IntN(100)) * time.Millisecond):
			if fired < 3*n/2 {
				f := faults[mrand.IntN(len(faults))]
				control("faults", fmt.Sprintf(`{"fault":%q}`, f))
				count("faults " + f[:strings.IndexByte(f, ':')])
			}
			if outsideKills < n/6 && mrand.IntN(4) == 0 {
				cmd := d.replica(mrand.IntN(replicas))
				if cmd != nil && cmd.Process.Kill() == nil {
					outsideKills++
					count("killed from outside")
				}
			}
			continue
		}
		break
	}
	req, err := http.NewRequest(http.MethodDelete, base+xpaytest.ControlPrefix+"faults", nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()

	// Recovery: what the dead left open is settled once its window has
	// passed.
	rec := exec.Command(filepath.Join(bin, "fleet"), "-recover", "-journal", journal, "-name", "recovery")
	rec.Env = env
	recOut, err := rec.CombinedOutput()
	require.NoError(t, err, "recovery:\n%s", recOut)

	// Every order, as XPay has it, against the journal.
	now, err := xpaytest.ParseClock(clock)
	require.NoError(t, err)
	c, err := xpay.NewClient(xpaytest.DefaultAlias, xpaytest.DefaultSecret, xpay.WithBaseURL(base), xpay.WithClock(now))
	require.NoError(t, err)
	entries := journalOf(t, journal, c.AliasFingerprint())
	done2 := map[string]int{}
	states := map[xpay.JournalState]int{}
	for _, e := range entries {
		states[e.State]++
		if e.State == xpay.JournalDone {
			done2[e.IdempotencyKey]++
		}
		assert.NotEqual(t, xpay.JournalOpen, e.State, "left open: %+v", e)
		assert.NotEqual(t, xpay.JournalAttention, e.State, "for a person: %s %s: %s", e.Operation, e.IdempotencyKey, e.Detail)
	}
	for _, code := range codes {
		res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
		require.NoError(t, err)
		rows := map[xpay.OperationType][]xpay.Amount{}
		for _, op := range res.Order().Operations() {
			rows[op.Type] = append(rows[op.Type], op.Amount)
		}
		assert.Equal(t, []xpay.Amount{toCapture}, rows[xpay.OperationTypeCapture], "%s: captured once", code)
		assert.Equal(t, []xpay.Amount{toRefund}, rows[xpay.OperationTypeRefund], "%s: refunded once", code)
		assert.Equal(t, 1, done2["capture/"+code], "%s: the journal holds the capture done once", code)
		assert.Equal(t, 1, done2["refund/"+code], "%s: the journal holds the refund done once", code)
	}
	assert.Empty(t, d.unfired, "points of a write no replica was killed at")
	t.Logf("%d orders, %d replicas: %v; journal: %v", n, replicas, d.stats, states)
}

// drill is the replicas of a chaos drill, and what they went through.
type drill struct {
	args           []string // of examples/fleet, for a replica
	env            []string
	livesWithKills int // lives of a replica with the in-process kills on

	mu      sync.Mutex
	stats   map[string]int
	running []*exec.Cmd // each replica's process
	unfired []string    // the points of a write no replica was killed at yet
}

func (d *drill) count(what string) { d.mu.Lock(); d.stats[what]++; d.mu.Unlock() }

func (d *drill) replica(r int) *exec.Cmd { d.mu.Lock(); defer d.mu.Unlock(); return d.running[r] }

// take is a point of a write no replica was killed at, given to one life,
// or "".
func (d *drill) take() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.unfired) == 0 {
		return ""
	}
	p := d.unfired[0]
	d.unfired = d.unfired[1:]
	return p
}

func (d *drill) giveBack(p string) { d.mu.Lock(); d.unfired = append(d.unfired, p); d.mu.Unlock() }

// lives runs replica r, and starts it again whenever it is killed, until
// it ends its work: with the in-process kills on for its first lives
// only, so that the drill ends, and at a point for sure while one is left.
func (d *drill) lives(t *testing.T, r int) {
	for life := 0; ; life++ {
		kill, forced := "0", d.take()
		switch {
		case forced != "":
			kill = "at:" + forced
		case life < d.livesWithKills:
			kill = "0.01"
		}
		cmd := exec.Command(filepath.Join(bin, "fleet"), append(slices.Clip(d.args), "-name", fmt.Sprintf("replica-%d", r))...)
		cmd.Env = append(slices.Clip(d.env), "XPAY_FLEET_KILL="+kill) // a copy: replicas start at once
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		d.mu.Lock()
		d.running[r] = cmd
		d.mu.Unlock()
		err := cmd.Wait()
		fired := false
		for _, l := range strings.Split(stderr.String(), "\n") {
			if point, ok := strings.CutPrefix(l, "chaos: killed "); ok {
				d.count("killed inside, " + point)
				fired = fired || point == forced
			}
		}
		if forced != "" && !fired {
			d.giveBack(forced)
		}
		if err == nil {
			return
		}
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != -1 { // -1: a signal
			t.Errorf("replica %d failed: %v\n%s", r, err, stderr.String())
			return
		}
		d.count("lives")
	}
}

// journalOf reads every entry of alias in the journal.
func journalOf(t *testing.T, journal, alias string) []xpay.JournalEntry {
	driver, dialect, dsn := "pgx", sqljournal.PostgreSQL, journal
	if path, ok := strings.CutPrefix(journal, "sqlite:"); ok {
		driver, dialect, dsn = "sqlite", sqljournal.SQLite, "file:"+path
	}
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	defer db.Close()
	es, err := sqljournal.New(db, dialect).Entries(context.Background(), alias)
	require.NoError(t, err)
	return es
}
