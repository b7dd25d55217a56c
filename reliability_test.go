package xpay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

const matrixRetries = 2

// The fault matrix of the README: each fault against a read (GetOrder, with
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
	rows := []struct {
		name         string
		fault        xpaytest.Fault
		check        func(*testing.T, error) // for the read and the write alike
		readRetried  bool
		writeUnknown bool
		timeout      bool // the client timeout is the subject: a short one
	}{
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

// stepClock returns a clock that moves one millisecond per reading.
func stepClock() func() time.Time {
	var ms atomic.Int64
	ms.Store(1718611200000)
	return func() time.Time { return time.UnixMilli(ms.Add(1)) }
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

// 64 goroutines share one Client against the sandbox, mixing reads and
// writes; afterwards no goroutine is left behind. Not parallel: it counts
// goroutines.
func TestConcurrentUseAgainstSandbox(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	require.NoError(t, srv.AddOrder(xpaytest.Order{Code: "ORD-CONC", Amount: 100000}))
	c := srv.Client()
	ctx := context.Background()
	ops := []func(i int) error{
		func(int) error {
			_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoCaptured})
			return err
		},
		func(int) error {
			_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-CONC", Amount: 100, Currency: eur})
			return err
		},
		func(int) error {
			_, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll})
			return err
		},
		func(i int) error {
			_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: fmt.Sprintf("PBL-CONC-%02d", i), Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/"})
			return err
		},
		func(int) error {
			_, err := c.CheckBlacklist(ctx, &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoBlacklisted})
			return err
		},
		func(int) error {
			_, err := c.DownloadReport(ctx, "1", io.Discard)
			return err
		},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- ops[i%len(ops)](i)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-CONC"})
	require.NoError(t, err)
	assert.Equal(t, xpay.Amount(100*11), captured(t, res.Order()), "every capture counted once")

	c.CloseIdleConnections()
	srv.Close()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines left behind")
}
