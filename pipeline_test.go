package xpay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
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

// A report is not downloaded again once bytes reached the writer: the
// file would hold its start twice.
func TestDownloadReportIsNotRetriedAfterBytesArrived(t *testing.T) {
	t.Parallel()
	calls := 0
	rt := roundTrip(func(r *http.Request) (*http.Response, error) {
		calls++
		body := io.MultiReader(strings.NewReader("codiceTransazione;importo\nORD-1;100\n"), errReader{})
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"text/csv"}}, Body: io.NopCloser(body), ContentLength: -1, Request: r}, nil
	})
	c, err := xpay.NewClient(testAlias, testSecret, xpay.WithHTTPClient(&http.Client{Transport: rt}), xpay.WithClock(fixedClock),
		xpay.WithRetry(3, time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	var file strings.Builder
	n, err := c.DownloadReport(context.Background(), "1", &file)
	require.Error(t, err)
	assert.Equal(t, 1, calls, "not tried again")
	assert.Equal(t, "codiceTransazione;importo\nORD-1;100\n", file.String())
	assert.Equal(t, int64(file.Len()), n)
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

// The wait between retries ends the moment the context does, while the
// client is waiting (the cancel comes from the retry's own log line).
func TestRetryWaitEndsWithTheContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(cancelOnRetry{cancel: cancel})
	c, mock := newTestClient(t, xpay.WithRetry(3, time.Hour, time.Hour), xpay.WithLogger(logger))
	mock.RegisterNoResponder(httpmock.NewStringResponder(http.StatusServiceUnavailable, "<html>busy</html>"))
	done := make(chan error, 1)
	go func() {
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		done <- err
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, mock.GetTotalCallCount())
	case <-time.After(time.Minute): // a hang guard, not a measurement: the wait is an hour
		t.Fatal("the retry wait ignored the cancelled context")
	}
}

// cancelOnRetry is a slog handler that cancels when the client logs that
// it is about to wait for a retry.
type cancelOnRetry struct{ cancel context.CancelFunc }

func (h cancelOnRetry) Enabled(context.Context, slog.Level) bool { return true }

func (h cancelOnRetry) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "xpay retry" {
		h.cancel()
	}
	return nil
}

func (h cancelOnRetry) WithAttrs([]slog.Attr) slog.Handler { return h }

func (h cancelOnRetry) WithGroup(string) slog.Handler { return h }

// Reads are retried on 5xx and 429 pages, never on another 4xx: a 404 or
// a 400 says the request is wrong, and sending it again changes nothing.
func TestReadsAreNotRetriedOnOther4xx(t *testing.T) {
	t.Parallel()
	// An envelope that cannot be trusted is never retried, whatever its status.
	c, mock := newTestClient(t, xpay.WithRetry(2, time.Millisecond, time.Millisecond))
	mock.RegisterNoResponder(httpmock.NewStringResponder(http.StatusServiceUnavailable, `{"esito":"OK","idOperazione":"1","timeStamp":1718611200000,"mac":"0000000000000000000000000000000000000000"}`))
	_, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
	assert.ErrorIs(t, err, xpay.ErrInvalidMAC)
	assert.Equal(t, 1, mock.GetTotalCallCount(), "a 503 whose body is a bad envelope")

	for status, retried := range map[int]bool{400: false, 401: false, 403: false, 404: false, 499: false, 429: true, 500: true, 503: true} {
		c, mock := newTestClient(t, xpay.WithRetry(2, time.Millisecond, time.Millisecond))
		mock.RegisterNoResponder(httpmock.NewStringResponder(status, "<html>no</html>"))
		_, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		require.Error(t, err)
		want := 1
		if retried {
			want = 3
		}
		assert.Equal(t, want, mock.GetTotalCallCount(), "HTTP %d", status)
	}
}

const matrixRetries = 2

// faultRow is a row of the fault matrix: a fault the sandbox injects into
// a read (GetOrder, with retries on) and a write (Capture), and what each
// must get.
type faultRow struct {
	name         string
	fault        xpaytest.Fault
	check        func(*testing.T, error) // for the read and the write alike
	readRetried  bool
	writeUnknown bool
	timeout      bool // the client timeout is the subject: a short one
}

