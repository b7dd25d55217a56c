package xpaytest_test

// What real clients written by others read from the sandbox, tested the
// way they read it.

import (
	"bufio"
	"context"
	"fmt"
	"image/png"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// pretixOperationDate is how pretix-xpay reads dataOperazione:
// datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f") (APSfurizon/pretix-xpay,
// pretix_xpay/utils.py:72), with the patterns CPython's strptime gives each
// directive (Lib/_strptime.py:186-203 of Python 3.11: %f is one to six
// digits), matched whole.
var pretixOperationDate = regexp.MustCompile(`^(?:\d\d\d\d)-(?:1[0-2]|0[1-9]|[1-9])-(?:3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9]) ` +
	`(?:2[0-3]|[0-1]\d|\d):(?:[0-5]\d|\d):(?:6[0-1]|[0-5]\d|\d)\.(?:[0-9]{1,6})$`)

// dataOperazione is written as XPay writes it, "2024-07-25 12:41:47.0",
// whatever fraction of a second the clock has: pretix-xpay reads it, on
// situazioneOrdine and reportOrdini alike, once an order is captured or
// refunded.
func TestOperationDatesReadAsPretixReadsThem(t *testing.T) {
	t.Parallel()
	require.True(t, pretixOperationDate.MatchString("2024-07-25 12:41:47.0"), "the value pretix-xpay's comment shows")
	require.False(t, pretixOperationDate.MatchString("2026-12-07 22:11:51.065556588"), "nine digits are more than %f takes")

	at := time.Date(2026, 12, 7, 21, 11, 51, 65556588, time.UTC) // a clock with nanoseconds
	srv := xpaytest.NewServer(xpaytest.WithDemoData(), xpaytest.WithClock(func() time.Time { return at }))
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := context.Background()
	_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 1000, Currency: xpay.CurrencyEUR})
	require.NoError(t, err)
	_, err = c.Refund(ctx, &xpay.RefundRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 500, Currency: xpay.CurrencyEUR})
	require.NoError(t, err)

	order, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
	require.NoError(t, err)
	ops := order.Order().Operations()
	require.Len(t, ops, 2)
	for _, op := range ops {
		assert.Equal(t, "2026-12-07 22:11:51.0", op.Date, "Italian time, to the second, as Java prints it")
	}
	today := xpay.DateOf(at.In(xpay.Rome()))
	list, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today.AddDays(-1), To: today}, Channel: xpay.ChannelAll})
	require.NoError(t, err)
	require.NotEmpty(t, list.Orders)
	for _, o := range list.Orders {
		assert.Regexp(t, pretixOperationDate, o.OperationDate, o.TransactionCode)
	}
}

// Nexi's Python sample of reportAssociazioni sends the group under the key
// gruppo (elenco-associazioni-cf-pan.py line 39) and signs it as
// "codiceGruppo=" (line 29), as the PHP, Java and .NET samples sign it:
// the MAC's label is codiceGruppo whatever key carries the group. Signed
// "gruppo=", as Nexi's Android SDK signs it, it is KO 3.
func TestCFPANGroupAsNexisPythonSampleSendsIt(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	t.Cleanup(srv.Close)
	const path = "ecomm/api/cfpan/reportAssociazioni"
	// sendAs signs the group under label and sends it under key.
	sendAs := func(key, label, group string) map[string]any {
		fields := map[string]any{"tipo": "CodiceFiscale", "valore": xpaytest.DemoTaxCode, label: group}
		return raw(t, srv, path, fields, []string{"apiKey", "tipo", "valore", label, "timeStamp"}, func(body map[string]any) {
			body[key] = body[label]
			if key != label {
				delete(body, label)
			}
		})
	}
	for name, c := range map[string]struct {
		key, label string
		code       int
	}{
		"the PHP, Java and .NET samples": {"codiceGruppo", "codiceGruppo", 0},
		"the Python sample":              {"gruppo", "codiceGruppo", 0},
		"signed under gruppo":            {"gruppo", "gruppo", xpay.CodeInvalidMAC},
	} {
		res := sendAs(c.key, c.label, xpaytest.DefaultGroup)
		assert.Equal(t, c.code, code(res), "%s: %v", name, res)
	}
	// The value signed is the one sent: another group under gruppo is KO 12.
	assert.Equal(t, xpay.CodeInvalidGroup, code(sendAs("gruppo", "codiceGruppo", "GRP_ALTRO")))
}

