package xpay_test

// Hostile networks and servers: each test here stands for one way a server
// or anything on the path can try to make a caller lose money, leak a
// secret or run out of memory, and shows what the caller gets instead.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// envelopeJSON returns the members of an envelope signed with the test
// secret, for a body written by hand: `"esito":"OK","idOperazione":...`.
func envelopeJSON(esito, opID string, ts int64) string {
	s := strconv.FormatInt(ts, 10)
	mac := xpay.Sign(testSecret, xpay.Field{Name: "esito", Value: esito}, xpay.Field{Name: "idOperazione", Value: opID}, xpay.Field{Name: "timeStamp", Value: s})
	return fmt.Sprintf(`"esito":%q,"idOperazione":%q,"timeStamp":%s,"mac":%q`, esito, opID, s, mac)
}

// nowMS is the fixed clock of newTestClient, in epoch milliseconds.
var nowMS = fixedClock().UnixMilli()

// roundTrip adapts a function to an http.RoundTripper.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// serveBody returns a Client whose every request is answered with status
// and the body that body() returns, read as it is streamed.
func serveBody(t *testing.T, status int, body func() io.Reader, opts ...xpay.Option) *xpay.Client {
	t.Helper()
	rt := roundTrip(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(body()), ContentLength: -1, Request: r}, nil
	})
	opts = append([]xpay.Option{xpay.WithHTTPClient(&http.Client{Transport: rt}), xpay.WithClock(fixedClock)}, opts...)
	c, err := xpay.NewClient(testAlias, testSecret, opts...)
	require.NoError(t, err)
	return c
}

func stringBody(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }

// Finding: an unsigned KO 50 after XPay carried out the capture. A caller
// that treats it as a refusal captures twice; it must see an unknown
// outcome, and settling it shows the capture happened.
func TestUnsignedKOToAWriteIsAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, code := range []int{xpay.CodeMACNotComputable, xpay.CodeNotAllowed} {
		srv, c := newSandbox(t)
		srv.InjectFault("Capture", xpaytest.Fault{UnsignedKO: code, Processed: true, Times: 1})
		_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 2000, Currency: eur})
		require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)
		var apiErr *xpay.APIError
		assert.False(t, errors.As(err, &apiErr), "an unverified KO is no refusal: %v", err)
		var respErr *xpay.ResponseError
		require.ErrorAs(t, err, &respErr)
		assert.ErrorIs(t, err, xpay.ErrInvalidMAC)
		assert.Contains(t, err.Error(), fmt.Sprintf("XPay's answer, unsigned and so not verified: KO %d", code), "XPay's code is still there")

		res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
		require.NoError(t, err)
		assert.Equal(t, xpay.Amount(2000), captured(t, res.Order()), "the capture happened: sending it again would capture twice")

		// A read that gets one has nothing to settle, and no refusal either.
		srv.InjectFault("GetOrder", xpaytest.Fault{UnsignedKO: code, Times: 1})
		_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
		require.ErrorAs(t, err, &respErr)
		assert.False(t, errors.As(err, &apiErr))
		assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown)
	}
}

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

// allocatedBy returns what the heap allocated while f ran: an upper bound
// on how much the heap grew. Tests that use it do not run in parallel, so
// that only f allocates meanwhile.
func allocatedBy(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// The stated bound: an answer may make the Client allocate at most this
// many times its size: the decoder's budget of 16 times, and reading a
// body of unknown length (io.ReadAll grows its buffer: up to 4 times).
const memoryMultiple = 24

// repeated returns head, then part n times joined by sep (with # in part
// replaced by the part's number), then tail, as a reader that never holds
// more than one part, so that serving a body allocates next to nothing.
func repeated(head, part, sep, tail string, n int) io.Reader {
	return &repeater{next: []byte(head), part: part, sep: sep, tail: tail, left: n}
}

type repeater struct {
	next            []byte // what is left of the current piece
	buf, num        []byte
	part, sep, tail string
	left, i         int
}

func (r *repeater) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.next) == 0 {
			switch {
			case r.left > 0:
				r.buf = r.buf[:0]
				if r.i > 0 {
					r.buf = append(r.buf, r.sep...)
				}
				r.buf = append(r.buf, r.part...)
				if j := bytes.IndexByte(r.buf, '#'); j >= 0 {
					r.num = append(strconv.AppendInt(r.num[:0], int64(r.i), 10), r.buf[j+1:]...)
					r.buf = append(r.buf[:j], r.num...)
				}
				r.next = r.buf
				r.i++
			case r.left == 0:
				r.next = []byte(r.tail)
			default:
				if n == 0 {
					return 0, io.EOF
				}
				return n, nil
			}
			r.left--
		}
		m := copy(p[n:], r.next)
		r.next = r.next[m:]
		n += m
	}
	return n, nil
}

