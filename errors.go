package xpay

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Errors returned by the Client fall into four kinds. Use errors.As for the
// types and errors.Is for the sentinels:
//
//	var apiErr *xpay.APIError          // XPay refused (esito=KO), verified: nothing happened
//	var valErr *xpay.ValidationError   // bad input: nothing was sent
//	var respErr *xpay.ResponseError    // an answer that is not a trustworthy envelope
//	var unknown *xpay.OutcomeUnknownError  // a write may or may not have happened: settle it
//	errors.Is(err, xpay.ErrInvalidMAC)     // the response MAC is missing or wrong
//	errors.Is(err, xpay.ErrStaleResponse)  // a signed answer from another time: a replay
//	errors.Is(err, xpay.ErrOutcomeUnknown) // the same as errors.As(err, &unknown)
//
// The types carry the money rule, so the order of the checks does not
// matter: an *APIError is never an unknown outcome, and an unknown outcome
// is never an *APIError.
//
// When the caller's context is done, the context's error comes first:
// errors.Is(err, context.Canceled) holds even if the transport failed too.
var (
	// ErrInvalidMAC means the response MAC was missing or did not match: the
	// answer cannot be told apart from a forgery, and its payload is not
	// returned. From a call, the error is a *ResponseError that keeps the
	// raw body; from VerifyPaymentResult, a payment result whose MAC is
	// missing or wrong: treat it as forged.
	ErrInvalidMAC = errors.New("xpay: response MAC missing or invalid")

	// ErrStaleResponse means a correctly signed answer carries a timeStamp
	// too far from the request's (see WithFreshness): XPay's response MAC
	// covers no request data, so an old answer replayed by anyone on the
	// path would verify. The error is a *ResponseError that keeps the raw
	// body.
	ErrStaleResponse = errors.New("xpay: response timeStamp outside the freshness window")

	// ErrOutcomeUnknown means a write (each method's documentation says
	// whether it is one) may have reached XPay, but its answer was lost or
	// cannot be trusted: a timeout, a reset connection, a redirect, an
	// unreadable, unsigned or stale body.
	// XPay may have carried it out, and may still: never resend blindly.
	// The error is an *OutcomeUnknownError, whose Write says what was sent.
	// Client.Settle reads the object the write changed until the write
	// shows or can no longer happen; with a journal (WithJournal), the write
	// stays open in it, and Client.Recover settles it. The cause is
	// wrapped, so errors.Is and errors.As see it too.
	ErrOutcomeUnknown = errors.New("xpay: outcome unknown")
)

// Error codes (errore.codice) documented by XPay. The list is open: an
// APIError keeps any code the server sends.
const (
	CodeUnspecified         = 0   // XPay gave no code: see the message
	CodeInvalidParameter    = 1   // a value in the request is wrong or missing
	CodeNotFound            = 2   // no such information (unknown order, no data)
	CodeInvalidMAC          = 3   // the request MAC is wrong
	CodeMissingMAC          = 4   // the request MAC is missing
	CodeTimestampExpired    = 5   // the timeStamp is more than 5 minutes old
	CodeInvalidAlias        = 6   // apiKey is not a valid alias
	CodeInvalidAlias2       = 7   // apiKey is not a valid alias (second code)
	CodeInvalidContract     = 8   // invalid contract
	CodeDuplicate           = 9   // transaction already present
	CodeInvalidGroup        = 12  // invalid group
	CodeTransactionNotFound = 13  // transaction not found
	CodeCardExpired         = 14  // card expired
	CodeBrandNotAllowed     = 15  // card brand not allowed
	CodeInvalidState        = 16  // not allowed in the order's current state
	CodeAmountTooHigh       = 17  // operation amount too high
	CodeRetriesExhausted    = 18  // retry attempts exhausted
	CodePaymentRefused      = 19  // payment refused; see the message
	Code3DSCancelled        = 20  // 3-D Secure authentication cancelled
	Code3DSFailed           = 21  // 3-D Secure authentication failed
	CodeCardNotChargeable   = 22  // card expired or blocked
	CodeMACNotComputable    = 50  // the server could not compute a MAC (bad alias or JSON)
	CodeSoftDecline         = 96  // retry with strong customer authentication
	CodeGeneric             = 97  // generic error
	CodeNotImplemented      = 98  // method not implemented
	CodeNotAllowed          = 99  // the merchant lacks the requirements for the operation
	CodeInternal            = 100 // internal error
)

// APIError is XPay's refusal: an answer esito=KO whose response MAC
// verified and whose timeStamp is fresh. It is never an unknown outcome:
// the request was understood and refused, and nothing happened. A KO that
// is not verified (unsigned, as XPay may send codes 50 and 99 and a KO
// with no code, or with a wrong MAC, or stale) is no APIError, since
// anyone on the path can forge one: it is a *ResponseError matching
// ErrInvalidMAC or ErrStaleResponse, whose text quotes XPay's code and
// message as unverified, and to a write it is also an unknown outcome.
// So the order in which a caller checks the error types does not matter.
type APIError struct {
	Operation   string // the Client method, e.g. "Capture"
	Code        int    // errore.codice, e.g. CodeInvalidState
	Message     string // errore.messaggio, in Italian, as sent
	OperationID string // idOperazione, Nexi's reference for this call
	HTTPStatus  int
	Body        RawBody // the response body as received
}

