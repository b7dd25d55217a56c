package xpaytest_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// control calls the control API as a script would (JSON, from this
// machine) and returns the status and the body.
func control(t *testing.T, srv *xpaytest.Server, method, what, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+xpaytest.ControlPrefix+what, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// controlJSON is control for a call that must succeed, decoding its answer
// into out.
func controlJSON(t *testing.T, srv *xpaytest.Server, method, what, body string, out any) {
	t.Helper()
	status, answer := control(t, srv, method, what, body)
	require.Equal(t, http.StatusOK, status, answer)
	require.NoError(t, json.Unmarshal([]byte(answer), out), answer)
}

// Paying a link through the control API needs the choice: a call without
// it neither pays nor declines.
func TestControlPayNeedsTheChoice(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithControlAPI())
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := context.Background()
	_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-CHOICE-1", Amount: 1500, TimeoutHours: 4, ReturnURL: "https://shop.example/esito"})
	require.NoError(t, err)
	state := func() string {
		t.Helper()
		list, err := c.ListPayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: xpay.Today().AddDays(-1), CreatedTo: xpay.Today().AddDays(1)})
		require.NoError(t, err)
		require.Len(t, list.Links, 1)
		return list.Links[0].Status
	}

	for _, body := range []string{"", "{}", `{"approve":null}`} {
		status, answer := control(t, srv, http.MethodPost, "links/PBL-CHOICE-1/pay", body)
		assert.Equal(t, http.StatusBadRequest, status, body)
		assert.Contains(t, answer, `approve: required: {\"approve\": true} pays, {\"approve\": false} declines the payment`, body)
	}
	assert.Equal(t, "Da pagare", state(), "neither paid nor declined")

	var paid struct {
		ReturnURL string `json:"returnUrl"`
	}
	controlJSON(t, srv, http.MethodPost, "links/PBL-CHOICE-1/pay", `{"approve":false}`, &paid)
	assert.Contains(t, paid.ReturnURL, "esito=KO")
	assert.Equal(t, "Negato", state())
}

// A link seeded through the control API is one as richiestaPayMail makes
// it, with its checks.
func TestControlSeedsLinks(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithControlAPI())
	t.Cleanup(srv.Close)
	var link struct {
		PayMailURL string `json:"payMailUrl"`
	}
	controlJSON(t, srv, http.MethodPost, "links", `{"code":"PBL-SEED-1","amount":1500,"hours":4,"url":"https://shop.example/esito","parameters":{"mail":"a@example.com"}}`, &link)
	assert.True(t, strings.HasPrefix(link.PayMailURL, srv.URL+"/paybylink/"), link.PayMailURL)
	var view struct {
		Code       string            `json:"code"`
		PayMailURL string            `json:"payMailUrl"`
		State      string            `json:"state"`
		Parameters map[string]string `json:"parameters"`
	}
	controlJSON(t, srv, http.MethodGet, "links/PBL-SEED-1", "", &view)
	assert.Equal(t, link.PayMailURL, view.PayMailURL)
	assert.Equal(t, "Da pagare", view.State)
	assert.Equal(t, map[string]string{"mail": "a@example.com"}, view.Parameters)
	for body, msg := range map[string]string{
		`{"code":"PBL-SEED-1","amount":1500,"hours":4,"url":"https://shop.example/esito"}`: "Transazione già presente",
		`{"code":"PBL-SEED-2","amount":1500,"hours":4,"url":"ftp://shop.example/"}`:        "url: URL http:// o https://",
		`{"code":"PBL-SEED-3","amount":1500,"url":"https://shop.example/esito"}`:           "hours must be positive",
		`{"code":"P","amount":1500,"hours":4,"url":"https://shop.example/esito"}`:          "want 2 to 30 characters",
	} {
		status, answer := control(t, srv, http.MethodPost, "links", body)
		assert.Equal(t, http.StatusBadRequest, status, body)
		assert.Contains(t, answer, msg, body)
	}
}

