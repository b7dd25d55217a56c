package xpay

import (
	"context"
	"encoding/json"
)

var svcGetOrder = service{name: "GetOrder", path: "ecomm/api/bo/situazioneOrdine"}

// GetOrderRequest asks for one order with all its operations.
type GetOrderRequest struct {
	// TransactionCode is the merchant's order code (codiceTransazione),
	// 2 to 30 characters.
	TransactionCode string `json:"codiceTransazione"`
}

// macFields: apiKey, codiceTransazione, timeStamp.
func (r *GetOrderRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{apiKey, {"codiceTransazione", r.TransactionCode}, timeStamp}
}

func (r *GetOrderRequest) validate() error {
	return checkTransactionCode("TransactionCode", r.TransactionCode)
}

// GetOrderResponse is the answer of situazioneOrdine: the order in Orders
// (XPay sends a list, in practice of one element; see Order).
type GetOrderResponse struct {
	Response
	Orders []Order `json:"report"`
	// CardExpiry is scadenza where XPay's documentation places it, at the
	// top level. Its plugins read it inside the order instead; Expiry
	// looks in both places.
	CardExpiry string `json:"scadenza,omitempty"`
}

// Order returns the order, or nil if the answer holds none.
func (r *GetOrderResponse) Order() *Order {
	if len(r.Orders) == 0 {
		return nil
	}
	return &r.Orders[0]
}

// Expiry returns the card expiry (yyyymm), from the top level or from the
// order, whichever XPay filled in.
func (r *GetOrderResponse) Expiry() string {
	if r.CardExpiry != "" {
		return r.CardExpiry
	}
	if o := r.Order(); o != nil {
		return o.CardExpiry
	}
	return ""
}

// GetOrder returns an order (situazioneOrdine) with its details and every
// operation on it: payment, captures, refunds. An unknown order is an
// *APIError with CodeNotFound.
//
// GetOrder is also how to settle a write that failed with
// ErrOutcomeUnknown: the order's operation rows say whether it happened.
func (c *Client) GetOrder(ctx context.Context, req *GetOrderRequest) (*GetOrderResponse, error) {
	return invoke[GetOrderResponse](ctx, c, &svcGetOrder, req)
}

// Order is one order (an element of report) as XPay describes it in
// situazioneOrdine and reportOrdini. Amounts are in minor units; Currency
// is the alphabetic code (EUR); dates are kept as received (see ParseTime).
type Order struct {
	MerchantNumber    string     `json:"numeroMerchant"`
	TransactionCode   string     `json:"codiceTransazione"`
	Amount            Amount     `json:"importo"`
	Currency          string     `json:"divisa"`
	AuthorizationCode string     `json:"codiceAutorizzazione"`
	Brand             string     `json:"brand"`           // VISA, MasterCard, APPLEPAY, ...
	PaymentType       string     `json:"tipoPagamento"`   // e.g. 3D-Secure
	TransactionType   string     `json:"tipoTransazione"` // e.g. 3DS_FULL
	Country           string     `json:"nazione"`         // ISO 3166 alpha-3, e.g. ITA
	ProductType       string     `json:"tipoProdotto"`    // card product
	PAN               string     `json:"pan"`             // masked by XPay
	CardExpiry        string     `json:"scadenza"`        // yyyymm
	Parameters        string     `json:"parametri"`
	State             OrderState `json:"stato"`
	TransactionDate   string     `json:"dataTransazione"`
	Email             string     `json:"mail"`
	// PaymentManagerOrder (numOrdinePm) is seen only on pagoPA terminals.
	PaymentManagerOrder string `json:"numOrdinePm"`

	// Fields seen in reportOrdini answers.
	TransactionTypeExtended string `json:"transactionTypeExtended"`
	OperationDate           string `json:"operationDate"`
	ServiceType             string `json:"serviceType"`
	FirstName               string `json:"name"`
	LastName                string `json:"surname"`

	// Details are the order's detail records (dettaglio), with its
	// operations. XPay sends one; a lone object is read as a list of one.
	Details []OrderDetail `json:"dettaglio"`

	// Extra keeps keys this package does not model, and values whose JSON
	// type did not fit their field.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently: see the package's decoding rules.
func (o *Order) UnmarshalJSON(b []byte) error { return unmarshalLenient(b, o) }

// Operations returns the operation rows of every detail, in order.
func (o *Order) Operations() []Operation {
	var ops []Operation
	for _, d := range o.Details {
		ops = append(ops, d.Operations...)
	}
	return ops
}

// OrderDetail is a dettaglio record of an order: the customer, the
// amounts and the operations.
type OrderDetail struct {
	FirstName            string     `json:"nome"`
	LastName             string     `json:"cognome"`
	Email                string     `json:"mail"`
	Amount               Amount     `json:"importo"`
	RejectedAmount       Amount     `json:"importoRifiutato"`
	Currency             string     `json:"divisa"`
	State                OrderState `json:"stato"`
	TransactionCode      string     `json:"codiceTransazione"`
	AdditionalParameters string     `json:"parametriAggiuntivi"`
	OutcomeReason        string     `json:"motivoEsito"`

	// Dynamic currency conversion, when the customer paid in another
	// currency. Decimal values are kept as the text received, never as
	// floats.
	ConvertedAmount  string `json:"controvaloreValuta"`
	ExchangeRate     string `json:"tassoCambio"`
	CurrencyDecimals int    `json:"decimaliValuta"`
	CurrencyCode     string `json:"codiceValuta"`
	CurrencyFlag     string `json:"flagValuta"`

	Operations []Operation `json:"operazioni"`

	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently: see the package's decoding rules.
func (d *OrderDetail) UnmarshalJSON(b []byte) error { return unmarshalLenient(b, d) }

// Operation is one row of an order's history (operazioni): a capture, a
// refund or a void.
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

// UnmarshalJSON decodes leniently: see the package's decoding rules.
func (op *Operation) UnmarshalJSON(b []byte) error { return unmarshalLenient(b, op) }