func (e *APIError) Error() string {
	s := "xpay: " + e.Operation + ": KO " + strconv.Itoa(e.Code) + ": " + printable(e.Message)
	if e.OperationID != "" {
		s += " (idOperazione " + printable(e.OperationID) + ")"
	}
	return s
}

// ResponseError reports an answer that could not be used: not an XPay
// envelope (an HTML error page, malformed or truncated JSON, a key given
// twice, an esito other than OK or KO), a redirect, a body over the size
// limit or that would decode into far more memory than its size, a
// missing or wrong response MAC, or a stale timeStamp. Err says which;
// Body keeps what the server sent (empty when it was too large to hold or
// was streamed).
type ResponseError struct {
	Operation  string
	HTTPStatus int
	Body       RawBody
	Err        error
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("xpay: %s: HTTP %d: %s", e.Operation, e.HTTPStatus, strings.TrimPrefix(e.Err.Error(), "xpay: "))
}

func (e *ResponseError) Unwrap() error { return e.Err }

// OutcomeUnknownError is the error of a write whose request may have
// reached XPay but whose answer was lost or cannot be trusted. It matches
// ErrOutcomeUnknown, and Err, the cause, is unwrapped too.
//
// Write is what settling it needs. With a journal, it is already
// persisted (Entry names it) and Client.Recover settles it. Without one,
// persist it (it encodes with encoding/json) before anything else, so
// that a process started after a crash or a redeploy can settle it with a
// Client of its own:
//
//	var unknown *xpay.OutcomeUnknownError
//	if errors.As(err, &unknown) {
//		saved, _ := json.Marshal(unknown.Write) // store it with the order
//		happened, err := client.Settle(ctx, &unknown.Write)
//		...
//	}
//
// The request path decides it in one place: a write that fails in any way
// but a verified, fresh refusal (an *APIError) or a request that never
// left this machine has an unknown outcome.
type OutcomeUnknownError struct {
	Write PendingWrite
	Err   error
	// Entry is the write's entry in the Client's journal (WithJournal),
	// which stays open for Client.Recover to settle; empty without one.
	Entry string
}

func (e *OutcomeUnknownError) Error() string {
	if e.Entry != "" {
		return e.Err.Error() + " (outcome unknown: the request may have been carried out, or still be; it stays open in the journal as entry " + e.Entry + ", which Client.Recover settles)"
	}
	return e.Err.Error() + " (outcome unknown: the request may have been carried out, or still be; settle it (Client.Settle) before retrying)"
}

func (e *OutcomeUnknownError) Unwrap() []error { return []error{ErrOutcomeUnknown, e.Err} }

// SettleWindow is how long after it was sent a write can still take
// effect at XPay: XPay refuses a request whose timeStamp is more than 5
// minutes old by its own clock, and a minute more is left for one it
// accepted just in time and is still carrying out.
const SettleWindow = 6 * time.Minute

// PendingWrite is a write whose outcome is unknown: what an
// *OutcomeUnknownError carries, and what Settle takes. It encodes with
// encoding/json, field for field, so that it can be stored (a database
// row, a file) and settled by another process, after a restart, with a
// Client of its own for the same alias.
type PendingWrite struct {
	// Operation is the Client method that was called: "Capture",
	// "Refund", "CreatePayByLink", ...
	Operation string `json:"operation"`
	// AliasFingerprint is the Client.AliasFingerprint of the Client that
	// sent the write: an order is known only to the alias that made it,
	// so only a Client of that alias can settle it. Empty in a write
	// stored by a version of this package before it was recorded.
	AliasFingerprint string `json:"aliasFingerprint,omitempty"`
	// TransactionCode, Amount and Currency are the request's, for the
	// writes that have them.
	TransactionCode string   `json:"transactionCode,omitempty"`
	Amount          Amount   `json:"amount,omitempty"`
	Currency        Currency `json:"currency,omitempty"`
	// Sent is the request's timeStamp: XPay can carry the write out until
	// SettleWindow after it, by XPay's clock.
	Sent time.Time `json:"sent"`
	// Before are the order's operation rows as read before the write (the
	// request's Before), or nil when they were not read. An empty list
	// means the order had none; nil means nobody knows.
	Before []Operation `json:"before"`
	// Request is the request's own fields as sent, in JSON (without
	// apiKey, timeStamp and mac): what settling a write other than a
	// capture or a refund reads, and what a person needs to send it again.
	Request json.RawMessage `json:"request,omitempty"`
}

// notSent marks the failure of a request that cannot have reached XPay: a
// cancelled context before sending, a connection never made. It never
// leaves the request path.
type notSent struct{ error }

func (e notSent) Unwrap() error { return e.error }

// ErrSettleAmbiguous means that Settle cannot tell whether the write took
// effect: the order shows a row of the write's type and amount that may
// be another one's (two such rows appeared, or none was read before the
// write and a matching row may be older), a row it cannot read, or a
// reading from before the write (PendingWrite.Before) that is not one of
// this order. No read will tell: a person has to look at the order. Until
// then, do not send the write again.
var ErrSettleAmbiguous = errors.New("xpay: Settle: cannot tell whether the write happened")