// faultRows are the rows of the fault matrix. The checks take t, for the
// read and the write alike.
func faultRows() []faultRow {
	isResponseErr := func(status int) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var respErr *xpay.ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.Equal(t, status, respErr.HTTPStatus)
		}
	}
	isHTML := func(status int) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var respErr *xpay.ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.Equal(t, status, respErr.HTTPStatus)
			assert.Contains(t, string(respErr.Body), "<html>", "the body is kept")
		}
	}
	isUnsignedKO := func(code int) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var apiErr *xpay.APIError
			assert.False(t, errors.As(err, &apiErr), "an unsigned KO is no refusal")
			require.ErrorIs(t, err, xpay.ErrInvalidMAC)
			assert.Contains(t, err.Error(), fmt.Sprintf("not verified: KO %d", code))
		}
	}
	is := func(target error) func(*testing.T, error) {
		return func(t *testing.T, err error) { require.ErrorIs(t, err, target) }
	}
	// noAnswer: the connection failed; there is no body to show.
	noAnswer := func(t *testing.T, err error) {
		var respErr *xpay.ResponseError
		var apiErr *xpay.APIError
		require.Error(t, err)
		assert.False(t, errors.As(err, &respErr) || errors.As(err, &apiErr), "%v", err)
	}
	contains := func(s string) func(*testing.T, error) {
		return func(t *testing.T, err error) { require.ErrorContains(t, err, s) }
	}
	return []faultRow{
		{"latency beyond the deadline", xpaytest.Fault{Latency: time.Hour}, is(context.DeadlineExceeded), true, true, true},
		{"HTTP 503 with an HTML page", xpaytest.Fault{HTTPStatus: http.StatusServiceUnavailable}, isHTML(http.StatusServiceUnavailable), true, true, false},
		{"HTTP 502 with an HTML page", xpaytest.Fault{HTTPStatus: http.StatusBadGateway}, isHTML(http.StatusBadGateway), true, true, false},
		{"HTTP 429 with an HTML page", xpaytest.Fault{HTTPStatus: http.StatusTooManyRequests}, isHTML(http.StatusTooManyRequests), true, true, false},
		{"connection reset after the request is written", xpaytest.Fault{Reset: true}, noAnswer, true, true, false},
		{"malformed JSON", xpaytest.Fault{MalformedJSON: true}, isResponseErr(http.StatusOK), false, true, false},
		{"truncated body", xpaytest.Fault{TruncatedBody: true}, contains("reading response"), true, true, false},
		{"missing MAC", xpaytest.Fault{MissingMAC: true}, is(xpay.ErrInvalidMAC), false, true, false},
		{"wrong MAC", xpaytest.Fault{WrongMAC: true}, is(xpay.ErrInvalidMAC), false, true, false},
		{"KO 50 without MAC", xpaytest.Fault{UnsignedKO: xpay.CodeMACNotComputable}, isUnsignedKO(xpay.CodeMACNotComputable), false, true, false},
		{"KO 99 without MAC", xpaytest.Fault{UnsignedKO: xpay.CodeNotAllowed}, isUnsignedKO(xpay.CodeNotAllowed), false, true, false},
		{"esito neither OK nor KO", xpaytest.Fault{Outcome: "PEN"}, contains(`unexpected esito "PEN"`), false, true, false},
		{"a redirect", xpaytest.Fault{Redirect: http.StatusTemporaryRedirect}, isResponseErr(http.StatusTemporaryRedirect), false, true, false},
		{"a signed answer an hour old", xpaytest.Fault{Stale: time.Hour}, is(xpay.ErrStaleResponse), false, true, false},
		{"an answer that stalls", xpaytest.Fault{Stall: true}, is(context.DeadlineExceeded), true, true, true},
	}
}

