package xpay_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// signedResult returns payment result parameters signed with the test
// secret, after edit has changed the signed values.
func signedResult(edit func(v url.Values)) url.Values {
	v := url.Values{
		"codTrans": {"PBL-2024-000777"}, "esito": {"OK"}, "importo": {"12000"}, "divisa": {"EUR"},
		"data": {"20240617"}, "orario": {"153012"}, "codAut": {"A1B2C3"},
		"brand": {"VISA"}, "mail": {"giulia.bianchi@example.com"}, "num_contratto": {"CNT-1"},
	}
	if edit != nil {
		edit(v)
	}
	var fields []xpay.Field
	for _, name := range []string{"codTrans", "esito", "importo", "divisa", "data", "orario", "codAut"} {
		fields = append(fields, xpay.Field{Name: name, Value: v.Get(name)})
	}
	v.Set("mac", xpay.Sign(testSecret, fields...))
	return v
}

func TestVerifyPaymentResult(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t)
	res, err := c.VerifyPaymentResult(signedResult(nil))
	require.NoError(t, err)
	assert.True(t, res.Paid())
	assert.Equal(t, "PBL-2024-000777", res.TransactionCode)
	assert.Equal(t, xpay.PaymentOutcomeOK, res.Outcome)
	assert.Equal(t, xpay.Amount(12000), res.Amount)
	assert.Equal(t, "EUR", res.Currency)
	assert.Equal(t, "A1B2C3", res.AuthorizationCode)
	assert.Equal(t, time.Date(2024, 6, 17, 13, 30, 12, 0, time.UTC), res.Time.UTC(), "15:30:12 in Rome, summer time")
	assert.Equal(t, "Europe/Rome", res.Time.Location().String())
	assert.Equal(t, url.Values{"brand": {"VISA"}, "mail": {"giulia.bianchi@example.com"}, "num_contratto": {"CNT-1"}}, res.Extra)

	t.Run("a refusal, with its unsigned message", func(t *testing.T) {
		v := signedResult(func(v url.Values) { v.Set("esito", "KO"); v.Set("codAut", "") })
		v.Set("messaggio", "Autorizzazione negata")
		res, err := c.VerifyPaymentResult(v)
		require.NoError(t, err)
		assert.False(t, res.Paid())
		assert.Equal(t, "Autorizzazione negata", res.Message)
	})
	t.Run("only OK is paid", func(t *testing.T) {
		for _, esito := range []xpay.PaymentOutcome{xpay.PaymentOutcomeKO, "ANNULLO", "ERRORE", "PEN", "ok", "SOSPESO"} {
			res, err := c.VerifyPaymentResult(signedResult(func(v url.Values) { v.Set("esito", string(esito)) }))
			require.NoError(t, err)
			assert.False(t, res.Paid(), esito)
		}
	})
	t.Run("an outcome XPay adds later is kept", func(t *testing.T) {
		res, err := c.VerifyPaymentResult(signedResult(func(v url.Values) { v.Set("esito", "SOSPESO") }))
		require.NoError(t, err)
		assert.Equal(t, xpay.PaymentOutcome("SOSPESO"), res.Outcome)
	})
	t.Run("each signed field tampered with", func(t *testing.T) {
		for _, name := range []string{"codTrans", "esito", "importo", "divisa", "data", "orario", "codAut"} {
			v := signedResult(nil)
			v.Set(name, v.Get(name)+"1")
			switch name {
			case "esito":
				v.Set(name, "KO")
			case "divisa":
				v.Set(name, "USD")
			}
			_, err := c.VerifyPaymentResult(v)
			assert.ErrorIs(t, err, xpay.ErrInvalidMAC, name)
		}
	})
	// name=value pairs are joined with no separator: a result whose code
	// holds '=', or whose currency is not three letters, could be another
	// result re-split, and is refused even when its MAC verifies.
	t.Run("a code with '=' or a currency of another length", func(t *testing.T) {
		for name, edit := range map[string]func(url.Values){
			"codTrans": func(v url.Values) { v.Set("codTrans", "ORD-1esito=OK") },
			"divisa":   func(v url.Values) { v.Set("divisa", "EURO") },
		} {
			v := signedResult(edit)
			_, err := c.VerifyPaymentResult(v)
			var ve *xpay.ValidationError
			require.ErrorAs(t, err, &ve, name)
			assert.Equal(t, name, ve.WireName)
		}
		for _, cur := range []string{"EU", "eur", "E1R", ""} {
			_, err := c.VerifyPaymentResult(signedResult(func(v url.Values) { v.Set("divisa", cur) }))
			assert.Error(t, err, cur)
		}
	})
	// The MAC comes first: a signed field changed on the way is a forgery,
	// whatever it was changed to, and no *ValidationError.
	t.Run("a signed field tampered to a malformed value", func(t *testing.T) {
		for _, tc := range []struct{ param, value string }{
			{"divisa", "EUR9"}, {"divisa", "eur"}, {"divisa", ""}, {"codTrans", "ORD-1esito=OK"}, {"codTrans", ""},
			{"esito", ""}, {"importo", "120.00"}, {"importo", ""}, {"data", "2024617"}, {"orario", "15:30:12"},
		} {
			v := signedResult(nil)
			v.Set(tc.param, tc.value)
			_, err := c.VerifyPaymentResult(v)
			assert.ErrorIs(t, err, xpay.ErrInvalidMAC, "%s=%q", tc.param, tc.value)
			var ve *xpay.ValidationError
			assert.NotErrorAs(t, err, &ve, "%s=%q", tc.param, tc.value)
		}
	})
	t.Run("the MAC missing, empty, twice, or made with another key", func(t *testing.T) {
		for name, edit := range map[string]func(url.Values){
			"missing": func(v url.Values) { v.Del("mac") },
			"empty":   func(v url.Values) { v.Set("mac", "") },
			"twice":   func(v url.Values) { v.Add("mac", v.Get("mac")) },
			"another key": func(v url.Values) {
				v.Set("mac", xpay.Sign("ANOTHER_KEY", xpay.Field{Name: "codTrans", Value: v.Get("codTrans")}))
			},
		} {
			v := signedResult(nil)
			edit(v)
			_, err := c.VerifyPaymentResult(v)
			assert.ErrorIs(t, err, xpay.ErrInvalidMAC, name)
		}
	})
	t.Run("a signed field missing, twice or malformed", func(t *testing.T) {
		for _, tc := range []struct {
			name, param string
			edit        func(url.Values)
		}{
			{"missing", "codTrans", func(v url.Values) { v.Del("codTrans") }},
			{"missing even if empty is allowed", "codAut", func(v url.Values) { v.Del("codAut") }},
			{"empty", "esito", func(v url.Values) { v.Set("esito", "") }},
			{"twice", "importo", func(v url.Values) { v.Add("importo", "1") }},
			{"a decimal amount", "importo", func(v url.Values) { v.Set("importo", "120.00") }},
			{"a negative amount", "importo", func(v url.Values) { v.Set("importo", "-1") }},
			{"a short date", "data", func(v url.Values) { v.Set("data", "2024617") }},
			{"no such day", "data", func(v url.Values) { v.Set("data", "20240231") }},
			{"a time with colons", "orario", func(v url.Values) { v.Set("orario", "15:30:12") }},
		} {
			var v url.Values
			if tc.name == "missing" || tc.name == "twice" || strings.HasPrefix(tc.name, "missing") {
				v = signedResult(nil)
				tc.edit(v)
			} else {
				v = signedResult(tc.edit) // signed: only the format is wrong
			}
			_, err := c.VerifyPaymentResult(v)
			var ve *xpay.ValidationError
			require.ErrorAs(t, err, &ve, tc.name)
			assert.Equal(t, tc.param, ve.WireName, tc.name)
			assert.Equal(t, "VerifyPaymentResult", ve.Operation)
		}
	})
}

