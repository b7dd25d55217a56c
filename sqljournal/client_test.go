package sqljournal_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/sqljournal"
	"github.com/xpaygo/xpay/xpaytest"
)

// rig is a sandbox and journaled Clients on one clock, which moves only
// when a test moves it: no test here waits for real time.
type rig struct {
	t   *testing.T
	srv *xpaytest.Server
	ms  atomic.Int64
	db  *sql.DB
	j   *counting
}

func newRig(t *testing.T, e engine, dsn string) *rig {
	r := &rig{t: t}
	r.ms.Store(time.Date(2026, 6, 17, 10, 0, 0, 0, xpay.Rome()).UnixMilli())
	r.srv = xpaytest.NewServer(xpaytest.WithDemoData(), xpaytest.WithClock(r.now))
	t.Cleanup(r.srv.Close)
	r.db = openDB(t, e.dialect, dsn)
	r.j = &counting{Journal: sqljournal.New(r.db, e.dialect)}
	return r
}

func (r *rig) now() time.Time          { return time.UnixMilli(r.ms.Load()) }
func (r *rig) advance(d time.Duration) { r.ms.Add(d.Milliseconds()) }

// client is a replica: a journaled Client named owner. Its Settle reads
// once the clock has passed the window: the first read is final, so none
// waits.
func (r *rig) client(owner string, opts ...xpay.Option) *xpay.Client {
	return r.srv.Client(append([]xpay.Option{xpay.WithJournal(r.j, owner)}, opts...)...)
}

func (r *rig) entries(states ...xpay.JournalState) []xpay.JournalEntry {
	r.t.Helper()
	c := r.client("reader")
	es, err := r.j.Entries(context.Background(), c.AliasFingerprint(), states...)
	require.NoError(r.t, err)
	return es
}

func (r *rig) order(code string) *xpay.Order {
	r.t.Helper()
	res, err := r.srv.Client().GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: code})
	require.NoError(r.t, err)
	return res.Order()
}

// counting counts the journal's calls: each is one statement.
type counting struct {
	*sqljournal.Journal
	begins, updates atomic.Int32
	onBegin         func()
}

func (c *counting) Begin(ctx context.Context, e *xpay.JournalEntry) error {
	c.begins.Add(1)
	if c.onBegin != nil {
		c.onBegin()
	}
	return c.Journal.Begin(ctx, e)
}

func (c *counting) Update(ctx context.Context, id, owner string, u xpay.JournalUpdate) error {
	c.updates.Add(1)
	return c.Journal.Update(ctx, id, owner, u)
}

func capture(code string, amount xpay.Amount, before *xpay.Order, key string) *xpay.CaptureRequest {
	return &xpay.CaptureRequest{TransactionCode: code, Amount: amount, Currency: xpay.CurrencyEUR, Before: before, IdempotencyKey: key}
}

func TestJournaledWrite(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		ctx := context.Background()
		r := newRig(t, e, dsn)
		c := r.client("r1")
		_, err := c.Capture(ctx, capture(xpaytest.DemoAuthorized, 2000, r.order(xpaytest.DemoAuthorized), "capture/1"))
		require.NoError(t, err)
		assert.Equal(t, int32(1), r.j.begins.Load())
		assert.Equal(t, int32(1), r.j.updates.Load(), "two statements a write: Begin and the Update that closes it")

		done := r.entries(xpay.JournalDone)
		require.Len(t, done, 1)
		assert.Equal(t, "order:"+xpaytest.DemoAuthorized, done[0].Key)
		assert.Equal(t, "capture/1", done[0].IdempotencyKey)
		assert.Equal(t, "r1", done[0].Owner)
		assert.Equal(t, xpay.Amount(2000), done[0].Write.Amount)
		assert.JSONEq(t, `{"codiceTransazione":"`+xpaytest.DemoAuthorized+`","importo":2000,"divisa":"978"}`, string(done[0].Write.Request))

		// The same key again, from another replica: done, so not sent.
		_, err = r.client("r2").Capture(ctx, capture(xpaytest.DemoAuthorized, 2000, nil, "capture/1"))
		assert.ErrorIs(t, err, xpay.ErrWriteDone)
		assert.Equal(t, 1, r.srv.Requests("Capture"))

		// A refusal is recorded with XPay's code.
		_, err = c.Capture(ctx, capture(xpaytest.DemoDenied, 100, nil, ""))
		var apiErr *xpay.APIError
		require.ErrorAs(t, err, &apiErr)
		refused := r.entries(xpay.JournalRefused)
		require.Len(t, refused, 1)
		assert.Contains(t, refused[0].Detail, "KO 16")

		// Writes without a key are each their own.
		for _, code := range []string{xpaytest.DemoAuthorized, xpaytest.DemoCaptured} {
			_, err = c.Refund(ctx, &xpay.RefundRequest{TransactionCode: code, Amount: 100, Currency: xpay.CurrencyEUR})
			require.NoError(t, err, "a write without a key is never another's")
		}

		// Reads are not journaled.
		_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
		require.NoError(t, err)
		assert.Equal(t, int32(5), r.j.begins.Load())
	})
}

