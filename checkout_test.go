package xpay_test

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// Payment page MACs, computed outside Go (Python's hashlib) from the
// strings shown, with the reference's example secret.
const (
	// codTrans=ORD-2024-000123divisa=EURimporto=5000
	macPage = "6e558767a4c722e223f02e9ab43ddc8b27e8e382"
	// codTrans=ORD-2024-000124divisa=EURimporto=5000gruppo=GRP_ESEMPIOnum_contratto=CNT-0001-ROSSI
	macPageOneClick = "f78726f72be8b9e5676ea96dba4650080806b219"
	// codTrans=ORD-2024-000124divisa=EURimporto=5000gruppo=num_contratto=CNT-0001-ROSSI
	macPageOneClickNoGroup = "22fcf0fe3a75aa9f357eebe9782410bb24f8b0db"
	// codTrans=VC-2024-000125divisa=EURimporto=0
	macPageCardCheck = "1e4123722813befb3d26715506e6705affbe1853"
)

const pageAction = testBase + "ecomm/ecomm/DispatcherServlet"

func pageRequest(edit func(*xpay.PaymentPageRequest)) *xpay.PaymentPageRequest {
	r := &xpay.PaymentPageRequest{
		TransactionCode: "ORD-2024-000123", Amount: 5000,
		ReturnURL: "https://shop.example/esito", CancelURL: "https://shop.example/annullo",
	}
	if edit != nil {
		edit(r)
	}
	return r
}

func field(name, value string) xpay.Field { return xpay.Field{Name: name, Value: value} }

