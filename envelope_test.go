package xpay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// movingClock is a clock that a test moves: it stands still until told.
type movingClock struct{ ms atomic.Int64 }

func newMovingClock() *movingClock {
	c := &movingClock{}
	c.ms.Store(fixedClock().UnixMilli())
	return c
}

func (c *movingClock) now() time.Time { return time.UnixMilli(c.ms.Load()) }

func (c *movingClock) advance(d time.Duration) { c.ms.Add(d.Milliseconds()) }

// requestTimestamp returns the timeStamp a request was signed with.
func requestTimestamp(t *testing.T, r *http.Request) string {
	t.Helper()
	var req struct{ TimeStamp json.Number }
	require.NoError(t, json.NewDecoder(r.Body).Decode(&req))
	return req.TimeStamp.String()
}

// A walk of Orders can outlast the freshness window: the loop takes its
// time over each order, and the answer is judged when its list ends. Its
// timeStamp is judged against when the request was signed (not older than
// the window before it) and against the clock as the answer ends (not
// ahead of it by more than the window), whenever XPay stamped it: when the
// request arrived, or when the list ended.
func TestFreshnessOverALongWalk(t *testing.T) {
	t.Parallel()
	orders := []string{`{"codiceTransazione":"ORD-1"}`, `{"codiceTransazione":"ORD-2"}`, `{"codiceTransazione":"ORD-3"}`}
	for _, stampedAtEnd := range []bool{false, true} {
		t.Run(fmt.Sprintf("stamped when the list ended: %v", stampedAtEnd), func(t *testing.T) {
			t.Parallel()
			clock := newMovingClock()
			rt := roundTrip(func(r *http.Request) (*http.Response, error) {
				ts := requestTimestamp(t, r)
				parts := []io.Reader{strings.NewReader(`{"report":[`)}
				for i, o := range orders {
					if i > 0 {
						o = "," + o
					}
					parts = append(parts, strings.NewReader(o)) // one order a read: the walk yields each before reading on
				}
				parts = append(parts, lazyReader(func() string {
					if stampedAtEnd {
						ts = strconv.FormatInt(clock.now().UnixMilli(), 10)
					}
					sign := xpay.Sign(testSecret, xpay.Field{Name: "esito", Value: "OK"}, xpay.Field{Name: "idOperazione", Value: "1"}, xpay.Field{Name: "timeStamp", Value: ts})
					return fmt.Sprintf(`],"esito":"OK","idOperazione":"1","timeStamp":%s,"mac":%q}`, ts, sign)
				}))
				return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: io.NopCloser(io.MultiReader(parts...)), ContentLength: -1, Request: r}, nil
			})
			c, err := xpay.NewClient(testAlias, testSecret, xpay.WithHTTPClient(&http.Client{Transport: rt}), xpay.WithClock(clock.now))
			require.NoError(t, err)
			var codes []string
			for o, err := range c.Orders(context.Background(), listReq) {
				require.NoError(t, err)
				codes = append(codes, o.TransactionCode)
				clock.advance(2 * xpay.DefaultFreshness) // the loop's work on the order
			}
			assert.Equal(t, []string{"ORD-1", "ORD-2", "ORD-3"}, codes)
		})
	}
}

// lazyReader reads as the text that text returns when it is first read.
func lazyReader(text func() string) io.Reader {
	var r io.Reader
	return readerFunc(func(p []byte) (int, error) {
		if r == nil {
			r = strings.NewReader(text())
		}
		return r.Read(p)
	})
}

