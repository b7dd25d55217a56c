package xpay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"

	"github.com/xpaygo/xpay/internal/lenient"
)

var opCreatePayByLink = operation{name: "CreatePayByLink", path: "ecomm/api/bo/richiestaPayMail", write: true}

// CreatePayByLinkRequest asks XPay for a payment link (richiestaPayMail) to
// send to a customer. The amount is in euro: XPay takes no currency here.
type CreatePayByLinkRequest struct {
	// TransactionCode is a new, unique order code, 2 to 30 characters.
	TransactionCode string `json:"codiceTransazione"`
	// Amount in euro cents.
	Amount Amount `json:"importo"`
	// TimeoutHours is how long the link stays valid, in hours.
	TimeoutHours int `json:"timeout"`
	// ReturnURL is where the customer lands after paying (url).
	ReturnURL string `json:"url"`
	// CancelURL is where the customer lands on cancelling (urlBack).
	CancelURL string `json:"urlBack,omitempty"`
	// NotifyURL receives XPay's server-to-server outcome (urlPost).
	NotifyURL string `json:"urlPost,omitempty"`
	// AdditionalParameters are passed to the payment page
	// (parametriAggiuntivi): mail, languageId, descrizione, TCONTAB (C
	// immediate or D deferred capture), Note1…
	AdditionalParameters map[string]string `json:"parametriAggiuntivi,omitempty"`
	// IdempotencyKey, not sent (XPay has none), names this write in the
	// Client's journal (WithJournal): one whose key the journal holds as
	// done is not sent again (ErrWriteDone). Without it, the write has a
	// key of its own.
	IdempotencyKey string `json:"-"`
}

func (r *CreatePayByLinkRequest) pending(w *PendingWrite) { w.TransactionCode = r.TransactionCode }
func (r *CreatePayByLinkRequest) journalKey() string      { return orderKey(r.TransactionCode) }
func (r *CreatePayByLinkRequest) idempotency() string     { return r.IdempotencyKey }

// macFields: apiKey, codiceTransazione, importo, timeStamp. timeout, the
// URLs and parametriAggiuntivi are not signed.
func (r *CreatePayByLinkRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{apiKey, {"codiceTransazione", r.TransactionCode}, {"importo", r.Amount.String()}, timeStamp}
}

func (r *CreatePayByLinkRequest) validate() error {
	return firstError(
		checkTransactionCode("TransactionCode", r.TransactionCode),
		checkAmount("Amount", r.Amount),
		checkHours("TimeoutHours", r.TimeoutHours),
		checkURL("ReturnURL", "url", r.ReturnURL, true),
		checkURL("CancelURL", "urlBack", r.CancelURL, false),
		checkURL("NotifyURL", "urlPost", r.NotifyURL, false),
		checkParameters("AdditionalParameters", r.AdditionalParameters),
	)
}

func checkHours(field string, h int) error {
	if h <= 0 {
		return invalid(field, "timeout", "must be a positive number of hours, got %d", h)
	}
	return nil
}

// CreatePayByLinkResponse carries the link.
type CreatePayByLinkResponse struct {
	Response
	// URL is the payment link to send to the customer (payMailUrl).
	URL string `json:"payMailUrl"`
}

// CreatePayByLink creates a Pay-by-Link payment link (richiestaPayMail).
// An order code already used is an *APIError with CodeDuplicate.
//
// On ErrOutcomeUnknown, settle it with Settle (or let the journal's
// Recover do it): a link nobody has paid yet is no order, and GetOrder
// answers KO 2 for it, and the day may hold more links than
// ListPayByLinks returns, so Settle asks XPay to regenerate the link,
// which for a link still unused keeps its URL (RegeneratePayByLink of the
// same code returns it, with its lifetime set anew) and for an unknown
// code is refused. A retry with the same code is safe in any case: XPay
// refuses a code already used (CodeDuplicate).
//
// It is a write (see Reads and writes in the package documentation).
func (c *Client) CreatePayByLink(ctx context.Context, req *CreatePayByLinkRequest) (*CreatePayByLinkResponse, error) {
	return invoke[CreatePayByLinkResponse](ctx, c, &opCreatePayByLink, req)
}

