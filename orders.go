package xpay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/xpaygo/xpay/internal/lenient"
)

var opGetOrder = operation{name: "GetOrder", path: "ecomm/api/bo/situazioneOrdine"}

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
//
// It is a read.
func (c *Client) GetOrder(ctx context.Context, req *GetOrderRequest) (*GetOrderResponse, error) {
	return invoke[GetOrderResponse](ctx, c, &opGetOrder, req)
}

// Order is one order (an element of report) as XPay describes it in
// situazioneOrdine and reportOrdini. Amounts are in minor units; Currency
// is the alphabetic code (EUR); dates are kept as received (see ParseTime).
// It decodes by the rules under “Decoding answers” in the package
// documentation.
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

	// Fields of the order as Nexi's Android SDK reads it (Report:
	// dataOperazione, tipoServizio, nome, cognome), each also read under
	// the English name a third-party client of reportOrdini reads.
	OperationDate           string `json:"dataOperazione" xpay:"operationDate"`
	ServiceType             string `json:"tipoServizio" xpay:"serviceType"`
	FirstName               string `json:"nome" xpay:"name"`
	LastName                string `json:"cognome" xpay:"surname"`
	TransactionTypeExtended string `json:"transactionTypeExtended"`

	// Details are the order's detail records (dettaglio), with its
	// operations. XPay sends one; a lone object is read as a list of one.
	Details []OrderDetail `json:"dettaglio"`

	// Extra keeps keys this package does not model, and values whose JSON
	// type did not fit their field.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently, by the rules under “Decoding answers”
// in the package documentation (go doc github.com/xpaygo/xpay).
func (o *Order) UnmarshalJSON(b []byte) error { return lenient.Unmarshal(b, o) }

// Operations returns the operation rows of every detail, in order: an
// empty list when the order has details and no rows, and nil only when it
// carries no details (as the orders of ListOrders), whose rows nobody
// knows. So a PendingWrite.Before made of it never reads as unknown for
// an order that GetOrder returned.
func (o *Order) Operations() []Operation {
	if len(o.Details) == 0 {
		return nil
	}
	ops := []Operation{}
	for _, d := range o.Details {
		ops = append(ops, d.Operations...)
	}
	return ops
}

// ErrNoOperationRows is the error of Order.Captured and Order.Refunded on
// an order that carries no operation rows (no dettaglio): the orders of
// ListOrders and Orders, whose totals cannot be read off them. Read the
// order with GetOrder.
var ErrNoOperationRows = errors.New("xpay: the order carries no operation rows (dettaglio), as the orders of ListOrders do: read it with GetOrder")

// Captured returns the sum of the order's capture rows (CONTAB.), from an
// order that GetOrder returned. An order without operation rows (from
// ListOrders) is ErrNoOperationRows, and a capture row whose amount
// cannot be read is an error too: never a total that silently reads low.
// To settle a capture whose outcome is unknown, use Settle: a total cannot
// tell this capture from another writer's.
func (o *Order) Captured() (Amount, error) { return o.sum(OperationTypeCapture) }

// Refunded returns the sum of the order's STORNO rows: refunds, and voids
// of uncaptured authorizations. It fails as Captured does.
func (o *Order) Refunded() (Amount, error) { return o.sum(OperationTypeRefund) }

func (o *Order) sum(t OperationType) (Amount, error) {
	if len(o.Details) == 0 {
		return 0, ErrNoOperationRows
	}
	var total Amount
	for i, row := range o.Operations() {
		if row.Type != t {
			continue
		}
		if raw, unreadable := row.unreadableAmount(); unreadable {
			return 0, fmt.Errorf("xpay: order %s: the amount of operation row %d (%s) is not an integer of minor units: %.40s",
				printable(o.TransactionCode), i+1, t, raw)
		}
		total += row.Amount
	}
	return total, nil
}

// OrderDetail is a dettaglio record of an order: the customer, the
// amounts and the operations.
// It decodes by the rules under “Decoding answers” in the package
// documentation.
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

