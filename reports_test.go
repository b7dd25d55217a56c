package xpay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

const downloadURL = testBase + "ecomm/api/bo/downloadReport"

// csvReader produces n bytes of CSV rows without holding them.
type csvReader struct{ left int64 }

func (r *csvReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	const row = "ORD-2024-000123;5000;EUR;Contabilizzato;2024-06-17 10:15:42\n"
	n := 0
	for n < len(p) && int64(n) < r.left {
		n += copy(p[n:min(len(p), n+int(r.left)-n)], row)
	}
	r.left -= int64(n)
	return n, nil
}

// countingWriter counts bytes and keeps none.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// Not parallel: it measures the process's allocations.
func TestDownloadReportStreams(t *testing.T) {
	const size = 48 << 20
	c, mock := newTestClient(t)
	var query string
	mock.RegisterResponder(http.MethodGet, downloadURL, func(r *http.Request) (*http.Response, error) {
		query = r.URL.RawQuery
		resp := httpmock.NewBytesResponse(http.StatusOK, nil)
		resp.Body = io.NopCloser(&csvReader{left: size})
		resp.Header.Set("Content-Type", "text/csv")
		return resp, nil
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	w := &countingWriter{}
	n, err := c.DownloadReport(context.Background(), "1045", w)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.Equal(t, int64(size), n)
	assert.Equal(t, int64(size), w.n)
	allocated := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, allocated, uint64(2<<20), "a %d MiB download allocated %d bytes: it was buffered", size>>20, allocated)
	assert.Contains(t, query, "mac=73e981f5d36e13ae412e95b4ff2fe6ec5b112c12")
	assert.Contains(t, query, "idReport=1045")
}

func TestDownloadReportAnswers(t *testing.T) {
	t.Parallel()
	ko := fixture(t, "elencoReport-ko.json") // XPay's error envelope, as any service sends it
	cases := []struct {
		name    string
		status  int
		ctype   string
		body    string
		want    string // the file written, when the download succeeds
		wantErr func(t *testing.T, err error)
	}{
		{"CSV file", http.StatusOK, "text/csv; charset=utf-8", "a;b\n1;2\n", "a;b\n1;2\n", nil},
		{"JSON-format report", http.StatusOK, "application/json", `[{"codiceTransazione":"ORD1"}]`, `[{"codiceTransazione":"ORD1"}]`, nil},
		{"KO envelope", http.StatusOK, "application/json", string(ko), "", func(t *testing.T, err error) {
			var apiErr *xpay.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, xpay.CodeNotFound, apiErr.Code)
			assert.Equal(t, "DownloadReport", apiErr.Operation)
		}},
		{"KO envelope with a bad MAC", http.StatusOK, "application/json", strings.Replace(string(ko), `"KO"`, `"OK"`, 1), "", func(t *testing.T, err error) {
			assert.ErrorIs(t, err, xpay.ErrInvalidMAC)
		}},
		{"HTML error page", http.StatusNotFound, "text/html", "<html>Not Found</html>", "", func(t *testing.T, err error) {
			var respErr *xpay.ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.Equal(t, http.StatusNotFound, respErr.HTTPStatus)
			assert.Equal(t, "<html>Not Found</html>", string(respErr.Body))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock := newTestClient(t)
			mock.RegisterResponder(http.MethodGet, downloadURL,
				httpmock.NewStringResponder(tc.status, tc.body).HeaderSet(http.Header{"Content-Type": {tc.ctype}}))
			var buf bytes.Buffer
			n, err := c.DownloadReport(context.Background(), "1045", &buf)
			if tc.wantErr != nil {
				tc.wantErr(t, err)
				assert.Zero(t, buf.Len(), "nothing is written on error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, buf.String())
			assert.Equal(t, int64(len(tc.want)), n)
		})
	}
}

// The caller's context bounds the transfer of a file. (How the client
// timeout bounds a stream that stalls is in exchange_test.go.)
func TestDownloadReportStopsWithTheContext(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	var w countingWriter
	ctx, cancel := context.WithCancel(context.Background())
	mock.RegisterResponder(http.MethodGet, downloadURL, func(r *http.Request) (*http.Response, error) {
		resp := httpmock.NewBytesResponse(http.StatusOK, nil)
		resp.Body = io.NopCloser(&cancellingReader{ctx: r.Context(), cancel: cancel})
		return resp, nil
	})
	_, err := c.DownloadReport(ctx, "1045", &w)
	assert.ErrorIs(t, err, context.Canceled)
}

// cancellingReader gives one byte, cancels the caller's context, then
// fails as a transport does once its request's context is done.
type cancellingReader struct {
	ctx    context.Context
	cancel func()
	done   bool
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	if !r.done {
		r.done = true
		p[0] = 'x'
		return 1, nil
	}
	r.cancel()
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

func TestDownloadReportValidation(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	_, err := c.DownloadReport(context.Background(), "10 45\n", io.Discard)
	var ve *xpay.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "DownloadReport", ve.Operation)
	assert.Zero(t, mock.GetTotalCallCount())
}

func TestDownloadReportTransportError(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	mock.RegisterResponder(http.MethodGet, downloadURL, httpmock.NewErrorResponder(errors.New("connection reset by peer")))
	_, err := c.DownloadReport(context.Background(), "1045", io.Discard)
	require.ErrorContains(t, err, "connection reset by peer")
	assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown, "a download changes nothing")
}

// The download URL carries a MAC: a failed download must not show it, in
// the error or the logs.
func TestDownloadReportErrorsHideTheSignedURL(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	c, mock := newTestClient(t, xpay.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	mock.RegisterResponder(http.MethodGet, downloadURL, httpmock.NewErrorResponder(errors.New("connection reset by peer")))
	_, err := c.DownloadReport(context.Background(), "1045", io.Discard)
	require.Error(t, err)
	const mac = "73e981f5d36e13ae412e95b4ff2fe6ec5b112c12" // the URL's MAC under fixedClock
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v %#v", err, err), logs.String()} {
		assert.NotContains(t, s, mac)
		assert.NotContains(t, s, "mac=")
		assert.NotContains(t, s, testSecret)
	}
	assert.Contains(t, logs.String(), "DownloadReport")
}

// The recorded answers of downloadReport: a file, and a KO in its place,
// served as a file would be.
func TestDownloadReportFixtures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, contentType string
		check             func(t *testing.T, n int64, got string, err error)
	}{
		{"downloadReport-ok.csv", "text/csv", func(t *testing.T, n int64, got string, err error) {
			require.NoError(t, err)
			assert.Equal(t, string(fixture(t, "downloadReport-ok.csv")), got)
			assert.Equal(t, int64(len(got)), n)
		}},
		{"downloadReport-ko.json", "text/plain", func(t *testing.T, n int64, got string, err error) {
			requireCode(t, err, xpay.CodeNotFound)
			assert.Zero(t, n)
			assert.Empty(t, got)
		}},
	} {
		c, mock := newTestClient(t)
		mock.RegisterResponder(http.MethodGet, downloadURL, func(*http.Request) (*http.Response, error) {
			resp := httpmock.NewBytesResponse(http.StatusOK, fixture(t, tc.file))
			resp.Header.Set("Content-Type", tc.contentType)
			return resp, nil
		})
		var got strings.Builder
		n, err := c.DownloadReport(context.Background(), "1045", &got)
		tc.check(t, n, got.String(), err)
	}
}

