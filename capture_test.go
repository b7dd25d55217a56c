package xpay_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/xpaygo/xpay"
)

// money is the capture and refund of the API reference's test vectors.
var (
	money     = xpay.CaptureRequest{TransactionCode: "ORD-2024-000123", Amount: 5000, Currency: xpay.CurrencyEUR}
	moneyBody = `{"apiKey":"ALIAS_WEB_00000000","timeStamp":1718611200000,"mac":"d2d3e0a8945a1d760c36a423d7c1875a8887b76f",
		"codiceTransazione":"ORD-2024-000123","importo":5000,"divisa":"978"}`
)

// captureOpCases is Capture's row of the table every operation passes
// (TestOperations).
func captureOpCases() []opCase {
	capture := func(r xpay.CaptureRequest) func(context.Context, *xpay.Client) (any, error) {
		return func(ctx context.Context, c *xpay.Client) (any, error) { return c.Capture(ctx, &r) }
	}
	return []opCase{
		{
			name: "Capture", uri: "ecomm/api/bo/contabilizza", write: true,
			call: capture(money), body: moneyBody,
			ok: "contabilizza-ok.json", ko: "contabilizza-ko.json",
			koCode: xpay.CodeInvalidState, koMessage: "Valore non valido nello stato corrente",
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.CaptureResponse)
				assert.Equal(t, "80310241", r.OperationID)
			},
			invalid: []invalidCase{
				{"code too short", capture(xpay.CaptureRequest{TransactionCode: "X", Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
				{"code too long", capture(xpay.CaptureRequest{TransactionCode: strings.Repeat("A", 31), Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
				{"code not ASCII", capture(xpay.CaptureRequest{TransactionCode: "ORDINE-è", Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
				{"zero amount", capture(xpay.CaptureRequest{TransactionCode: "ORD1", Currency: xpay.CurrencyEUR}), "Amount", "importo"},
				{"negative amount", capture(xpay.CaptureRequest{TransactionCode: "ORD1", Amount: -5, Currency: xpay.CurrencyEUR}), "Amount", "importo"},
				{"no currency", capture(xpay.CaptureRequest{TransactionCode: "ORD1", Amount: 1}), "Currency", "divisa"},
				{"alphabetic currency", capture(xpay.CaptureRequest{TransactionCode: "ORD1", Amount: 1, Currency: "EUR"}), "Currency", "divisa"},
			},
		},
	}
}