// The fault matrix of docs/faults.md: each fault against a read (GetOrder, with
// retries on) and a write (Capture). The sandbox counts what reached it.
// No row depends on the machine's speed. Only the rows whose subject is
// the client timeout have one, and it passes once the sandbox holds the
// attempt's request, which it never answers in time (an hour of latency,
// or a body that stalls), and never before: a timeout on the clock could
// pass before a slow machine had delivered the request, which the sandbox
// would then not count. Counts are read once they settle, since the
// sandbox may count a request after the client has given up on it.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	rows := faultRows()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newSandbox(t)
			opts := []xpay.Option{xpay.WithRetry(matrixRetries, time.Millisecond, 5*time.Millisecond), xpay.WithTimeout(0)}
			if row.timeout {
				var armed atomic.Int32 // one an attempt: GetOrder's, then Capture's
				opts = append(opts, xpay.WithTimeout(time.Second), xpay.WithTimeoutWhen(func(stopped <-chan struct{}) {
					n := int(armed.Add(1))
					until(stopped, func() bool { return srv.Requests("GetOrder")+srv.Requests("Capture") >= n })
				}))
			}
			c := srv.Client(opts...)
			srv.InjectFault("GetOrder", row.fault)
			srv.InjectFault("Capture", row.fault)
			ctx := context.Background()

			_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
			row.check(t, err)
			assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown, "a read changes nothing")
			want := 1
			if row.readRetried {
				want += matrixRetries
				assert.Contains(t, err.Error(), fmt.Sprintf("(after %d attempts)", want), "it says how often it tried")
			} else {
				assert.NotContains(t, err.Error(), "attempts")
			}
			requestsSettle(t, srv, "GetOrder", want, "read attempts")

			_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 100, Currency: eur})
			row.check(t, err)
			assert.Equal(t, row.writeUnknown, errors.Is(err, xpay.ErrOutcomeUnknown), "ErrOutcomeUnknown: %v", err)
			requestsSettle(t, srv, "Capture", 1, "a write is never resent")
		})
	}
}

// A request that never reached a server is safe to send again: for a write
// it is not ErrOutcomeUnknown, and a read is retried.
func TestFaultConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	var logs bytes.Buffer
	c, err := xpay.NewClient(testAlias, testSecret, xpay.WithBaseURL("http://"+addr),
		xpay.WithRetry(matrixRetries, time.Millisecond, 5*time.Millisecond),
		xpay.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
	require.ErrorContains(t, err, "connection refused")
	assert.Equal(t, matrixRetries, strings.Count(logs.String(), "xpay retry"))

	_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 1, Currency: eur})
	require.ErrorContains(t, err, "connection refused")
	assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown, "the request was never written")
	assert.Equal(t, matrixRetries, strings.Count(logs.String(), "xpay retry"), "no write retried")
}

// faultDocs names, for each row of the fault matrix, its row in
// docs/faults.md; TestFaultConnectionRefused is the row of a connection
// refused.
var faultDocs = map[string]string{
	"latency beyond the deadline":                   "Latency beyond the client timeout",
	"HTTP 503 with an HTML page":                    "HTTP 503 with an HTML page",
	"HTTP 502 with an HTML page":                    "HTTP 502 with an HTML page",
	"HTTP 429 with an HTML page":                    "HTTP 429 with an HTML page",
	"connection reset after the request is written": "Connection reset after the request is written",
	"malformed JSON":                                "Malformed JSON",
	"truncated body":                                "Truncated body",
	"missing MAC":                                   "Missing response MAC",
	"wrong MAC":                                     "Wrong response MAC",
	"KO 50 without MAC":                             "KO 50 or 99 without MAC",
	"KO 99 without MAC":                             "KO 50 or 99 without MAC",
	"esito neither OK nor KO":                       "`esito` neither OK nor KO",
	"a redirect":                                    "A redirect (307 to the same URL; any 3xx)",
	"a signed answer an hour old":                   "A signed answer an hour old",
	"an answer that stalls":                         "The answer stalls after half its body",
}

