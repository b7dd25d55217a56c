package xpay

import (
	"encoding/json"

	"github.com/xpaygo/xpay/internal/lenient"
)

// OrderState is the state (stato) of an order or of one of its operations.
// XPay may add states: values not listed here are kept as received.
type OrderState string

// The order states XPay documents: the core of the set.
const (
	OrderStateAuthorized        OrderState = "Autorizzato"          // authorized, not yet captured
	OrderStateDenied            OrderState = "Negato"               // not authorized; will not be captured
	OrderStateCancelled         OrderState = "Annullato"            // authorized, then voided
	OrderStateCaptured          OrderState = "Contabilizzato"       // captured
	OrderStateRefunded          OrderState = "Rimborsato"           // captured, then fully refunded
	OrderStateNotCreated        OrderState = "Non Creato"           // never reached authorization
	OrderStatePartiallyCaptured OrderState = "Contabilizzato Parz." // partly captured
	OrderStatePartiallyRefunded OrderState = "Rimborsato Parz."     // partly refunded
)

// More states XPay reports, as a production integration lists them
// (APSfurizon/pretix-xpay, pretix_xpay/constants.py, XPAY_RESULT_*), with
// the group that integration files each under.
const (
	OrderStateCapturePending  OrderState = "In attesa di contab." // captured: the capture is on its way
	OrderStateInProgress      OrderState = "In Corso"             // pending
	OrderStatePending         OrderState = "Pendente"             // pending
	OrderStateRefundPending   OrderState = "In attesa di storno"  // refunded: the refund is on its way
	OrderStateReversed        OrderState = "Stornato"             // refunded
	OrderStateAuthDenied      OrderState = "Autor. Negata"        // cancelled: authorization denied
	OrderStateInvalid         OrderState = "Non valido"           // cancelled
	OrderStateNotGenerated    OrderState = "Non generato"         // cancelled
	OrderStateClosedByOffice  OrderState = "Chiuso da backoffice" // cancelled: closed in the back office
	OrderStateSuspended       OrderState = "Sospeso"              // cancelled
	OrderStateRefundDenied    OrderState = "Storno Negato"        // cancelled: a refund refused
	OrderStateRefundCancelled OrderState = "Storno Annullato"     // cancelled: a refund cancelled
)

// OperationType is the kind of an operation row (tipoOperazione) of an
// order. Values not listed here are kept as received.
type OperationType string

// The operation types XPay documents.
const (
	OperationTypeCapture OperationType = "CONTAB." // a capture (contabilizzazione)
	OperationTypeRefund  OperationType = "STORNO"  // a refund or a void (storno)
)

// Operation is one row of an order's history (operazioni): a capture, a
// refund or a void.
// It decodes by the rules under “Decoding answers” in the package
// documentation.
type Operation struct {
	Type     OperationType `json:"tipoOperazione"` // OperationTypeCapture, OperationTypeRefund, ...
	Amount   Amount        `json:"importo"`
	Currency string        `json:"divisa"`
	State    OrderState    `json:"stato"`
	Date     string        `json:"dataOperazione"` // format varies; see ParseTime
	User     string        `json:"utente"`         // back-office user, if any
	// PayPalPartialCaptureID, on a PayPal CONTAB. row, is the id to pass
	// to Refund to refund that partial capture; on a STORNO row it names
	// the capture refunded.
	PayPalPartialCaptureID string `json:"idContabParzialePayPal"`

	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently, by the rules under “Decoding answers”
// in the package documentation (go doc github.com/xpaygo/xpay).
func (row *Operation) UnmarshalJSON(b []byte) error { return lenient.Unmarshal(b, row) }

// unreadableAmount returns the row's importo as received when it did not
// decode: the decoder then keeps it in Extra, and Amount reads zero. Such
// a row's amount is unknown, and nothing may read it as zero.
func (row *Operation) unreadableAmount() (raw json.RawMessage, unreadable bool) {
	raw, unreadable = row.Extra["importo"]
	return raw, unreadable
}