// Finding: a 4 MiB answer of empty objects decoded into about 1.8 GiB.
// Now what decoding may allocate is bounded by the body's size, for every
// shape that expands: empty list elements, nested ones, and many small
// unknown keys. Not parallel: it measures the heap.
func TestDecodingMemoryIsBoundedByTheBodySize(t *testing.T) {
	const size = 4 << 20
	head := "{" + envelopeJSON("OK", "1", nowMS) + `,"report":[`
	for _, tc := range []struct {
		name, head, part, sep, tail string
		refused                     bool
	}{
		{"empty orders", head, "{}", ",", "]}", true},
		{"empty operations in one order", head + `{"dettaglio":[{"operazioni":[`, "{}", ",", "]}]}]}", true},
		{"empty details in orders", head, `{"dettaglio":[{},{},{},{}]}`, ",", "]}", true},
		{"small unknown keys", "{" + envelopeJSON("OK", "1", nowMS) + ",", `"k#":1`, ",", "}", true},
		{"unknown keys in orders", head, `{"a":1,"b":2}`, ",", "]}", true},
	} {
		n := (size - len(tc.head)) / (len(tc.part) + len(tc.sep))
		c := serveBody(t, http.StatusOK, func() io.Reader { return repeated(tc.head, tc.part, tc.sep, tc.tail, n) })
		var err error
		allocated := allocatedBy(func() {
			_, err = c.ListOrders(context.Background(), listReq)
		})
		t.Logf("%s: %d-byte body, %.1f MiB allocated (%.1f×): %v", tc.name, size, float64(allocated)/(1<<20), float64(allocated)/size, err)
		assert.LessOrEqual(t, allocated, uint64(memoryMultiple*size), tc.name)
		if tc.refused {
			var respErr *xpay.ResponseError
			require.ErrorAs(t, err, &respErr, tc.name)
			assert.ErrorContains(t, err, "times its size in memory")
			assert.NotEmpty(t, respErr.Body, "the body is kept")
		} else {
			assert.NoError(t, err, tc.name)
		}
	}
}

// Finding: Orders gathered whatever came between the orders, with
// no limit: junk members between report lists, each list restarting the
// per-order budget. The size cap now holds for the whole streamed answer,
// a second report list is refused, and the walk holds no more than the
// cap. Not parallel: it measures the heap.
func TestOrdersHoldsTheSizeCapOverTheWholeAnswer(t *testing.T) {
	const capSize = 1 << 20
	head := "{" + envelopeJSON("OK", "1", nowMS) + ","
	junk := `"junk#":"` + strings.Repeat("x", 1000) + `"`
	for _, tc := range []struct{ name, part, want string }{
		{"junk between lists", `"report":[{"codiceTransazione":"ORD-#"}],` + junk, "twice"},
		{"junk after the list", junk, "exceeds the 1048576-byte limit"},
	} {
		c := serveBody(t, http.StatusOK, func() io.Reader {
			return repeated(head+`"report":[{"codiceTransazione":"ORD-0"}],`, tc.part, ",", "}", 64<<10) // 64 MiB
		}, xpay.WithMaxResponseSize(capSize))
		var last error
		allocated := allocatedBy(func() {
			for _, err := range c.Orders(context.Background(), listReq) {
				last = err
			}
		})
		t.Logf("%s, 64 MiB under a 1 MiB cap: %.1f MiB allocated: %v", tc.name, float64(allocated)/(1<<20), last)
		assert.ErrorContains(t, last, tc.want, tc.name)
		assert.LessOrEqual(t, allocated, uint64(memoryMultiple*capSize), tc.name)
	}
}

