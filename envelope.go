package xpay

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/xpaygo/xpay/internal/lenient"
)

// Response is what every XPay answer carries, and every response type
// embeds it: most are named after their method (CaptureResponse for
// Capture); operations that answer alike share one (ContractsResponse,
// ContractChangeResponse, BlacklistResponse, BlacklistChangeResponse,
// CFPANResponse). A Response returned with a nil error has a verified, fresh
// MAC (or none, where XPay's own client reads the answer unsigned:
// ListWarnings), and esito OK, but for one rule: to a list or search read
// (each method says so) XPay answers "nothing found" with KO 2, which is
// an empty answer, not an error; NothingFound reports it, and Error keeps
// it. Answers are decoded by the rules under “Decoding answers” in the
// package documentation.
type Response struct {
	Outcome     string       `json:"esito"`        // "OK"
	OperationID string       `json:"idOperazione"` // Nexi's reference for this call
	Timestamp   Timestamp    `json:"timeStamp"`    // server time, epoch milliseconds
	MAC         string       `json:"mac"`          // response MAC, already verified
	Error       *ErrorDetail `json:"errore,omitempty"`

	HTTPStatus int     `json:"-"`
	RawBody    RawBody `json:"-"` // the body exactly as received

	// Extra keeps the top-level keys that this package does not model.
	Extra map[string]json.RawMessage `json:"-"`
}

func (r *Response) response() *Response { return r }

// NothingFound reports whether the answer is XPay's "nothing found" (esito
// KO, CodeNotFound), which list and search reads return as an empty
// answer with a nil error.
func (r *Response) NothingFound() bool {
	return r.Outcome == "KO" && r.Error != nil && r.Error.Code == CodeNotFound
}

// RawBody is an answer's body exactly as received, held as a string: it
// cannot be changed, and the strings decoded from it share its memory
// instead of copying it. []byte(b) gives the bytes.
type RawBody string

// Timestamp is XPay's timeStamp: milliseconds since the Unix epoch. It keeps
// the digits exactly as the server sent them, JSON number or string, because
// the response MAC is computed over that text.
type Timestamp string

// UnmarshalJSON accepts a JSON number or a string of digits.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	digits, ok := lenient.Number(b)
	if !ok {
		return fmt.Errorf("xpay: timeStamp: want epoch milliseconds, got %.40s", b)
	}
	*t = Timestamp(digits)
	return nil
}

// Time returns the timestamp as a time.Time.
func (t Timestamp) Time() (time.Time, error) {
	ms, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("xpay: timeStamp %q is not epoch milliseconds", string(t))
	}
	return time.UnixMilli(ms), nil
}

// ErrorDetail is the errore object of a KO answer. Callers normally see it
// as an *APIError instead.
type ErrorDetail struct {
	Code    int    `json:"codice"`
	Message string `json:"messaggio"`
}

type envelope interface{ response() *Response }

var errNotEnvelope = errors.New("body is not an XPay JSON envelope")

// decodeFailure says why a body that is valid JSON did not decode.
func decodeFailure(err error) error {
	if err == lenient.ErrMemoryBudget {
		return err
	}
	return fmt.Errorf("%w: %w", errNotEnvelope, err)
}

// decode reads body, an answer or the envelope of one that was walked,
// into out, whatever its HTTP status (XPay sends KO bodies with 200 as
// well as with 4xx and 5xx), keeps raw in it, and judges it: the one step
// that decides what an answer is worth.
func (c *Client) decode(op *operation, status int, body string, raw RawBody, out envelope, sent time.Time) error {
	if err := lenient.UnmarshalString(body, out); err != nil {
		return c.untrusted(op, status, raw, decodeFailure(err))
	}
	r := out.response()
	r.HTTPStatus, r.RawBody = status, raw
	return c.judge(op, status, raw, r, sent)
}

// decodeAll decodes an answer held whole in raw. The decoder checks that
// it is JSON as it decodes.
func (c *Client) decodeAll(op *operation, status int, raw RawBody, out envelope, sent time.Time) error {
	return c.decode(op, status, string(raw), raw, out, sent)
}

