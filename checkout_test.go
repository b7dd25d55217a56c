package xpay_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
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
		{"note1 over 200", func(r *xpay.PaymentPageRequest) { r.Note1 = long(201) }, "Note1", "Note1"},
		{"note2 over 200", func(r *xpay.PaymentPageRequest) { r.Note2 = long(201) }, "Note2", "Note2"},
		{"note3 over 200", func(r *xpay.PaymentPageRequest) { r.Note3 = long(201) }, "Note3", "Note3"},
		{"e-mail over 150", func(r *xpay.PaymentPageRequest) { r.Email = long(139) + "@shop.example" }, "Email", "mail"},
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

	// Each limit is a limit, not one below it: the longest of every field is signed.
	c, _ := newTestClient(t)
	page, err := c.SignPaymentPage(pageRequest(func(r *xpay.PaymentPageRequest) {
		r.TransactionCode, r.Email, r.Language = long(30), long(137)+"@shop.example", "ITALIAN"
		r.ReturnURL, r.CancelURL, r.NotifyURL = longURL(500), longURL(200), longURL(500)
		r.Description, r.Note1, r.Note2, r.Note3 = long(2000), long(200), long(200), long(200)
	}))
	require.NoError(t, err)
	assert.Len(t, page.Values().Get("mail"), 150)

	_, err = c.SignPaymentPage(nil)
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

// The payment page, from the shop's request to the verified return and
// notification, for each kind of request, by form and by redirect.
func TestE2ECheckout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		req     xpay.PaymentPageRequest
		byGet   bool
		approve bool
		paid    bool
		check   func(t *testing.T, srv *xpaytest.Server, c *xpay.Client, res *xpay.PaymentResult)
	}{
		{name: "payment by form", req: xpay.PaymentPageRequest{TransactionCode: "CHK-E2E-1", Amount: 4990, Email: "mario.rossi@example.com"}, approve: true, paid: true,
			check: func(t *testing.T, _ *xpaytest.Server, c *xpay.Client, res *xpay.PaymentResult) {
				order, err := c.GetOrder(t.Context(), &xpay.GetOrderRequest{TransactionCode: "CHK-E2E-1"})
				require.NoError(t, err)
				assert.Equal(t, xpay.OrderStateAuthorized, order.Order().State)
				assert.Equal(t, xpay.Amount(4990), order.Order().Amount)
				assert.Empty(t, res.ContractNumber())
			}},
		{name: "payment by redirect", req: xpay.PaymentPageRequest{TransactionCode: "CHK-E2E-2", Amount: 1200}, byGet: true, approve: true, paid: true},
		{name: "refused", req: xpay.PaymentPageRequest{TransactionCode: "CHK-E2E-3", Amount: 1200},
			check: func(t *testing.T, _ *xpaytest.Server, c *xpay.Client, res *xpay.PaymentResult) {
				assert.Equal(t, xpay.PaymentOutcomeKO, res.Outcome)
				order, err := c.GetOrder(t.Context(), &xpay.GetOrderRequest{TransactionCode: "CHK-E2E-3"})
				require.NoError(t, err)
				assert.Equal(t, xpay.OrderStateDenied, order.Order().State)
			}},
		{name: "recurring first payment, then charges", req: xpay.PaymentPageRequest{Kind: xpay.PageRecurringFirst, TransactionCode: "CHK-E2E-4", Amount: 999,
			ContractNumber: "CNT-E2E-0004", Group: xpaytest.DefaultGroup}, approve: true, paid: true,
			check: func(t *testing.T, _ *xpaytest.Server, c *xpay.Client, res *xpay.PaymentResult) {
				assert.Equal(t, "CNT-E2E-0004", res.ContractNumber(), "the contract is kept from the result")
				assert.Equal(t, "203012", res.CardExpiry())
				details, err := c.ListContractDetails(t.Context(), &xpay.ContractFilter{ContractNumber: res.ContractNumber()})
				require.NoError(t, err)
				require.Len(t, details.Contracts, 1)
				assert.Equal(t, "CHK-E2E-4", details.Contracts[0].TransactionCode)
				charge, err := c.Charge(t.Context(), &xpay.ChargeRequest{ContractNumber: res.ContractNumber(), TransactionCode: "REC-E2E-4-1",
					Amount: 999, Currency: xpay.CurrencyEUR, CardExpiry: res.CardExpiry()})
				require.NoError(t, err)
				assert.NotEmpty(t, charge.AuthorizationCode)
				order, err := c.GetOrder(t.Context(), &xpay.GetOrderRequest{TransactionCode: "REC-E2E-4-1"})
				require.NoError(t, err)
				assert.Equal(t, xpay.OrderStateAuthorized, order.Order().State)
			}},
		{name: "one-click first payment", req: xpay.PaymentPageRequest{Kind: xpay.PageOneClickFirst, TransactionCode: "CHK-E2E-5", Amount: 500,
			ContractNumber: "CNT-E2E-0005", Group: xpaytest.DefaultGroup}, approve: true, paid: true,
			check: func(t *testing.T, _ *xpaytest.Server, _ *xpay.Client, res *xpay.PaymentResult) {
				assert.Equal(t, "CNT-E2E-0005", res.ContractNumber())
			}},
		{name: "card check", req: xpay.PaymentPageRequest{Kind: xpay.PageCardCheck, TransactionCode: "VC-E2E-6"}, approve: true, paid: true,
			check: func(t *testing.T, _ *xpaytest.Server, c *xpay.Client, res *xpay.PaymentResult) {
				assert.Equal(t, xpay.Amount(0), res.Amount)
				_, err := c.GetOrder(t.Context(), &xpay.GetOrderRequest{TransactionCode: "VC-E2E-6"})
				requireCode(t, err, xpay.CodeNotFound) // a check is no order
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c := newSandbox(t)
			shop := newShop(t, c)
			req := tc.req
			req.ReturnURL, req.CancelURL, req.NotifyURL = "https://shop.example/esito", "https://shop.example/annullo", shop.url
			page, err := c.SignPaymentPage(&req)
			require.NoError(t, err)
			b := newBrowser(t)
			var onPage *url.URL
			if tc.byGet {
				onPage = b.get(page.URL())
			} else {
				onPage = b.submit(page)
			}
			require.Equal(t, srv.URL, onPage.Scheme+"://"+onPage.Host, "XPay shows its own page")
			outcome := map[bool]string{true: "approve", false: "decline"}[tc.approve]
			back := b.post(onPage.String(), url.Values{"outcome": {outcome}})
			assert.Equal(t, "shop.example/esito", back.Host+back.Path)

			res, err := c.VerifyPaymentResult(back.Query())
			require.NoError(t, err)
			assert.Equal(t, tc.paid, res.Paid())
			assert.Equal(t, req.TransactionCode, res.TransactionCode)
			assert.Equal(t, "EUR", res.Currency)
			notified := <-shop.results
			assert.Equal(t, res.TransactionCode, notified.TransactionCode, "the notification says what the return says")
			assert.Equal(t, res.Outcome, notified.Outcome)
			if tc.check != nil {
				tc.check(t, srv, c, res)
			}
		})
	}
}