// Each kind of request signs what XPay's samples sign and sends what they
// send, in their order.
func TestSignPaymentPage(t *testing.T) {
	t.Parallel()
	base := func(code, amount, mac string) []xpay.Field {
		return []xpay.Field{
			field("alias", testAlias), field("importo", amount), field("divisa", "EUR"), field("codTrans", code),
			field("url", "https://shop.example/esito"), field("url_back", "https://shop.example/annullo"), field("mac", mac),
		}
	}
	tests := []struct {
		name string
		req  *xpay.PaymentPageRequest
		want []xpay.Field
	}{
		{"payment", pageRequest(nil), base("ORD-2024-000123", "5000", macPage)},
		{"every optional field", pageRequest(func(r *xpay.PaymentPageRequest) {
			r.NotifyURL, r.Email, r.Language, r.Description = "https://shop.example/notifica", "mario.rossi@example.com", "ITA", "Ordine 123 <& co>"
			r.Capture, r.Note1, r.Note2, r.Note3 = xpay.CaptureDeferred, "n1", "n2", "n3"
			r.AdditionalFields = map[string]string{"selectedcard": "VISA", "nome": "Mario"}
		}), append(base("ORD-2024-000123", "5000", macPage),
			field("urlpost", "https://shop.example/notifica"), field("mail", "mario.rossi@example.com"), field("languageId", "ITA"),
			field("descrizione", "Ordine 123 <& co>"), field("TCONTAB", "D"), field("Note1", "n1"), field("Note2", "n2"), field("Note3", "n3"),
			field("nome", "Mario"), field("selectedcard", "VISA"))},
		{"recurring first payment: the base MAC, gruppo sent unsigned", pageRequest(func(r *xpay.PaymentPageRequest) {
			r.Kind, r.ContractNumber, r.Group = xpay.PageRecurringFirst, "CNT-0001-ROSSI", "GRP_ESEMPIO"
		}), append(base("ORD-2024-000123", "5000", macPage),
			field("num_contratto", "CNT-0001-ROSSI"), field("tipo_servizio", "paga_multi"), field("tipo_richiesta", "PP"), field("gruppo", "GRP_ESEMPIO"))},
		{"one-click first payment: gruppo and num_contratto signed", pageRequest(func(r *xpay.PaymentPageRequest) {
			r.Kind, r.TransactionCode, r.ContractNumber, r.Group = xpay.PageOneClickFirst, "ORD-2024-000124", "CNT-0001-ROSSI", "GRP_ESEMPIO"
		}), append(base("ORD-2024-000124", "5000", macPageOneClick),
			field("num_contratto", "CNT-0001-ROSSI"), field("tipo_servizio", "paga_1click"), field("gruppo", "GRP_ESEMPIO"))},
		{"one-click without a group: gruppo signed empty, not sent", pageRequest(func(r *xpay.PaymentPageRequest) {
			r.Kind, r.TransactionCode, r.ContractNumber = xpay.PageOneClickFirst, "ORD-2024-000124", "CNT-0001-ROSSI"
		}), append(base("ORD-2024-000124", "5000", macPageOneClickNoGroup),
			field("num_contratto", "CNT-0001-ROSSI"), field("tipo_servizio", "paga_1click"))},
		{"card check", pageRequest(func(r *xpay.PaymentPageRequest) {
			r.Kind, r.TransactionCode, r.Amount = xpay.PageCardCheck, "VC-2024-000125", 0
		}), append(base("VC-2024-000125", "0", macPageCardCheck), field("tipo_richiesta", "VC"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mock := newTestClient(t)
			page, err := c.SignPaymentPage(tc.req)
			require.NoError(t, err)
			assert.Equal(t, pageAction, page.Action)
			assert.Equal(t, tc.want, page.Fields)
			assert.Zero(t, mock.GetTotalCallCount(), "signing sends nothing")

			// The redirect carries the same fields as the form.
			u, err := url.Parse(page.URL())
			require.NoError(t, err)
			assert.Equal(t, pageAction, u.Scheme+"://"+u.Host+u.Path)
			assert.Equal(t, page.Values(), u.Query())
		})
	}
}

// The page's divisa is the alphabetic code; the JSON APIs' is the
// numeric one. Neither rule takes the other's code.
func TestPageCurrencyIsAlphabetic(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	page, err := c.SignPaymentPage(pageRequest(nil))
	require.NoError(t, err)
	assert.Equal(t, "EUR", page.Values().Get("divisa"), "the page: EUR")

	_, err = c.SignPaymentPage(pageRequest(func(r *xpay.PaymentPageRequest) { r.Currency = string(xpay.CurrencyEUR) }))
	var ve *xpay.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "divisa", ve.WireName)
	assert.Contains(t, ve.Rule, "alphabetic")

	got := recordBody(t, mock, "ecomm/api/recurring/pagamentoRicorrente", "pagamentoRicorrente-ok.json")
	_, err = c.Charge(t.Context(), &chargeRequest)
	require.NoError(t, err)
	assert.Contains(t, string(*got), `"divisa":"978"`, "the JSON API: 978")
	req := chargeRequest
	req.Currency = xpay.Currency(xpay.PageCurrencyEUR)
	_, err = c.Charge(t.Context(), &req)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "divisa", ve.WireName)
}