// records keeps what a merchant's notification handler was called with,
// and does the work once per order: the idempotent handler the docs ask
// for.
type records struct {
	mu      sync.Mutex
	calls   int
	results map[string]*xpay.PaymentResult
	fail    error
	done    chan string // each call's transaction code
}

func newRecords() *records {
	return &records{results: map[string]*xpay.PaymentResult{}, done: make(chan string, 16)}
}

func (r *records) handle(_ context.Context, res *xpay.PaymentResult) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	defer func() { r.done <- res.TransactionCode }()
	if r.fail != nil {
		return r.fail
	}
	if _, seen := r.results[res.TransactionCode]; !seen {
		r.results[res.TransactionCode] = res
	}
	return nil
}

func (r *records) count() (calls, orders int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls, len(r.results)
}

// waitFor waits until the handler was called for code. The minute is a
// hang guard, not a measurement.
func (r *records) waitFor(t *testing.T, code string) {
	t.Helper()
	for {
		select {
		case got := <-r.done:
			if got == code {
				return
			}
		case <-time.After(time.Minute):
			t.Fatalf("no notification for %s", code)
		}
	}
}

func TestPaymentNotificationHandler(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t)
	post := func(t *testing.T, h http.Handler, method string, form url.Values) int {
		req := httptest.NewRequest(method, "/xpay/notify", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	for _, tc := range []struct {
		name   string
		method string
		form   url.Values
		fail   error
		status int
		called bool
	}{
		{"valid", http.MethodPost, signedResult(nil), nil, http.StatusOK, true},
		{"forged", http.MethodPost, func() url.Values { v := signedResult(nil); v.Set("importo", "1"); return v }(), nil, http.StatusForbidden, false},
		{"unsigned", http.MethodPost, func() url.Values { v := signedResult(nil); v.Del("mac"); return v }(), nil, http.StatusForbidden, false},
		{"malformed", http.MethodPost, signedResult(func(v url.Values) { v.Set("data", "ieri") }), nil, http.StatusBadRequest, false},
		{"GET", http.MethodGet, signedResult(nil), nil, http.StatusMethodNotAllowed, false},
		{"the merchant fails", http.MethodPost, signedResult(nil), errors.New("database down"), http.StatusInternalServerError, true},
		{"too large", http.MethodPost, func() url.Values { v := signedResult(nil); v.Set("pad", strings.Repeat("x", 70<<10)); return v }(), nil, http.StatusRequestEntityTooLarge, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecords()
			rec.fail = tc.fail
			status := post(t, c.PaymentNotificationHandler(rec.handle), tc.method, tc.form)
			assert.Equal(t, tc.status, status)
			calls, _ := rec.count()
			assert.Equal(t, map[bool]int{true: 1, false: 0}[tc.called], calls)
		})
	}
	t.Run("a query string does not count", func(t *testing.T) {
		rec := newRecords()
		req := httptest.NewRequest(http.MethodPost, "/xpay/notify?"+signedResult(nil).Encode(), nil)
		w := httptest.NewRecorder()
		c.PaymentNotificationHandler(rec.handle).ServeHTTP(w, req)
		assert.Equal(t, http.StatusForbidden, w.Code)
	})
	t.Run("misuse panics with a clear message", func(t *testing.T) {
		assert.PanicsWithValue(t, "xpay: PaymentNotificationHandler: fn is nil", func() { c.PaymentNotificationHandler(nil) })
		var zero *xpay.Client
		assert.Panics(t, func() { zero.PaymentNotificationHandler(rec(t)) })
	})
}

