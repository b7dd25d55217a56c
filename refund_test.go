package xpay_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// refundOpCases is Refund's row of the table every operation passes
// (TestOperations).
func refundOpCases() []opCase {
	refund := func(r xpay.RefundRequest) func(context.Context, *xpay.Client) (any, error) {
		return func(ctx context.Context, c *xpay.Client) (any, error) { return c.Refund(ctx, &r) }
	}
	return []opCase{
		{
			name: "Refund", uri: "ecomm/api/bo/storna", write: true,
			call: refund(xpay.RefundRequest{TransactionCode: money.TransactionCode, Amount: money.Amount, Currency: money.Currency}), body: moneyBody,
			ok: "storna-ok.json", ko: "storna-ko.json",
			koCode: xpay.CodeAmountTooHigh, koMessage: "Importo operazione troppo alto",
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.RefundResponse)
				assert.Equal(t, "80310243", r.OperationID)
				assert.Nil(t, r.APMInfo)
			},
			invalid: []invalidCase{
				{"empty code", refund(xpay.RefundRequest{Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
				{"zero amount", refund(xpay.RefundRequest{TransactionCode: "ORD1", Currency: xpay.CurrencyEUR}), "Amount", "importo"},
				{"four-digit currency", refund(xpay.RefundRequest{TransactionCode: "ORD1", Amount: 1, Currency: "0978"}), "Currency", "divisa"},
				{"PayPal id with newline", refund(xpay.RefundRequest{TransactionCode: "ORD1", Amount: 1, Currency: xpay.CurrencyEUR, PayPalPartialCaptureID: "4RT5\n"}), "PayPalPartialCaptureID", "idContabParzialePayPal"},
			},
		},
	}
}

func TestRefundPayPalPartialCapture(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	got := recordBody(t, mock, "ecomm/api/bo/storna", "storna-ok.json")
	_, err := c.Refund(context.Background(), &xpay.RefundRequest{
		TransactionCode: "ORD-2024-000123", Amount: 5000, Currency: xpay.CurrencyEUR,
		PayPalPartialCaptureID: "4RT55912HA773611K",
	})
	require.NoError(t, err)
	// Sent, but not signed: the MAC is the one of the plain refund.
	assert.JSONEq(t, `{"apiKey":"ALIAS_WEB_00000000","timeStamp":1718611200000,"mac":"d2d3e0a8945a1d760c36a423d7c1875a8887b76f",
		"codiceTransazione":"ORD-2024-000123","importo":5000,"divisa":"978","idContabParzialePayPal":"4RT55912HA773611K"}`, string(*got))
}

func TestRefundAPMInfo(t *testing.T) {
	t.Parallel()
	mac := xpay.Sign(testSecret, xpay.Field{Name: "esito", Value: "OK"}, xpay.Field{Name: "idOperazione", Value: "80310299"}, xpay.Field{Name: "timeStamp", Value: "1718611203999"})
	body, err := json.Marshal(map[string]any{
		"esito": "OK", "idOperazione": "80310299", "timeStamp": 1718611203999, "mac": mac,
		"infoAPM": map[string]any{"apm": "SATISPAY", "info": "rimborso in elaborazione"},
	})
	require.NoError(t, err)
	c, mock := newTestClient(t)
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/storna", httpmock.NewBytesResponder(http.StatusOK, body))
	res, err := c.Refund(context.Background(), &xpay.RefundRequest{TransactionCode: "ORD-2024-000123", Amount: 100, Currency: xpay.CurrencyEUR})
	require.NoError(t, err)
	require.NotNil(t, res.APMInfo)
	assert.Equal(t, "SATISPAY", res.APMInfo.APM)
	assert.Equal(t, "rimborso in elaborazione", res.APMInfo.Info)
}
