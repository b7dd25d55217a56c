package xpay

import (
	"errors"
	"fmt"
	"strconv"
)

// Errors returned by the Client fall into four kinds. Use errors.As for the
// types and errors.Is for the sentinels:
//
//	var apiErr *xpay.APIError          // XPay answered KO (esito=KO), with a code
//	var valErr *xpay.ValidationError   // bad input: nothing was sent
//	var respErr *xpay.ResponseError    // an answer that is not a trustworthy envelope
//	errors.Is(err, xpay.ErrInvalidMAC)     // the response MAC is missing or wrong
//	errors.Is(err, xpay.ErrOutcomeUnknown) // a write may or may not have happened
//
// When the caller's context is done, the context's error comes first:
// errors.Is(err, context.Canceled) holds even if the transport failed too.
var (
	// ErrInvalidMAC means the response MAC was missing or did not match: the
	// answer cannot be told apart from a forgery, and its payload is not
	// returned. The error is a *ResponseError that keeps the raw body.
	ErrInvalidMAC = errors.New("xpay: response MAC missing or invalid")

	// ErrOutcomeUnknown means a write (capture, refund, link creation,
	// contract or blacklist change) may have reached XPay, but its answer was
	// lost: a timeout, a reset connection, an unreadable or untrusted body.
	// XPay may have carried it out. Never resend blindly: read the order (for
	// example with GetOrder) to see whether the operation happened. The cause
	// is wrapped, so errors.Is and errors.As see it too.
	ErrOutcomeUnknown = errors.New("xpay: outcome unknown")
)

// Error codes (errore.codice) documented by XPay. The list is open: an
// APIError keeps any code the server sends.
const (
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

// APIError is XPay's answer esito=KO: the request was understood and
// refused. The response MAC was verified, except for codes 50 and 99, which
// XPay may send unsigned.
type APIError struct {
	Operation   string // the Client method, e.g. "Capture"
	Code        int    // errore.codice, e.g. CodeInvalidState
	Message     string // errore.messaggio, in Italian, as sent
	OperationID string // idOperazione, Nexi's reference for this call
	HTTPStatus  int
	Body        []byte // the raw response body
}

func (e *APIError) Error() string {
	s := "xpay: " + e.Operation + ": KO " + strconv.Itoa(e.Code) + ": " + e.Message
	if e.OperationID != "" {
		s += " (idOperazione " + e.OperationID + ")"
	}
	return s
}

// ValidationError reports a request value that breaks one of XPay's rules.
// It is returned before anything is sent.
type ValidationError struct {
	Operation string // the Client method, e.g. "Capture"
	Field     string // the Go field, e.g. "TransactionCode"
	WireName  string // the JSON name XPay uses, e.g. "codiceTransazione"
	Rule      string // what the value must be, e.g. "2 to 30 characters"
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("xpay: %s: invalid %s (%s): %s", e.Operation, e.Field, e.WireName, e.Rule)
}

// ResponseError reports an answer that could not be used: not an XPay
// envelope (an HTML error page, malformed or truncated JSON, an esito other
// than OK or KO), a body over the size limit, or a missing or wrong response
// MAC. Err says which; Body keeps what the server sent.
type ResponseError struct {
	Operation  string
	HTTPStatus int
	Body       []byte
	Err        error
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("xpay: %s: HTTP %d: %v", e.Operation, e.HTTPStatus, e.Err)
}

func (e *ResponseError) Unwrap() error { return e.Err }

// outcomeUnknownError marks the failure of a write whose effect is unknown.
type outcomeUnknownError struct{ cause error }

func (e *outcomeUnknownError) Error() string {
	return e.cause.Error() + " (outcome unknown: the request may have been carried out; read the order before retrying)"
}

func (e *outcomeUnknownError) Unwrap() []error { return []error{ErrOutcomeUnknown, e.cause} }
