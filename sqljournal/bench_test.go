package sqljournal_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/sqljournal"
	"github.com/xpaygo/xpay/xpaytest"
)

// The journal's cost, against the sandbox on loopback. scripts/bench-journal.sh
// runs these in paired rounds and prints the table of BENCHMARKS.md.
//
// Every op is a Capture of an order of its own, whose Before is a GetOrder
// read outside the timed region, the way a service captures: read the
// order, then capture it. The sandbox runs in the benchmark's process, so
// its work is in the figures, allocations included, on both sides. Where
// /proc can be read (Linux), busy-cores is how many of the machine's cores
// were busy on average during the timed region (every process: this one,
// PostgreSQL, and whatever else runs), and proc-cores how many this
// process kept busy (the Clients and the sandbox).

// BenchmarkJournalCapture is a journaled Capture next to a plain one, on
// each engine. journal-stmts/op counts the journal's calls (Begin, one
// INSERT unless it conflicts, and the Update that closes the entry), each
// one SQL statement. statements is those two statements alone, without a
// capture: what the journal adds to a write; roundtrip is a SELECT 1, the
// least a statement costs. PostgreSQL is skipped, saying why, when no
// server can be had (see postgresDSN).
func BenchmarkJournalCapture(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			dsn := e.dsn(b)
			require.NoError(b, sqljournal.New(openDB(b, e.dialect, dsn), e.dialect).Migrate(context.Background()))
			b.Run("plain", func(b *testing.B) { benchCaptures(b, 1, plainReplica) })
			b.Run("journaled", func(b *testing.B) { benchCaptures(b, 1, journaledReplica(e, dsn)) })
			b.Run("statements", func(b *testing.B) { benchStatements(b, e, dsn) })
			b.Run("roundtrip", func(b *testing.B) { benchRoundTrip(b, e, dsn) })
		})
	}
}

// BenchmarkJournalReplicas is captures per second with 1 and with 4
// replicas on PostgreSQL: each replica a *sql.DB pool of its own and a
// journaled Client of its own, all sharing one sandbox and one journal
// database, each capturing its own orders, one at a time, while the others
// do. plain is the same fleet without a journal: what the sandbox and the
// machine allow.
func BenchmarkJournalReplicas(b *testing.B) {
	e := engines[slices.IndexFunc(engines, func(e engine) bool { return e.dialect == sqljournal.PostgreSQL })]
	dsn := e.dsn(b)
	require.NoError(b, sqljournal.New(openDB(b, e.dialect, dsn), e.dialect).Migrate(context.Background()))
	for _, replicas := range []int{1, 4} {
		b.Run(strconv.Itoa(replicas), func(b *testing.B) {
			b.Run("plain", func(b *testing.B) { benchCaptures(b, replicas, plainReplica) })
			b.Run("journaled", func(b *testing.B) { benchCaptures(b, replicas, journaledReplica(e, dsn)) })
		})
	}
}

// A replica returns replica r's Client for the sandbox, and its journal
// (nil for none).
type replica func(b *testing.B, srv *xpaytest.Server, r int) (*xpay.Client, *counting)

func plainReplica(_ *testing.B, srv *xpaytest.Server, _ int) (*xpay.Client, *counting) {
	return srv.Client(), nil
}

// journaledReplica makes replicas whose journal is in dsn: each a pool of
// its own, closed when the run ends, and a Client named for it.
func journaledReplica(e engine, dsn string) replica {
	return func(b *testing.B, srv *xpaytest.Server, r int) (*xpay.Client, *counting) {
		j := &counting{Journal: sqljournal.New(openDB(b, e.dialect, dsn), e.dialect)}
		return srv.Client(xpay.WithJournal(j, fmt.Sprintf("replica-%d", r))), j
	}
}

// benchCaptures captures b.N orders of a new sandbox, each once, with the
// Clients of the given number of replicas, each capturing its own share of
// the orders one at a time while the others do.
func benchCaptures(b *testing.B, replicas int, newReplica replica) {
	ctx := context.Background()
	srv := xpaytest.NewServer(xpaytest.WithMaxItems(b.N + replicas + 10))
	defer srv.Close()

	// b.N orders to capture, and one per replica to warm it with, so that
	// its connections to the sandbox and to the journal are open before
	// the timer starts. The codes are new to the journal, which the runs
	// share.
	run := newCode()
	codes := make([]string, b.N+replicas)
	for i := range codes {
		codes[i] = fmt.Sprintf("B%s-%08d", run, i)
		require.NoError(b, srv.AddOrder(xpaytest.Order{Code: codes[i], Amount: 5000}))
	}
	reader := srv.Client()
	befores := make([]*xpay.Order, len(codes))
	for i, code := range codes {
		res, err := reader.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
		require.NoError(b, err)
		befores[i] = res.Order()
	}
	capture := func(c *xpay.Client, i int) error {
		_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: codes[i], Amount: 2000, Currency: xpay.CurrencyEUR,
			Before: befores[i], IdempotencyKey: "capture/" + codes[i]})
		return err
	}
	clients := make([]*xpay.Client, replicas)
	journals := make([]*counting, replicas)
	for r := range replicas {
		clients[r], journals[r] = newReplica(b, srv, r)
		require.NoError(b, capture(clients[r], b.N+r))
		if journals[r] != nil {
			journals[r].begins.Store(0)
			journals[r].updates.Store(0)
		}
	}

	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	start := time.Now()
	var wg sync.WaitGroup
	for r := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := r; i < b.N; i += replicas {
				if err := capture(clients[r], i); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	cpu.report(b)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "captures/s")
	if journals[0] != nil {
		var statements int32
		for _, j := range journals {
			statements += j.begins.Load() + j.updates.Load()
		}
		b.ReportMetric(float64(statements)/float64(b.N), "journal-stmts/op")
	}
	if got := srv.Requests("Capture"); !b.Failed() && got != b.N+replicas {
		b.Fatalf("the sandbox saw %d captures, want %d", got, b.N+replicas)
	}
}

