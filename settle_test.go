package xpay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// settleRig is a sandbox and Clients that share one clock, which moves
// only when Settle waits between reads: by the wait. No test of Settle
// waits for real time, so none depends on the machine's speed.
type settleRig struct {
	t       *testing.T
	srv     *xpaytest.Server
	ms      atomic.Int64 // the clock, in epoch milliseconds
	pauses  atomic.Int32
	onPause func(n int, now time.Time) // at each wait, once the clock moved
}

func newSettleRig(t *testing.T) *settleRig {
	r := &settleRig{t: t}
	r.ms.Store(time.Date(2026, 6, 17, 10, 0, 0, 0, xpay.Rome()).UnixMilli())
	r.srv = xpaytest.NewServer(xpaytest.WithDemoData(), xpaytest.WithClock(r.now))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *settleRig) now() time.Time { return time.UnixMilli(r.ms.Load()) }

func (r *settleRig) advance(d time.Duration) { r.ms.Add(d.Milliseconds()) }

// client returns a new Client on the rig's clock, as a new process would
// make one.
func (r *settleRig) client(opts ...xpay.Option) *xpay.Client {
	return r.srv.Client(append([]xpay.Option{xpay.WithPause(r.pause)}, opts...)...)
}

func (r *settleRig) pause(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.advance(d)
	n := int(r.pauses.Add(1))
	if r.onPause != nil {
		r.onPause(n, r.now())
	}
	return nil
}

// before reads code's order, as a careful caller does before a write.
func (r *settleRig) before(c *xpay.Client, code string) *xpay.Order {
	res, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: code})
	require.NoError(r.t, err)
	return res.Order()
}

// lostCapture sends a capture whose answer the sandbox loses: after
// carrying it out (processed) or before. It returns the pending write,
// persisted as JSON and read back, as a restarted process has it.
func (r *settleRig) lostCapture(c *xpay.Client, req *xpay.CaptureRequest, processed bool) xpay.PendingWrite {
	r.t.Helper()
	r.srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: processed, Times: 1})
	_, err := c.Capture(context.Background(), req)
	return persisted(r.t, err)
}

// persisted returns the Write of err, an *OutcomeUnknownError, through
// JSON.
func persisted(t *testing.T, err error) xpay.PendingWrite {
	t.Helper()
	var unknown *xpay.OutcomeUnknownError
	require.ErrorAs(t, err, &unknown)
	require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)
	b, err := json.Marshal(unknown.Write)
	require.NoError(t, err)
	var w xpay.PendingWrite
	require.NoError(t, json.Unmarshal(b, &w))
	return w
}

// A pending write survives a restart: stored as JSON, loaded back and
// settled by another Client, for both outcomes.
func TestSettleAPersistedWriteWithANewClient(t *testing.T) {
	t.Parallel()
	for _, processed := range []bool{true, false} {
		r := newSettleRig(t)
		first := r.client()
		before := r.before(first, xpaytest.DemoAuthorized)
		sent := r.now()
		w := r.lostCapture(first, capture20(xpaytest.DemoAuthorized, before), processed)

		assert.Equal(t, "Capture", w.Operation)
		assert.Equal(t, xpaytest.DemoAuthorized, w.TransactionCode)
		assert.Equal(t, xpay.Amount(2000), w.Amount)
		assert.Equal(t, eur, w.Currency)
		assert.True(t, w.Sent.Equal(sent), "Sent is the request's timeStamp: %v, want %v", w.Sent, sent)
		require.NotNil(t, w.Before, "known, and empty: the order had no rows")
		assert.Empty(t, w.Before)

		// The last wait ends on the window's very edge: the read then is
		// the first one after it, and final.
		deadline := sent.Add(xpay.SettleWindow)
		r.onPause = func(_ int, now time.Time) {
			if now.After(deadline.Add(-time.Minute)) && now.Before(deadline) {
				r.ms.Store(deadline.UnixMilli())
			}
		}
		happened, err := r.client().Settle(context.Background(), &w)
		require.NoError(t, err)
		assert.Equal(t, processed, happened)
		if !processed {
			assert.True(t, r.now().Equal(deadline), "not happened at the first read on or after the window's end: %v", r.now().Sub(sent))
		}
		assert.Equal(t, 1, r.srv.Requests("Capture"), "Settle never writes")
	}
}

// A capture that XPay carries out minutes after the client gave up: the
// reads before it shows are not final, and Settle reports it as happened.
func TestSettleWaitsForAWriteThatLandsLate(t *testing.T) {
	t.Parallel()
	r := newSettleRig(t)
	g := &gate{next: http.DefaultTransport, path: "contabilizza", release: make(chan struct{}), done: make(chan struct{})}
	c := r.client(xpay.WithHTTPClient(&http.Client{Transport: g}))
	before := r.before(c, xpaytest.DemoAuthorized)
	sent := r.now()
	_, err := c.Capture(context.Background(), capture20(xpaytest.DemoAuthorized, before))
	w := persisted(t, err)

	var readsBefore int
	r.onPause = func(_ int, now time.Time) {
		if now.Sub(sent) >= 4*time.Minute && readsBefore == 0 {
			readsBefore = r.srv.Requests("GetOrder")
			close(g.release)
			<-g.done // the sandbox carried it out
		}
	}
	happened, err := c.Settle(context.Background(), &w)
	require.NoError(t, err)
	assert.True(t, happened, "the capture landed late: sending it again would capture twice")
	assert.Greater(t, readsBefore, 2, "reads that showed nothing before the window passed were not final")
	assert.Equal(t, xpay.Amount(2000), captured(t, r.before(c, xpaytest.DemoAuthorized)))
}