// Seeded times are read in XPay's formats, as Italian time, and in RFC
// 3339; the error of one that is none of them names the formats, not Go's
// layout.
func TestControlReadsXPaysDates(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithControlAPI())
	t.Cleanup(srv.Close)
	for i, c := range []struct{ in, want string }{
		{"17/06/2024", "2024-06-17T00:00:00+02:00"},
		{"17/06/2024 15:30:00", "2024-06-17T15:30:00+02:00"},
		{"2024-06-17 15:30:00", "2024-06-17T15:30:00+02:00"},
		{"2024-06-17 15:30:00.0", "2024-06-17T15:30:00+02:00"},
		{"2024-12-17 15:30:00", "2024-12-17T15:30:00+01:00"},
		{"2024-06-17T13:30:00Z", "2024-06-17T15:30:00+02:00"},
	} {
		code := "ORD-DATE-" + string(rune('A'+i))
		controlJSON(t, srv, http.MethodPost, "orders", `{"code":"`+code+`","amount":100,"createdAt":"`+c.in+`"}`, &struct{}{})
		var o struct {
			CreatedAt string `json:"createdAt"`
		}
		controlJSON(t, srv, http.MethodGet, "orders/"+code, "", &o)
		assert.Equal(t, c.want, o.CreatedAt, c.in)
	}
	status, answer := control(t, srv, http.MethodPost, "orders", `{"code":"ORD-DATE-X","amount":100,"createdAt":"17-06-2024"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, answer, "createdAt: \\\"17-06-2024\\\": want one of dd/mm/yyyy, dd/mm/yyyy hh:mm:ss, yyyy-mm-dd hh:mm:ss")
	assert.NotContains(t, answer, "Z07:00", "no Go layout")

	var report struct {
		ID string `json:"idReport"`
	}
	controlJSON(t, srv, http.MethodPost, "reports", `{"name":"Giornaliero","processed":"18/06/2024 06:00:00"}`, &report)
	controlJSON(t, srv, http.MethodPost, "contracts", `{"number":"CNT-DATE-1","createdAt":"17/06/2024 15:30:00"}`, &struct{}{})
}

// The control API shows times as XPay's days are counted, in Italian
// time; orders and links can be read back.
func TestControlShowsOrdersAndLinksInItalianTime(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC) // already the 8th in Italy
	srv := xpaytest.NewServer(xpaytest.WithControlAPI(), xpaytest.WithDemoData(), xpaytest.WithClock(func() time.Time { return at }))
	t.Cleanup(srv.Close)
	var info struct {
		Now string `json:"now"`
	}
	controlJSON(t, srv, http.MethodGet, "", "", &info)
	assert.Equal(t, "2026-12-08T00:30:00+01:00", info.Now)
	controlJSON(t, srv, http.MethodPost, "clock", `{"advance":"1h"}`, &info)
	assert.Equal(t, "2026-12-08T01:30:00+01:00", info.Now)

	c := srv.Client()
	_, err := c.Capture(context.Background(), &xpay.CaptureRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 2000, Currency: xpay.CurrencyEUR})
	require.NoError(t, err)
	var order struct {
		Code       string          `json:"code"`
		Amount     int64           `json:"amount"`
		State      xpay.OrderState `json:"state"`
		Captured   int64           `json:"captured"`
		Operations []struct {
			Type   xpay.OperationType `json:"type"`
			Amount int64              `json:"amount"`
			At     string             `json:"at"`
		} `json:"operations"`
	}
	controlJSON(t, srv, http.MethodGet, "orders/"+xpaytest.DemoAuthorized, "", &order)
	assert.Equal(t, xpaytest.DemoAuthorized, order.Code)
	assert.Equal(t, int64(5000), order.Amount)
	assert.Equal(t, xpay.OrderStatePartiallyCaptured, order.State)
	assert.Equal(t, int64(2000), order.Captured)
	require.Len(t, order.Operations, 1)
	assert.Equal(t, xpay.OperationTypeCapture, order.Operations[0].Type)
	assert.Equal(t, "2026-12-08T01:30:00+01:00", order.Operations[0].At)

	_, err = c.CreatePayByLink(context.Background(), &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-READ-1", Amount: 700, TimeoutHours: 2,
		ReturnURL: "https://shop.example/esito", AdditionalParameters: map[string]string{"Note1": "x"}})
	require.NoError(t, err)
	var link struct {
		Code       string            `json:"code"`
		Amount     int64             `json:"amount"`
		State      string            `json:"state"`
		ExpiresAt  string            `json:"expiresAt"`
		ReturnURL  string            `json:"url"`
		Parameters map[string]string `json:"parameters"`
	}
	controlJSON(t, srv, http.MethodGet, "links/PBL-READ-1", "", &link)
	assert.Equal(t, "PBL-READ-1", link.Code)
	assert.Equal(t, int64(700), link.Amount)
	assert.Equal(t, "Da pagare", link.State)
	assert.Equal(t, "2026-12-08T03:30:00+01:00", link.ExpiresAt)
	assert.Equal(t, "https://shop.example/esito", link.ReturnURL)
	assert.Equal(t, map[string]string{"Note1": "x"}, link.Parameters)

	for _, what := range []string{"orders/ORD-NONE", "links/PBL-NONE"} {
		status, answer := control(t, srv, http.MethodGet, what, "")
		assert.Equal(t, http.StatusNotFound, status, what)
		assert.Contains(t, answer, "no ", what)
	}
}

// The control API cannot be driven from a web page the developer visits:
// a request for another host name (DNS rebinding), one from another
// origin, and a write that is not JSON are refused, before anything
// happens; curl and scripts on this machine go through.
func TestControlRefusesWebPages(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithControlAPI(), xpaytest.WithControlHosts("sandbox.test"))
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	require.NoError(t, err)
	fault := `{"fault":"Capture:reset"}`
	for name, c := range map[string]struct {
		method, what, host, origin, contentType, body string
		status                                        int
	}{
		"curl, JSON":                     {"POST", "faults", "", "", "application/json", fault, http.StatusOK},
		"JSON with a charset":            {"POST", "faults", "", "", "application/json; charset=utf-8", fault, http.StatusOK},
		"no body, as curl -X POST":       {"POST", "reset", "", "", "", "", http.StatusOK},
		"localhost":                      {"GET", "requests", "localhost:" + port, "", "", "", http.StatusOK},
		"a name it was given":            {"GET", "requests", "sandbox.test:" + port, "", "", "", http.StatusOK},
		"its own page":                   {"POST", "faults", "", "http://127.0.0.1:" + port, "application/json", fault, http.StatusOK},
		"text/plain from a page":         {"POST", "faults", "", "", "text/plain;charset=UTF-8", fault, http.StatusUnsupportedMediaType},
		"a form":                         {"POST", "faults", "", "", "application/x-www-form-urlencoded", "fault=Capture:reset", http.StatusUnsupportedMediaType},
		"a body without a content type":  {"POST", "faults", "", "", "", fault, http.StatusUnsupportedMediaType},
		"another origin":                 {"POST", "faults", "", "https://evil.example", "application/json", fault, http.StatusForbidden},
		"another origin, a read":         {"GET", "requests", "", "http://evil.example:" + port, "", "", http.StatusForbidden},
		"a page on another port":         {"POST", "faults", "", "http://localhost:3000", "application/json", fault, http.StatusForbidden},
		"a page on another port, a read": {"GET", "requests", "", "http://127.0.0.1:1", "", "", http.StatusForbidden},
		"a page of a name it was given":  {"POST", "faults", "", "http://sandbox.test:3000", "application/json", fault, http.StatusOK},
		"an opaque origin":               {"POST", "reset", "", "null", "", "", http.StatusForbidden},
		"a rebound name":                 {"GET", "requests", "evil.example:" + port, "", "", "", http.StatusForbidden},
		"a rebound name, its own origin": {"GET", "requests", "evil.example:" + port, "http://evil.example:" + port, "", "", http.StatusForbidden},
	} {
		req, err := http.NewRequest(c.method, srv.URL+xpaytest.ControlPrefix+c.what, strings.NewReader(c.body))
		require.NoError(t, err)
		if c.body == "" {
			req.Body, req.ContentLength = http.NoBody, 0
		}
		if c.host != "" {
			req.Host = c.host
		}
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err, name)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, c.status, resp.StatusCode, "%s: %s", name, b)
		if c.status != http.StatusOK {
			assert.Contains(t, string(b), `"error"`, name)
		}
	}
	// None of the refused writes injected a fault: a capture goes through.
	srv.ClearFaults()
	for name, c := range map[string]struct{ origin, contentType string }{
		"text/plain": {"", "text/plain"}, "a form": {"", "application/x-www-form-urlencoded"}, "another origin": {"https://evil.example", "application/json"},
	} {
		req, err := http.NewRequest(http.MethodPost, srv.URL+xpaytest.ControlPrefix+"faults", strings.NewReader(`{"fault":"Capture:reset"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", c.contentType)
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.NotEqual(t, http.StatusOK, resp.StatusCode, name)
	}
	require.NoError(t, srv.AddOrder(xpaytest.Order{Code: "ORD-WEB-1", Amount: 100}))
	_, err = srv.Client().Capture(context.Background(), &xpay.CaptureRequest{TransactionCode: "ORD-WEB-1", Amount: 100, Currency: xpay.CurrencyEUR})
	assert.NoError(t, err, "no fault was injected")
}