// The sandbox lists the instances nearest the reference day, before or
// after it, as XPay's text says.
func TestSandboxListsTheReportsNearestTheReferenceDay(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	at := func(d xpay.Date) time.Time { return time.Date(d.Year, d.Month, d.Day, 6, 0, 0, 0, xpay.Rome()) }
	ref := xpay.Date{Year: 2024, Month: 6, Day: 15}
	for _, r := range []struct {
		name string
		day  xpay.Date
	}{{"Dieci giorni prima", ref.AddDays(-10)}, {"Tre giorni dopo", ref.AddDays(3)}} {
		_, err := srv.AddReport(r.name, at(r.day))
		require.NoError(t, err)
	}
	for day, want := range map[xpay.Date]string{ref: "Tre giorni dopo", ref.AddDays(-8): "Dieci giorni prima", ref.AddDays(30): "Tre giorni dopo"} {
		res, err := c.ListReports(context.Background(), &xpay.ListReportsRequest{RefDate: day})
		require.NoError(t, err)
		require.Len(t, res.Reports, 1, day)
		assert.Equal(t, want, res.Reports[0].Name, day)
	}
}

// A day without reports is nothing found: an empty list that says so, as
// every list read reads XPay's KO 2, not an error.
func TestListReportsOfADayWithoutReports(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer()
	defer srv.Close()
	res, err := srv.Client().ListReports(context.Background(), &xpay.ListReportsRequest{})
	require.NoError(t, err)
	assert.Empty(t, res.Reports)
	assert.True(t, res.NothingFound())
	assert.Equal(t, "KO", res.Outcome, "what XPay said is kept")

	warnings, err := srv.Client().ListWarnings(context.Background(), &xpay.ListWarningsRequest{})
	require.NoError(t, err)
	assert.True(t, warnings.NothingFound())
}