// docs/faults.md says what the fault matrix tests: a row for each of its
// rows, and for a connection refused, that says whether a read is retried
// and whether a write's outcome is unknown; and no row that no test drives.
func TestFaultMatrixIsDocumented(t *testing.T) {
	t.Parallel()
	type want struct{ readRetried, writeUnknown bool }
	wants := map[string]want{"Connection refused (request never written)": {true, false}}
	for _, row := range faultRows() {
		doc, ok := faultDocs[row.name]
		require.True(t, ok, "%s has no row in faultDocs", row.name)
		wants[doc] = want{row.readRetried, row.writeUnknown}
	}
	rows := tableRows(readDoc(t, "docs/faults.md"), "| Fault | Error (read and write) | Read retried | Write |")
	seen := map[string]bool{}
	for _, row := range rows {
		require.Len(t, row, 4, "%q", row)
		w, ok := wants[row[0]]
		if !assert.True(t, ok, "%q: a row no test drives", row[0]) {
			continue
		}
		seen[row[0]] = true
		assert.Equal(t, map[bool]string{true: "yes", false: "no"}[w.readRetried], row[2], "%s: read retried", row[0])
		unknown := strings.Contains(row[3], "`ErrOutcomeUnknown`") && !strings.Contains(row[3], "**not**")
		assert.Equal(t, w.writeUnknown, unknown, "%s: the write's outcome unknown", row[0])
	}
	for doc := range wants {
		assert.True(t, seen[doc], "%q has no row in docs/faults.md", doc)
	}
}

func TestRetryResignsEveryAttempt(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t, xpay.WithClock(stepClock()), xpay.WithRetry(3, time.Millisecond, time.Millisecond))
	var bodies []string
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/situazioneOrdine", func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		if bodies = append(bodies, string(b)); len(bodies) < 3 {
			return nil, errors.New("connection reset by peer")
		}
		return httpmock.NewBytesResponse(http.StatusOK, fixture(t, "situazioneOrdine-ok.json")), nil
	})
	res, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-2024-000123"})
	require.NoError(t, err)
	assert.Equal(t, "ORD-2024-000123", res.Order().TransactionCode)
	require.Len(t, bodies, 3)
	seen := map[string]bool{}
	for i, b := range bodies {
		ts := fmt.Sprint(1718611200001 + i)
		assert.Contains(t, b, `"timeStamp":`+ts, "attempt %d has a fresh timestamp", i)
		mac := xpay.Sign(testSecret, xpay.Field{Name: "apiKey", Value: testAlias}, xpay.Field{Name: "codiceTransazione", Value: "ORD-2024-000123"}, xpay.Field{Name: "timeStamp", Value: ts})
		assert.Contains(t, b, mac, "attempt %d is signed afresh", i)
		seen[mac] = true
	}
	assert.Len(t, seen, 3)
}

func TestRetryLimitsAndExclusions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("gives up after the last retry", func(t *testing.T) {
		t.Parallel()
		c, mock := newTestClient(t, xpay.WithRetry(2, time.Millisecond, time.Millisecond))
		mock.RegisterNoResponder(httpmock.NewStringResponder(http.StatusBadGateway, "<html>502</html>"))
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		var respErr *xpay.ResponseError
		require.ErrorAs(t, err, &respErr)
		assert.Equal(t, 3, mock.GetTotalCallCount())
	})
	for name, body := range map[string][]byte{
		"a KO":        fixture(t, "situazioneOrdine-ko.json"),
		"a wrong MAC": editJSON(t, fixture(t, "situazioneOrdine-ok.json"), func(m map[string]any) { m["mac"] = strings.Repeat("0", 40) }),
		"a KO on 500": fixture(t, "situazioneOrdine-ko.json"),
	} {
		t.Run("not after "+name, func(t *testing.T) {
			t.Parallel()
			c, mock := newTestClient(t, xpay.WithRetry(2, time.Millisecond, time.Millisecond))
			status := http.StatusOK
			if strings.HasSuffix(name, "500") {
				status = http.StatusInternalServerError
			}
			mock.RegisterNoResponder(httpmock.NewBytesResponder(status, body))
			_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
			require.Error(t, err)
			assert.Equal(t, 1, mock.GetTotalCallCount())
		})
	}
	t.Run("never a write", func(t *testing.T) {
		t.Parallel()
		c, mock := newTestClient(t, xpay.WithRetry(5, time.Millisecond, time.Millisecond))
		mock.RegisterNoResponder(httpmock.NewStringResponder(http.StatusServiceUnavailable, "busy"))
		_, err := c.Refund(ctx, &xpay.RefundRequest{TransactionCode: "ORD-1", Amount: 1, Currency: eur})
		require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)
		assert.Equal(t, 1, mock.GetTotalCallCount())
	})
	t.Run("off by default", func(t *testing.T) {
		t.Parallel()
		c, mock := newTestClient(t)
		mock.RegisterNoResponder(httpmock.NewErrorResponder(errors.New("connection reset by peer")))
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		require.Error(t, err)
		assert.Equal(t, 1, mock.GetTotalCallCount())
	})
	t.Run("bad settings", func(t *testing.T) {
		t.Parallel()
		for _, o := range []xpay.Option{
			xpay.WithRetry(-1, time.Millisecond, time.Second),
			xpay.WithRetry(1, 0, time.Second),
			xpay.WithRetry(1, time.Second, time.Millisecond),
		} {
			_, err := xpay.NewClient(testAlias, testSecret, o)
			assert.ErrorContains(t, err, "retry")
		}
	})
}

