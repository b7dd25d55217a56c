package xpaytest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

var chargeMAC = []string{"apiKey", "numeroContratto", "codiceTransazione", "importo", "divisa", "scadenza", "timeStamp"}

// What a client in another language may send that xpay would not: each
// gets XPay's refusal.
func TestChargeRefusesWhatXPayRefuses(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	t.Cleanup(srv.Close)
	charge := func(edit func(map[string]any)) map[string]any {
		f := map[string]any{"numeroContratto": xpaytest.DemoContract, "codiceTransazione": "REC-RAW-2", "importo": 100, "divisa": "978", "scadenza": ""}
		edit(f)
		return raw(t, srv, "ecomm/api/recurring/pagamentoRicorrente", f, chargeMAC, nil)
	}
	tests := []struct {
		name    string
		edit    func(map[string]any)
		code    int
		message string
	}{
		{"amount zero", func(f map[string]any) { f["importo"] = 0 }, xpay.CodeInvalidParameter, "0 euro"},
		{"the page's currency", func(f map[string]any) { f["divisa"] = "EUR" }, xpay.CodeInvalidParameter, "978"},
		{"an expiry that is no month", func(f map[string]any) { f["scadenza"] = "203013" }, xpay.CodeInvalidParameter, "scadenza"},
		{"another group", func(f map[string]any) { f["codiceGruppo"] = "GRP_ALTRO" }, xpay.CodeInvalidGroup, "GRP_ALTRO"},
		{"a key the service does not take", func(f map[string]any) { f["importoo"] = 1 }, xpay.CodeInvalidParameter, "importoo"},
	}
	for _, tc := range tests {
		m := charge(tc.edit)
		assert.Equal(t, "KO", m["esito"], tc.name)
		assert.Equal(t, tc.code, code(m), "%s: %v", tc.name, m)
		assert.Contains(t, m["errore"].(map[string]any)["messaggio"], tc.message, tc.name)
	}

	// The group as Nexi's plugin sends it, and immediate capture.
	m := charge(func(f map[string]any) {
		f["codiceGruppo"] = srv.Group()
		f["parametriAggiuntivi"] = map[string]any{"TCONTAB": "C", "mail": "mario.rossi@example.com", "nome": "Mario", "cognome": "Rossi"}
	})
	require.Equal(t, "OK", m["esito"], "%v", m)
	for _, key := range []string{"codiceAutorizzazione", "data", "ora", "nazione", "regione", "codiceConvenzione", "brand", "tipoProdotto", "tipoTransazione", "ppo"} {
		assert.Contains(t, m, key)
	}
	order, err := srv.Client().GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "REC-RAW-2"})
	require.NoError(t, err)
	assert.Equal(t, xpay.OrderStateCaptured, order.Order().State)
	assert.Equal(t, "mario.rossi@example.com", order.Order().Email)
}

// A seeded contract's card expiry must be one.
func TestAddContractCardExpiry(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer()
	t.Cleanup(srv.Close)
	assert.Error(t, srv.AddContract(xpaytest.Contract{Number: "CNT-1", CardExpiry: "12/30"}))
	assert.NoError(t, srv.AddContract(xpaytest.Contract{Number: "CNT-1", CardExpiry: "203001"}))
}