// gate holds the requests to path until release, and answers the client
// at once with a reset, as a connection lost after the request was written.
type gate struct {
	next          http.RoundTripper
	path          string
	release, done chan struct{}
}

func (g *gate) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Path, g.path) {
		return g.next.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	held := req.Clone(context.Background())
	held.Body = io.NopCloser(bytes.NewReader(body))
	go func() {
		defer close(g.done)
		<-g.release
		if res, err := g.next.RoundTrip(held); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
		}
	}()
	return nil, errors.New("connection reset by peer")
}

// Settle names this write, not a total: other writers on the same order,
// and a second write of the same amount.
func TestSettleAmongOtherWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name      string
		processed bool // the lost capture was carried out
		other     func(c *xpay.Client) error
		happened  bool
		ambiguous bool
	}{
		{
			name: "a capture of another amount after one lost before XPay ran it",
			other: func(c *xpay.Client) error {
				_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 3000, Currency: eur})
				return err
			},
		},
		{
			name: "a refund after the lost capture", processed: true, happened: true,
			other: func(c *xpay.Client) error {
				_, err := c.Refund(ctx, &xpay.RefundRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 2000, Currency: eur})
				return err
			},
		},
		{
			name: "the same amount twice", processed: true, ambiguous: true,
			other: func(c *xpay.Client) error {
				_, err := c.Capture(ctx, capture20(xpaytest.DemoAuthorized, nil))
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newSettleRig(t)
			c := r.client()
			w := r.lostCapture(c, capture20(xpaytest.DemoAuthorized, r.before(c, xpaytest.DemoAuthorized)), tt.processed)
			require.NoError(t, tt.other(r.client()), "the other writer")

			happened, err := r.client().Settle(ctx, &w)
			assert.Equal(t, tt.happened, happened)
			if tt.ambiguous {
				assert.ErrorIs(t, err, xpay.ErrSettleAmbiguous)
				assert.ErrorContains(t, err, "2 new CONTAB. rows of 2000")
				assert.Zero(t, r.pauses.Load(), "no read will tell: it says so at once")
				return
			}
			require.NoError(t, err)
		})
	}
}

// A refund lost before XPay ran it is not mistaken for another refund of
// another amount, nor for a capture of its amount.
func TestSettleARefund(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newSettleRig(t)
	c := r.client()
	before := r.before(c, xpaytest.DemoCaptured) // €19.99 captured
	r.srv.InjectFault("Refund", xpaytest.Fault{Reset: true, Times: 1})
	_, err := c.Refund(ctx, &xpay.RefundRequest{TransactionCode: xpaytest.DemoCaptured, Amount: 999, Currency: eur, Before: before})
	w := persisted(t, err)
	require.Len(t, w.Before, 1, "the capture row, read before")
	_, err = r.client().Refund(ctx, &xpay.RefundRequest{TransactionCode: xpaytest.DemoCaptured, Amount: 500, Currency: eur})
	require.NoError(t, err)

	happened, err := r.client().Settle(ctx, &w)
	require.NoError(t, err)
	assert.False(t, happened)

	r.srv.InjectFault("Refund", xpaytest.Fault{Reset: true, Processed: true, Times: 1})
	_, err = c.Refund(ctx, &xpay.RefundRequest{TransactionCode: xpaytest.DemoCaptured, Amount: 999, Currency: eur, Before: r.before(c, xpaytest.DemoCaptured)})
	w = persisted(t, err)
	happened, err = r.client().Settle(ctx, &w)
	require.NoError(t, err)
	assert.True(t, happened)
}

// Without a reading from before, a matching row that may be older than
// the write leaves Settle unable to tell; one dated days before it does
// not.
func TestSettleWithoutAReadingFromBefore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newSettleRig(t)
	c := r.client()
	_, err := c.Capture(ctx, capture20(xpaytest.DemoAuthorized, nil)) // a first capture, two days ago
	require.NoError(t, err)
	r.advance(48 * time.Hour)

	w := r.lostCapture(c, capture20(xpaytest.DemoAuthorized, nil), false)
	assert.Nil(t, w.Before, "nobody read the order: unknown, not empty")
	happened, err := r.client().Settle(ctx, &w)
	require.NoError(t, err, "the row of two days ago is not this write's")
	assert.False(t, happened)

	w = r.lostCapture(c, capture20(xpaytest.DemoAuthorized, nil), true)
	happened, err = r.client().Settle(ctx, &w)
	assert.False(t, happened)
	assert.ErrorIs(t, err, xpay.ErrSettleAmbiguous)
	assert.ErrorContains(t, err, "may be older than the write")

	// With a reading from before, the older rows of the amount are known.
	w = r.lostCapture(c, capture20(xpaytest.DemoAuthorized, r.before(c, xpaytest.DemoAuthorized)), false)
	require.Len(t, w.Before, 2)
	happened, err = r.client().Settle(ctx, &w)
	require.NoError(t, err)
	assert.False(t, happened, "both rows of 2000 were there before")
}

