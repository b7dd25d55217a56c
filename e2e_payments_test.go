package xpay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// payWithNonce pays code with a nonce the sandbox behind c issues, through
// its control API, as XPay Build's card form hands one to the page.
func payWithNonce(ctx context.Context, c *xpay.Client, code string, approve bool) (*xpay.PayNonceResponse, error) {
	n, err := issueNonce(ctx, c.BaseURL(), code, 2500, approve)
	if err != nil {
		return nil, err
	}
	return c.PayNonce(ctx, &xpay.PayNonceRequest{TransactionCode: code, Amount: 2500, Currency: xpay.CurrencyEUR, Nonce: n})
}

// issueNonce asks the control API of the sandbox at base for a nonce.
func issueNonce(ctx context.Context, base, code string, amount xpay.Amount, approve bool) (xpay.Nonce, error) {
	body, _ := json.Marshal(map[string]any{"transactionCode": code, "amount": amount, "approve": approve})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+xpaytest.ControlPrefix[1:]+"nonces", bytes.NewReader(body))
	if err != nil {
		return xpay.Nonce{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return xpay.Nonce{}, err
	}
	defer resp.Body.Close()
	var env map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || resp.StatusCode != http.StatusOK {
		return xpay.Nonce{}, fmt.Errorf("control API: HTTP %d: %v %v", resp.StatusCode, env, err)
	}
	return xpay.Nonce{Value: env["xpayNonce"], Outcome: env["esito"], OperationID: env["idOperazione"], Timestamp: env["timeStamp"], MAC: env["mac"]}, nil
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
	assert.NotEqual(t, onPage.Path, again.Path)
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

// A charge against the contracts the sandbox holds: each refusal its KO,
// and a lost answer an unknown outcome that reading the order settles.
func TestE2ECharge(t *testing.T) {
	t.Parallel()
	srv, c := newSandbox(t)
	ctx := t.Context()
	require.NoError(t, srv.AddContract(xpaytest.Contract{Number: "CNT-SCADUTA-1", CardExpiry: "202001"}))
	require.NoError(t, srv.AddContract(xpaytest.Contract{Number: "CNT-SPENTA-1"}))
	_, err := c.DisableContract(ctx, &xpay.ContractRequest{ContractNumber: "CNT-SPENTA-1"})
	require.NoError(t, err)
	_, err = c.DeleteContract(ctx, &xpay.ContractRequest{ContractNumber: xpaytest.DemoContract})
	require.NoError(t, err)
	require.NoError(t, srv.AddContract(xpaytest.Contract{Number: "CNT-VALIDA-1"}))

	charge := func(number, code, expiry string) error {
		_, err := c.Charge(ctx, &xpay.ChargeRequest{ContractNumber: number, TransactionCode: code, Amount: 1500, Currency: xpay.CurrencyEUR, CardExpiry: expiry})
		return err
	}
	tests := []struct {
		name, number, code, expiry string
		ko                         int
	}{
		{"expired card", "CNT-SCADUTA-1", "REC-CHG-1", "", xpay.CodeCardExpired},
		{"an expiry sent that has passed", "CNT-VALIDA-1", "REC-CHG-2", "202001", xpay.CodeCardExpired},
		{"disabled contract", "CNT-SPENTA-1", "REC-CHG-3", "", xpay.CodeInvalidContract},
		{"deleted contract", xpaytest.DemoContract, "REC-CHG-4", "", xpay.CodeInvalidContract},
		{"unknown contract", "CNT-NESSUNA-1", "REC-CHG-5", "", xpay.CodeInvalidContract},
		{"a code already used", "CNT-VALIDA-1", xpaytest.DemoAuthorized, "", xpay.CodeDuplicate},
		{"a new expiry renews an expired card", "CNT-SCADUTA-1", "REC-CHG-6", "203106", 0},
		{"the renewed card is kept", "CNT-SCADUTA-1", "REC-CHG-7", "", 0},
	}
	for _, tc := range tests {
		err := charge(tc.number, tc.code, tc.expiry)
		if tc.ko == 0 {
			assert.NoError(t, err, tc.name)
			continue
		}
		requireCode(t, err, tc.ko)
	}

	srv.InjectFault("Charge", xpaytest.Fault{Reset: true, Processed: true, Times: 1})
	err = charge("CNT-VALIDA-1", "REC-CHG-LOST", "")
	var unknown *xpay.OutcomeUnknownError
	require.ErrorAs(t, err, &unknown)
	assert.Equal(t, "Charge", unknown.Write.Operation)
	assert.Equal(t, "REC-CHG-LOST", unknown.Write.TransactionCode)
	order, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: unknown.Write.TransactionCode})
	require.NoError(t, err)
	assert.Equal(t, xpay.OrderStateAuthorized, order.Order().State, "the charge happened: do not charge again")
	requireCode(t, charge("CNT-VALIDA-1", "REC-CHG-LOST", ""), xpay.CodeDuplicate)
	assert.Equal(t, len(tests)+2, srv.Requests("Charge"))
}

// A nonce pays once, for its own code and amount.
func TestE2EPayNonce(t *testing.T) {
	t.Parallel()
	srv, c := newSandbox(t)
	ctx := t.Context()
	n, err := srv.IssueNonce("BLD-E2E-9", 2500, true)
	require.NoError(t, err)
	pay := func(code string, amount xpay.Amount) error {
		_, err := c.PayNonce(ctx, &xpay.PayNonceRequest{TransactionCode: code, Amount: amount, Currency: xpay.CurrencyEUR, Nonce: n})
		return err
	}
	requireCode(t, pay("BLD-E2E-9", 2400), xpay.CodeInvalidParameter)
	requireCode(t, pay("BLD-E2E-8", 2500), xpay.CodeInvalidParameter)
	require.NoError(t, pay("BLD-E2E-9", 2500))
	requireCode(t, pay("BLD-E2E-9", 2500), xpay.CodeInvalidParameter) // used
	order, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "BLD-E2E-9"})
	require.NoError(t, err)
	assert.Equal(t, xpay.OrderStateAuthorized, order.Order().State)

	elsewhere := xpaytest.NewServer(xpaytest.WithCredentials(srv.Alias(), "ANOTHER_SECRET"))
	defer elsewhere.Close()
	other, err := elsewhere.IssueNonce("BLD-E2E-7", 2500, true)
	require.NoError(t, err)
	_, err = c.PayNonce(ctx, &xpay.PayNonceRequest{TransactionCode: "BLD-E2E-7", Amount: 2500, Currency: xpay.CurrencyEUR, Nonce: other})
	assert.ErrorIs(t, err, xpay.ErrInvalidMAC, "another key's nonce is refused before it is sent")
	assert.Equal(t, 4, srv.Requests("PayNonce"))
}
