package xpay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

func capture20(code string, before *xpay.Order) *xpay.CaptureRequest {
	return &xpay.CaptureRequest{TransactionCode: code, Amount: 2000, Currency: eur, Before: before}
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
	w := xpay.PendingWrite{Operation: "Capture", TransactionCode: "ORD-NOBODY", Amount: 100, Sent: r.now(), Before: []xpay.Operation{}}
	happened, err := r.client().Settle(context.Background(), &w)
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
		"Operation":       func(w *xpay.PendingWrite) { w.Operation = "CreatePayByLink" },
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

// The unknown outcome is decided in one place, for every write: whatever
// is not XPay's verified refusal, nor a request that never left.
func TestOutcomeUnknownIsDecidedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	req := capture20(xpaytest.DemoAuthorized, nil)

	srv.InjectFault("Capture", xpaytest.Fault{UnsignedKO: 50, Times: 1})
	_, err := c.Capture(ctx, req)
	var unknown *xpay.OutcomeUnknownError
	require.ErrorAs(t, err, &unknown, "an unsigned KO may be forged")
	assert.Equal(t, "Capture", unknown.Write.Operation)

	_, err = c.Refund(ctx, &xpay.RefundRequest{TransactionCode: xpaytest.DemoDenied, Amount: 1, Currency: eur})
	requireCode(t, err, xpay.CodeInvalidState)
	assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown, "a verified refusal is no unknown outcome")

	srv.InjectFault("CreatePayByLink", xpaytest.Fault{Reset: true, Processed: true, Times: 1})
	_, err = c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-LOST-1", Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/esito"})
	require.ErrorAs(t, err, &unknown)
	assert.Equal(t, xpay.PendingWrite{Operation: "CreatePayByLink", TransactionCode: "PBL-LOST-1", Sent: unknown.Write.Sent}, unknown.Write)
	assert.False(t, unknown.Write.Sent.IsZero())

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.Capture(cancelled, req)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown, "a request that never left")
}

// Before must be an order with its rows: one from ListOrders has none,
// and would make every older row look new.
func TestBeforeMustCarryTheRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	res, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today.AddDays(-1), To: today}, Channel: xpay.ChannelAll, TransactionCode: xpaytest.DemoCaptured})
	require.NoError(t, err)
	require.Len(t, res.Orders, 1)
	listed := &res.Orders[0]
	other, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
	require.NoError(t, err)

	for rule, before := range map[string]*xpay.Order{"no operation rows": listed, "is the order": other.Order()} {
		_, err := c.Refund(ctx, &xpay.RefundRequest{TransactionCode: xpaytest.DemoCaptured, Amount: 1, Currency: eur, Before: before})
		var ve *xpay.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "Before", ve.Field)
		assert.Contains(t, ve.Rule, rule)
	}
	assert.Zero(t, srv.Requests("Refund"))
}

// Totals read off an order without rows are an error, not zero.
func TestTotalsOfAListedOrderAreAnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := newSandbox(t)
	res, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today.AddDays(-1), To: today}, Channel: xpay.ChannelAll, TransactionCode: xpaytest.DemoCaptured})
	require.NoError(t, err)
	require.Len(t, res.Orders, 1)
	_, err = res.Orders[0].Captured()
	assert.ErrorIs(t, err, xpay.ErrNoOperationRows)
	_, err = res.Orders[0].Refunded()
	assert.ErrorIs(t, err, xpay.ErrNoOperationRows)
	for o, err := range c.Orders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today.AddDays(-1), To: today}, Channel: xpay.ChannelAll}) {
		require.NoError(t, err)
		_, err = o.Captured()
		assert.ErrorIs(t, err, xpay.ErrNoOperationRows, o.TransactionCode)
	}

	var o xpay.Order
	require.NoError(t, json.Unmarshal([]byte(`{"dettaglio":[{"operazioni":[{"tipoOperazione":"CONTAB.","importo":1000},{"tipoOperazione":"CONTAB.","importo":5000.0}]}]}`), &o))
	_, err = o.Captured()
	assert.ErrorContains(t, err, "row 2 (CONTAB.) is not an integer of minor units: 5000.0")
	refunded, err := o.Refunded()
	assert.NoError(t, err, "no STORNO row is unreadable")
	assert.Zero(t, refunded)
}