// Only a verified, fresh read after the window says "did not happen": a
// read that cannot be trusted never does, before or after the window.
func TestSettleNeverTrustsAnUntrustedRead(t *testing.T) {
	t.Parallel()
	faults := map[string]xpaytest.Fault{
		"wrong MAC":         {WrongMAC: true},
		"missing MAC":       {MissingMAC: true},
		"stale":             {Stale: time.Hour},
		"an HTML page":      {HTTPStatus: http.StatusServiceUnavailable},
		"an unsigned KO 2":  {UnsignedKO: xpay.CodeNotFound},
		"an unsigned KO 50": {UnsignedKO: 50},
		"malformed JSON":    {MalformedJSON: true},
	}
	for name, f := range faults {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newSettleRig(t)
			c := r.client()
			w := r.lostCapture(c, capture20(xpaytest.DemoAuthorized, r.before(c, xpaytest.DemoAuthorized)), false)
			r.srv.InjectFault("GetOrder", f) // every read, until the end
			happened, err := r.client().Settle(context.Background(), &w)
			assert.False(t, happened)
			require.Error(t, err, "the outcome is still unknown")
			assert.ErrorContains(t, err, "the outcome is still unknown")
			assert.NotErrorIs(t, err, xpay.ErrSettleAmbiguous)
			assert.False(t, r.now().Before(w.Sent.Add(xpay.SettleWindow)), "it read until the window passed")
		})
	}
}

// An order XPay does not know, verified, is one nothing happened to.
func TestSettleAnUnknownOrder(t *testing.T) {
	t.Parallel()
	r := newSettleRig(t)
	c := r.client()
	w := xpay.PendingWrite{Operation: "Capture", AliasFingerprint: c.AliasFingerprint(), TransactionCode: "ORD-NOBODY", Amount: 100, Sent: r.now(), Before: []xpay.Operation{}}
	happened, err := c.Settle(context.Background(), &w)
	require.NoError(t, err)
	assert.False(t, happened)
	assert.Greater(t, r.srv.Requests("GetOrder"), 1)
}

func TestSettleMisuseAndCancellation(t *testing.T) {
	t.Parallel()
	r := newSettleRig(t)
	c := r.client()
	ok := xpay.PendingWrite{Operation: "Capture", TransactionCode: xpaytest.DemoAuthorized, Amount: 1, Sent: r.now()}
	bad := map[string]func(w *xpay.PendingWrite){
		"Operation":       func(w *xpay.PendingWrite) { w.Operation = "RegeneratePayByLink" },
		"TransactionCode": func(w *xpay.PendingWrite) { w.TransactionCode = "X" },
		"Amount":          func(w *xpay.PendingWrite) { w.Amount = 0 },
		"Sent":            func(w *xpay.PendingWrite) { w.Sent = time.Time{} },
	}
	for field, change := range bad {
		w := ok
		change(&w)
		_, err := c.Settle(context.Background(), &w)
		var ve *xpay.ValidationError
		require.ErrorAs(t, err, &ve, field)
		assert.Equal(t, field, ve.Field)
		assert.Equal(t, "Settle", ve.Operation)
	}
	_, err := c.Settle(context.Background(), nil)
	var ve *xpay.ValidationError
	assert.ErrorAs(t, err, &ve)
	assert.Zero(t, r.srv.Requests("GetOrder"), "nothing read for a pending write that cannot be settled")

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	happened, err := c.Settle(cancelled, &ok)
	assert.False(t, happened)
	assert.ErrorIs(t, err, context.Canceled, "the outcome is still unknown")
}

// Each of these is a write that happened: Settle must answer true, or
// ErrSettleAmbiguous, or an error, and never (false, nil).
func mustNotSayNotHappened(t *testing.T, happened bool, err error) {
	t.Helper()
	assert.False(t, !happened && err == nil, "(false, nil) for a write that happened: it would be sent again")
}

// A capture sent in the second pass of the hour that repeats when summer
// time ends makes a row whose clock reading also names an instant an hour
// earlier: that reading does not make the row known to be older.
func TestSettleInTheRepeatedOctoberHour(t *testing.T) {
	t.Parallel()
	for _, withBefore := range []bool{false, true} {
		t.Run(fmt.Sprintf("Before given: %v", withBefore), func(t *testing.T) {
			t.Parallel()
			r := newSettleRig(t)
			// 02:30 of 25 October 2026, the second time: 01:30 UTC.
			r.ms.Store(time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC).UnixMilli())
			c := r.client()
			var before *xpay.Order
			if withBefore {
				before = r.before(c, xpaytest.DemoAuthorized)
			}
			w := r.lostCapture(c, capture20(xpaytest.DemoAuthorized, before), true)
			row := r.before(c, xpaytest.DemoAuthorized).Operations()[0]
			require.True(t, strings.HasPrefix(row.Date, "2026-10-25 02:30:00"), "the row reads the repeated hour: %s", row.Date)

			happened, err := r.client().Settle(context.Background(), &w)
			mustNotSayNotHappened(t, happened, err)
			if withBefore {
				require.NoError(t, err)
				assert.True(t, happened)
				return
			}
			assert.ErrorIs(t, err, xpay.ErrSettleAmbiguous, "without Before, a row that may be the write's")
		})
	}
}

// A Before that is no reading of this order (an extra row, a row of
// another order, a row of another date) is never used to explain rows
// away.
func TestSettleBeforeThatIsNoReadingOfTheOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := map[string]func(w *xpay.PendingWrite){
		"an extra row, the same as one that was there": func(w *xpay.PendingWrite) { w.Before = append(w.Before, w.Before[0]) },
		"an extra row of the amount, of another date": func(w *xpay.PendingWrite) {
			w.Before = append(w.Before, xpay.Operation{Type: xpay.OperationTypeCapture, Amount: 2000, Date: "2026-06-01 09:00:00"})
		},
		"a row of another date": func(w *xpay.PendingWrite) { w.Before[0].Date = "2026-06-01 09:00:00" },
	}
	for name, corrupt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newSettleRig(t)
			c := r.client()
			_, err := c.Capture(ctx, capture20(xpaytest.DemoAuthorized, nil)) // a first capture of 20.00
			require.NoError(t, err)
			r.advance(time.Hour)
			w := r.lostCapture(c, capture20(xpaytest.DemoAuthorized, r.before(c, xpaytest.DemoAuthorized)), true)
			require.Len(t, w.Before, 1)
			corrupt(&w)

			happened, err := r.client().Settle(ctx, &w)
			mustNotSayNotHappened(t, happened, err)
			assert.ErrorIs(t, err, xpay.ErrSettleAmbiguous)
		})
	}
}

