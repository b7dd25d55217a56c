package xpay_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

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

// A body over the size cap is a *ResponseError that names the limit,
// whether or not it announced its length (net/http gives the announced
// length as ContentLength), under any status; it is not read as an answer
// cut short, which a read would try again to get the same body.
func TestBodyOverTheCapNamesTheLimit(t *testing.T) {
	t.Parallel()
	body := fixture(t, "situazioneOrdine-ok.json")
	size := int64(len(body))
	for _, tc := range []struct {
		name          string
		status        int
		length, limit int64
	}{
		{"announced, far over", http.StatusOK, size, size / 2},
		{"announced, one byte over", http.StatusOK, size, size - 1},
		{"announced, far over, an error status", http.StatusInternalServerError, size, size / 2},
		{"unknown length, far over", http.StatusOK, -1, size / 2},
		{"unknown length, one byte over", http.StatusOK, -1, size - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			rt := roundTrip(func(r *http.Request) (*http.Response, error) {
				calls.Add(1)
				return &http.Response{StatusCode: tc.status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: tc.length, Request: r}, nil
			})
			c, err := xpay.NewClient(testAlias, testSecret, xpay.WithHTTPClient(&http.Client{Transport: rt}), xpay.WithClock(fixedClock),
				xpay.WithMaxResponseSize(tc.limit), xpay.WithRetry(2, time.Millisecond, time.Millisecond))
			require.NoError(t, err)
			_, err = c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-2024-000123"})
			var respErr *xpay.ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.Equal(t, tc.status, respErr.HTTPStatus)
			assert.ErrorContains(t, err, fmt.Sprintf("exceeds the %d-byte limit", tc.limit))
			assert.EqualValues(t, 1, calls.Load(), "not tried again")
		})
	}
}

// reset closes the connection under w without finishing the answer.
func reset(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}