// Nothing leaves before it is recorded: a journal that cannot record the
// write means nothing is sent, with a plain error.
func TestNothingLeavesUnrecorded(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		r := newRig(t, e, dsn)
		c := r.client("r1")
		require.NoError(t, r.db.Close())
		_, err := c.Capture(context.Background(), capture(xpaytest.DemoAuthorized, 2000, nil, ""))
		require.Error(t, err)
		assert.ErrorContains(t, err, "not sent: the journal could not record the write")
		assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown, "a plain error: safe to try again")
		assert.Zero(t, r.srv.Requests("Capture"))
	})
}

// A process that stalls between the journal and the send does not send a
// write whose timeStamp is too old: it is closed as never sent.
func TestAStalledWriteIsNeverSent(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		r := newRig(t, e, dsn)
		r.j.onBegin = func() { r.advance(xpay.SendWindow) }
		_, err := r.client("r1").Capture(context.Background(), capture(xpaytest.DemoAuthorized, 2000, nil, "k"))
		assert.ErrorContains(t, err, "not sent")
		assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown)
		assert.Zero(t, r.srv.Requests("Capture"))
		ns := r.entries(xpay.JournalNotSent)
		require.Len(t, ns, 1)
		assert.Contains(t, ns[0].Detail, "too old to send")

		r.j.onBegin = func() { r.advance(xpay.SendWindow - time.Millisecond) }
		_, err = r.client("r1").Capture(context.Background(), capture(xpaytest.DemoAuthorized, 2000, nil, "k"))
		require.NoError(t, err, "just in time; and the key that was never sent may be sent again")

		// The request carries the timeStamp the journal recorded, not the
		// time it left: a stalled process cannot land it later than that.
		done := r.entries(xpay.JournalDone)
		require.Len(t, done, 1)
		var sent struct {
			TimeStamp json.Number `json:"timeStamp"`
		}
		received := r.srv.Received()
		require.Equal(t, "Capture", received[len(received)-1].Operation)
		require.NoError(t, json.Unmarshal([]byte(received[len(received)-1].Request), &sent))
		assert.Equal(t, strconv.FormatInt(done[0].Sent.UnixMilli(), 10), sent.TimeStamp.String())
		assert.Equal(t, done[0].Sent.UnixMilli()+(xpay.SendWindow-time.Millisecond).Milliseconds(), r.now().UnixMilli(), "it left a minute after")
	})
}