// A pending write records the alias that sent it: a Client of another
// alias, to which the order is unknown, refuses to settle it.
func TestSettleWithAnotherAlias(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newSettleRig(t)
	c := r.client()
	w := r.lostCapture(c, capture20(xpaytest.DemoAuthorized, r.before(c, xpaytest.DemoAuthorized)), true)
	assert.Equal(t, c.AliasFingerprint(), w.AliasFingerprint)

	// Another terminal of the merchant: a valid alias, which never saw the order.
	recurring := xpaytest.NewServer(xpaytest.WithCredentials("ALIAS_RICO_00000002", "ANOTHER_SECRET"), xpaytest.WithClock(r.now))
	t.Cleanup(recurring.Close)
	other := recurring.Client(xpay.WithPause(r.pause))
	require.NotEqual(t, c.AliasFingerprint(), other.AliasFingerprint())

	happened, err := other.Settle(ctx, &w)
	mustNotSayNotHappened(t, happened, err)
	var ve *xpay.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "AliasFingerprint", ve.Field)
	assert.Zero(t, recurring.Requests("GetOrder"), "nothing read with the wrong alias")

	// A write stored before the alias was recorded: the order is unknown
	// to this alias, which says nothing about the write.
	legacy := w
	legacy.AliasFingerprint = ""
	happened, err = other.Settle(ctx, &legacy)
	mustNotSayNotHappened(t, happened, err)
	assert.ErrorContains(t, err, "does not record the alias that sent it")

	happened, err = c.Settle(ctx, &w)
	require.NoError(t, err)
	assert.True(t, happened)
}

// A PendingWrite stored as JSON by an older version of this package,
// without the alias, still settles with a Client of its alias.
func TestSettleAWriteStoredByAnOlderVersion(t *testing.T) {
	t.Parallel()
	r := newSettleRig(t)
	c := r.client()
	before := r.before(c, xpaytest.DemoAuthorized)
	sent := r.now()
	r.lostCapture(c, capture20(xpaytest.DemoAuthorized, before), true)
	stored := fmt.Sprintf(`{"operation":"Capture","transactionCode":%q,"amount":2000,"currency":"978","sent":%q,"before":[]}`,
		xpaytest.DemoAuthorized, sent.Format(time.RFC3339Nano))
	var w xpay.PendingWrite
	require.NoError(t, json.Unmarshal([]byte(stored), &w))
	happened, err := r.client().Settle(context.Background(), &w)
	require.NoError(t, err)
	assert.True(t, happened)

	// A write of another kind stored without its request (older versions
	// recorded none) is refused, naming what is missing, before any read.
	reads := r.srv.Requests("ListContractDetails")
	stored = fmt.Sprintf(`{"operation":"DisableContract","sent":%q}`, sent.Format(time.RFC3339Nano))
	require.NoError(t, json.Unmarshal([]byte(stored), &w))
	happened, err = r.client().Settle(context.Background(), &w)
	mustNotSayNotHappened(t, happened, err)
	var ve *xpay.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Request", ve.Field)
	assert.Contains(t, ve.Rule, "is empty")
	assert.Equal(t, reads, r.srv.Requests("ListContractDetails"))
}

// The window is measured so that no skew the freshness check accepts can
// end it early: a Client four minutes ahead of XPay, whose capture is held
// on its way and carried out eight minutes later by XPay's clock (three
// minutes old to XPay, which accepts it).
func TestSettleWindowOnXPaysClock(t *testing.T) {
	t.Parallel()
	r := newSettleRig(t)
	ahead := func() time.Time { return r.now().Add(4 * time.Minute) }
	c := r.client(xpay.WithClock(ahead))
	before := r.before(c, xpaytest.DemoAuthorized)
	r.srv.InjectFault("Capture", xpaytest.Fault{LandAfter: 8 * time.Minute, Times: 1})
	_, err := c.Capture(context.Background(), capture20(xpaytest.DemoAuthorized, before))
	w := persisted(t, err)
	assert.True(t, w.Sent.Equal(ahead()), "Sent is on the Client's clock")

	happened, err := c.Settle(context.Background(), &w)
	require.NoError(t, err)
	assert.True(t, happened, "landed at XPay 8 minutes after it was sent by XPay's clock, 4 by the Client's")
	assert.Equal(t, xpay.Amount(2000), captured(t, r.before(c, xpaytest.DemoAuthorized)))
}

// The six minutes themselves: a read signed 5 minutes 59 seconds after
// Sent is not final, one signed at 6 minutes is.
func TestSettleWindowIsSixMinutes(t *testing.T) {
	t.Parallel()
	r := newSettleRig(t)
	c := r.client()
	w := r.lostCapture(c, capture20(xpaytest.DemoAuthorized, r.before(c, xpaytest.DemoAuthorized)), false)
	var reads []time.Duration
	r.onPause = func(_ int, now time.Time) {
		if at := now.Sub(w.Sent); at > 5*time.Minute && at < 5*time.Minute+59*time.Second {
			r.ms.Store(w.Sent.Add(5*time.Minute + 59*time.Second).UnixMilli())
		}
		reads = append(reads, r.now().Sub(w.Sent))
	}
	happened, err := c.Settle(context.Background(), &w)
	require.NoError(t, err)
	assert.False(t, happened)
	assert.Equal(t, 6*time.Minute, r.now().Sub(w.Sent).Truncate(time.Minute), "the final read is the first at or after 6 minutes")
	assert.Contains(t, reads, 5*time.Minute+59*time.Second, "a read at 5:59 was not final")
}

