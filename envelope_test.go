package xpay_test

import (
	"bytes"
	"context"
	"encoding/json"
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