// UnmarshalJSON decodes leniently, by the rules under “Decoding answers”
// in the package documentation (go doc github.com/xpaygo/xpay).
func (d *OrderDetail) UnmarshalJSON(b []byte) error { return lenient.Unmarshal(b, d) }

// orderKey is the journal's name for an order: its writes (captures,
// refunds, the link that made it) go one at a time.
func orderKey(code string) string { return "order:" + code }

// pendingMoney fills in what Settle needs of a capture or a refund.
func pendingMoney(w *PendingWrite, code string, amount Amount, cur Currency, before *Order) {
	w.TransactionCode, w.Amount, w.Currency = code, amount, cur
	if before != nil {
		w.Before = before.Operations() // a copy; empty, not nil, for an order read with no rows: known to have none
	}
}

// checkBefore checks the order read before a capture or refund of code:
// one with its operation rows, all readable.
func checkBefore(field, code string, o *Order) error {
	switch {
	case o == nil:
		return nil
	case len(o.Details) == 0:
		return invalid(field, "-", "carries no operation rows (dettaglio): pass the order GetOrder returned, not one from ListOrders")
	case o.TransactionCode != "" && o.TransactionCode != code:
		return invalid(field, "-", "is the order %q, not %q", printable(o.TransactionCode), printable(code))
	}
	for i, row := range o.Operations() {
		if raw, unreadable := row.unreadableAmount(); unreadable {
			return invalid(field, "-", "operation row %d has an amount this package cannot read (%.40s): settle by hand", i+1, raw)
		}
	}
	return nil
}

var opListOrders = operation{name: "ListOrders", path: "ecomm/api/bo/reportOrdini", notFoundEmpty: true}

// Channel is the payment channel filter (canale) of ListOrders. Values not
// listed here can be sent as Channel("...").
type Channel string

// The channels XPay's samples use.
const (
	ChannelAll    Channel = "All"
	ChannelCard   Channel = "CartaCredito"
	ChannelMyBank Channel = "MyBank"
	ChannelPayPal Channel = "PayPal"
	ChannelMySi   Channel = "MySi"
	ChannelSofort Channel = "sofort"
)

// ListOrdersRequest selects the orders of a period (reportOrdini).
type ListOrdersRequest struct {
	// TransactionCode limits the list to one order; empty means all.
	TransactionCode string `json:"codiceTransazione"`
	// Period is the range of days to search: at most MaxOrderPeriodDays.
	Period DateRange `json:"periodo"`
	// Channel is required: ChannelAll for every channel.
	Channel Channel `json:"canale"`
	// States keeps only orders in these states; empty means all. It is not
	// part of the MAC.
	States []OrderState `json:"stato,omitempty"`
}

// macFields: apiKey, codiceTransazione, periodo, canale, timeStamp. An
// empty codiceTransazione is signed as "codiceTransazione=".
func (r *ListOrdersRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{
		apiKey,
		{"codiceTransazione", r.TransactionCode},
		{"periodo", r.Period.String()},
		{"canale", string(r.Channel)},
		timeStamp,
	}
}

func (r *ListOrdersRequest) validate() error {
	err := firstError(
		checkFilterCode(r.TransactionCode),
		checkDate("Period.From", "periodo", r.Period.From, true),
		checkDate("Period.To", "periodo", r.Period.To, true),
	)
	switch {
	case err != nil:
		return err
	case r.Period.To.time().Before(r.Period.From.time()):
		return invalid("Period", "periodo", "ends (%s) before it starts (%s)", r.Period.To, r.Period.From)
	case r.Period.From.AddDays(MaxOrderPeriodDays - 1).time().Before(r.Period.To.time()):
		return invalid("Period", "periodo", "spans more than %d days (%s): split it, or walk it with Orders", MaxOrderPeriodDays, r.Period)
	case r.Channel == "":
		return invalid("Channel", "canale", "is required: ChannelAll for every channel")
	}
	for i, s := range r.States {
		if !slices.ContainsFunc(orderStates, func(known OrderState) bool { return strings.EqualFold(string(s), string(known)) }) {
			return invalid("States", "stato", "element %d, %q, is not a state XPay filters by: want one of %s", i, printable(string(s)), quoted(orderStates))
		}
	}
	return checkPrintable("Channel", "canale", string(r.Channel))
}