// What the page refuses lands on url_back with esito ERRORE, unsigned;
// with no usable url_back there is nowhere to go but an error page.
func TestE2ECheckoutErrors(t *testing.T) {
	t.Parallel()
	srv, c := newSandbox(t)
	page := func(edit func(*xpay.PaymentPageRequest)) url.Values {
		r := &xpay.PaymentPageRequest{TransactionCode: "CHK-ERR-1", Amount: 1000, ReturnURL: "https://shop.example/esito", CancelURL: "https://shop.example/annullo"}
		if edit != nil {
			edit(r)
		}
		p, err := c.SignPaymentPage(r)
		require.NoError(t, err)
		return p.Values()
	}
	other, err := xpay.NewClient(srv.Alias(), "ANOTHER_SECRET", xpay.WithBaseURL(srv.URL))
	require.NoError(t, err)
	forged, err := other.SignPaymentPage(&xpay.PaymentPageRequest{TransactionCode: "CHK-ERR-1", Amount: 1000, ReturnURL: "https://shop.example/esito", CancelURL: "https://shop.example/annullo"})
	require.NoError(t, err)
	without := func(name string) url.Values { v := page(nil); v.Del(name); return v }
	tests := []struct {
		name    string
		form    url.Values
		warning string
	}{
		{"a MAC of another key", forged.Values(), "MAC errato"},
		{"no url", without("url"), "Parametro url mancante"},
		{"no mac", without("mac"), "Parametro mac mancante"},
		{"another alias", func() url.Values { v := page(nil); v.Set("alias", "ALIAS_ALTRO"); return v }(), "alias"},
		{"importo changed", func() url.Values { v := page(nil); v.Set("importo", "1"); return v }(), "MAC errato"},
		{"one-click signed without the merchant's group", page(func(r *xpay.PaymentPageRequest) {
			r.Kind, r.ContractNumber = xpay.PageOneClickFirst, "CNT-ERR-0001"
		}), "MAC errato"},
		{"a contract already registered", page(func(r *xpay.PaymentPageRequest) {
			r.Kind, r.ContractNumber = xpay.PageRecurringFirst, xpaytest.DemoContract
		}), "già presente"},
		{"a code already used", page(func(r *xpay.PaymentPageRequest) { r.TransactionCode = xpaytest.DemoAuthorized }), "già utilizzato"},
		{"a card check with an amount", func() url.Values { v := page(nil); v.Set("tipo_richiesta", "VC"); return v }(), "tipo_richiesta VC"},
		{"a payment of zero", func() url.Values {
			v := page(func(r *xpay.PaymentPageRequest) { r.Kind = xpay.PageCardCheck; r.Amount = 0 })
			v.Del("tipo_richiesta")
			return v
		}(), "importo: 0"},
	}
	pageURL := srv.URL + "/" + xpay.PagePath
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			back := newBrowser(t).post(pageURL, tc.form)
			assert.Equal(t, "shop.example/annullo", back.Host+back.Path)
			q := back.Query()
			assert.Equal(t, "ERRORE", q.Get("esito"))
			assert.Contains(t, q.Get("warning"), tc.warning)
			assert.Empty(t, q.Get("mac"), "XPay's integrations read ERRORE unsigned")
			_, err := c.VerifyPaymentResult(q)
			assert.ErrorIs(t, err, xpay.ErrInvalidMAC)
		})
	}

	t.Run("no url_back", func(t *testing.T) {
		form := without("url_back")
		resp, err := http.PostForm(pageURL, form)
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		body, _ := io.ReadAll(resp.Body)
		assert.Contains(t, string(body), "url_back")
	})
	t.Run("neither GET nor POST", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, pageURL, nil)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	})
}