// An answer far larger than memory allows to hold streams in constant
// memory when the cap allows its size; ListOrders holds it whole.
func TestOrdersHoldsOneOrderAtATime(t *testing.T) {
	body := ordersBody(t, 5000)
	require.Greater(t, len(body), 2<<20)
	big := xpay.WithMaxResponseSize(int64(len(body)))
	c := serveBody(t, http.StatusOK, func() io.Reader { return bytes.NewReader(body) }, big)
	n := 0
	allocated := allocatedBy(func() {
		for o, err := range c.Orders(context.Background(), listReq) {
			require.NoError(t, err)
			if n == 4999 {
				assert.Equal(t, "ORD-100K-0004999", o.TransactionCode)
			}
			n++
		}
	})
	assert.Equal(t, 5000, n)
	full, err := c.ListOrders(context.Background(), listReq)
	require.NoError(t, err)
	assert.Len(t, full.Orders, 5000)
	t.Logf("%d-byte answer: %.1f MiB allocated walking it", len(body), float64(allocated)/(1<<20))

	// The size cap bounds each order and what is around the list, not the
	// list: a list of any length streams under a cap smaller than it,
	// which ListOrders, holding the whole answer, keeps.
	small := xpay.WithMaxResponseSize(64 << 10)
	orders, errs := collect(t, http.StatusOK, body, small)
	assert.Empty(t, errs)
	assert.Len(t, orders, 5000)
	_, err = serveBody(t, http.StatusOK, func() io.Reader { return bytes.NewReader(body) }, small).ListOrders(context.Background(), listReq)
	assert.ErrorContains(t, err, "exceeds the 65536-byte limit")

	// One order over the cap, or junk around the list over it, still ends
	// the stream.
	head := "{" + envelopeJSON("OK", "1", nowMS) + `,"report":[`
	for name, b := range map[string]string{
		"one order over the cap":       head + `{"codiceTransazione":"ORD-1","parametri":"` + strings.Repeat("x", 70<<10) + `"}]}`,
		"white space between orders":   head + `{"codiceTransazione":"ORD-1"},` + strings.Repeat(" ", 70<<10) + `{"codiceTransazione":"ORD-2"}]}`,
		"a member before the list":     "{" + envelopeJSON("OK", "1", nowMS) + `,"junk":"` + strings.Repeat("x", 70<<10) + `","report":[]}`,
		"members after the list":       head + `{"codiceTransazione":"ORD-1"}]` + strings.Repeat(`,"j":1`, 12<<10) + "}",
		"white space after the answer": head + `]}` + strings.Repeat("\n", 70<<10),
	} {
		orders, errs := collect(t, http.StatusOK, []byte(b), small)
		require.Len(t, errs, 1, name)
		assert.ErrorContains(t, errs[0], "exceeds the 65536-byte limit", name)
		assert.LessOrEqual(t, len(orders), 1, name)
	}
}

// Finding: fmt printed the secret key and the whole alias from a Client
// value: fmt cannot call Format on an unexported field. Every verb, on
// values, pointers and anything holding them.
func TestClientNeverPrintsItsSecrets(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t)
	type holder struct {
		Exported   xpay.Client
		unexported xpay.Client
		Ptr        *xpay.Client
	}
	values := []any{
		c, *c, &c, []xpay.Client{*c}, []*xpay.Client{c}, map[string]xpay.Client{"a": *c},
		holder{*c, *c, c}, &holder{*c, *c, c}, [1]xpay.Client{*c}, struct{ xpay.Client }{*c},
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, testSecret, "%s of %T", verb, v)
			assert.NotContains(t, out, testAlias, "%s of %T", verb, v)
			for _, enc := range []string{fmt.Sprintf("%x", testSecret), fmt.Sprintf("%X", testSecret), fmt.Sprintf("%x", testAlias)} {
				assert.NotContains(t, out, enc, "%s of %T", verb, v)
			}
		}
	}
}

