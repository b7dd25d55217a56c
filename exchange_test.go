package xpay_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// Finding: redirects were followed, resending a signed write to another
// host, in clear, or twice, and taking another host's old answer as the
// capture's. No redirect is followed, with the default HTTP client or the
// caller's, and the caller's is left as it was.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		fmt.Fprint(w, "{"+envelopeJSON("OK", "1", time.Now().UnixMilli())+"}")
	}))
	t.Cleanup(other.Close)
	follows := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}

	for _, tc := range []struct {
		status int
		to     string // "" is the request's own URL
		hc     *http.Client
	}{
		{http.StatusTemporaryRedirect, other.URL, nil},
		{http.StatusPermanentRedirect, "", nil},
		{http.StatusFound, other.URL, nil},
		{http.StatusMovedPermanently, other.URL, follows},
		{http.StatusSeeOther, other.URL, &http.Client{}},
		{http.StatusMultipleChoices, other.URL, nil},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			var here atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				here.Add(1)
				to := tc.to
				if to == "" {
					to = r.URL.String()
				}
				http.Redirect(w, r, to+r.URL.Path+"?"+r.URL.RawQuery, tc.status)
			}))
			t.Cleanup(srv.Close)
			opts := []xpay.Option{xpay.WithBaseURL(srv.URL)}
			var before http.Client
			if tc.hc != nil {
				before = *tc.hc
				opts = append(opts, xpay.WithHTTPClient(tc.hc))
			}
			c, err := xpay.NewClient(testAlias, testSecret, opts...)
			require.NoError(t, err)
			ctx := context.Background()

			_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 100, Currency: eur})
			var respErr *xpay.ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.Equal(t, tc.status, respErr.HTTPStatus)
			assert.ErrorContains(t, err, "redirect")
			assert.ErrorIs(t, err, xpay.ErrOutcomeUnknown, "the write reached the first host")

			_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
			require.ErrorAs(t, err, &respErr)
			assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown)

			var file bytes.Buffer
			_, err = c.DownloadReport(ctx, "1", &file)
			require.ErrorAs(t, err, &respErr)
			assert.Zero(t, file.Len())

			assert.Equal(t, int32(3), here.Load(), "each call reached the server once")
			assert.Zero(t, elsewhere.Load(), "nothing, and so no signed URL in a Referer, reached the other host")
			if tc.hc != nil {
				assert.Equal(t, fmt.Sprintf("%p", before.CheckRedirect), fmt.Sprintf("%p", tc.hc.CheckRedirect), "the caller's client is untouched")
			}
		})
	}
}

// Finding: with WithTimeout(1s), a server dripping a byte every 100 ms kept
// Orders and DownloadReport going for ever. A stream that stalls or
// crawls now ends: the server here never finishes, so the only way out is
// the client's bound (the minute is a hang guard, not a measurement).
func TestStreamsThatStallOrCrawlEnd(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		gap  time.Duration
	}{{"stalled", 0}, {"crawling", 5 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := stallServer(t, `{"report":[`, tc.gap)
			c, err := xpay.NewClient(testAlias, testSecret, xpay.WithBaseURL(srv.URL), xpay.WithTimeout(100*time.Millisecond))
			require.NoError(t, err)
			done := make(chan error, 2)
			go func() {
				var last error
				for _, err := range c.Orders(context.Background(), listReq) {
					last = err
				}
				done <- last
			}()
			go func() {
				_, err := c.DownloadReport(context.Background(), "1", io.Discard)
				done <- err
			}()
			for range 2 {
				select {
				case err := <-done:
					// Ended by the client timeout: on a loaded machine it
					// may expire before the headers, but never not at all.
					require.ErrorIs(t, err, context.DeadlineExceeded)
				case <-time.After(time.Minute):
					t.Fatal("a stream that never ends was not ended")
				}
			}
		})
	}
}

// The sandbox's Stall fault ends the streams the same way.
func TestStreamsEndOnTheSandboxStallFault(t *testing.T) {
	t.Parallel()
	srv, _ := newSandbox(t)
	c := srv.Client(xpay.WithTimeout(100 * time.Millisecond))
	srv.InjectFault("ListOrders", xpaytest.Fault{Stall: true})
	srv.InjectFault("DownloadReport", xpaytest.Fault{Stall: true, Processed: true})
	var last error
	for _, err := range c.Orders(context.Background(), &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll}) {
		last = err
	}
	assert.ErrorIs(t, last, context.DeadlineExceeded)
	var file bytes.Buffer
	_, err := c.DownloadReport(context.Background(), "1", &file)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "what was written before is partial: discard it")
}

// That the time the caller spends with a streamed item is not counted is
// tested with a clock that moves only when the test says: see
// TestStreamsDoNotCountTheCallersTime in exchange_internal_test.go.

// stallServer answers with headers and the start of a body, then sends
// one byte every gap until the client goes away (gap 0: nothing more).
// It also stops when the test ends, so that a client that never gives up
// fails the test instead of hanging it.
func stallServer(t *testing.T, start string, gap time.Duration) *httptest.Server {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		fmt.Fprint(w, start)
		w.(http.Flusher).Flush()
		for {
			var tick <-chan time.Time
			if gap > 0 {
				tick = time.After(gap)
			}
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			case <-tick:
			}
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first
	return srv
}
