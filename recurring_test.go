package xpay_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// Request MACs of the payments reference's services, computed outside Go
// (Python's hashlib) from the strings shown, with the back-office
// reference's example alias, timeStamp and secret.
const (
	// apiKey=ALIAS_WEB_00000000numeroContratto=CNT-0001-ROSSIcodiceTransazione=REC-2024-000001importo=1999divisa=978scadenza=203012timeStamp=1718611200000
	macCharge = "be4dda89fb9e8a62a4fd8ba22432d2d8b7838428"
	// the same with scadenza= empty
	macChargeNoExpiry = "62dfca385d5725acf267ca02f6ea597027d0990b"
	// apiKey=ALIAS_WEB_00000000codiceTransazione=BLD-2024-000001importo=5000divisa=978xpayNonce=NONCE-0123456789abcdeftimeStamp=1718611200000
	macPayNonce = "aa313362819aa19ca2b82d8f54f409495f1a4a22"
	// esito=OKidOperazione=80310300xpayNonce=NONCE-0123456789abcdeftimeStamp=1718611199000
	macNonceEnvelope = "fdababfa435ef769c2d7a8f03a41d196e41b4671"
)

var (
	chargeRequest = xpay.ChargeRequest{
		ContractNumber: "CNT-0001-ROSSI", TransactionCode: "REC-2024-000001", Amount: 1999, Currency: xpay.CurrencyEUR, CardExpiry: "203012",
	}
	testNonce = xpay.Nonce{Value: "NONCE-0123456789abcdef", Outcome: "OK", OperationID: "80310300", Timestamp: "1718611199000", MAC: macNonceEnvelope}
	nonceReq  = xpay.PayNonceRequest{TransactionCode: "BLD-2024-000001", Amount: 5000, Currency: xpay.CurrencyEUR, Nonce: testNonce}
)

// paymentOpCases covers the services of the payments reference.
func paymentOpCases() []opCase {
	charge := func(edit func(*xpay.ChargeRequest)) func(context.Context, *xpay.Client) (any, error) {
		r := chargeRequest
		edit(&r)
		return call((*xpay.Client).Charge, r)
	}
	payNonce := func(edit func(*xpay.PayNonceRequest)) func(context.Context, *xpay.Client) (any, error) {
		r := nonceReq
		edit(&r)
		return call((*xpay.Client).PayNonce, r)
	}
	return []opCase{
		{
			name: "Charge", uri: "ecomm/api/recurring/pagamentoRicorrente", write: true,
			call: charge(func(*xpay.ChargeRequest) {}),
			body: body(macCharge, `"numeroContratto":"CNT-0001-ROSSI","codiceTransazione":"REC-2024-000001","importo":1999,"divisa":"978","scadenza":"203012"`),
			ok:   "pagamentoRicorrente-ok.json", ko: "pagamentoRicorrente-ko.json", koCode: xpay.CodeCardExpired, koMessage: "Carta scaduta",
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.ChargeResponse)
				assert.Equal(t, "A1B2C3", r.AuthorizationCode)
				assert.Equal(t, "ITA", r.Country)
				assert.Equal(t, "00000000012345678", r.AgreementCode)
				assert.Equal(t, "VISA", r.Brand)
				assert.Equal(t, "VISA CLASSIC - CREDIT - N", r.ProductType)
				assert.Equal(t, "RECURRING", r.TransactionType)
				assert.Empty(t, r.Region)
				assert.Empty(t, r.PPO)
				at, err := r.AuthorizedAt()
				require.NoError(t, err)
				assert.Equal(t, time.Date(2024, 6, 17, 10, 0, 3, 0, xpay.Rome()), at)
			},
			invalid: []invalidCase{
				{"no contract", charge(func(r *xpay.ChargeRequest) { r.ContractNumber = "" }), "ContractNumber", "numeroContratto"},
				{"contract too long", charge(func(r *xpay.ChargeRequest) { r.ContractNumber = strings.Repeat("9", 31) }), "ContractNumber", "numeroContratto"},
				{"code too short", charge(func(r *xpay.ChargeRequest) { r.TransactionCode = "R" }), "TransactionCode", "codiceTransazione"},
				{"code with '='", charge(func(r *xpay.ChargeRequest) { r.TransactionCode = "REC-1esito=OK" }), "TransactionCode", "codiceTransazione"},
				{"amount zero", charge(func(r *xpay.ChargeRequest) { r.Amount = 0 }), "Amount", "importo"},
				{"negative amount", charge(func(r *xpay.ChargeRequest) { r.Amount = -1 }), "Amount", "importo"},
				{"the page's alphabetic currency", charge(func(r *xpay.ChargeRequest) { r.Currency = "EUR" }), "Currency", "divisa"},
				{"expiry as mm/yy", charge(func(r *xpay.ChargeRequest) { r.CardExpiry = "12/30" }), "CardExpiry", "scadenza"},
				{"expiry month 13", charge(func(r *xpay.ChargeRequest) { r.CardExpiry = "203013" }), "CardExpiry", "scadenza"},
				{"group too long", charge(func(r *xpay.ChargeRequest) { r.GroupCode = strings.Repeat("G", 31) }), "GroupCode", "codiceGruppo"},
				{"parameter with a control character", charge(func(r *xpay.ChargeRequest) {
					r.AdditionalParameters = map[string]string{"Note1": "a\x00b"}
				}), "AdditionalParameters[Note1]", "parametriAggiuntivi"},
			},
		},
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