// MaxOrderPeriodDays is the longest period ListOrders may ask for, in
// days, both ends included: a year, leap years too. Nexi's official php
// and python samples of reportOrdini ask for a year; the one source of a
// shorter limit, 90 days, is a third-party client's doc string. Orders
// walks a longer period in windows of this length.
const MaxOrderPeriodDays = 366

// orderStates are the states a ListOrdersRequest may filter by: every
// state a source shows (see the OrderState constants). A state no source
// shows ("Authorized") is refused, since XPay would return nothing for it;
// any state is decoded in answers as received.
var orderStates = []OrderState{
	OrderStateAuthorized, OrderStateDenied, OrderStateCancelled, OrderStateCaptured,
	OrderStateRefunded, OrderStateNotCreated, OrderStatePartiallyCaptured, OrderStatePartiallyRefunded,
	OrderStateCapturePending, OrderStateInProgress, OrderStatePending, OrderStateRefundPending,
	OrderStateReversed, OrderStateAuthDenied, OrderStateInvalid, OrderStateNotGenerated,
	OrderStateClosedByOffice, OrderStateSuspended, OrderStateRefundDenied, OrderStateRefundCancelled,
}

// quoted lists values for a message: "a", "b".
func quoted[T ~string](values []T) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(string(v)))
	}
	return b.String()
}

// Orders is ListOrders for answers of any size and periods of any length:
// it yields the orders one by one as they arrive, and never holds more
// than the order it is reading (ListOrders holds the whole answer). A
// period longer than MaxOrderPeriodDays is walked in windows of that
// many days, one request each.
//
// Each window's answer is read exactly as ListOrders reads it, and
// refused where ListOrders would refuse it, but for its size:
// WithMaxResponseSize bounds each order, and all that is around the list
// together, not the list, so that a list of any length streams. Break out
// of the loop to stop early.
//
// What the MAC protects: XPay's response MAC covers esito, idOperazione and
// timeStamp only, never the orders, and XPay writes it after the list. So
// the orders are yielded before the answer can be judged; when the answer
// ends, a missing or wrong MAC is yielded as an error matching
// ErrInvalidMAC, and a KO as an *APIError. An error is always the last
// thing yielded: when it comes, discard what was yielded of its window
// (orders of earlier windows were judged with their own answer). Even
// with a good MAC the orders themselves are not authenticated, by
// ListOrders or by this method.
//
// The client timeout bounds the wait for each answer to start and then
// how long it may stall (see WithTimeout; the time the loop body takes
// does not count); ctx bounds the rest. It is a read: under WithRetry a
// window is tried again, as ListOrders is, until its first order has been
// yielded.
func (c *Client) Orders(ctx context.Context, req *ListOrdersRequest) iter.Seq2[Order, error] {
	return func(yield func(Order, error) bool) {
		if req == nil {
			yield(Order{}, check(&opListOrders, req))
			return
		}
		for from := req.Period.From; ; {
			to := from.AddDays(MaxOrderPeriodDays - 1)
			last := !to.time().Before(req.Period.To.time())
			if last {
				to = req.Period.To
			}
			window := *req
			window.Period = DateRange{From: from, To: to}
			for o, err := range c.window(ctx, &window) {
				if !yield(o, err) || err != nil {
					return
				}
			}
			if last {
				return
			}
			from = to.AddDays(1)
		}
	}
}

// ListOrdersResponse is the answer of reportOrdini.
type ListOrdersResponse struct {
	Response
	Orders []Order `json:"report"`

	// Keys next to the envelope that a public client of reportOrdini
	// reads (nexi-xpay-mcp-server): not in XPay's samples, and not signed.
	OutcomeDescription string `json:"descrizioneEsito,omitempty"`
	ElapsedTime        string `json:"elapsedTime,omitempty"`
	OrderID            string `json:"orderId,omitempty"`
}