func rec(*testing.T) func(context.Context, *xpay.PaymentResult) error { return newRecords().handle }

// merchant runs a merchant's notification endpoint for the sandbox.
func merchant(t *testing.T, c *xpay.Client) (*records, string) {
	rec := newRecords()
	mux := http.NewServeMux()
	mux.Handle("/xpay/notify", c.PaymentNotificationHandler(rec.handle))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return rec, srv.URL + "/xpay/notify"
}

// The whole loop: create a link, the customer pays in the sandbox, the
// sandbox notifies the merchant, whose handler verifies it, and the order
// is captured; the customer's return URL verifies too.
func TestE2EPaymentLoop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	rec, notifyURL := merchant(t, c)
	_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-LOOP-1", Amount: 12000, TimeoutHours: 2,
		ReturnURL: "https://shop.example/esito?lang=it", NotifyURL: notifyURL,
	})
	require.NoError(t, err)

	back, err := srv.PayLink("PBL-LOOP-1", true)
	require.NoError(t, err)
	rec.waitFor(t, "PBL-LOOP-1")
	calls, orders := rec.count()
	assert.Equal(t, 1, calls)
	assert.Equal(t, 1, orders)
	require.Len(t, srv.Notifications(), 1)
	assert.Equal(t, http.StatusOK, srv.Notifications()[0].Status)

	u, err := url.Parse(back)
	require.NoError(t, err)
	assert.Equal(t, "it", u.Query().Get("lang"), "the merchant's own query is kept")
	res, err := c.VerifyPaymentResult(u.Query())
	require.NoError(t, err)
	assert.True(t, res.Paid())
	assert.Equal(t, xpay.Amount(12000), res.Amount)
	assert.Equal(t, xpaytest.DefaultAlias, res.Extra.Get("alias"))

	_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: res.TransactionCode, Amount: res.Amount, Currency: eur})
	require.NoError(t, err)
	order, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "PBL-LOOP-1"})
	require.NoError(t, err)
	assert.Equal(t, xpay.Amount(12000), captured(t, order.Order()))

	t.Run("through the payment page, as a browser", func(t *testing.T) {
		link, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
			TransactionCode: "PBL-LOOP-3", Amount: 700, TimeoutHours: 2, ReturnURL: "https://shop.example/esito", NotifyURL: notifyURL,
		})
		require.NoError(t, err)
		browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := browser.PostForm(link.URL, url.Values{"outcome": {"approve"}})
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		rec.waitFor(t, "PBL-LOOP-3")
		back, err := url.Parse(resp.Header.Get("Location"))
		require.NoError(t, err)
		res, err := c.VerifyPaymentResult(back.Query())
		require.NoError(t, err)
		assert.Equal(t, xpay.Amount(700), res.Amount)
	})
	t.Run("a refusal", func(t *testing.T) {
		_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
			TransactionCode: "PBL-LOOP-2", Amount: 500, TimeoutHours: 2, ReturnURL: "https://shop.example/esito", NotifyURL: notifyURL,
		})
		require.NoError(t, err)
		back, err := srv.PayLink("PBL-LOOP-2", false)
		require.NoError(t, err)
		rec.waitFor(t, "PBL-LOOP-2")
		u, _ := url.Parse(back)
		res, err := c.VerifyPaymentResult(u.Query())
		require.NoError(t, err)
		assert.Equal(t, xpay.PaymentOutcomeKO, res.Outcome)
		assert.Equal(t, "Autorizzazione negata", res.Message)
	})
}

