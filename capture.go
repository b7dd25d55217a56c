package xpay

import "context"

var opCapture = operation{name: "Capture", path: "ecomm/api/bo/contabilizza", write: true}

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
	// Before, not sent, is the order as GetOrder read it just before this
	// capture. Give it: if the answer is lost, the *OutcomeUnknownError
	// keeps its operation rows, so that Settle can tell the row this
	// capture makes from older ones of the same amount. Without it,
	// Settle cannot, and says so, on an order that already has such a row.
	Before *Order `json:"-"`
	// IdempotencyKey, not sent (XPay has none), names this write in the
	// Client's journal (WithJournal): one whose key the journal holds as
	// done is not sent again (ErrWriteDone). Without it, the write has a
	// key of its own.
	IdempotencyKey string `json:"-"`
}

func (r *CaptureRequest) journalKey() string  { return orderKey(r.TransactionCode) }
func (r *CaptureRequest) idempotency() string { return r.IdempotencyKey }

func (r *CaptureRequest) pending(w *PendingWrite) {
	pendingMoney(w, r.TransactionCode, r.Amount, r.Currency, r.Before)
}

func (r *CaptureRequest) macFields(apiKey, timeStamp Field) []Field {
	return moneyMACFields(apiKey, timeStamp, r.TransactionCode, r.Currency, r.Amount)
}

func (r *CaptureRequest) validate() error {
	return firstError(
		checkTransactionCode("TransactionCode", r.TransactionCode),
		checkAmount("Amount", r.Amount),
		checkCurrency("Currency", r.Currency),
		checkBefore("Before", r.TransactionCode, r.Before),
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
// It is a write. If it fails with ErrOutcomeUnknown (an
// *OutcomeUnknownError), keep its Write and settle it with Settle before
// trying again: it may have happened, or still be on its way. Read the
// order first and pass it as Before, so that Settle can tell.
func (c *Client) Capture(ctx context.Context, req *CaptureRequest) (*CaptureResponse, error) {
	return invoke[CaptureResponse](ctx, c, &opCapture, req)
}