type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// A signed answer whose timeStamp is not epoch milliseconds cannot be
// placed in time, so it is not fresh: else a recorded answer so stamped
// could be replayed for ever. Its KO is no refusal either.
func TestUnreadableTimestampIsNotFresh(t *testing.T) {
	t.Parallel()
	for _, ts := range []string{`"soon"`, `""`, `"1e12"`, `"-"`, `99999999999999999999`, `1718611200000.5`, `null`} {
		for _, esito := range []string{"OK", "KO"} {
			text := strings.Trim(ts, `"`)
			if ts == "null" {
				text = ""
			}
			mac := xpay.Sign(testSecret, xpay.Field{Name: "esito", Value: esito}, xpay.Field{Name: "idOperazione", Value: "1"}, xpay.Field{Name: "timeStamp", Value: text})
			body := fmt.Sprintf(`{"esito":%q,"idOperazione":"1","timeStamp":%s,"mac":%q,"errore":{"codice":3,"messaggio":"x"},"report":[]}`, esito, ts, mac)
			c := serveBody(t, http.StatusOK, func() io.Reader { return strings.NewReader(body) })
			res, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
			assert.ErrorIs(t, err, xpay.ErrStaleResponse, "%s %s", esito, ts)
			var apiErr *xpay.APIError
			assert.NotErrorAs(t, err, &apiErr, "%s %s", esito, ts)
			assert.Nil(t, res)
		}
	}
}

// Nothing found is XPay's KO 2. A verified OK is an answer, whatever its
// errore says: NothingFound does not report it, and its data is read.
func TestNothingFoundIsAKO(t *testing.T) {
	t.Parallel()
	cases := []struct {
		esito       string
		code        int
		nothing     bool
		orders      int
		description string
	}{
		{"KO", xpay.CodeNotFound, true, 0, "XPay's nothing found"},
		{"OK", xpay.CodeNotFound, false, 1, "an OK carrying errore 2"},
		{"OK", 0, false, 1, "an OK carrying errore 0"},
	}
	for _, tc := range cases {
		t.Run(tc.description, func(t *testing.T) {
			t.Parallel()
			report := `[]`
			if tc.esito == "OK" {
				report = `[{"codiceTransazione":"ORD-1","importo":100}]`
			}
			body := fmt.Sprintf(`{%s,"errore":{"codice":%d,"messaggio":"x"},"report":%s}`, envelopeJSON(tc.esito, "1", nowMS), tc.code, report)
			c := serveBody(t, http.StatusOK, func() io.Reader { return bytes.NewReader([]byte(body)) })
			res, err := c.ListOrders(context.Background(), listReq)
			require.NoError(t, err)
			assert.Equal(t, tc.nothing, res.NothingFound())
			assert.Len(t, res.Orders, tc.orders)
		})
	}
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

// The sandbox checks what the SDK cannot get wrong: freshness and
// credentials.
func TestE2EEnvelopeChecks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, _ := newSandbox(t)
	get := func(c *xpay.Client) error {
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
		return err
	}
	// A clock 6 minutes slow: XPay refuses the request with KO 5, signed
	// with its own, distant, timeStamp. The client cannot tell that answer
	// from a replay, so it is no *APIError; its text says what XPay said.
	stale := srv.Client(xpay.WithClock(func() time.Time { return e2eNow().Add(-6 * time.Minute) }))
	err := get(stale)
	require.ErrorIs(t, err, xpay.ErrStaleResponse)
	assert.NotErrorAs(t, err, new(*xpay.APIError))
	assert.ErrorContains(t, err, "KO 5: Sono passati più di 5 minuti")

	wrongAlias, err := xpay.NewClient("ALIAS_WEB_99999999", srv.Secret(), xpay.WithBaseURL(srv.URL), xpay.WithClock(e2eNow))
	require.NoError(t, err)
	requireCode(t, get(wrongAlias), xpay.CodeInvalidAlias)

	// A wrong key: XPay answers error 3, signed with the real key, so the
	// client cannot trust the answer either.
	wrongKey, err := xpay.NewClient(srv.Alias(), "NOT-THE-KEY", xpay.WithBaseURL(srv.URL), xpay.WithClock(e2eNow))
	require.NoError(t, err)
	err = get(wrongKey)
	require.ErrorIs(t, err, xpay.ErrInvalidMAC)
	var respErr *xpay.ResponseError
	require.ErrorAs(t, err, &respErr)
	assert.Contains(t, string(respErr.Body), `"codice":3`)
}