// The sandbox's notification faults, against an idempotent handler.
func TestE2ENotificationFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		fault     xpaytest.NotificationFault
		delivered int // deliveries the sandbox made
		calls     int // calls of the handler's fn
		status    int // of each delivery
	}{
		{"not delivered", xpaytest.NotificationFault{Drop: true}, 0, 0, 0},
		{"delivered twice", xpaytest.NotificationFault{Twice: true}, 2, 2, http.StatusOK},
		{"delivered with a wrong MAC", xpaytest.NotificationFault{WrongMAC: true}, 1, 0, http.StatusForbidden},
		{"delivered late", xpaytest.NotificationFault{Delay: 50 * time.Millisecond}, 1, 1, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c := newSandbox(t)
			rec, notifyURL := merchant(t, c)
			srv.InjectNotificationFault(tc.fault)
			_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
				TransactionCode: "PBL-NF-1", Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/esito", NotifyURL: notifyURL,
			})
			require.NoError(t, err)
			back, err := srv.PayLink("PBL-NF-1", true)
			require.NoError(t, err)
			u, _ := url.Parse(back)
			_, err = c.VerifyPaymentResult(u.Query())
			require.NoError(t, err, "the return URL is always signed")

			for range tc.calls {
				rec.waitFor(t, "PBL-NF-1")
			}
			if tc.fault.Delay > 0 {
				assert.Eventually(t, func() bool { return len(srv.Notifications()) == tc.delivered }, time.Minute, time.Millisecond)
			}
			got := srv.Notifications()
			require.Len(t, got, tc.delivered)
			for _, n := range got {
				assert.Equal(t, tc.status, n.Status)
			}
			calls, orders := rec.count()
			assert.Equal(t, tc.calls, calls)
			assert.Equal(t, min(tc.calls, 1), orders, "an idempotent handler records the order once")
		})
	}
}