// The charge's MAC signs scadenza empty when there is none, and the body
// sends what it signs.
func TestChargeSignsAnEmptyExpiry(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	got := recordBody(t, mock, "ecomm/api/recurring/pagamentoRicorrente", "pagamentoRicorrente-ok.json")
	req := chargeRequest
	req.CardExpiry = ""
	req.GroupCode = "GRP_ESEMPIO"
	req.AdditionalParameters = map[string]string{"mail": "mario.rossi@example.com", "TCONTAB": "C"}
	_, err := c.Charge(context.Background(), &req)
	require.NoError(t, err)
	assert.JSONEq(t, body(macChargeNoExpiry, `"numeroContratto":"CNT-0001-ROSSI","codiceTransazione":"REC-2024-000001","importo":1999,"divisa":"978","scadenza":"",`+
		`"codiceGruppo":"GRP_ESEMPIO","parametriAggiuntivi":{"TCONTAB":"C","mail":"mario.rossi@example.com"}`), string(*got))
}

// A KO whose MAC does not verify is no refusal: anyone on the path could
// have written it, and the card may have been charged. Nexi's own plugin
// checks the MAC only on OK, and would take this KO as XPay's.
func TestChargeForgedKOIsAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	forged := editJSON(t, fixture(t, "pagamentoRicorrente-ko.json"), func(m map[string]any) {
		m["mac"] = strings.Repeat("0", 40)
	})
	for name, body := range map[string][]byte{
		"wrong MAC": forged,
		"no MAC":    editJSON(t, forged, func(m map[string]any) { delete(m, "mac") }),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, mock := newTestClient(t)
			mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/recurring/pagamentoRicorrente", httpmock.NewBytesResponder(http.StatusOK, body))
			res, err := c.Charge(context.Background(), &chargeRequest)
			assert.Nil(t, res)
			var apiErr *xpay.APIError
			assert.False(t, errors.As(err, &apiErr), "a forged KO is no refusal: %v", err)
			assert.ErrorIs(t, err, xpay.ErrInvalidMAC)
			assert.Contains(t, err.Error(), "KO 14", "XPay's words are quoted, as unverified")
			var unknown *xpay.OutcomeUnknownError
			require.ErrorAs(t, err, &unknown)
			assert.Equal(t, xpay.PendingWrite{
				Operation: "Charge", AliasFingerprint: c.AliasFingerprint(), TransactionCode: "REC-2024-000001", Amount: 1999, Currency: xpay.CurrencyEUR,
				Sent:    fixedClock(),
				Request: json.RawMessage(`{"numeroContratto":"CNT-0001-ROSSI","codiceTransazione":"REC-2024-000001","importo":1999,"divisa":"978","scadenza":"203012"}`),
			}, unknown.Write)
			assert.Equal(t, 1, mock.GetTotalCallCount(), "a write is never sent again")
		})
	}
}

// A lost answer to a charge is an unknown outcome that keeps what was
// sent; the request reached the server.
func TestChargeLostAnswer(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t, xpay.WithRetry(3, time.Millisecond, time.Millisecond))
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/recurring/pagamentoRicorrente", httpmock.NewErrorResponder(io.ErrUnexpectedEOF))
	_, err := c.Charge(context.Background(), &chargeRequest)
	var unknown *xpay.OutcomeUnknownError
	require.ErrorAs(t, err, &unknown)
	assert.Equal(t, "REC-2024-000001", unknown.Write.TransactionCode)
	assert.Equal(t, xpay.Amount(1999), unknown.Write.Amount)
	assert.Equal(t, xpay.CurrencyEUR, unknown.Write.Currency)
	assert.Equal(t, 1, mock.GetTotalCallCount(), "never retried, whatever WithRetry says")
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