// The wait between retries ends as soon as the caller's context does.
func TestRetryBackoffStopsWithTheContext(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t, xpay.WithRetry(3, time.Hour, time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	mock.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
		cancel() // the caller gives up while the client waits to retry
		return nil, errors.New("connection reset by peer")
	})
	done := make(chan error, 1)
	go func() {
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		done <- err
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, mock.GetTotalCallCount())
	case <-time.After(time.Minute): // a hang, not a measurement: the backoff is an hour
		t.Fatal("the retry wait ignored the cancelled context")
	}
}

// Streams are reads of the same pipeline: under WithRetry, Orders
// survives a 503 as ListOrders does, and DownloadReport a reset; neither
// is tried again once something reached the caller.
func TestStreamsAreRetriedUntilSomethingIsDelivered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, _ := newSandbox(t)
	c := srv.Client(xpay.WithRetry(2, time.Millisecond, time.Millisecond))

	srv.InjectFault("ListOrders", xpaytest.Fault{HTTPStatus: http.StatusServiceUnavailable, Times: 1})
	n := 0
	for _, err := range c.Orders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 3, n, "the demo orders, after one retry")
	assert.Equal(t, 2, srv.Requests("ListOrders"))

	srv.InjectFault("DownloadReport", xpaytest.Fault{Reset: true, Times: 1})
	var file strings.Builder
	_, err := c.DownloadReport(ctx, "1", &file)
	require.NoError(t, err)
	assert.Contains(t, file.String(), xpaytest.DemoAuthorized)
	assert.Equal(t, 2, srv.Requests("DownloadReport"))

	// Once an order was yielded, a failure ends the walk: what came
	// before may already be in the caller's hands.
	srv.InjectFault("ListOrders", xpaytest.Fault{TruncatedBody: true, Processed: true})
	n = 0
	var last error
	for _, err := range c.Orders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll}) {
		if err != nil {
			last = err
		} else {
			n++
		}
	}
	require.Error(t, last)
	assert.Positive(t, n)
	assert.Equal(t, 3, srv.Requests("ListOrders"), "not tried again after an order was yielded")
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
	assert.Equal(t, xpay.PendingWrite{Operation: "CreatePayByLink", AliasFingerprint: c.AliasFingerprint(), TransactionCode: "PBL-LOST-1", Sent: unknown.Write.Sent,
		Request: json.RawMessage(`{"codiceTransazione":"PBL-LOST-1","importo":100,"timeout":1,"url":"https://shop.example/esito"}`)}, unknown.Write)
	assert.False(t, unknown.Write.Sent.IsZero())

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.Capture(cancelled, req)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown, "a request that never left")
}

// requestsSettle checks that op's request count reaches want, and stays
// there: the sandbox counts a request when its handler starts, which can
// be after the client gave up on it. The minute is a hang guard.
func requestsSettle(t *testing.T, srv *xpaytest.Server, op string, want int, msg string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for srv.Requests(op) < want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	assert.Equal(t, want, srv.Requests(op), msg)
}

// until returns once cond holds or stopped is closed. The minute is a hang
// guard.
func until(stopped <-chan struct{}, cond func() bool) {
	deadline := time.Now().Add(time.Minute)
	for !cond() && time.Now().Before(deadline) {
		select {
		case <-stopped:
			return
		case <-time.After(time.Millisecond):
		}
	}
}

// stepClock returns a clock that moves one millisecond per reading.
func stepClock() func() time.Time {
	var ms atomic.Int64
	ms.Store(1718611200000)
	return func() time.Time { return time.UnixMilli(ms.Add(1)) }
}