// A daily report covers the day before it was processed, and shows each
// order as it stood then: not the orders of other days, nor what happened
// to them after.
func TestSandboxReportsCoverTheirDay(t *testing.T) {
	t.Parallel()
	day := time.Date(2024, 6, 16, 0, 0, 0, 0, xpay.Rome())
	now := day.Add(30 * time.Hour) // 17 June, 06:00
	srv := xpaytest.NewServer(xpaytest.WithClock(func() time.Time { return now }))
	t.Cleanup(srv.Close)
	for _, o := range []xpaytest.Order{
		{Code: "REP-BEFORE", Amount: 100, CreatedAt: day.Add(-time.Minute)},
		{Code: "REP-FIRST", Amount: 200, CreatedAt: day},
		{Code: "REP-LAST", Amount: 300, CreatedAt: day.Add(24*time.Hour - time.Second)},
		{Code: "REP-AFTER", Amount: 400, CreatedAt: day.Add(24 * time.Hour)},
	} {
		require.NoError(t, srv.AddOrder(o))
	}
	id, err := srv.AddReport("Transazioni giornaliere", now)
	require.NoError(t, err)
	now = now.Add(time.Hour) // after the report: a capture it must not show
	c := srv.Client()
	_, err = c.Capture(context.Background(), &xpay.CaptureRequest{TransactionCode: "REP-FIRST", Amount: 200, Currency: xpay.CurrencyEUR})
	require.NoError(t, err)

	var file strings.Builder
	_, err = c.DownloadReport(context.Background(), id, &file)
	require.NoError(t, err)
	assert.Equal(t, "codiceTransazione;importo;divisa;stato;dataTransazione;brand\n"+
		"REP-FIRST;200;EUR;Autorizzato;2024-06-16 00:00:00;VISA\n"+
		"REP-LAST;300;EUR;Autorizzato;2024-06-16 23:59:59;VISA\n", file.String())

	_, err = srv.AddReport("", now)
	assert.ErrorContains(t, err, "needs a name")
}

// reportsOpCases is the row of ListReports in the table every operation passes
// (TestOperations).
func reportsOpCases() []opCase {
	return []opCase{
		{
			name: "ListReports", uri: "ecomm/api/bo/elencoReport",
			call: call((*xpay.Client).ListReports, xpay.ListReportsRequest{RefDate: june17}),
			body: body(macNoFields, `"refDate":"17/06/2024"`),
			ok:   "elencoReport-ok.json", ko: "elencoReport-ko.json", koCode: xpay.CodeNotFound, koMessage: msgNotFound,
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.ListReportsResponse)
				require.Len(t, r.Reports, 1)
				assert.Equal(t, xpay.Report{ID: "1045", Name: "Transazioni giornaliere", ProcessedAt: "17/06/2024 06:00:00", Format: "CSV"}, r.Reports[0])
			},
			invalid: []invalidCase{
				{"bad day", call((*xpay.Client).ListReports, xpay.ListReportsRequest{RefDate: xpay.Date{Year: 2024, Month: 13, Day: 1}}), "RefDate", "refDate"},
			},
		},
	}
}
