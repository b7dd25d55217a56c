package xpaytest_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// partialHeaders opens n connections to addr that send the start of a
// request and never finish its headers.
func partialHeaders(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		_, err = io.WriteString(c, "POST /ecomm/api/bo/situazioneOrdine HTTP/1.1\r\nHost: sandbox\r\nX-Slow: ")
		require.NoError(t, err)
		conns[i] = c
	}
	return conns
}

// requireClosedByServer reads c until the server closes it. The minute is
// a hang guard, not a measurement: only the server's header timeout can
// end the read.
func requireClosedByServer(t *testing.T, c net.Conn) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(time.Minute)))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if err != nil && assert.ErrorAs(t, err, &ne) {
		assert.False(t, ne.Timeout(), "the server kept a connection with unfinished headers open")
	}
}

// Connections that never finish their headers are closed, instead of
// piling up for as long as the client likes.
func TestServerClosesConnectionsWithUnfinishedHeaders(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithReadHeaderTimeout(50 * time.Millisecond))
	t.Cleanup(srv.Close)
	for _, c := range partialHeaders(t, strings.TrimPrefix(srv.URL, "http://"), 50) {
		requireClosedByServer(t, c)
	}
}

// A request body over 1 MiB is not read whole: the sandbox answers KO 50
// and closes the connection.
func TestServerCapsRequestBodies(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer()
	t.Cleanup(srv.Close)
	body := `{"apiKey":"` + strings.Repeat("A", 2<<20) + `"}`
	resp, err := http.Post(srv.URL+"/ecomm/api/bo/situazioneOrdine", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"codice":50`)
	assert.Contains(t, string(b), "request body too large")
	assert.True(t, resp.Close, "the connection is closed")
}

func TestParseFault(t *testing.T) {
	t.Parallel()
	op, f, err := xpaytest.ParseFault("Capture:reset,processed,times=1")
	require.NoError(t, err)
	assert.Equal(t, "Capture", op)
	assert.Equal(t, xpaytest.Fault{Reset: true, Processed: true, Times: 1}, f)
	// Every kind, one per fault, each with the latency and processed that go with any.
	for kind, want := range map[string]xpaytest.Fault{
		"stale=1h": {Stale: time.Hour}, "status=503": {HTTPStatus: 503}, "unsignedko=50": {UnsignedKO: 50},
		"redirect=307": {Redirect: 307}, "outcome=PEN": {Outcome: "PEN"}, "stall": {Stall: true}, "wrongmac": {WrongMAC: true},
		"missingmac": {MissingMAC: true}, "malformedjson": {MalformedJSON: true}, "truncatedbody": {TruncatedBody: true}, "reset": {Reset: true},
	} {
		_, f, err = xpaytest.ParseFault("situazioneOrdine:latency=2s,processed," + kind)
		require.NoError(t, err, kind)
		want.Latency, want.Processed = 2*time.Second, true
		assert.Equal(t, want, f, kind)
	}
	for in, msg := range map[string]string{
		"Capture:reset,wrongmac":      "a fault misbehaves in one way, not reset and wrongmac",
		"Capture:status=503,stale=1h": "not status and stale",
		"Capture":                     "want OP:KIND",
		"Captur:reset":                `unknown operation "Captur"; want one of Capture, Refund`,
		"Capture:bogus":               "bogus is not a fault kind",
		"Capture:reset=1":             "reset takes no value",
		"Capture:latency":             "latency needs a value",
		"Capture:latency=never":       "latency has a bad value",
	} {
		_, _, err := xpaytest.ParseFault(in)
		assert.ErrorContains(t, err, msg, in)
	}
}

// An unknown operation name is a mistake in the test: counting and
// injecting both say so, with the names that exist.
func TestUnknownOperationsPanic(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer()
	t.Cleanup(srv.Close)
	assert.Equal(t, 0, srv.Requests("Capture"))
	assert.Equal(t, 0, srv.Requests("contabilizza"))
	for _, f := range []func(){
		func() { srv.Requests("capture") },
		func() { srv.InjectFault("capture", xpaytest.Fault{Reset: true}) },
	} {
		assert.PanicsWithValue(t, `xpaytest: unknown operation "capture"; want one of `+strings.Join(xpaytest.Operations(), ", "), f)
	}
	assert.PanicsWithValue(t, "xpaytest: a fault misbehaves in one way, not reset and wrongmac: inject one fault per operation",
		func() { srv.InjectFault("Capture", xpaytest.Fault{Reset: true, WrongMAC: true}) })
}

// The Client a Server returns keeps the Server's clock, so that a test
// with a fake clock needs to set it once.
func TestServerClientSharesTheClock(t *testing.T) {
	t.Parallel()
	past := time.Date(2024, 6, 17, 12, 0, 0, 0, time.UTC)
	srv := xpaytest.NewServer(xpaytest.WithDemoData(), xpaytest.WithClock(func() time.Time { return past }))
	t.Cleanup(srv.Close)
	_, err := srv.Client().GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
	require.NoError(t, err, "no KO 5: the timestamps agree")
}

// The sandbox lists at most a year (366 days) of orders, as the client
// asks: the year Nexi's own samples ask for is served.
func TestServerRefusesOrderPeriodsOverAYear(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	t.Cleanup(srv.Close)
	mac := []string{"apiKey", "codiceTransazione", "periodo", "canale", "timeStamp"}
	for period, want := range map[string]int{"01/06/2024 - 29/08/2024": 0, "01/01/2024 - 31/12/2024": 0, "01/01/2023 - 31/12/2023": 0,
		"01/06/2024 - 01/06/2025": 0, "01/06/2024 - 02/06/2025": xpay.CodeInvalidParameter, "01/01/2023 - 31/12/2024": xpay.CodeInvalidParameter} {
		m := raw(t, srv, "ecomm/api/bo/reportOrdini", map[string]any{"codiceTransazione": "", "periodo": period, "canale": "All"}, mac, nil)
		assert.Equal(t, want, code(m), period)
	}
}

// A payment form that arrives slowly holds no other request: the page
// reads it before taking the Server's lock. The Server would wait an hour
// for the rest of the form; the API call does not wait on it at all, and
// the minute is a hang guard.
func TestPaymentPageFormHoldsNoOtherRequest(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData(), xpaytest.WithReadHeaderTimeout(time.Hour))
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	link, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-SLOW-1", Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/esito"})
	require.NoError(t, err)
	u, err := url.Parse(link.URL)
	require.NoError(t, err)

	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST "+u.Path+" HTTP/1.1\r\nHost: sandbox\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nout")
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() {
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
		done <- err
	}()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("an API call waited on a payment form that never arrived")
	}
}

// The payment page takes a small urlencoded form: a large one, or another
// kind, is refused, and pays nothing.
func TestPaymentPageRefusesLargeOrOtherForms(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	link, err := c.CreatePayByLink(context.Background(), &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-BIG-1", Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/esito"})
	require.NoError(t, err)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for name, tc := range map[string]struct {
		contentType, body string
		status            int
	}{
		"a 2 MiB form":     {"application/x-www-form-urlencoded", "outcome=approve&x=" + strings.Repeat("a", 2<<20), http.StatusRequestEntityTooLarge},
		"a multipart form": {"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"outcome\"\r\n\r\napprove\r\n--b--\r\n", http.StatusUnsupportedMediaType},
	} {
		resp, err := noRedirect.Post(link.URL, tc.contentType, strings.NewReader(tc.body))
		require.NoError(t, err, name)
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, name)
	}
	report, err := c.ListPayByLinks(context.Background(), &xpay.ListPayByLinksRequest{CreatedFrom: xpay.Today().AddDays(-1), CreatedTo: xpay.Today()})
	require.NoError(t, err)
	require.Len(t, report.Links, 1)
	assert.NotEqual(t, "Pagato", report.Links[0].Status, "nothing was paid")
	resp, err := noRedirect.PostForm(link.URL, url.Values{"outcome": {"approve"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "the small form pays")
}

// The sandbox delivers notifications only to this machine unless
// WithNotifyAnyHost says otherwise: a link's urlPost elsewhere is
// recorded, not posted (and no test posts anywhere but loopback).
func TestNotificationsGoOnlyToLoopback(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	_, err := c.CreatePayByLink(context.Background(), &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-FAR-1", Amount: 100, TimeoutHours: 1,
		ReturnURL: "https://shop.example/esito", NotifyURL: "http://192.0.2.1:1/xpay/notify"}) // TEST-NET-1
	require.NoError(t, err)
	_, err = srv.PayLink("PBL-FAR-1", true)
	require.NoError(t, err)
	got := srv.Notifications()
	require.Len(t, got, 1)
	assert.ErrorContains(t, got[0].Err, "not a loopback address")
	assert.Zero(t, got[0].Status)
}

// Notification faults are written as text too, for the command line and
// the control API: one misbehaviour each.
func TestParseNotificationFault(t *testing.T) {
	t.Parallel()
	f, err := xpaytest.ParseNotificationFault("twice,delay=2s,times=1")
	require.NoError(t, err)
	assert.Equal(t, xpaytest.NotificationFault{Twice: true, Delay: 2 * time.Second, Times: 1}, f)
	for in, msg := range map[string]string{
		"drop,twice":  "misbehaves in one way",
		"bogus":       "bogus is not a notification fault kind",
		"drop=1":      "drop takes no value",
		"delay":       "delay needs a value",
		"times=often": "times has a bad value",
	} {
		_, err := xpaytest.ParseNotificationFault(in)
		assert.ErrorContains(t, err, msg, in)
	}
	srv := xpaytest.NewServer()
	t.Cleanup(srv.Close)
	require.NoError(t, srv.InjectFaultText("Notification:drop,times=1"))
	require.NoError(t, srv.InjectFaultText("Capture:reset,times=1"))
	assert.ErrorContains(t, srv.InjectFaultText("Notification:drop,twice"), "one way")
	assert.ErrorContains(t, srv.InjectFaultText("Capture:reset,wrongmac"), "one way")
}

// MoveClock moves what the Server dates and expires by, not the
// timeStamps that clients check: a link expires, and calls keep working.
// Reset forgets it all, and a demo Server is seeded again.
func TestMoveClockAndReset(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := context.Background()
	_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-CLOCK-1", Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/esito"})
	require.NoError(t, err)
	srv.MoveClock(2 * time.Hour)
	_, err = srv.PayLink("PBL-CLOCK-1", true)
	assert.ErrorContains(t, err, "expired")
	_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoCaptured})
	require.NoError(t, err, "the answers' timeStamps are fresh: the client's clock did not move")
	require.NotEmpty(t, srv.Received())
	assert.Equal(t, "GetOrder", srv.Received()[len(srv.Received())-1].Operation)

	require.NoError(t, srv.Reset())
	assert.Empty(t, srv.Received())
	_, err = c.RegeneratePayByLink(ctx, &xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL-CLOCK-1", TimeoutHours: 1})
	var apiErr *xpay.APIError
	require.ErrorAs(t, err, &apiErr, "the link is gone")
	_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoCaptured})
	require.NoError(t, err, "the demo data is back")
	_, err = c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-CLOCK-2", Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/esito"})
	require.NoError(t, err)
	_, err = srv.PayLink("PBL-CLOCK-2", true)
	require.NoError(t, err, "the clock is back where it started")
}
