package xpay_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// Request MACs of Charge, computed outside Go (Python's hashlib) from the
// strings shown, with the back-office reference's example alias,
// timeStamp and secret.
const (
	// apiKey=ALIAS_WEB_00000000numeroContratto=CNT-0001-ROSSIcodiceTransazione=REC-2024-000001importo=1999divisa=978scadenza=203012timeStamp=1718611200000
	macCharge = "be4dda89fb9e8a62a4fd8ba22432d2d8b7838428"
	// the same with scadenza= empty
	macChargeNoExpiry = "62dfca385d5725acf267ca02f6ea597027d0990b"
)

// chargeOpCases is the row of Charge in the table every operation passes
// (TestOperations).
func chargeOpCases() []opCase {
	charge := func(edit func(*xpay.ChargeRequest)) func(context.Context, *xpay.Client) (any, error) {
		r := chargeRequest
		edit(&r)
		return call((*xpay.Client).Charge, r)
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