var opRegeneratePayByLink = operation{name: "RegeneratePayByLink", path: "ecomm/api/bo/rigeneraPayMail", write: true}

// RegeneratePayByLinkRequest renews a link (rigeneraPayMail) that expired
// or was paid with a negative outcome, or extends one still unused.
type RegeneratePayByLinkRequest struct {
	// TransactionCode is the link's current order code: the one the last
	// regeneration returned, if any.
	TransactionCode string `json:"codiceTransazione"`
	// NewTransactionCode, optional, is the code XPay gives the new link
	// when the old one was paid with a negative outcome. Without it XPay
	// appends a counter to the old code. It is not part of the MAC.
	NewTransactionCode string `json:"nuovoCodiceTransazione,omitempty"`
	// TimeoutHours is the new lifetime, counted from now.
	TimeoutHours int `json:"timeout"`
	// IdempotencyKey, not sent (XPay has none), names this write in the
	// Client's journal (WithJournal): one whose key the journal holds as
	// done is not sent again (ErrWriteDone). Without it, the write has a
	// key of its own.
	IdempotencyKey string `json:"-"`
}

func (r *RegeneratePayByLinkRequest) pending(w *PendingWrite) { w.TransactionCode = r.TransactionCode }
func (r *RegeneratePayByLinkRequest) journalKey() string      { return orderKey(r.TransactionCode) }
func (r *RegeneratePayByLinkRequest) idempotency() string     { return r.IdempotencyKey }

// macFields: apiKey, codiceTransazione, timeStamp.
func (r *RegeneratePayByLinkRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{apiKey, {"codiceTransazione", r.TransactionCode}, timeStamp}
}

func (r *RegeneratePayByLinkRequest) validate() error {
	return firstError(
		checkTransactionCode("TransactionCode", r.TransactionCode),
		checkOptionalTransactionCode("NewTransactionCode", "nuovoCodiceTransazione", r.NewTransactionCode),
		checkHours("TimeoutHours", r.TimeoutHours),
	)
}

// RegeneratePayByLinkResponse carries the renewed link.
type RegeneratePayByLinkResponse struct {
	Response
	// URL is the link (payMailUrl). For a link that was never used it is
	// the same URL as before, with a new expiry.
	URL string `json:"payMailUrl"`
	// TransactionCode is the order code now tied to the link. It differs
	// from the request's when the old link was paid with a negative
	// outcome. Use this code from now on: for GetOrder, for Capture and
	// for any later regeneration.
	TransactionCode string `json:"codiceTransazione"`
}

// RegeneratePayByLink renews a Pay-by-Link link (rigeneraPayMail). Read
// the response's TransactionCode: it may be a new code.
//
// It is a write (see Reads and writes in the package documentation).
func (c *Client) RegeneratePayByLink(ctx context.Context, req *RegeneratePayByLinkRequest) (*RegeneratePayByLinkResponse, error) {
	return invoke[RegeneratePayByLinkResponse](ctx, c, &opRegeneratePayByLink, req)
}

var opListPayByLinks = operation{name: "ListPayByLinks", path: "ecomm/api/bo/ReportPaymail", notFoundEmpty: true}

// MaxPayByLinkResults is the most links ListPayByLinks returns for one
// search; XPay drops the rest.
const MaxPayByLinkResults = 100

// ListPayByLinksRequest selects the links created in a range of days
// (ReportPaymail).
type ListPayByLinksRequest struct {
	CreatedFrom Date `json:"linkCreatiDal"`
	CreatedTo   Date `json:"linkCreatiAl"`
}

// macFields: apiKey, timeStamp. The dates are not signed.
func (r *ListPayByLinksRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{apiKey, timeStamp}
}