// Finding: a signed answer from any time was accepted, so any captured
// envelope could be replayed as the answer to any later call.
func TestStaleAnswersAreRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		ts   int64
		ok   bool
	}{
		{"timeStamp 1", 1, false},
		{"an hour old", nowMS - time.Hour.Milliseconds(), false},
		{"six minutes old", nowMS - 6*time.Minute.Milliseconds(), false},
		{"six minutes ahead", nowMS + 6*time.Minute.Milliseconds(), false},
		{"four minutes old", nowMS - 4*time.Minute.Milliseconds(), true},
		{"four minutes ahead", nowMS + 4*time.Minute.Milliseconds(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := "{" + envelopeJSON("OK", "80310241", tc.ts) + "}"
			c := serveBody(t, http.StatusOK, stringBody(body))
			_, readErr := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
			_, writeErr := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 1, Currency: eur})
			if tc.ok {
				assert.NoError(t, readErr)
				assert.NoError(t, writeErr)
				return
			}
			var respErr *xpay.ResponseError
			require.ErrorAs(t, readErr, &respErr)
			assert.ErrorIs(t, readErr, xpay.ErrStaleResponse)
			assert.NotErrorIs(t, readErr, xpay.ErrOutcomeUnknown)
			assert.ErrorIs(t, writeErr, xpay.ErrStaleResponse)
			assert.ErrorIs(t, writeErr, xpay.ErrOutcomeUnknown, "the capture may have happened")
		})
	}
	t.Run("a wider window", func(t *testing.T) {
		t.Parallel()
		body := "{" + envelopeJSON("OK", "80310241", nowMS-time.Hour.Milliseconds()) + "}"
		c := serveBody(t, http.StatusOK, stringBody(body), xpay.WithFreshness(2*time.Hour))
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		assert.NoError(t, err)
		for _, d := range []time.Duration{0, -time.Second} {
			_, err := xpay.NewClient(testAlias, testSecret, xpay.WithFreshness(d))
			assert.ErrorContains(t, err, "freshness")
		}
	})
	t.Run("a stale KO says what XPay said but is no refusal", func(t *testing.T) {
		t.Parallel()
		body := "{" + envelopeJSON("KO", "80310241", nowMS-time.Hour.Milliseconds()) + `,"errore":{"codice":16,"messaggio":"Valore non valido"}}`
		c := serveBody(t, http.StatusOK, stringBody(body))
		_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 1, Currency: eur})
		assert.ErrorIs(t, err, xpay.ErrOutcomeUnknown)
		assert.NotErrorAs(t, err, new(*xpay.APIError), "a replayed refusal must not pass for one")
		assert.ErrorContains(t, err, "KO 16: Valore non valido")
	})
}

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
// TestStreamsDoNotCountTheCallersTime in watchdog_test.go.