// A Sent that cannot be true is refused, before or at the first read.
func TestSettleRefusesASentInTheFuture(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newSettleRig(t)
	c := r.client()
	w := r.lostCapture(c, capture20(xpaytest.DemoAuthorized, nil), true)
	reads := r.srv.Requests("GetOrder")

	year := w
	year.Sent = w.Sent.AddDate(1, 0, 0)
	happened, err := c.Settle(ctx, &year)
	mustNotSayNotHappened(t, happened, err)
	var ve *xpay.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Sent", ve.Field)
	assert.Equal(t, reads, r.srv.Requests("GetOrder"), "refused before any read")

	// The bound itself: the freshness window and a second ahead of this
	// Client's clock is refused before any read.
	edge := w
	edge.Sent = r.now().Add(xpay.DefaultFreshness + time.Second)
	happened, err = c.Settle(ctx, &edge)
	mustNotSayNotHappened(t, happened, err)
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Rule, "after this Client's clock")
	assert.Equal(t, reads, r.srv.Requests("GetOrder"), "refused before any read")

	// Ahead of XPay's signed clock, though not of this Client's, which is
	// itself ahead of XPay.
	ahead := r.client(xpay.WithClock(func() time.Time { return r.now().Add(4 * time.Minute) }))
	soon := w
	soon.Sent = w.Sent.Add(6 * time.Minute) // 2 minutes ahead of this Client, 6 of XPay
	happened, err = ahead.Settle(ctx, &soon)
	mustNotSayNotHappened(t, happened, err)
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Rule, "after XPay's clock")
}

// Settle reads the order whose code it is, all of it, and only that: an
// answer that lists it twice, another order first, or only another order.
func TestSettleReadsTheOrderWhoseCodeItIs(t *testing.T) {
	t.Parallel()
	order := func(code, rows string) string {
		return fmt.Sprintf(`{"codiceTransazione":%q,"stato":"Contabilizzato Parz.","dettaglio":[{"operazioni":[%s]}]}`, code, rows)
	}
	const capture = `{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2024-06-17 10:00:01"}`
	tests := []struct {
		name     string
		report   string
		happened bool
		err      string
	}{
		{"listed twice, the capture in the second", order("ORD-1", "") + "," + order("ORD-1", capture), true, ""},
		{"another order first", order("ORD-2", "") + "," + order("ORD-1", capture), true, ""},
		{"another order with a capture first", order("ORD-2", capture) + "," + order("ORD-1", ""), false, ""},
		{"only another order", order("ORD-2", ""), false, "the outcome is still unknown"},
		{"listed twice, the capture in both", order("ORD-1", capture) + "," + order("ORD-1", capture), false, "2 new CONTAB. rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mock := newTestClient(t, xpay.WithPause(func(context.Context, time.Duration) error { return nil }))
			mock.RegisterNoResponder(httpmock.NewStringResponder(http.StatusOK, `{`+envelopeJSON("OK", "1", nowMS)+`,"report":[`+tt.report+`]}`))
			w := xpay.PendingWrite{Operation: "Capture", AliasFingerprint: c.AliasFingerprint(), TransactionCode: "ORD-1", Amount: 2000,
				Sent: fixedClock().Add(-xpay.SettleWindow), Before: []xpay.Operation{}}
			happened, err := c.Settle(context.Background(), &w)
			assert.Equal(t, tt.happened, happened)
			if tt.err == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.err)
		})
	}
}

// XPay's "unknown order" is final only on XPay's clock too: a Client ahead
// of XPay reads until XPay's signed clock has passed the window.
func TestSettleAnUnknownOrderOnXPaysClock(t *testing.T) {
	t.Parallel()
	r := newSettleRig(t)
	c := r.client(xpay.WithClock(func() time.Time { return r.now().Add(4 * time.Minute) }))
	w := xpay.PendingWrite{Operation: "Capture", AliasFingerprint: c.AliasFingerprint(), TransactionCode: "ORD-NOBODY", Amount: 100,
		Sent: r.now().Add(4 * time.Minute), Before: []xpay.Operation{}}
	happened, err := c.Settle(context.Background(), &w)
	require.NoError(t, err)
	assert.False(t, happened)
	assert.GreaterOrEqual(t, r.now().Sub(w.Sent), 6*time.Minute, "the last read was signed 6 minutes after Sent by XPay's clock")
}

// A final read needs both clocks past the window: XPay's signed one, and
// this Client's, so that an XPay whose answers are dated by a clock ahead
// of the one it checks requests with cannot end it early either.
func TestSettleWindowOnBothClocks(t *testing.T) {
	t.Parallel()
	r := newSettleRig(t)
	behind := func() time.Time { return r.now().Add(-4 * time.Minute) }
	c := r.client(xpay.WithClock(behind))
	w := r.lostCapture(c, capture20(xpaytest.DemoAuthorized, r.before(c, xpaytest.DemoAuthorized)), false)
	happened, err := c.Settle(context.Background(), &w)
	require.NoError(t, err)
	assert.False(t, happened)
	assert.GreaterOrEqual(t, behind().Sub(w.Sent), 6*time.Minute, "the Client's own clock passed the window too")
}