func (r *ListPayByLinksRequest) validate() error {
	err := firstError(
		checkDate("CreatedFrom", "linkCreatiDal", r.CreatedFrom, true),
		checkDate("CreatedTo", "linkCreatiAl", r.CreatedTo, true),
	)
	if err == nil && r.CreatedTo.time().Before(r.CreatedFrom.time()) {
		return invalid("CreatedTo", "linkCreatiAl", "is before CreatedFrom")
	}
	return err
}

// ListPayByLinksResponse lists links and their payment state.
type ListPayByLinksResponse struct {
	Response
	Links []PayByLink `json:"paymail"`
}

// Truncated reports whether the search hit XPay's cap of
// MaxPayByLinkResults links, so that some links may be missing. PayByLinks
// narrows the range until none are.
func (r *ListPayByLinksResponse) Truncated() bool { return len(r.Links) >= MaxPayByLinkResults }

// PayByLink is one link of a ListPayByLinks. Only some field names are
// confirmed; anything else XPay sends is kept in Extra.
// It decodes by the rules under “Decoding answers” in the package
// documentation.
type PayByLink struct {
	TransactionCode string `json:"codiceTransazione"`
	Amount          Amount `json:"importo"`
	CreatedAt       string `json:"dataCreazioneLink"`
	Status          string `json:"statoEsteso"` // e.g. Pagato, Scaduto
	Circuit         string `json:"circuito"`    // card brand, once paid

	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently, by the rules under “Decoding answers”
// in the package documentation (go doc github.com/xpaygo/xpay).
func (l *PayByLink) UnmarshalJSON(b []byte) error { return lenient.Unmarshal(b, l) }

// ListPayByLinks searches the links created in a range of days
// (ReportPaymail). XPay returns at most MaxPayByLinkResults links; check
// Truncated, or use PayByLinks to get them all.
//
// Nothing found (a verified KO 2) is an empty answer, not an error:
// Response.NothingFound reports it.
//
// It is a read.
func (c *Client) ListPayByLinks(ctx context.Context, req *ListPayByLinksRequest) (*ListPayByLinksResponse, error) {
	return invoke[ListPayByLinksResponse](ctx, c, &opListPayByLinks, req)
}

// ErrTooManyLinks is yielded by PayByLinks when a single day holds more
// links than XPay returns for one search, so that some cannot be listed.
var ErrTooManyLinks = errors.New("xpay: more Pay-by-Link links in one day than XPay returns for one search")

// PayByLinks yields every link that ListPayByLinks would find for req,
// however many: where a search hits XPay's cap it splits the range of
// days in two and searches each half, down to single days. A day that
// alone holds more than MaxPayByLinkResults links yields the ones XPay
// returns, then an error matching ErrTooManyLinks. Iteration stops at the
// first other error. It is a read.
func (c *Client) PayByLinks(ctx context.Context, req *ListPayByLinksRequest) iter.Seq2[PayByLink, error] {
	return func(yield func(PayByLink, error) bool) {
		if req == nil {
			yield(PayByLink{}, check(&opListPayByLinks, req))
			return
		}
		c.payByLinks(ctx, req.CreatedFrom, req.CreatedTo, yield)
	}
}

// payByLinks searches [from, to] and reports whether to go on.
func (c *Client) payByLinks(ctx context.Context, from, to Date, yield func(PayByLink, error) bool) bool {
	res, err := c.ListPayByLinks(ctx, &ListPayByLinksRequest{CreatedFrom: from, CreatedTo: to})
	if err != nil {
		yield(PayByLink{}, err)
		return false
	}
	if res.Truncated() && from != to {
		days := int(to.time().Sub(from.time()).Hours() / 24)
		mid := from.AddDays(days / 2)
		return c.payByLinks(ctx, from, mid, yield) &&
			c.payByLinks(ctx, mid.AddDays(1), to, yield)
	}
	for _, l := range res.Links {
		if !yield(l, nil) {
			return false
		}
	}
	if res.Truncated() {
		return yield(PayByLink{}, fmt.Errorf("%w: %s", ErrTooManyLinks, from))
	}
	return true
}