// Finding: the streaming and the buffered reader of an answer disagreed.
// FuzzStreamMatchesBuffered compares them on any input; these are the
// cases that were found.
func TestBufferedAndStreamedAnswersAgree(t *testing.T) {
	t.Parallel()
	signed := envelopeJSON("OK", "80310241", nowMS)
	orders := `"report":[{"codiceTransazione":"ORD-1"},{"codiceTransazione":"ORD-2"}]`
	for _, tc := range []struct {
		name   string
		status int
		body   string
		orders int // -1: both refuse it
	}{
		{"a second esito after a signed OK", 200, "{" + signed + "," + orders + `,"esito":"KO"}`, -1},
		{"esito again in another case", 200, "{" + signed + "," + orders + `,"Esito":"KO"}`, -1},
		{"mac twice", 200, "{" + signed + "," + orders + `,"mac":"x"}`, -1},
		{"trailing garbage", 200, "{" + signed + "," + orders + "}garbage", -1},
		{"a second object", 200, "{" + signed + "," + orders + "}{}", -1},
		{"a signed OK on HTTP 500", 500, "{" + signed + "," + orders + "}", 2},
		{"REPORT", 200, "{" + signed + `,"REPORT":[{"codiceTransazione":"ORD-1"}]}`, 1},
		{"report and REPORT", 200, "{" + signed + "," + orders + `,"REPORT":[]}`, -1},
		{"report twice", 200, "{" + signed + "," + orders + "," + orders + "}", -1},
		{"an order that is not an object", 200, "{" + signed + `,"report":[{"codiceTransazione":"ORD-1"},7]}`, -1},
		{"report null", 200, "{" + signed + `,"report":null}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := serveBody(t, tc.status, stringBody(tc.body))
			whole, err := c.ListOrders(context.Background(), listReq)
			var streamed []xpay.Order
			var seqErr error
			for o, err := range c.Orders(context.Background(), listReq) {
				if err != nil {
					seqErr = err
					break
				}
				streamed = append(streamed, o)
			}
			if tc.orders < 0 {
				var respErr *xpay.ResponseError
				assert.ErrorAs(t, err, &respErr)
				assert.ErrorAs(t, seqErr, &respErr)
				return
			}
			require.NoError(t, err)
			require.NoError(t, seqErr)
			assert.Len(t, whole.Orders, tc.orders)
			assert.Equal(t, len(whole.Orders), len(streamed))
			for i := range streamed {
				assert.Equal(t, whole.Orders[i].TransactionCode, streamed[i].TransactionCode)
			}
		})
	}
}

// Finding: DownloadReport wrote a KO envelope served as text/plain to the
// file and returned nil. An envelope in the report's place is an error,
// whatever its Content-Type, and nothing is written.
func TestDownloadReportRefusesAnEnvelope(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, contentType, body string
		check                   func(*testing.T, error)
	}{
		{"a signed KO as text/plain", "text/plain", "{" + envelopeJSON("KO", "1", nowMS) + `,"errore":{"codice":2,"messaggio":"Report non trovato"}}`,
			func(t *testing.T, err error) { requireCode(t, err, xpay.CodeNotFound) }},
		{"a signed OK as text/csv", "text/csv", "{" + envelopeJSON("OK", "1", nowMS) + "}",
			func(t *testing.T, err error) { assert.ErrorContains(t, err, "envelope instead of the file") }},
		{"a forged KO as application/octet-stream", "application/octet-stream", `{"esito":"KO","errore":{"codice":2}}`,
			func(t *testing.T, err error) { assert.ErrorIs(t, err, xpay.ErrInvalidMAC) }},
		{"a signed KO after a byte-order mark", "text/csv", "\uFEFF{" + envelopeJSON("KO", "1", nowMS) + `,"errore":{"codice":2,"messaggio":"Report non trovato"}}`,
			func(t *testing.T, err error) { requireCode(t, err, xpay.CodeNotFound) }},
		{"an unsigned KO after a byte-order mark and white space", "text/csv", "\uFEFF \n" + `{"esito":"KO","errore":{"codice":50}}`,
			func(t *testing.T, err error) { assert.ErrorIs(t, err, xpay.ErrInvalidMAC) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rt := roundTrip(func(r *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {tc.contentType}},
					Body: io.NopCloser(strings.NewReader(tc.body)), ContentLength: -1, Request: r}, nil
			})
			c, err := xpay.NewClient(testAlias, testSecret, xpay.WithHTTPClient(&http.Client{Transport: rt}), xpay.WithClock(fixedClock))
			require.NoError(t, err)
			var file bytes.Buffer
			n, err := c.DownloadReport(context.Background(), "1", &file)
			tc.check(t, err)
			assert.Zero(t, n)
			assert.Zero(t, file.Len(), "nothing written")
		})
	}
	t.Run("a CSV report after a byte-order mark is written", func(t *testing.T) {
		t.Parallel()
		c := serveBody(t, http.StatusOK, stringBody("\uFEFFcodiceTransazione;importo\nORD-1;100\n"))
		var file bytes.Buffer
		_, err := c.DownloadReport(context.Background(), "1", &file)
		require.NoError(t, err)
		assert.Equal(t, "\uFEFFcodiceTransazione;importo\nORD-1;100\n", file.String(), "as sent, mark included")
	})
	t.Run("a JSON report that is no envelope is written", func(t *testing.T) {
		t.Parallel()
		c := serveBody(t, http.StatusOK, stringBody(`{"righe":[{"ordine":"ORD-1"}]}`))
		var file bytes.Buffer
		_, err := c.DownloadReport(context.Background(), "1", &file)
		require.NoError(t, err)
		assert.JSONEq(t, `{"righe":[{"ordine":"ORD-1"}]}`, file.String())
	})
}

// Finding: a nil or zero Client panicked. Every method returns an error
// (or, for String, says so) instead.
func TestZeroAndNilClientsFailCleanly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []*xpay.Client{nil, {}} {
		assert.Contains(t, c.String(), "not made by NewClient")
		c.CloseIdleConnections()
		calls := map[string]func() error{
			"Capture": func() error {
				_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 1, Currency: eur})
				return err
			},
			"GetOrder": func() error {
				_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
				return err
			},
			"SignDownloadURL": func() error { _, err := c.SignDownloadURL("1"); return err },
			"DownloadReport":  func() error { _, err := c.DownloadReport(ctx, "1", io.Discard); return err },
			"Orders": func() error {
				for _, err := range c.Orders(ctx, listReq) {
					return err
				}
				return nil
			},
			"PayByLinks": func() error {
				for _, err := range c.PayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: june1, CreatedTo: june17}) {
					return err
				}
				return nil
			},
			"Settle": func() error {
				_, err := c.Settle(ctx, &xpay.PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 1, Sent: time.Now()})
				return err
			},
			"VerifyPaymentResult": func() error { _, err := c.VerifyPaymentResult(url.Values{}); return err },
		}
		for name, call := range calls {
			assert.ErrorContains(t, call(), "not made by NewClient", name)
		}
	}
}

// Finding: free text let U+0085 (NEL) and U+202E (right-to-left override)
// through. Every control and bidi formatting character is refused.
func TestFreeTextRefusesControlAndBidiCharacters(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	for _, r := range []rune{'\u0085', '\u202e', '\u2066', '\u200f', '\u061c', '\x7f', '\u009b', '\u2028', '\u2029'} {
		_, err := c.AddToBlacklist(context.Background(), &xpay.AddToBlacklistRequest{
			Type: xpay.ValueTypeTaxCode, Value: "RSSMRA80A01H501U", Description: "Chargeback" + string(r) + "ripetuti",
		})
		var ve *xpay.ValidationError
		require.ErrorAs(t, err, &ve, "%U", r)
		assert.Equal(t, "Description", ve.Field)
		assert.Contains(t, ve.Rule, fmt.Sprintf("%U", r))
	}
	assert.Zero(t, mock.GetTotalCallCount())
}

// A server's text never brings control characters into an error message.
func TestErrorsShowNoControlCharactersFromTheServer(t *testing.T) {
	t.Parallel()
	body := "{" + envelopeJSON("KO", "80310241", nowMS) + `,"errore":{"codice":16,"messaggio":"Stato\u001b[31m non valido\n\u202eotinI"}}`
	c := serveBody(t, http.StatusOK, stringBody(body))
	_, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
	requireCode(t, err, xpay.CodeInvalidState)
	for _, r := range err.Error() {
		assert.False(t, r < 0x20 || r == 0x7f || r == '\u202e', "%U in %q", r, err.Error())
	}
	var apiErr *xpay.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "Stato\x1b[31m non valido\n\u202eotinI", apiErr.Message, "the field keeps what was sent")
}

// What XPay said, when a call fails, is in the error: an unsigned KO with
// no code (as XPay answers a field it does not know), like a KO that does
// not verify, quotes XPay, with a hint, but is no *APIError.
func TestErrorsSayWhatXPaySaid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("unsigned KO without a code", func(t *testing.T) {
		t.Parallel()
		c := serveBody(t, http.StatusOK, stringBody(`{"esito":"KO","errore":{"messaggio":"Campo \"apikey\" non riconosciuto"}}`))
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		var apiErr *xpay.APIError
		assert.False(t, errors.As(err, &apiErr))
		assert.ErrorIs(t, err, xpay.ErrInvalidMAC)
		assert.EqualError(t, err, `xpay: GetOrder: HTTP 200: response MAC missing or invalid; XPay's answer, unsigned and so not verified: KO 0: Campo "apikey" non riconosciuto`)
		assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown)

		_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 1, Currency: eur})
		assert.False(t, errors.As(err, &apiErr))
		assert.ErrorIs(t, err, xpay.ErrOutcomeUnknown, "unsigned: the capture may have happened")
	})
	t.Run("a wrong secret key", func(t *testing.T) {
		t.Parallel()
		srv, _ := newSandbox(t)
		c, err := xpay.NewClient(srv.Alias(), "NOT-THE-KEY", xpay.WithBaseURL(srv.URL), xpay.WithClock(e2eNow))
		require.NoError(t, err)
		_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
		require.ErrorIs(t, err, xpay.ErrInvalidMAC)
		assert.NotErrorAs(t, err, new(*xpay.APIError))
		assert.EqualError(t, err, "xpay: GetOrder: HTTP 200: response MAC missing or invalid; XPay's answer, unverified: KO 3: Mac errato (XPay found the request's MAC wrong: check the secret key given to NewClient)")
	})
	t.Run("an unknown alias, answered unsigned", func(t *testing.T) {
		t.Parallel()
		c := serveBody(t, http.StatusOK, stringBody(`{"esito":"KO","idOperazione":"1","timeStamp":1718611200000,"errore":{"codice":6,"messaggio":"apiKey non contiene un alias valido"}}`))
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		require.ErrorIs(t, err, xpay.ErrInvalidMAC)
		assert.ErrorContains(t, err, "KO 6: apiKey non contiene un alias valido (XPay does not know the alias")
	})
	t.Run("control characters from the server", func(t *testing.T) {
		t.Parallel()
		c := serveBody(t, http.StatusOK, stringBody(`{"esito":"KO","idOperazione":"1","timeStamp":1718611200000,"mac":"00","errore":{"codice":3,"messaggio":"Mac\u001b[2J\r\nerrato\u202e"}}`))
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		require.ErrorIs(t, err, xpay.ErrInvalidMAC)
		for _, r := range err.Error() {
			assert.False(t, r < 0x20 || r == '\u202e', "%U in %q", r, err.Error())
		}
	})
}