// Every write has a rule: lost before XPay carried it out, Settle says
// "did not happen" once the window has passed; lost after, "happened".
// Each rule is driven through the SDK against the sandbox, with the
// write's own fault.
func TestSettleEveryWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const cnt = "CNT-SETTLE-1"
	posContract := func(c *xpay.Client) error {
		_, err := c.CreateContractFromPOS(ctx, &xpay.CreateContractFromPOSRequest{Contract: xpay.POSContract{
			ContractNumber: cnt, POSID: "POS00001", AuthorizationCode: "A1B2C3", Amount: 5000}})
		return err
	}
	contract := func(op func(*xpay.Client, context.Context, *xpay.ContractRequest) (*xpay.ContractChangeResponse, error)) func(c *xpay.Client) error {
		return func(c *xpay.Client) error {
			_, err := op(c, ctx, &xpay.ContractRequest{ContractNumber: cnt})
			return err
		}
	}
	tests := []struct {
		op    string
		setup func(srv *xpaytest.Server, c *xpay.Client) // the object, as it was before the write
		write func(c *xpay.Client) error
	}{
		{"Charge", nil, func(c *xpay.Client) error {
			_, err := c.Charge(ctx, &xpay.ChargeRequest{ContractNumber: xpaytest.DemoContract, TransactionCode: "REC-SETTLE-1", Amount: 1999, Currency: eur})
			return err
		}},
		{"PayNonce", nil, func(c *xpay.Client) error { return nil }}, // see below
		{"CreatePayByLink", nil, func(c *xpay.Client) error {
			_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-SETTLE-1", Amount: 1000, TimeoutHours: 4, ReturnURL: "https://shop.example/esito"})
			return err
		}},
		{"CreateContractFromPOS", nil, posContract},
		{"DeleteContract", func(_ *xpaytest.Server, c *xpay.Client) { require.NoError(t, posContract(c)) }, contract((*xpay.Client).DeleteContract)},
		{"DisableContract", func(_ *xpaytest.Server, c *xpay.Client) { require.NoError(t, posContract(c)) }, contract((*xpay.Client).DisableContract)},
		{"EnableContract", func(_ *xpaytest.Server, c *xpay.Client) {
			require.NoError(t, posContract(c))
			require.NoError(t, contract((*xpay.Client).DisableContract)(c))
		}, contract((*xpay.Client).EnableContract)},
		{"AddToBlacklist", nil, func(c *xpay.Client) error {
			_, err := c.AddToBlacklist(ctx, &xpay.AddToBlacklistRequest{Type: xpay.ValueTypeContractNumber, Value: "CNT-FRODE-1", Description: "frode"})
			return err
		}},
		{"RemoveFromBlacklist", nil, func(c *xpay.Client) error {
			_, err := c.RemoveFromBlacklist(ctx, &xpay.RemoveFromBlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoBlacklisted})
			return err
		}},
		{"DeleteCFPAN", nil, func(c *xpay.Client) error {
			_, err := c.DeleteCFPAN(ctx, &xpay.DeleteCFPANRequest{TaxCode: xpaytest.DemoTaxCode, HashPAN: xpaytest.DemoHashPAN, GroupCode: xpaytest.DefaultGroup})
			return err
		}},
	}
	for _, tt := range tests {
		for _, processed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/processed=%v", tt.op, processed), func(t *testing.T) {
				t.Parallel()
				r := newSettleRig(t)
				c := r.client()
				if tt.setup != nil {
					tt.setup(r.srv, c)
				}
				write := tt.write
				if tt.op == "PayNonce" {
					nonce, err := r.srv.IssueNonce("NONCE-SETTLE-1", 2500, true)
					require.NoError(t, err)
					write = func(c *xpay.Client) error {
						_, err := c.PayNonce(ctx, &xpay.PayNonceRequest{TransactionCode: "NONCE-SETTLE-1", Amount: 2500, Currency: eur, Nonce: nonce})
						return err
					}
				}
				r.srv.InjectFault(tt.op, xpaytest.Fault{Reset: true, Processed: processed, Times: 1})
				w := persisted(t, write(c))
				require.Equal(t, tt.op, w.Operation)

				happened, err := r.client().Settle(ctx, &w)
				require.NoError(t, err)
				assert.Equal(t, processed, happened)
				if !processed {
					assert.GreaterOrEqual(t, r.now().Sub(w.Sent), 6*time.Minute, "did not happen: only once it no longer can")
				}
				assert.Equal(t, 1, r.srv.Requests(tt.op), "settling sent it no second time")
			})
		}
	}
}