// A lost answer leaves the write open, holding its order; any replica's
// Recover settles it once its window has passed, and a write that did not
// happen may then be sent again under the same key.
func TestRecoverSettlesLostWrites(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		ctx := context.Background()
		r := newRig(t, e, dsn)
		for _, processed := range []bool{true, false} {
			code := xpaytest.DemoAuthorized
			if !processed {
				code = xpaytest.DemoCaptured
			}
			c := r.client("r1")
			r.srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: processed, Times: 1})
			_, err := c.Capture(ctx, capture(code, 1000, r.order(code), "capture/"+code))
			require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)
		}
		assert.Len(t, r.entries(xpay.JournalOpen), 2, "open, for recovery")
		_, err := r.client("r2").Capture(ctx, capture(xpaytest.DemoAuthorized, 500, nil, ""))
		assert.ErrorIs(t, err, xpay.ErrWriteInFlight, "one writer per order")

		rep, err := r.client("r2").Recover(ctx)
		require.NoError(t, err)
		assert.Empty(t, rep.Settled, "nothing to claim before the leases end")

		r.advance(xpay.SettleWindow)
		rep, err = r.client("r2").Recover(ctx)
		require.NoError(t, err)
		require.Len(t, rep.Settled, 2)
		states := map[string]xpay.JournalState{}
		for _, e := range rep.Settled {
			states[e.Write.TransactionCode] = e.State
			assert.Equal(t, "r2", e.Owner)
		}
		assert.Equal(t, map[string]xpay.JournalState{xpaytest.DemoAuthorized: xpay.JournalDone, xpaytest.DemoCaptured: xpay.JournalNotDone}, states)
		assert.Empty(t, r.entries(xpay.JournalOpen))
		require.Len(t, rep.Owed, 1, "the one that did not happen is owed")
		assert.Equal(t, "capture/"+xpaytest.DemoCaptured, rep.Owed[0].IdempotencyKey)

		// Sent again to a host that refuses the connection: that attempt
		// never left, and the capture is still owed.
		_, err = r.client("r3", xpay.WithBaseURL("http://127.0.0.1:1")).Capture(ctx,
			capture(xpaytest.DemoCaptured, 1000, r.order(xpaytest.DemoCaptured), "capture/"+xpaytest.DemoCaptured))
		require.Error(t, err)
		require.NotErrorIs(t, err, xpay.ErrOutcomeUnknown, "a refused connection: nothing left")
		rep, err = r.client("r2").Recover(ctx)
		require.NoError(t, err)
		require.Len(t, rep.Owed, 1, "an attempt that never left replaces nothing")
		require.Len(t, r.entries(xpay.JournalNotSent), 1)

		// The one that did not happen is owed, and its key is free.
		_, err = r.client("r1").Capture(ctx, capture(xpaytest.DemoCaptured, 1000, r.order(xpaytest.DemoCaptured), "capture/"+xpaytest.DemoCaptured))
		var apiErr *xpay.APIError
		if errors.As(err, &apiErr) {
			t.Logf("sent again, and XPay answered: %v", err)
		} else {
			require.NoError(t, err)
		}
		_, err = r.client("r1").Capture(ctx, capture(xpaytest.DemoAuthorized, 2000, nil, "capture/"+xpaytest.DemoAuthorized))
		assert.ErrorIs(t, err, xpay.ErrWriteDone, "the one that happened is done")
		rep, err = r.client("r2").Recover(ctx)
		require.NoError(t, err)
		assert.Empty(t, rep.Owed, "sent again: no longer owed")
	})
}

// When no read can tell, the write stays for a person, listed with what
// to look at, and holds its order until Resolve.
func TestRecoverListsWhatNeedsAPerson(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		ctx := context.Background()
		r := newRig(t, e, dsn)
		c := r.client("r1")
		r.srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: true, Times: 1})
		_, err := c.Capture(ctx, capture(xpaytest.DemoAuthorized, 2000, nil, "")) // no Before
		require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)
		// Another writer, outside the journal, captures the same amount.
		_, err = r.srv.Client().Capture(ctx, capture(xpaytest.DemoAuthorized, 2000, nil, ""))
		require.NoError(t, err)

		r.advance(xpay.SettleWindow)
		rep, err := r.client("r2").Recover(ctx)
		require.NoError(t, err)
		require.Len(t, rep.Attention, 1)
		a := rep.Attention[0]
		assert.Equal(t, xpay.JournalAttention, a.State)
		assert.Contains(t, a.Detail, "a person must look")
		_, err = c.Capture(ctx, capture(xpaytest.DemoAuthorized, 100, nil, ""))
		assert.ErrorIs(t, err, xpay.ErrWriteInFlight, "held until a person decides")

		assert.ErrorContains(t, c.Drop(ctx, a.ID, "not owed"), "not one a person may close so", "Drop is for writes settled as not done")
		require.NoError(t, c.Resolve(ctx, a.ID, true, "two captures of 20.00 on the order: ours and the back office's"))
		assert.Empty(t, r.entries(xpay.JournalAttention))
		done := r.entries(xpay.JournalDone)
		require.Len(t, done, 1)
		assert.Contains(t, done[0].Detail, "resolved by hand")
		assert.Error(t, c.Resolve(ctx, a.ID, true, "again"), "closed")
		assert.ErrorContains(t, c.Drop(ctx, done[0].ID, "done"), "not one a person may close so", "a write done is not dropped")

		// An open write whose window has not passed may still land: no
		// person closes it.
		r.srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Times: 1})
		_, err = c.Capture(ctx, capture(xpaytest.DemoAuthorized, 100, nil, ""))
		require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)
		open := r.entries(xpay.JournalOpen)
		require.Len(t, open, 1)
		assert.ErrorContains(t, c.Resolve(ctx, open[0].ID, false, "too soon"), "not one a person may close so")
	})
}