// The pictures profileInfo points at are there: shops show them at
// checkout (the WooCommerce plugin shows urlLogoNexiSmall as the cards'
// icon, WC_Gateway_XPay_Cards.php:36-39).
func TestProfileInfoPicturesAreServed(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer()
	t.Cleanup(srv.Close)
	info, err := srv.Client().GetProfileInfo(context.Background(), &xpay.GetProfileInfoRequest{})
	require.NoError(t, err)
	urls := map[string][2]int{info.LogoSmallURL: {240, 60}, info.LogoLargeURL: {480, 120}}
	for _, m := range info.Methods {
		urls[m.Image] = [2]int{}
	}
	require.Len(t, urls, 5)
	for u, size := range urls {
		require.True(t, strings.HasPrefix(u, srv.URL+"/img/"), u)
		resp, err := http.Get(u)
		require.NoError(t, err)
		img, decodeErr := png.Decode(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, u)
		assert.Equal(t, "image/png", resp.Header.Get("Content-Type"), u)
		require.NoError(t, decodeErr, u)
		if size != [2]int{} {
			assert.Equal(t, size, [2]int{img.Bounds().Dx(), img.Bounds().Dy()}, "the size the logo's name says: %s", u)
		}
	}
	resp, err := http.Get(srv.URL + "/img/nothing.png")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// shop is a merchant's urlPost endpoint that answers each notification
// with the next of statuses (200 once they run out), and says when one
// has arrived.
type shop struct {
	*http.Server
	URL      string
	mu       sync.Mutex
	statuses []int
	arrived  chan struct{}
}

func newShop(t *testing.T, statuses ...int) *shop {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &shop{URL: "http://" + l.Addr().String() + "/xpay/notify", statuses: statuses, arrived: make(chan struct{}, 16)}
	s.Server = &http.Server{ReadHeaderTimeout: time.Minute, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		status := http.StatusOK
		if len(s.statuses) > 0 {
			status, s.statuses = s.statuses[0], s.statuses[1:]
		}
		s.mu.Unlock()
		w.WriteHeader(status)
		fmt.Fprintf(w, "answered %d", status)
		s.arrived <- struct{}{}
	})}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// statuses returns the status of each attempt so far.
func statuses(srv *xpaytest.Server) []int {
	var list []int
	for _, n := range srv.Notifications() {
		list = append(list, n.Status)
	}
	return list
}