// No read tells whether a regeneration happened: Settle refuses it, and
// says why.
func TestSettleARegenerationIsForAPerson(t *testing.T) {
	t.Parallel()
	r := newSettleRig(t)
	c := r.client()
	_, err := c.CreatePayByLink(context.Background(), &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-REGEN-1", Amount: 1000, TimeoutHours: 4, ReturnURL: "https://shop.example/esito"})
	require.NoError(t, err)
	r.srv.InjectFault("RegeneratePayByLink", xpaytest.Fault{Reset: true, Times: 1})
	_, err = c.RegeneratePayByLink(context.Background(), &xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL-REGEN-1", TimeoutHours: 8})
	w := persisted(t, err)
	_, err = c.Settle(context.Background(), &w)
	var ve *xpay.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Rule, "a person must look")
}

// A lost link is settled however many links the day holds: past the 100
// that ListPayByLinks can return, where that search fails.
func TestSettleALinkAmongMoreThanAHundred(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newSettleRig(t)
	c := r.client()
	for i := range 120 {
		_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: fmt.Sprintf("PBL-DAY-%03d", i), Amount: 1000, TimeoutHours: 4, ReturnURL: "https://shop.example/esito"})
		require.NoError(t, err)
	}
	var err error
	for _, err = range c.PayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: xpay.DateOf(r.now()), CreatedTo: xpay.DateOf(r.now())}) {
		if err != nil {
			break
		}
	}
	require.ErrorIs(t, err, xpay.ErrTooManyLinks, "the search cannot list them all")
	for _, processed := range []bool{true, false} {
		code := fmt.Sprintf("PBL-LOST-%v", processed)
		r.srv.InjectFault("CreatePayByLink", xpaytest.Fault{Reset: true, Processed: processed, Times: 1})
		_, err = c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: code, Amount: 1000, TimeoutHours: 4, ReturnURL: "https://shop.example/esito"})
		w := persisted(t, err)
		happened, err := c.Settle(ctx, &w)
		require.NoError(t, err)
		assert.Equal(t, processed, happened, code)
	}
	assert.Positive(t, r.srv.Requests("RegeneratePayByLink"), "the search could not tell: the regeneration did")
}

// With fewer links than one search returns, a lost CreatePayByLink is
// settled by the search alone: nothing regenerates the link, whose expiry
// stays as it was.
func TestSettleALinkBySearching(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newSettleRig(t)
	c := r.client()
	for _, processed := range []bool{true, false} {
		code := fmt.Sprintf("PBL-SEARCH-%v", processed)
		r.srv.InjectFault("CreatePayByLink", xpaytest.Fault{Reset: true, Processed: processed, Times: 1})
		_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: code, Amount: 1000, TimeoutHours: 4, ReturnURL: "https://shop.example/esito"})
		w := persisted(t, err)
		happened, err := c.Settle(ctx, &w)
		require.NoError(t, err)
		assert.Equal(t, processed, happened, code)
	}
	assert.Zero(t, r.srv.Requests("RegeneratePayByLink"), "a read told: no link was changed")
	assert.Positive(t, r.srv.Requests("ListPayByLinks"))
}

// A search that lists a link without its code cannot tell that the link
// is not there: the regeneration asks, and its answer tells. Regenerated,
// or refused because the link was paid: it exists; a code XPay does not
// know: it does not.
func TestSettleALinkListedWithoutItsCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, regenerate string
		happened         bool
	}{
		{"regenerated", `{` + envelopeJSON("OK", "1", nowMS) + `,"payMailUrl":"https://xpay.example/link","codiceTransazione":"PBL-1"}`, true},
		{"paid", `{` + envelopeJSON("KO", "1", nowMS) + `,"errore":{"codice":16,"messaggio":"Link già pagato"}}`, true},
		{"unknown", `{` + envelopeJSON("KO", "1", nowMS) + `,"errore":{"codice":13,"messaggio":"Transazione non trovata"}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock := newTestClient(t, xpay.WithPause(func(context.Context, time.Duration) error { return nil }))
			regenerated := 0
			mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
				if strings.HasSuffix(r.URL.Path, "/rigeneraPayMail") {
					regenerated++
					return httpmock.NewStringResponse(http.StatusOK, tc.regenerate), nil
				}
				return httpmock.NewStringResponse(http.StatusOK, `{`+envelopeJSON("OK", "1", nowMS)+`,"paymail":[{"importo":1000,"statoEsteso":"Da pagare"}]}`), nil
			})
			w := xpay.PendingWrite{Operation: "CreatePayByLink", AliasFingerprint: c.AliasFingerprint(), TransactionCode: "PBL-1",
				Sent: fixedClock().Add(-xpay.SettleWindow), Request: json.RawMessage(`{"codiceTransazione":"PBL-1","importo":1000,"timeout":4}`)}
			happened, err := c.Settle(context.Background(), &w)
			require.NoError(t, err)
			assert.Equal(t, tc.happened, happened)
			assert.Positive(t, regenerated)
		})
	}
}

// An answer that is no reading of the order (another order alone) is read
// again while the window lasts: it ends nothing.
func TestSettleReadsAgainAfterAnAnswerOfAnotherOrder(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t, xpay.WithPause(func(context.Context, time.Duration) error { return nil }))
	order := func(code, rows string) string {
		return fmt.Sprintf(`{"codiceTransazione":%q,"stato":"Contabilizzato Parz.","dettaglio":[{"operazioni":[%s]}]}`, code, rows)
	}
	answers := []string{order("ORD-2", ""), order("ORD-1", `{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2024-06-17 10:00:01"}`)}
	reads := 0
	mock.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
		body := answers[min(reads, len(answers)-1)]
		reads++
		return httpmock.NewStringResponse(http.StatusOK, `{`+envelopeJSON("OK", "1", nowMS)+`,"report":[`+body+`]}`), nil
	})
	w := xpay.PendingWrite{Operation: "Capture", AliasFingerprint: c.AliasFingerprint(), TransactionCode: "ORD-1", Amount: 2000, Sent: fixedClock(), Before: []xpay.Operation{}}
	happened, err := c.Settle(context.Background(), &w)
	require.NoError(t, err)
	assert.True(t, happened)
	assert.Equal(t, 2, reads)
}