// The README's error messages are what the client prints, to the letter.
func TestREADMEErrorMessages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(readme), "What the messages look like (each is a test):\n\n```text\n")
	require.True(t, ok)
	block, _, _ = strings.Cut(block, "```")
	want := strings.Split(strings.TrimSpace(block), "\n")

	srv, _ := newSandbox(t)
	wrongKey, err := xpay.NewClient(srv.Alias(), "NOT-THE-KEY", xpay.WithBaseURL(srv.URL), xpay.WithClock(e2eNow))
	require.NoError(t, err)
	_, wrongKeyErr := wrongKey.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
	_, unsignedErr := serveBody(t, http.StatusOK, stringBody(`{"esito":"KO","errore":{"messaggio":"Campo \"apikey\" non riconosciuto"}}`)).
		GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
	_, aliasErr := serveBody(t, http.StatusOK, stringBody(`{"esito":"KO","idOperazione":"1","timeStamp":1718611200000,"errore":{"codice":6,"messaggio":"apiKey non contiene un alias valido"}}`)).
		GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
	stale := "{" + envelopeJSON("KO", "80310241", nowMS-time.Hour.Milliseconds()) + `,"errore":{"codice":16,"messaggio":"Valore non valido"}}`
	_, staleErr := serveBody(t, http.StatusOK, stringBody(stale)).
		Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 1, Currency: eur})
	_, stateErr := srv.Client().ListOrders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll, States: []xpay.OrderState{"Authorized"}})

	var got []string
	for _, err := range []error{unsignedErr, wrongKeyErr, aliasErr, staleErr, stateErr} {
		require.Error(t, err)
		got = append(got, err.Error())
	}
	assert.Equal(t, want, got)
}