// The customer gives up on the page: to url_back, esito ANNULLO, signed;
// a checkout can be paid or cancelled from Go and the control API too.
func TestE2ECheckoutCancelAndControls(t *testing.T) {
	t.Parallel()
	srv, c := newSandbox(t)
	start := func(code string) *url.URL {
		page, err := c.SignPaymentPage(&xpay.PaymentPageRequest{TransactionCode: code, Amount: 700,
			ReturnURL: "https://shop.example/esito", CancelURL: "https://shop.example/annullo"})
		require.NoError(t, err)
		return newBrowser(t).submit(page)
	}
	onPage := start("CHK-CAN-1")
	back := newBrowser(t).post(onPage.String(), url.Values{"outcome": {"cancel"}})
	assert.Equal(t, "shop.example/annullo", back.Host+back.Path)
	res, err := c.VerifyPaymentResult(back.Query())
	require.NoError(t, err)
	assert.Equal(t, xpay.PaymentOutcomeCancelled, res.Outcome)

	// The customer comes back and sends the form again: a new page, the old one closed.
	again := start("CHK-CAN-1")
	require.Equal(t, srv.URL, again.Scheme+"://"+again.Host, "the sandbox's page again, not url_back: %s", again)
	assert.NotEqual(t, onPage.Path, again.Path)
	resp, err := http.Get(onPage.String())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the first page is closed")
	returnURL, err := srv.PayCheckout("CHK-CAN-1", true)
	require.NoError(t, err)
	u, _ := url.Parse(returnURL)
	res, err = c.VerifyPaymentResult(u.Query())
	require.NoError(t, err)
	assert.True(t, res.Paid())
	_, err = srv.PayCheckout("CHK-CAN-1", true)
	assert.Error(t, err, "paid once")
	_, err = srv.CancelCheckout("CHK-CAN-1")
	assert.Error(t, err, "a paid checkout cannot be cancelled")
	_, err = srv.PayCheckout("CHK-UNKNOWN", true)
	assert.Error(t, err)

	start("CHK-CAN-2")
	backURL, err := srv.CancelCheckout("CHK-CAN-2")
	require.NoError(t, err)
	assert.Contains(t, backURL, "esito=ANNULLO")
}