// A payment at 02:30 on the October night the clocks go back happened in
// the first of the two 02:30s, as ParseTime reads any date in that hour:
// one rule.
func TestPaymentResultTimeInTheRepeatedHour(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t)
	res, err := c.VerifyPaymentResult(signedResult(func(v url.Values) { v.Set("data", "20241027"); v.Set("orario", "023000") }))
	require.NoError(t, err)
	parsed, err := xpay.ParseTime("2024-10-27 02:30:00", nil)
	require.NoError(t, err)
	assert.True(t, res.Time.Equal(parsed), "%v and %v", res.Time, parsed)
	assert.Equal(t, time.Date(2024, 10, 27, 0, 30, 0, 0, time.UTC), res.Time.UTC(), "02:30 CEST, the earlier")
}

// The outcome a paid link sends back, to the browser and to urlPost,
// carries the card's expiry (scadenza_pan), and the contract the payment
// registered (num_contratto) when the link asked for one, as real
// integrations read them.
func TestE2EPaymentOutcomeCarriesExpiryAndContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	var mu sync.Mutex
	var notified url.Values
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		notified = r.PostForm
		mu.Unlock()
	}))
	t.Cleanup(shop.Close)
	_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-RIC-1", Amount: 990, TimeoutHours: 4, ReturnURL: "https://shop.example/esito", NotifyURL: shop.URL,
		AdditionalParameters: map[string]string{"num_contratto": "CNT-PBL-RIC-1"},
	})
	require.NoError(t, err)
	returned, err := srv.PayLink("PBL-RIC-1", true)
	require.NoError(t, err)
	back, err := url.Parse(returned)
	require.NoError(t, err)
	mu.Lock()
	form := notified
	mu.Unlock()
	for name, q := range map[string]url.Values{"return URL": back.Query(), "notification": form} {
		result, err := c.VerifyPaymentResult(q)
		require.NoError(t, err, name)
		assert.True(t, result.Paid(), name)
		assert.Equal(t, "203012", q.Get("scadenza_pan"), name)
		assert.Equal(t, "CNT-PBL-RIC-1", q.Get("num_contratto"), name)
		assert.NotEmpty(t, q.Get("pan"), name)
	}
	contracts, err := c.ListContracts(ctx, &xpay.ContractFilter{ContractNumber: "CNT-PBL-RIC-1"})
	require.NoError(t, err)
	require.Len(t, contracts.Contracts, 1, "the payment registered the contract")
}

// The contract number and card expiry of a first payment come from the
// verified result, unsigned as XPay sends them.
func TestPaymentResultContract(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t)
	fields := []xpay.Field{
		field("codTrans", "ORD-2024-000123"), field("esito", "OK"), field("importo", "5000"), field("divisa", "EUR"),
		field("data", "20240617"), field("orario", "100003"), field("codAut", "A1B2C3"),
	}
	q := url.Values{}
	for _, f := range fields {
		q.Set(f.Name, f.Value)
	}
	q.Set("mac", xpay.Sign(testSecret, fields...))
	res, err := c.VerifyPaymentResult(q)
	require.NoError(t, err)
	assert.Empty(t, res.ContractNumber())
	assert.Empty(t, res.CardExpiry())

	q.Set("num_contratto", "CNT-0001-ROSSI")
	q.Set("scadenza_pan", "203012")
	res, err = c.VerifyPaymentResult(q)
	require.NoError(t, err)
	assert.Equal(t, "CNT-0001-ROSSI", res.ContractNumber())
	assert.Equal(t, "203012", res.CardExpiry())
}