// A write whose object cannot be read is not settled: it stays open, for
// the next round, saying why, and holds its order.
func TestRecoverLeavesOpenWhatItCannotRead(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		ctx := context.Background()
		r := newRig(t, e, dsn)
		c := r.client("r1")
		r.srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: true, Times: 1})
		_, err := c.Capture(ctx, capture(xpaytest.DemoAuthorized, 2000, r.order(xpaytest.DemoAuthorized), "capture/1"))
		require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)
		r.advance(xpay.SettleWindow)

		r.srv.InjectFault("GetOrder", xpaytest.Fault{MissingMAC: true}) // every read
		rep, err := r.client("r2").Recover(ctx)
		require.NoError(t, err)
		require.Len(t, rep.Settled, 1)
		assert.Equal(t, xpay.JournalOpen, rep.Settled[0].State, "not settled: still open")
		assert.Contains(t, rep.Settled[0].Detail, "not settled yet")
		require.Len(t, rep.Open, 1)
		assert.Empty(t, rep.Owed, "never owed on a read that cannot be trusted")
		_, err = c.Capture(ctx, capture(xpaytest.DemoAuthorized, 2000, nil, "capture/1"))
		assert.ErrorIs(t, err, xpay.ErrWriteInFlight)

		r.srv.ClearFaults()
		rep, err = r.client("r3").Recover(ctx)
		require.NoError(t, err)
		assert.Empty(t, rep.Settled, "tried again a minute later, not at once")
		r.advance(time.Minute)
		rep, err = r.client("r3").Recover(ctx)
		require.NoError(t, err)
		require.Len(t, rep.Settled, 1)
		assert.Equal(t, xpay.JournalDone, rep.Settled[0].State)
	})
}

// claimHook runs after once, right after the first Claim that gave its
// Client anything: between the claim and the settling.
type claimHook struct {
	xpay.Journal
	after func()
	once  sync.Once
}

func (h *claimHook) Claim(ctx context.Context, alias, owner string, now, until time.Time, limit int) ([]xpay.JournalEntry, error) {
	es, err := h.Journal.Claim(ctx, alias, owner, now, until, limit)
	if len(es) > 0 {
		h.once.Do(h.after)
	}
	return es, err
}

// Two replicas recovering at once never settle the same write: while one
// holds what it claimed, settling it, the other's Recover finds nothing to
// claim; each write is settled, and closed, once.
func TestRecoverTwoReplicasAtOnce(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		ctx := context.Background()
		r := newRig(t, e, dsn)
		codes := []string{xpaytest.DemoAuthorized, xpaytest.DemoCaptured}
		for _, code := range codes {
			r.srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: code == xpaytest.DemoAuthorized, Times: 1})
			_, err := r.client("r1").Capture(ctx, capture(code, 1000, r.order(code), "capture/"+code))
			require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)
		}
		r.advance(xpay.SettleWindow)

		var during *xpay.Recovery
		hook := &claimHook{Journal: r.j}
		hook.after = func() {
			var err error
			during, err = r.client("r3").Recover(ctx)
			require.NoError(t, err)
		}
		rep, err := r.srv.Client(xpay.WithJournal(hook, "r2")).Recover(ctx)
		require.NoError(t, err)
		require.NotNil(t, during, "the other replica recovered while r2 held its claim")
		assert.Empty(t, during.Settled, "nothing to claim: r2 holds both")
		assert.Len(t, during.Open, 2, "and it lists them, open")
		require.Len(t, rep.Settled, 2)
		for _, e := range rep.Settled {
			assert.Equal(t, "r2", e.Owner)
		}
		assert.Equal(t, 2, r.srv.Requests("GetOrder")-2, "one read a write: the two befores, then one each")
		assert.Empty(t, r.entries(xpay.JournalOpen))
	})
}
