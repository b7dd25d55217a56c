package xpay

import (
	"context"
	"encoding/json"

	"github.com/xpaygo/xpay/internal/lenient"
)

var opRefund = operation{name: "Refund", path: "ecomm/api/bo/storna", write: true}

// RefundRequest asks XPay to reverse (stornare) a payment: it voids an
// authorization that is not yet captured, or refunds captured money.
type RefundRequest struct {
	// TransactionCode is the merchant's order code of the payment
	// (codiceTransazione), 2 to 30 characters.
	TransactionCode string `json:"codiceTransazione"`
	// Amount to void or refund, in minor units.
	Amount Amount `json:"importo"`
	// Currency of Amount, as a numeric code: CurrencyEUR.
	Currency Currency `json:"divisa"`
	// PayPalPartialCaptureID, for PayPal only, names the partial capture
	// being refunded: the idContabParzialePayPal of its CONTAB. row in
	// GetOrder. Leave it empty for a PayPal sale without partial captures
	// and for every other payment method. It is not part of the MAC.
	PayPalPartialCaptureID string `json:"idContabParzialePayPal,omitempty"`
	// Before, not sent, is the order as GetOrder read it just before this
	// refund: see CaptureRequest.Before.
	Before *Order `json:"-"`
	// IdempotencyKey, not sent (XPay has none), names this write in the
	// Client's journal (WithJournal): one whose key the journal holds as
	// done is not sent again (ErrWriteDone). Without it, the write has a
	// key of its own.
	IdempotencyKey string `json:"-"`
}

func (r *RefundRequest) journalKey() string  { return orderKey(r.TransactionCode) }
func (r *RefundRequest) idempotency() string { return r.IdempotencyKey }

func (r *RefundRequest) pending(w *PendingWrite) {
	pendingMoney(w, r.TransactionCode, r.Amount, r.Currency, r.Before)
}

// macFields are those of a capture; no source signs idContabParzialePayPal.
func (r *RefundRequest) macFields(apiKey, timeStamp Field) []Field {
	return moneyMACFields(apiKey, timeStamp, r.TransactionCode, r.Currency, r.Amount)
}

func (r *RefundRequest) validate() error {
	return firstError(
		checkTransactionCode("TransactionCode", r.TransactionCode),
		checkAmount("Amount", r.Amount),
		checkCurrency("Currency", r.Currency),
		checkOptionalCode("PayPalPartialCaptureID", "idContabParzialePayPal", r.PayPalPartialCaptureID, 64),
		checkBefore("Before", r.TransactionCode, r.Before),
	)
}

// RefundResponse is XPay's answer to a refund or void.
type RefundResponse struct {
	Response
	// APMInfo is sent for some alternative payment methods.
	APMInfo *APMInfo `json:"infoAPM,omitempty"`
}

// APMInfo is the infoAPM object of a refund answer.
// It decodes by the rules under “Decoding answers” in the package
// documentation.
type APMInfo struct {
	APM   string                     `json:"apm"`
	Info  string                     `json:"info"`
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently, by the rules under “Decoding answers”
// in the package documentation (go doc github.com/xpaygo/xpay).
func (a *APMInfo) UnmarshalJSON(b []byte) error { return lenient.Unmarshal(b, a) }

// Refund voids an uncaptured authorization (the order becomes Annullato)
// or refunds captured money, in full (Rimborsato) or in part (Rimborsato
// Parz.), depending on the order's state. XPay answers KO with
// CodeAmountTooHigh when Amount exceeds what can be reversed.
//
// It is a write. If it fails with ErrOutcomeUnknown (an
// *OutcomeUnknownError), keep its Write and settle it with Settle before
// trying again: it may have happened, or still be on its way. Read the
// order first and pass it as Before, so that Settle can tell.
func (c *Client) Refund(ctx context.Context, req *RefundRequest) (*RefundResponse, error) {
	return invoke[RefundResponse](ctx, c, &opRefund, req)
}