// A charge is the order of its code, whole: another order's row, an
// order of another amount, one listed twice, or a state that does not say
// whether it was charged never read as charged or not.
func TestSettleAChargeReadsItsOrder(t *testing.T) {
	t.Parallel()
	order := func(code string, amount int, state string) string {
		return fmt.Sprintf(`{"codiceTransazione":%q,"importo":%d,"stato":%q,"dettaglio":[{"operazioni":[]}]}`, code, amount, state)
	}
	tests := []struct {
		name     string
		report   string
		happened bool
		err      string
	}{
		{"authorized", order("REC-1", 1999, "Autorizzato"), true, ""},
		{"captured", order("REC-1", 1999, "Contabilizzato"), true, ""},
		{"denied", order("REC-1", 1999, "Negato"), false, ""},
		{"another order, authorized", order("REC-2", 1999, "Autorizzato"), false, "the outcome is still unknown"},
		{"another order first", order("REC-2", 1999, "Negato") + "," + order("REC-1", 1999, "Autorizzato"), true, ""},
		{"another amount", order("REC-1", 2999, "Autorizzato"), false, "it is another payment's"},
		{"listed twice", order("REC-1", 1999, "Autorizzato") + "," + order("REC-1", 1999, "Autorizzato"), false, "lists the order"},
		{"a state that says nothing", order("REC-1", 1999, "In Corso"), false, "does not say whether it was charged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mock := newTestClient(t, xpay.WithPause(func(context.Context, time.Duration) error { return nil }))
			mock.RegisterNoResponder(httpmock.NewStringResponder(http.StatusOK, `{`+envelopeJSON("OK", "1", nowMS)+`,"report":[`+tt.report+`]}`))
			w := xpay.PendingWrite{Operation: "Charge", AliasFingerprint: c.AliasFingerprint(), TransactionCode: "REC-1", Amount: 1999, Currency: eur,
				Sent: fixedClock().Add(-xpay.SettleWindow)}
			happened, err := c.Settle(context.Background(), &w)
			assert.Equal(t, tt.happened, happened)
			if tt.err == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.err)
		})
	}
}

// A lost link that the customer paid meanwhile exists: XPay refuses to
// regenerate it (KO 16), which says so.
func TestSettleALinkPaidMeanwhile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newSettleRig(t)
	c := r.client()
	r.srv.InjectFault("CreatePayByLink", xpaytest.Fault{Reset: true, Processed: true, Times: 1})
	_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-PAID-1", Amount: 1000, TimeoutHours: 4, ReturnURL: "https://shop.example/esito"})
	w := persisted(t, err)
	_, err = r.srv.PayLink("PBL-PAID-1", true)
	require.NoError(t, err)
	happened, err := c.Settle(ctx, &w)
	require.NoError(t, err)
	assert.True(t, happened)
}

// A contract in a state this package does not know settles nothing.
func TestSettleAContractInAnUnknownState(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t, xpay.WithPause(func(context.Context, time.Duration) error { return nil }))
	mock.RegisterNoResponder(httpmock.NewStringResponder(http.StatusOK,
		`{`+envelopeJSON("OK", "1", nowMS)+`,"contratti":[{"numeroContratto":"CNT-1","statoAggiornamento":"SOSPESO"}]}`))
	w := xpay.PendingWrite{Operation: "DisableContract", AliasFingerprint: c.AliasFingerprint(), Sent: fixedClock().Add(-xpay.SettleWindow),
		Request: json.RawMessage(`{"numeroContratto":"CNT-1"}`)}
	happened, err := c.Settle(context.Background(), &w)
	assert.False(t, happened)
	assert.ErrorIs(t, err, xpay.ErrSettleAmbiguous)
	assert.ErrorContains(t, err, `"SOSPESO", a state this package does not know`)
}

// Settle reads a verified KO other than "not found" as a read that
// failed: never as an order nothing happened to.
func TestSettleTakesOnlyNotFoundForNothing(t *testing.T) {
	t.Parallel()
	for code, happened := range map[int]bool{xpay.CodeGeneric: false, xpay.CodeInvalidAlias: false, xpay.CodeNotFound: true, 0: false} {
		pauses := 0
		c, mock := newTestClient(t, xpay.WithPause(func(context.Context, time.Duration) error {
			if pauses++; pauses > 3 { // the clock never moves: the first read is after the window
				return errors.New("read again after the window")
			}
			return nil
		}))
		ko := fmt.Sprintf(`{%s,"errore":{"codice":%d,"messaggio":"x"}}`, envelopeJSON("KO", "1", nowMS), code)
		if code == 0 { // an OK that holds no order
			ko = `{` + envelopeJSON("OK", "1", nowMS) + `,"report":[]}`
		}
		mock.RegisterNoResponder(httpmock.NewStringResponder(http.StatusOK, ko))
		w := xpay.PendingWrite{Operation: "Capture", AliasFingerprint: c.AliasFingerprint(), TransactionCode: "ORD-1", Amount: 100, Sent: fixedClock().Add(-xpay.SettleWindow), Before: []xpay.Operation{}}
		done, err := c.Settle(context.Background(), &w)
		assert.False(t, done)
		if happened { // KO 2 after the window: XPay does not know the order, nothing happened to it
			assert.NoError(t, err)
			continue
		}
		assert.ErrorContains(t, err, "the outcome is still unknown", "KO %d", code)
	}
}

// A capture whose answer is lost after XPay carried it out is settled by
// reading the order: the reconciliation the ErrOutcomeUnknown docs
// describe.
func TestE2EReconcileLostCapture(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, processed := range []bool{true, false} {
		srv, c := newSandbox(t)
		srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: processed, Times: 1})
		_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 2000, Currency: eur})
		require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)

		res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
		require.NoError(t, err)
		captured := false
		for _, op := range res.Order().Operations() {
			captured = captured || (op.Type == xpay.OperationTypeCapture && op.Amount == 2000)
		}
		assert.Equal(t, processed, captured, "processed=%v", processed)
	}
}