// After a negative outcome XPay takes the same codTrans twice more: the
// same order, refused again or authorized; a fourth form, or one after
// the payment, lands on url_back with esito ERRORE.
func TestE2ECheckoutRetriesAfterRefusal(t *testing.T) {
	t.Parallel()
	srv, c := newSandbox(t)
	try := func(code, outcome string) (*url.URL, *xpay.PaymentResult) {
		t.Helper()
		page, err := c.SignPaymentPage(&xpay.PaymentPageRequest{TransactionCode: code, Amount: 700,
			ReturnURL: "https://shop.example/esito", CancelURL: "https://shop.example/annullo"})
		require.NoError(t, err)
		b := newBrowser(t)
		onPage := b.submit(page)
		if onPage.Host != strings.TrimPrefix(srv.URL, "http://") {
			return onPage, nil
		}
		back := b.post(onPage.String(), url.Values{"outcome": {outcome}})
		res, err := c.VerifyPaymentResult(back.Query())
		require.NoError(t, err)
		return back, res
	}
	state := func(code string) xpay.OrderState {
		t.Helper()
		order, err := c.GetOrder(t.Context(), &xpay.GetOrderRequest{TransactionCode: code})
		require.NoError(t, err)
		return order.Order().State
	}

	for range 3 {
		_, res := try("CHK-RTY-1", "decline")
		require.NotNil(t, res, "the page takes the code again")
		assert.Equal(t, xpay.PaymentOutcomeKO, res.Outcome)
		assert.Equal(t, xpay.OrderStateDenied, state("CHK-RTY-1"))
	}
	back, res := try("CHK-RTY-1", "decline")
	require.Nil(t, res, "a fourth try is refused")
	assert.Equal(t, "shop.example/annullo", back.Host+back.Path)
	assert.Equal(t, "ERRORE", back.Query().Get("esito"))

	_, res = try("CHK-RTY-2", "decline")
	assert.Equal(t, xpay.PaymentOutcomeKO, res.Outcome)
	_, res = try("CHK-RTY-2", "approve")
	assert.True(t, res.Paid())
	assert.Equal(t, xpay.OrderStateAuthorized, state("CHK-RTY-2"), "the refused order, now authorized")
	_, err := c.Capture(t.Context(), &xpay.CaptureRequest{TransactionCode: "CHK-RTY-2", Amount: 700, Currency: xpay.CurrencyEUR})
	require.NoError(t, err)
	back, res = try("CHK-RTY-2", "approve")
	require.Nil(t, res, "a paid code is used")
	assert.Contains(t, back.Query().Get("warning"), "già utilizzato")
}

// browser is a customer's browser that shows each redirect instead of
// following it.
type browser struct {
	t  *testing.T
	hc *http.Client
}

func newBrowser(t *testing.T) *browser {
	return &browser{t, &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends req and returns where the answer redirects to.
func (b *browser) do(req *http.Request) *url.URL {
	b.t.Helper()
	resp, err := b.hc.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Equal(b.t, http.StatusSeeOther, resp.StatusCode, "%s", body)
	u, err := resp.Location()
	require.NoError(b.t, err)
	return u
}

func (b *browser) get(u string) *url.URL {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(b.t, err)
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) *url.URL {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// submit reads the shop's form page, rendered by PaymentPage.ServeHTTP,
// and posts it, as the page's script does; it returns where XPay sends
// the customer.
func (b *browser) submit(page *xpay.PaymentPage) *url.URL {
	b.t.Helper()
	rec := httptest.NewRecorder()
	page.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/checkout", nil))
	action := regexp.MustCompile(`<form id="xpay" method="post" action="([^"]*)">`).FindStringSubmatch(rec.Body.String())
	require.NotNil(b.t, action, rec.Body.String())
	return b.post(html.UnescapeString(action[1]), formFields(rec.Body.String()))
}

// shop is the merchant's notification endpoint: each verified
// notification arrives on results.
type shop struct {
	url     string
	results chan *xpay.PaymentResult
}

func newShop(t *testing.T, c *xpay.Client) *shop {
	s := &shop{results: make(chan *xpay.PaymentResult, 8)}
	srv := httptest.NewServer(c.PaymentNotificationHandler(func(_ context.Context, r *xpay.PaymentResult) error {
		s.results <- r
		return nil
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL + "/xpay/notify"
	return s
}