// ListOrders lists the orders of a period (reportOrdini), optionally
// filtered by order code, channel and state. Whether XPay includes each
// order's details (dettaglio) here is not documented; they are decoded
// when present.
//
// Nothing found (a verified KO 2) is an empty answer, not an error:
// Response.NothingFound reports it.
//
// It is a read.
func (c *Client) ListOrders(ctx context.Context, req *ListOrdersRequest) (*ListOrdersResponse, error) {
	return invoke[ListOrdersResponse](ctx, c, &opListOrders, req)
}

var opListWarnings = operation{name: "ListWarnings", path: "ecomm/api/bo/warning", macOptional: true, notFoundEmpty: true}

// ListWarningsRequest selects the warnings XPay raised about transactions,
// such as notifications it could not deliver. Every filter is optional.
type ListWarningsRequest struct {
	TransactionCode string   `json:"codiceTransazione,omitempty"`
	From            DateTime `json:"dataTransazioneDal,omitzero"`
	To              DateTime `json:"dataTransazioneAl,omitzero"`
}

// macFields: apiKey, timeStamp. The filters are not signed.
func (r *ListWarningsRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{apiKey, timeStamp}
}

func (r *ListWarningsRequest) validate() error {
	return firstError(
		checkFilterCode(r.TransactionCode),
		checkDateTime("From", "dataTransazioneDal", r.From),
		checkDateTime("To", "dataTransazioneAl", r.To),
		checkOrder("To", "dataTransazioneAl", r.From, r.To),
	)
}

// ListWarningsResponse is the answer of warning. No warnings is an empty list,
// not an error (XPay answers KO with CodeNotFound; Response.Error keeps it).
type ListWarningsResponse struct {
	Response
	// Warnings is read from the key warnings, or warning.
	Warnings []Warning `json:"warnings" xpay:"warning"`
}

// Warning is one warning. Its field names are inferred, not documented:
// anything else XPay sends is kept in Extra.
// It decodes by the rules under “Decoding answers” in the package
// documentation.
type Warning struct {
	TransactionCode string `json:"codiceTransazione"`
	TransactionDate string `json:"dataTransazione"`
	Message         string `json:"messaggio"`

	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently, by the rules under “Decoding answers”
// in the package documentation (go doc github.com/xpaygo/xpay).
func (w *Warning) UnmarshalJSON(b []byte) error { return lenient.Unmarshal(b, w) }

// ListWarnings lists the warnings XPay raised about transactions (warning).
// XPay's own sample does not check this answer's MAC; this method checks it
// whenever it is present.
//
// Nothing found (a verified KO 2) is an empty answer, not an error:
// Response.NothingFound reports it.
//
// It is a read.
func (c *Client) ListWarnings(ctx context.Context, req *ListWarningsRequest) (*ListWarningsResponse, error) {
	return invoke[ListWarningsResponse](ctx, c, &opListWarnings, req)
}

// ordersList names the key of ListOrdersResponse.Orders.
var ordersList = lenient.KeyOf[ListOrdersResponse]("Orders")

// window streams the orders of one window of at most MaxOrderPeriodDays.
func (c *Client) window(ctx context.Context, req *ListOrdersRequest) iter.Seq2[Order, error] {
	return func(yield func(Order, error) bool) {
		var o Order // one, decoded into afresh for each order and yielded as a copy
		err := c.streamList(ctx, &opListOrders, req, func() envelope { return new(ListOrdersResponse) }, ordersList, func(raw []byte) error {
			o = Order{}
			if err := lenient.Unmarshal(raw, &o); err != nil {
				return err
			}
			if !yield(o, nil) {
				return lenient.ErrStop
			}
			return nil
		})
		if err != nil {
			yield(Order{}, err)
		}
	}
}
