package xpay

import "context"

var svcCapture = service{name: "Capture", path: "ecomm/api/bo/contabilizza", write: true}

// CaptureRequest asks XPay to capture (contabilizzare) an authorized
// payment, in full or in part.
type CaptureRequest struct {
	// TransactionCode is the merchant's order code of the payment
	// (codiceTransazione), 2 to 30 characters.
	TransactionCode string `json:"codiceTransazione"`
	// Amount to capture, in minor units; at most what is still authorized.
	Amount Amount `json:"importo"`
	// Currency of Amount, as a numeric code: CurrencyEUR.
	Currency Currency `json:"divisa"`
}

func (r *CaptureRequest) macFields(apiKey, timeStamp Field) []Field {
	return moneyMACFields(apiKey, timeStamp, r.TransactionCode, r.Currency, r.Amount)
}

// moneyMACFields is the MAC input of contabilizza and storna: apiKey,
// codiceTransazione, divisa, importo, timeStamp. divisa comes before
// importo.
func moneyMACFields(apiKey, timeStamp Field, code string, cur Currency, amount Amount) []Field {
	return []Field{
		apiKey,
		{"codiceTransazione", code},
		{"divisa", string(cur)},
		{"importo", amount.String()},
		timeStamp,
	}
}

func (r *CaptureRequest) validate() error {
	return firstError(
		checkTransactionCode("TransactionCode", r.TransactionCode),
		checkAmount("Amount", r.Amount),
		checkCurrency("Currency", r.Currency),
	)
}

// CaptureResponse is XPay's answer to a capture: the envelope alone.
type CaptureResponse struct {
	Response
}

// Capture captures (contabilizza) all or part of an authorized payment.
// XPay allows it while the order is Autorizzato or Contabilizzato Parz.;
// otherwise it answers KO with CodeInvalidState, and with CodeAmountTooHigh
// when Amount exceeds what is left to capture.
//
// It is a write: never retried. If it fails with ErrOutcomeUnknown, settle
// it with Settle and CaptureOf before trying again: it may have happened,
// or still be on its way.
func (c *Client) Capture(ctx context.Context, req *CaptureRequest) (*CaptureResponse, error) {
	return invoke[CaptureResponse](ctx, c, &svcCapture, req)
}
