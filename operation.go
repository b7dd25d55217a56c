package xpay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// An operation is one of XPay's services as this package calls it: the
// data that tells it from another (its var, opCapture and the like, is
// declared next to its request type, which declares the MAC fields), and
// the request it takes, which is checked, stamped, signed and encoded
// here for every operation alike. (Operation, exported, is something
// else: a row of an order's history.)
type operation struct {
	name  string // the Client method, for errors and logs
	path  string // relative to the base URL
	write bool   // changes state at XPay: never retried, lost answers are ErrOutcomeUnknown

	macOptional   bool // XPay may send the answer unsigned; a MAC present is still verified
	notFoundEmpty bool // KO CodeNotFound means an empty result, not an error
}

// request is implemented by the request type of every operation. Most
// are named after their method (CaptureRequest for Capture); four are
// not: ContractFilter (ListContracts, ListContractDetails),
// ContractRequest (DeleteContract, EnableContract, DisableContract),
// BlacklistRequest (CheckBlacklist) and CFPANRequest (CheckCFPAN).
type request interface {
	// validate checks the rules XPay documents, returning a
	// *ValidationError with Field, WireName and Rule set.
	validate() error
	// macFields returns the request MAC input, in the order XPay uses.
	// The request supplies apiKey and timeStamp, which every MAC includes.
	macFields(apiKey, timeStamp Field) []Field
}

// check validates req, before anything is sent.
func check(op *operation, req request) error {
	if v := reflect.ValueOf(req); v.Kind() == reflect.Pointer && v.IsNil() {
		return &ValidationError{Operation: op.name, Field: "request", WireName: "-", Rule: "must not be nil"}
	}
	err := req.validate()
	if ve, ok := err.(*ValidationError); ok {
		ve.Operation = op.name
	}
	return err
}

// signedBody stamps req with the timeStamp at, or a fresh one when at is
// zero, signs it and encodes it. sent is the timeStamp, which the answer's
// must stand near.
func (c *Client) signedBody(op *operation, req request, at time.Time) (body []byte, sent time.Time, err error) {
	sent = at
	if sent.IsZero() {
		sent = c.now()
	}
	ts := strconv.FormatInt(sent.UnixMilli(), 10)
	mac := macHex(string(c.creds().secret), req.macFields(Field{"apiKey", c.creds().alias}, Field{"timeStamp", ts}))
	body, err = c.encode(req, ts, mac[:])
	if err != nil {
		return nil, sent, fmt.Errorf("xpay: %s: encoding request: %w", op.name, err)
	}
	return body, sent, nil
}

// encode writes the request body: apiKey, timeStamp and mac, then the
// fields of req.
func (c *Client) encode(req request, ts string, mac []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(256)
	buf.WriteString(`{"apiKey":`)
	buf.Write(c.creds().aliasJSON)
	buf.WriteString(`,"timeStamp":`)
	buf.WriteString(ts)
	buf.WriteString(`,"mac":"`)
	buf.Write(mac)
	buf.WriteByte('"')
	start := buf.Len()
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(req); err != nil {
		return nil, err
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	if len(b)-start == 2 { // the request's own fields are {}
		return append(b[:start], '}'), nil
	}
	b[start] = ',' // req's opening brace joins the envelope's fields
	return b, nil
}