// judge decides whether a decoded envelope can be trusted: a verified,
// fresh OK is nil, a verified, fresh KO an *APIError, anything else a
// *ResponseError. sent is when the request was signed.
func (c *Client) judge(op *operation, status int, raw RawBody, r *Response, sent time.Time) error {
	if r.Outcome == "" {
		return c.untrusted(op, status, raw, errNotEnvelope)
	}
	var detail ErrorDetail
	if r.Error != nil {
		detail = *r.Error
	}
	switch {
	case r.MAC != "" && verifyResponseMAC(string(c.creds().secret), r.Outcome, r.OperationID, string(r.Timestamp), r.MAC):
		if err := c.fresh(r.Timestamp, sent); err != nil {
			if r.Outcome == "KO" { // XPay's word, for the reader, but no *APIError: it may be a replay
				err = fmt.Errorf("%w; the answer is KO %d: %s", err, detail.Code, printable(detail.Message))
			}
			return c.untrusted(op, status, raw, err)
		}
	case r.MAC == "" && op.macOptional && (r.Outcome == "OK" || op.notFoundEmpty && r.Outcome == "KO" && detail.Code == CodeNotFound):
		// XPay's own client reads this answer unsigned: its data, or
		// nothing found, which the switch below reads as for any answer.
		// No other unsigned KO is a refusal to act on.
	case r.Outcome == "KO":
		// XPay's words help whoever reads the error, most of all when the
		// key is wrong (XPay then signs KO 3 with the right one), but an
		// answer that does not verify is no refusal to act on. Nor is one
		// unsigned: XPay leaves KO 50 and 99, and a KO with no code,
		// unsigned, but anyone on the path can forge one, and a write that
		// gets it may still have happened (outcome decides that).
		how := "unverified"
		if r.MAC == "" {
			how = "unsigned and so not verified"
		}
		return c.untrusted(op, status, raw, fmt.Errorf("%w; XPay's answer, %s: KO %d: %s%s",
			ErrInvalidMAC, how, detail.Code, printable(detail.Message), hint(detail.Code)))
	default:
		return c.untrusted(op, status, raw, ErrInvalidMAC)
	}
	switch r.Outcome {
	case "OK":
		return nil
	case "KO":
		if op.notFoundEmpty && detail.Code == CodeNotFound {
			return nil
		}
		return c.refusal(op, status, raw, r, detail)
	}
	return c.untrusted(op, status, raw, fmt.Errorf("unexpected esito %q", r.Outcome))
}

// hint says what a KO about the credentials means for the caller.
func hint(code int) string {
	switch code {
	case CodeInvalidMAC:
		return " (XPay found the request's MAC wrong: check the secret key given to NewClient)"
	case CodeInvalidAlias, CodeInvalidAlias2:
		return " (XPay does not know the alias: check the alias given to NewClient, and that the secret key is its own)"
	}
	return ""
}

func (c *Client) refusal(op *operation, status int, raw RawBody, r *Response, detail ErrorDetail) *APIError {
	return &APIError{
		Operation:   op.name,
		Code:        detail.Code,
		Message:     detail.Message,
		OperationID: r.OperationID,
		HTTPStatus:  status,
		Body:        raw,
	}
}

// fresh checks that a signed answer's timeStamp is no further from the
// request's than the freshness window allows: an older one is a replay of
// an answer to another request.
func (c *Client) fresh(ts Timestamp, sent time.Time) error {
	at, err := ts.Time()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrStaleResponse, err)
	}
	switch now := c.now(); {
	case at.Before(sent.Add(-c.freshness)):
		return fmt.Errorf("%w: its timeStamp is %v before the request's (the window is %v; see WithFreshness): a replay, or this machine's clock is wrong",
			ErrStaleResponse, sent.Sub(at).Round(time.Second), c.freshness)
	case at.After(now.Add(c.freshness)):
		return fmt.Errorf("%w: its timeStamp is %v ahead of this machine's clock (the window is %v; see WithFreshness)",
			ErrStaleResponse, at.Sub(now).Round(time.Second), c.freshness)
	}
	return nil
}

// untrusted builds the error for an answer that arrived but cannot be used.
func (c *Client) untrusted(op *operation, status int, raw RawBody, cause error) error {
	return &ResponseError{Operation: op.name, HTTPStatus: status, Body: raw, Err: cause}
}