// controlPost posts body to the control API of srv, as JSON.
func controlPost(t *testing.T, srv *xpaytest.Server, path string, body any) (int, map[string]string) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(srv.URL+xpaytest.ControlPrefix+path, "application/json", bytes.NewReader(b))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// The payment page's checkouts and XPay Build's nonces over the control
// API.
func TestControlAPIPayments(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithControlAPI())
	t.Cleanup(srv.Close)
	c := srv.Client()
	for i, approve := range []bool{true, false} {
		code := fmt.Sprintf("CHK-CTL-%d", i)
		page, err := c.SignPaymentPage(&xpay.PaymentPageRequest{TransactionCode: code, Amount: 100,
			ReturnURL: "https://shop.example/esito", CancelURL: "https://shop.example/annullo"})
		require.NoError(t, err)
		resp, err := noRedirects.Get(page.URL())
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)

		// The choice is required: no body neither pays nor declines.
		for _, body := range []any{nil, map[string]any{}, map[string]any{"approve": nil}} {
			status, out := controlPost(t, srv, "checkouts/"+code+"/pay", body)
			require.Equal(t, http.StatusBadRequest, status, "%v", body)
			assert.Contains(t, out["error"], "approve: required")
		}
		status, out := controlPost(t, srv, "checkouts/"+code+"/pay", map[string]bool{"approve": approve})
		require.Equal(t, http.StatusOK, status, out)
		u, err := url.Parse(out["returnUrl"])
		require.NoError(t, err)
		res, err := c.VerifyPaymentResult(u.Query())
		require.NoError(t, err)
		assert.Equal(t, approve, res.Paid())
		status, out = controlPost(t, srv, "checkouts/"+code+"/cancel", nil)
		assert.Equal(t, http.StatusBadRequest, status, "paid: %v", out)
	}
	status, _ := controlPost(t, srv, "checkouts/CHK-NONE/pay", map[string]bool{"approve": true})
	assert.Equal(t, http.StatusNotFound, status)

	status, out := controlPost(t, srv, "nonces", map[string]any{"transactionCode": "BLD-CTL-1", "amount": 300, "approve": true})
	require.Equal(t, http.StatusOK, status, out)
	n := xpay.Nonce{Value: out["xpayNonce"], Outcome: out["esito"], OperationID: out["idOperazione"], Timestamp: out["timeStamp"], MAC: out["mac"]}
	_, err := c.PayNonce(context.Background(), &xpay.PayNonceRequest{TransactionCode: "BLD-CTL-1", Amount: 300, Currency: xpay.CurrencyEUR, Nonce: n})
	assert.NoError(t, err)
	status, out = controlPost(t, srv, "nonces", map[string]any{"transactionCode": "B", "amount": 300})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, out["error"], "2 to 30")
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// The payment page's checkouts and the nonces are bounded like everything
// else: past WithMaxItems the oldest go, a checkout's page with it.
func TestCheckoutsAreBounded(t *testing.T) {
	t.Parallel()
	const max = 10
	srv := xpaytest.NewServer(xpaytest.WithMaxItems(max))
	t.Cleanup(srv.Close)
	c := srv.Client()
	var first string
	var nonces []xpay.Nonce
	for i := range 25 {
		page, err := c.SignPaymentPage(&xpay.PaymentPageRequest{TransactionCode: fmt.Sprintf("CHK-BOUND-%02d", i), Amount: 100,
			ReturnURL: "https://shop.example/esito", CancelURL: "https://shop.example/annullo"})
		require.NoError(t, err)
		resp, err := noRedirects.PostForm(page.Action, page.Values())
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		if i == 0 {
			first = resp.Header.Get("Location")
		}
		n, err := srv.IssueNonce(fmt.Sprintf("BLD-BOUND-%02d", i), 100, true)
		require.NoError(t, err)
		nonces = append(nonces, n)
	}
	_, err := srv.PayCheckout("CHK-BOUND-00", true)
	assert.Error(t, err, "the oldest checkout is gone")
	resp, err := http.Get(first)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "and its page")
	_, err = srv.PayCheckout("CHK-BOUND-24", true)
	assert.NoError(t, err, "the newest is kept")

	payNonce := func(i int) error {
		_, err := c.PayNonce(context.Background(), &xpay.PayNonceRequest{TransactionCode: fmt.Sprintf("BLD-BOUND-%02d", i), Amount: 100,
			Currency: xpay.CurrencyEUR, Nonce: nonces[i]})
		return err
	}
	requireKO(t, payNonce(0), xpay.CodeInvalidParameter) // the oldest nonce is gone
	assert.NoError(t, payNonce(24))
}

// The page takes its form urlencoded and of a bounded size.
func TestCheckoutPageForm(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer()
	t.Cleanup(srv.Close)
	page := srv.URL + "/" + xpay.PagePath
	resp, err := http.Post(page, "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	resp, err = http.Post(page, "application/x-www-form-urlencoded", strings.NewReader("descrizione="+strings.Repeat("x", 64<<10)))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "%s", body)
}