// benchStatements records and closes b.N entries, the journal's two
// statements for a write, with nothing sent.
func benchStatements(b *testing.B, e engine, dsn string) {
	ctx := context.Background()
	j := sqljournal.New(openDB(b, e.dialect, dsn), e.dialect)
	run := newCode()
	begin := func(i int) *xpay.JournalEntry {
		now := time.Now()
		code := fmt.Sprintf("S%s-%08d", run, i)
		return &xpay.JournalEntry{ID: code, IdempotencyKey: "capture/" + code, Alias: "bench", Key: "order:" + code,
			Operation: "Capture", Sent: now, State: xpay.JournalOpen, Owner: "bench", LeaseUntil: now.Add(xpay.SettleWindow), Updated: now,
			Write: xpay.PendingWrite{Operation: "Capture", TransactionCode: code, Amount: 2000, Currency: xpay.CurrencyEUR, Sent: now, Before: []xpay.Operation{},
				Request: []byte(`{"codiceTransazione":"` + code + `","importo":2000,"divisa":"978"}`)}}
	}
	write := func(e *xpay.JournalEntry) error {
		if err := j.Begin(ctx, e); err != nil {
			return err
		}
		now := time.Now()
		return j.Update(ctx, e.ID, e.Owner, xpay.JournalUpdate{State: xpay.JournalDone, LeaseUntil: now, Now: now})
	}
	require.NoError(b, write(begin(b.N))) // the connection, open before the timer starts
	entries := make([]*xpay.JournalEntry, b.N)
	for i := range entries {
		entries[i] = begin(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	for _, e := range entries {
		if err := write(e); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu.report(b)
}

// benchRoundTrip runs b.N SELECT 1s.
func benchRoundTrip(b *testing.B, e engine, dsn string) {
	ctx := context.Background()
	db := openDB(b, e.dialect, dsn)
	var one int
	require.NoError(b, db.QueryRowContext(ctx, "SELECT 1").Scan(&one)) // the connection, open before the timer starts
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	for range b.N {
		if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu.report(b)
}

func newCode() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

// cpuGauge measures, from /proc, how busy the machine's cores and this
// process were over a timed region.
type cpuGauge struct {
	start             time.Time
	busy, total       int64 // the machine's, in clock ticks over every core
	proc              int64 // this process's, in clock ticks
	machineOK, procOK bool
}

func startCPU() *cpuGauge {
	g := &cpuGauge{start: time.Now()}
	g.busy, g.total, g.machineOK = machineTicks()
	g.proc, g.procOK = procTicks()
	return g
}

// report adds busy-cores and proc-cores to b's results, where /proc
// tells and the region lasted long enough for its clock ticks to say
// something.
func (g *cpuGauge) report(b *testing.B) {
	elapsed := time.Since(g.start).Seconds()
	if elapsed < 0.1 {
		return
	}
	if busy, total, ok := machineTicks(); ok && g.machineOK && total > g.total {
		cores := 0
		if data, err := os.ReadFile("/proc/stat"); err == nil {
			for _, l := range strings.Split(string(data), "\n") {
				if strings.HasPrefix(l, "cpu") && !strings.HasPrefix(l, "cpu ") {
					cores++
				}
			}
		}
		b.ReportMetric(float64(busy-g.busy)/float64(total-g.total)*float64(cores), "busy-cores")
	}
	if proc, ok := procTicks(); ok && g.procOK {
		b.ReportMetric(float64(proc-g.proc)/ticksPerSecond/elapsed, "proc-cores")
	}
}

// ticksPerSecond is Linux's USER_HZ, the unit of /proc's CPU times: 100
// on every architecture Go runs on.
const ticksPerSecond = 100

// machineTicks returns the machine's busy and total CPU time, every core
// summed, from /proc/stat: busy is all but idle and iowait.
func machineTicks() (busy, total int64, ok bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 6 || fields[0] != "cpu" {
		return 0, 0, false
	}
	for i, f := range fields[1:] {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		if i < 8 { // user nice system idle iowait irq softirq steal; guest is in user already
			total += v
			if i != 3 && i != 4 {
				busy += v
			}
		}
	}
	return busy, total, true
}

// procTicks returns this process's user and system CPU time, from
// /proc/self/stat.
func procTicks() (int64, bool) {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	// The fields after the command, which is in parentheses and may hold
	// spaces: state is the first, utime the 12th and stime the 13th.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return utime + stime, true
}