// A notification the shop does not answer with HTTP 200 is sent again, on
// the Server's clock: after a minute, five, and thirty, then no more,
// unless a fault sets another schedule.
func TestNotificationsAreSentAgainUntilHTTP200(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 6, 17, 10, 0, 0, 0, xpay.Rome())
	for name, c := range map[string]struct {
		fault    string
		answers  []int
		moves    []time.Duration // MoveClock, one after the other
		attempts [][]int         // the statuses recorded after each move
	}{
		"until 200": {"", []int{500, 503}, []time.Duration{59 * time.Second, time.Second, 5 * time.Minute, time.Hour},
			[][]int{{500}, {500, 503}, {500, 503, 200}, {500, 503, 200}}},
		"until XPay gives up": {"", []int{500, 500, 500, 500, 500}, []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 24 * time.Hour},
			[][]int{{500, 500}, {500, 500, 500}, {500, 500, 500, 500}, {500, 500, 500, 500}}},
		"a schedule of its own": {"Notification:retries=10s/20s", []int{500, 500, 500}, []time.Duration{10 * time.Second, 19 * time.Second, time.Second, time.Hour},
			[][]int{{500, 500}, {500, 500}, {500, 500, 500}, {500, 500, 500}}},
		"no retries": {"Notification:retries=none", []int{500}, []time.Duration{time.Hour}, [][]int{{500}}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := xpaytest.NewServer(xpaytest.WithClock(func() time.Time { return start }))
			t.Cleanup(srv.Close)
			sh := newShop(t, c.answers...)
			if c.fault != "" {
				require.NoError(t, srv.InjectFaultText(c.fault))
			}
			_, err := srv.AddLink(xpaytest.Link{Code: "PBL-RETRY-1", Amount: 100, Hours: 48, ReturnURL: "https://shop.example/esito", NotifyURL: sh.URL})
			require.NoError(t, err)
			_, err = srv.PayLink("PBL-RETRY-1", true)
			require.NoError(t, err)
			assert.Equal(t, c.attempts[0][:1], statuses(srv), "the first attempt, before PayLink returns")
			for i, d := range c.moves {
				srv.MoveClock(d) // sends what falls due before it returns
				assert.Equal(t, c.attempts[i], statuses(srv), "after moving the clock %v", d)
			}
			for i, n := range srv.Notifications() {
				assert.Equal(t, i+1, n.Attempt)
				assert.Equal(t, "PBL-RETRY-1", n.Form.Get("codTrans"))
				assert.Contains(t, n.Answer, fmt.Sprintf("answered %d", n.Status), "what the shop answered")
				if n.Status == http.StatusOK {
					assert.NoError(t, n.Err)
				} else {
					assert.ErrorContains(t, n.Err, fmt.Sprintf("the answer is HTTP %d, and XPay counts a notification as received on HTTP 200 only", n.Status))
				}
			}
		})
	}
}

// Nexi's notifica.php answers with header('OK, pagamento avvenuto, preso
// riscontro', true, 200); under php -S that line goes out as it is, and
// an HTTP client cannot read the answer. The Server keeps what the shop
// sent, and says plainly why the notification counted as failed.
func TestNotificationAnswerThatIsNotHTTPIsExplained(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	const answer = "HTTP/1.1 200 OK\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Powered-By: PHP/8.3.6\r\n" +
		"OK, pagamento avvenuto, preso riscontro\r\nContent-type: text/html; charset=UTF-8\r\n\r\n"
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			r := bufio.NewReader(c)
			req, err := http.ReadRequest(r)
			if err == nil {
				_, _ = io.Copy(io.Discard, req.Body)
				_, _ = io.WriteString(c, answer)
			}
			c.Close()
		}
	}()
	srv := xpaytest.NewServer(xpaytest.WithControlAPI())
	t.Cleanup(srv.Close)
	_, err = srv.AddLink(xpaytest.Link{Code: "PBL-PHP-1", Amount: 100, Hours: 4, ReturnURL: "https://shop.example/esito",
		NotifyURL: "http://" + l.Addr().String() + "/notifica.php"})
	require.NoError(t, err)
	_, err = srv.PayLink("PBL-PHP-1", true)
	require.NoError(t, err)
	got := srv.Notifications()
	require.Len(t, got, 1)
	assert.Equal(t, answer, got[0].Answer, "what the shop sent, as it came")
	assert.Zero(t, got[0].Status, "no HTTP answer could be read")
	require.Error(t, got[0].Err)
	assert.Contains(t, got[0].Err.Error(), `its header line "OK, pagamento avvenuto, preso riscontro" has no colon`)
	assert.Contains(t, got[0].Err.Error(), "php -S")

	var view []struct {
		Status int    `json:"status"`
		Answer string `json:"answer"`
		Error  string `json:"error"`
	}
	controlJSON(t, srv, http.MethodGet, "notifications", "", &view)
	require.Len(t, view, 1)
	assert.Equal(t, answer, view[0].Answer)
	assert.Contains(t, view[0].Error, "counted as failed: the answer is not HTTP")
}
