package xpay_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// The tests in this file each stand against a one-line change of the
// money-critical code that no other test would see (scripts/mutate.sh
// makes them).

// esito is matched to the letter: "ok", even correctly signed, is no OK.
func TestEsitoIsMatchedToTheLetter(t *testing.T) {
	t.Parallel()
	for _, esito := range []string{"ok", "Ok", "ko", " OK"} {
		c := serveBody(t, http.StatusOK, stringBody("{"+envelopeJSON(esito, "1", nowMS)+"}"))
		res, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		assert.Nil(t, res, esito)
		assert.ErrorContains(t, err, fmt.Sprintf("unexpected esito %q", esito))
		_, err = c.Capture(context.Background(), &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 1, Currency: eur})
		assert.ErrorIs(t, err, xpay.ErrOutcomeUnknown, esito)
	}
}

// The freshness window includes its edges, and not a millisecond more.
func TestFreshnessWindowEdges(t *testing.T) {
	t.Parallel()
	window := xpay.DefaultFreshness.Milliseconds()
	for offset, fresh := range map[int64]bool{
		-window: true, -window - 1: false, // before the request
		window: true, window + 1: false, // ahead of the clock (the clock is the request's)
		0: true,
	} {
		c := serveBody(t, http.StatusOK, stringBody(`{`+envelopeJSON("OK", "1", nowMS+offset)+`,"report":[]}`))
		_, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		if fresh {
			assert.NoError(t, err, offset)
		} else {
			assert.ErrorIs(t, err, xpay.ErrStaleResponse, offset)
		}
	}
}

// A response MAC verifies only whole: no prefix of it, nor one right in
// its first half only, nor one a digit longer.
func TestResponseMACMustMatchWhole(t *testing.T) {
	t.Parallel()
	ts := fmt.Sprint(nowMS)
	good := xpay.Sign(testSecret, xpay.Field{Name: "esito", Value: "OK"}, xpay.Field{Name: "idOperazione", Value: "1"}, xpay.Field{Name: "timeStamp", Value: ts})
	flip := func(c byte) string {
		if c == '0' {
			return "1"
		}
		return "0"
	}
	for name, mac := range map[string]string{
		"a prefix of 39":        good[:39],
		"a prefix of 20":        good[:20],
		"the first 20 only":     good[:20] + strings.Repeat("0", 20),
		"the last digit off":    good[:39] + flip(good[39]),
		"a digit more":          good + "0",
		"the first digit off":   flip(good[0]) + good[1:],
		"twice the good prefix": good[:20] + good[:20],
	} {
		body := fmt.Sprintf(`{"esito":"OK","idOperazione":"1","timeStamp":%s,"mac":%q,"report":[]}`, ts, mac)
		c := serveBody(t, http.StatusOK, stringBody(body))
		_, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		assert.ErrorIs(t, err, xpay.ErrInvalidMAC, name)
	}
	body := fmt.Sprintf(`{"esito":"OK","idOperazione":"1","timeStamp":%s,"mac":%q,"report":[]}`, ts, good)
	_, err := serveBody(t, http.StatusOK, stringBody(body)).GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
	assert.NoError(t, err, "the whole MAC verifies")
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
func (h cancelOnRetry) WithGroup(string) slog.Handler      { return h }

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

// Orders walks a long period in windows that meet and do not overlap: the
// day where one window ends is not asked for again by the next.
func TestOrdersWindowsDoNotOverlap(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	var mu sync.Mutex
	var periods []string
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/reportOrdini", func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		_, rest, _ := strings.Cut(string(b), `"periodo":"`)
		period, _, _ := strings.Cut(rest, `"`)
		mu.Lock()
		periods = append(periods, period)
		mu.Unlock()
		return httpmock.NewStringResponse(http.StatusOK, `{`+envelopeJSON("OK", "1", nowMS)+`,"report":[]}`), nil
	})
	from := xpay.Date{Year: 2024, Month: 1, Day: 1}
	for _, err := range c.Orders(context.Background(), &xpay.ListOrdersRequest{Period: xpay.DateRange{From: from, To: from.AddDays(799)}, Channel: xpay.ChannelAll}) {
		require.NoError(t, err)
	}
	assert.Equal(t, []string{
		"01/01/2024 - 31/12/2024", // 366 days, 2024 being a leap year
		"01/01/2025 - 01/01/2026",
		"02/01/2026 - 10/03/2026",
	}, periods)

	// A period of two windows exactly ends with the second.
	periods = nil
	for _, err := range c.Orders(context.Background(), &xpay.ListOrdersRequest{Period: xpay.DateRange{From: from, To: from.AddDays(731)}, Channel: xpay.ChannelAll}) {
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"01/01/2024 - 31/12/2024", "01/01/2025 - 01/01/2026"}, periods)
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