// Every limit is checked before anything is built, naming the field.
func TestSignPaymentPageRefusesBadInput(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("x", n) }
	longURL := func(n int) string { return "https://shop.example/" + long(n-len("https://shop.example/")) }
	tests := []struct {
		name        string
		edit        func(*xpay.PaymentPageRequest)
		field, wire string
	}{
		{"no code", func(r *xpay.PaymentPageRequest) { r.TransactionCode = "" }, "TransactionCode", "codTrans"},
		{"code too short", func(r *xpay.PaymentPageRequest) { r.TransactionCode = "A" }, "TransactionCode", "codTrans"},
		{"code too long", func(r *xpay.PaymentPageRequest) { r.TransactionCode = long(31) }, "TransactionCode", "codTrans"},
		{"code with #", func(r *xpay.PaymentPageRequest) { r.TransactionCode = "ORD#1" }, "TransactionCode", "codTrans"},
		{"code with a quote", func(r *xpay.PaymentPageRequest) { r.TransactionCode = `ORD"1` }, "TransactionCode", "codTrans"},
		{"code with '='", func(r *xpay.PaymentPageRequest) { r.TransactionCode = "ORD-1esito=OK" }, "TransactionCode", "codTrans"},
		{"code with a newline", func(r *xpay.PaymentPageRequest) { r.TransactionCode = "ORD\n1" }, "TransactionCode", "codTrans"},
		{"amount zero", func(r *xpay.PaymentPageRequest) { r.Amount = 0 }, "Amount", "importo"},
		{"negative amount", func(r *xpay.PaymentPageRequest) { r.Amount = -1 }, "Amount", "importo"},
		{"amount over 99999999", func(r *xpay.PaymentPageRequest) { r.Amount = 100000000 }, "Amount", "importo"},
		{"card check with an amount", func(r *xpay.PaymentPageRequest) { r.Kind = xpay.PageCardCheck }, "Amount", "importo"},
		{"lower-case currency", func(r *xpay.PaymentPageRequest) { r.Currency = "eur" }, "Currency", "divisa"},
		{"unknown kind", func(r *xpay.PaymentPageRequest) { r.Kind = 9 }, "Kind", "tipo_servizio"},
		{"no return URL", func(r *xpay.PaymentPageRequest) { r.ReturnURL = "" }, "ReturnURL", "url"},
		{"return URL not http", func(r *xpay.PaymentPageRequest) { r.ReturnURL = "javascript:alert(1)" }, "ReturnURL", "url"},
		{"return URL over 500", func(r *xpay.PaymentPageRequest) { r.ReturnURL = longURL(501) }, "ReturnURL", "url"},
		{"return URL on port 8443", func(r *xpay.PaymentPageRequest) { r.ReturnURL = "https://shop.example:8443/esito" }, "ReturnURL", "url"},
		{"no cancel URL", func(r *xpay.PaymentPageRequest) { r.CancelURL = "" }, "CancelURL", "url_back"},
		{"cancel URL over 200", func(r *xpay.PaymentPageRequest) { r.CancelURL = longURL(201) }, "CancelURL", "url_back"},
		{"notify URL over 500", func(r *xpay.PaymentPageRequest) { r.NotifyURL = longURL(501) }, "NotifyURL", "urlpost"},
		{"notify URL not http", func(r *xpay.PaymentPageRequest) { r.NotifyURL = "ftp://shop.example/n" }, "NotifyURL", "urlpost"},
		{"contract without its kind", func(r *xpay.PaymentPageRequest) { r.ContractNumber = "CNT-00001" }, "ContractNumber", "num_contratto"},
		{"group without a contract", func(r *xpay.PaymentPageRequest) { r.Group = "GRP" }, "Group", "gruppo"},
		{"recurring without a contract", func(r *xpay.PaymentPageRequest) { r.Kind = xpay.PageRecurringFirst }, "ContractNumber", "num_contratto"},
		{"contract too short", func(r *xpay.PaymentPageRequest) {
			r.Kind, r.ContractNumber = xpay.PageOneClickFirst, "C-1"
		}, "ContractNumber", "num_contratto"},
		{"contract with +", func(r *xpay.PaymentPageRequest) {
			r.Kind, r.ContractNumber = xpay.PageRecurringFirst, "CNT+00001"
		}, "ContractNumber", "num_contratto"},
		{"contract too long", func(r *xpay.PaymentPageRequest) {
			r.Kind, r.ContractNumber = xpay.PageRecurringFirst, long(31)
		}, "ContractNumber", "num_contratto"},
		{"group too long", func(r *xpay.PaymentPageRequest) {
			r.Kind, r.ContractNumber, r.Group = xpay.PageRecurringFirst, "CNT-00001", long(31)
		}, "Group", "gruppo"},
		{"bad e-mail", func(r *xpay.PaymentPageRequest) { r.Email = "mario" }, "Email", "mail"},
		{"language too long", func(r *xpay.PaymentPageRequest) { r.Language = "ITALIANO" }, "Language", "languageId"},
		{"description over 2000", func(r *xpay.PaymentPageRequest) { r.Description = long(2001) }, "Description", "descrizione"},
		{"description with a quote", func(r *xpay.PaymentPageRequest) { r.Description = "l'ordine" }, "Description", "descrizione"},
		{"description with bidi", func(r *xpay.PaymentPageRequest) { r.Description = "a\u202eb" }, "Description", "descrizione"},
		{"unknown capture mode", func(r *xpay.PaymentPageRequest) { r.Capture = "X" }, "Capture", "TCONTAB"},
		{"note over 200", func(r *xpay.PaymentPageRequest) { r.Note2 = long(201) }, "Note2", "Note2"},
		{"additional field overriding a field", func(r *xpay.PaymentPageRequest) { r.AdditionalFields = map[string]string{"MAC": "0"} }, "AdditionalFields", "MAC"},
		{"additional field overriding the service", func(r *xpay.PaymentPageRequest) {
			r.AdditionalFields = map[string]string{"tipo_servizio": "paga_1click"}
		}, "AdditionalFields", "tipo_servizio"},
		{"additional field with an odd name", func(r *xpay.PaymentPageRequest) { r.AdditionalFields = map[string]string{"a=b": "c"} }, "AdditionalFields", "a=b"},
		{"additional field with a control character", func(r *xpay.PaymentPageRequest) { r.AdditionalFields = map[string]string{"nome": "a\x00"} }, "AdditionalFields[nome]", "nome"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newTestClient(t)
			page, err := c.SignPaymentPage(pageRequest(tc.edit))
			assert.Nil(t, page)
			var ve *xpay.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "SignPaymentPage", ve.Operation)
			assert.Equal(t, tc.field, ve.Field)
			assert.Equal(t, tc.wire, ve.WireName)
			assert.NotEmpty(t, ve.Rule)
		})
	}

	c, _ := newTestClient(t)
	_, err := c.SignPaymentPage(nil)
	var ve *xpay.ValidationError
	require.ErrorAs(t, err, &ve)
	_, err = (&xpay.Client{}).SignPaymentPage(pageRequest(nil))
	assert.Error(t, err, "a Client not made by NewClient")
}

