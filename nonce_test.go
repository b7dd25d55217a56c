package xpay_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// PayNonce's request MAC and its nonce's envelope MAC, computed as
// Charge's are (recurring_test.go).
const (
	// apiKey=ALIAS_WEB_00000000codiceTransazione=BLD-2024-000001importo=5000divisa=978xpayNonce=NONCE-0123456789abcdeftimeStamp=1718611200000
	macPayNonce = "aa313362819aa19ca2b82d8f54f409495f1a4a22"
	// esito=OKidOperazione=80310300xpayNonce=NONCE-0123456789abcdeftimeStamp=1718611199000
	macNonceEnvelope = "fdababfa435ef769c2d7a8f03a41d196e41b4671"
)

var (
	testNonce = xpay.Nonce{Value: "NONCE-0123456789abcdef", Outcome: "OK", OperationID: "80310300", Timestamp: "1718611199000", MAC: macNonceEnvelope}
	nonceReq  = xpay.PayNonceRequest{TransactionCode: "BLD-2024-000001", Amount: 5000, Currency: xpay.CurrencyEUR, Nonce: testNonce}
)

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

// The nonce's envelope is checked first: a nonce whose MAC is missing or
// does not verify is refused, and nothing is sent.
func TestPayNonceChecksTheNonceFirst(t *testing.T) {
	t.Parallel()
	tampered := func(edit func(*xpay.Nonce)) xpay.Nonce {
		n := testNonce
		edit(&n)
		return n
	}
	for name, n := range map[string]xpay.Nonce{
		"another nonce":     tampered(func(n *xpay.Nonce) { n.Value = "NONCE-SOMEONE-ELSES" }),
		"another operation": tampered(func(n *xpay.Nonce) { n.OperationID = "80310399" }),
		"another time":      tampered(func(n *xpay.Nonce) { n.Timestamp = "1718611199001" }),
		"no MAC":            tampered(func(n *xpay.Nonce) { n.MAC = "" }),
		"another key's MAC": tampered(func(n *xpay.Nonce) { n.MAC = xpay.Sign("ANOTHER_KEY", xpay.Field{Name: "esito", Value: "OK"}) }),
		"nothing":           {},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, mock := newTestClient(t)
			mock.RegisterNoResponder(httpmock.NewStringResponder(http.StatusOK, "{}"))
			req := nonceReq
			req.Nonce = n
			res, err := c.PayNonce(context.Background(), &req)
			assert.Nil(t, res)
			assert.ErrorIs(t, err, xpay.ErrInvalidMAC)
			assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown, "nothing was sent")
			assert.Contains(t, err.Error(), "nonce")
			assert.Zero(t, mock.GetTotalCallCount(), "nothing may be sent")
		})
	}
}

// NonceFromForm reads the fields Nexi's Build sample posts, and the MAC
// letter case does not matter.
func TestNonceFromForm(t *testing.T) {
	t.Parallel()
	form := url.Values{
		"xpayNonce": {testNonce.Value}, "xpayEsito": {"OK"}, "xpayIdOperazione": {"80310300"},
		"xpayTimeStamp": {"1718611199000"}, "xpayMac": {strings.ToUpper(macNonceEnvelope)},
		"codiceTransazione": {"BLD-2024-000001"},
	}
	n := xpay.NonceFromForm(form)
	assert.Equal(t, testNonce.Value, n.Value)
	c, mock := newTestClient(t)
	got := recordBody(t, mock, "ecomm/api/hostedPayments/pagaNonce", "pagaNonce-ok.json")
	req := nonceReq
	req.Nonce = n
	_, err := c.PayNonce(context.Background(), &req)
	require.NoError(t, err)
	assert.JSONEq(t, body(macPayNonce, `"codiceTransazione":"BLD-2024-000001","importo":5000,"divisa":"978","xpayNonce":"NONCE-0123456789abcdef"`), string(*got))
}

// nonceOpCases is the row of PayNonce in the table every operation passes
// (TestOperations).
func nonceOpCases() []opCase {
	payNonce := func(edit func(*xpay.PayNonceRequest)) func(context.Context, *xpay.Client) (any, error) {
		r := nonceReq
		edit(&r)
		return call((*xpay.Client).PayNonce, r)
	}
	return []opCase{
		{
			name: "PayNonce", uri: "ecomm/api/hostedPayments/pagaNonce", write: true,
			call: payNonce(func(*xpay.PayNonceRequest) {}),
			body: body(macPayNonce, `"codiceTransazione":"BLD-2024-000001","importo":5000,"divisa":"978","xpayNonce":"NONCE-0123456789abcdef"`),
			ok:   "pagaNonce-ok.json", ko: "pagaNonce-ko.json", koCode: xpay.CodePaymentRefused, koMessage: "Autorizzazione negata",
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.PayNonceResponse)
				assert.Equal(t, "D4E5F6", r.AuthorizationCode)
				assert.Equal(t, "MasterCard", r.Brand)
				assert.Equal(t, "525599******9992", r.PAN)
				assert.Equal(t, "202812", r.CardExpiry)
			},
			invalid: []invalidCase{
				{"no nonce", payNonce(func(r *xpay.PayNonceRequest) {
					// A signed envelope around an empty nonce: the envelope verifies, the request does not.
					r.Nonce = xpay.Nonce{Outcome: "OK", OperationID: "1", Timestamp: "1", MAC: xpay.Sign(testSecret,
						xpay.Field{Name: "esito", Value: "OK"}, xpay.Field{Name: "idOperazione", Value: "1"},
						xpay.Field{Name: "xpayNonce", Value: ""}, xpay.Field{Name: "timeStamp", Value: "1"})}
				}), "Nonce.Value", "xpayNonce"},
				{"nonce of a failed card form", payNonce(func(r *xpay.PayNonceRequest) {
					r.Nonce = xpay.Nonce{Value: "N1", Outcome: "KO", OperationID: "1", Timestamp: "1", MAC: xpay.Sign(testSecret,
						xpay.Field{Name: "esito", Value: "KO"}, xpay.Field{Name: "idOperazione", Value: "1"},
						xpay.Field{Name: "xpayNonce", Value: "N1"}, xpay.Field{Name: "timeStamp", Value: "1"})}
				}), "Nonce.Outcome", "esito"},
				{"amount zero", payNonce(func(r *xpay.PayNonceRequest) { r.Amount = 0 }), "Amount", "importo"},
				{"the page's alphabetic currency", payNonce(func(r *xpay.PayNonceRequest) { r.Currency = "EUR" }), "Currency", "divisa"},
			},
		},
	}
}