// An answer that announces 200 MiB and sends 9 bytes does not make the
// Client allocate what it announced, even under a cap that allows it.
// Not parallel: it measures allocation.
func TestAnnouncedLengthsAreNotTrusted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(200<<20))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"esito":`))
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		reset(w)
	}))
	defer srv.Close()
	c, err := xpay.NewClient(testAlias, testSecret, xpay.WithBaseURL(srv.URL), xpay.WithMaxResponseSize(256<<20), xpay.WithClock(fixedClock))
	require.NoError(t, err)
	var wg sync.WaitGroup
	allocated := allocatedBy(func() {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
				assert.Error(t, err)
			}()
		}
		wg.Wait()
	})
	t.Logf("4 answers announcing 200 MiB each: %.1f MiB allocated", float64(allocated)/(1<<20))
	assert.Less(t, allocated, uint64(16<<20))
}

// reset closes the connection under w without finishing the answer.
func reset(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// Line and paragraph separators, which log viewers split lines on, are
// replaced in every error text, whether XPay's refusal or an unverified
// answer quoted; the fields keep what was sent.
func TestErrorsShowNoLineSeparatorsFromTheServer(t *testing.T) {
	t.Parallel()
	forged := "Stato non valido\u2028level=INFO msg='capture ok'\u2029\u0085fine"
	signed := "{" + envelopeJSON("KO", "80310241\u2028x", nowMS) + `,"errore":{"codice":16,"messaggio":"` + forged + `"}}`
	unsigned := `{"esito":"KO","errore":{"codice":50,"messaggio":"` + forged + `"}}`
	for name, body := range map[string]string{"signed": signed, "unsigned": unsigned} {
		_, err := serveBody(t, http.StatusOK, stringBody(body)).GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		require.Error(t, err, name)
		assert.NotContains(t, err.Error(), "\u2028", name)
		assert.NotContains(t, err.Error(), "\u2029", name)
		assert.NotContains(t, err.Error(), "\u0085", name)
		assert.Contains(t, err.Error(), "Stato non valido\uFFFDlevel=INFO", name)
	}
	_, err := serveBody(t, http.StatusOK, stringBody(signed)).GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
	var apiErr *xpay.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, forged, apiErr.Message)
}