// A sandbox on this machine may listen on any port; XPay's URLs may not.
func TestSignPaymentPageLoopbackPorts(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t)
	_, err := c.SignPaymentPage(pageRequest(func(r *xpay.PaymentPageRequest) {
		r.ReturnURL, r.CancelURL, r.NotifyURL = "http://127.0.0.1:8081/esito", "http://localhost:8081/annullo", "http://[::1]:8081/notifica"
	}))
	assert.NoError(t, err)
	_, err = c.SignPaymentPage(pageRequest(func(r *xpay.PaymentPageRequest) { r.NotifyURL = "https://shop.example:443/notifica" }))
	assert.NoError(t, err)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// formFields reads the hidden fields of a form page, as a browser would.
func formFields(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		v.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

// The form page escapes every value, runs no script but its own, and is
// not cached; a browser reads back exactly the signed fields.
func TestPaymentPageServeHTTP(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t)
	hostile := `Mario "><script>alert(1)</script>`
	page, err := c.SignPaymentPage(pageRequest(func(r *xpay.PaymentPageRequest) {
		r.Description = "<b>Ordine</b> & co"
		r.AdditionalFields = map[string]string{"nome": hostile, "cognome": "'Rossi'"}
	}))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	page.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/pay", nil))
	res := rec.Result()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	body := rec.Body.String()
	assert.NotContains(t, body, "<script>alert", "values are escaped")
	assert.NotContains(t, body, "<b>Ordine", "values are escaped")
	assert.Contains(t, body, `<form id="xpay" method="post" action="`+pageAction+`">`)
	assert.Equal(t, page.Values(), formFields(body), "the browser posts exactly the signed fields")

	// The one script is the one the policy allows, by its hash.
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(body, -1)
	require.Len(t, scripts, 1)
	sum := sha256.Sum256([]byte(scripts[0][1]))
	csp := res.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'none'")
	assert.Contains(t, csp, "script-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	assert.Contains(t, body, "<noscript>", "a button where scripts do not run")
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
