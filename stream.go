package xpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// streamList sends req and decodes the answer as it arrives, calling each
// with the raw JSON of every element of the list under key, one at a time,
// without holding the whole answer. The envelope (esito, idOperazione,
// timeStamp, mac, errore) is judged once the answer ends, since XPay writes
// the MAC after the list: a bad MAC or a KO is the error returned then.
// each returns false to stop early; streamList then returns nil.
//
// The client timeout bounds the wait for the answer to start; ctx bounds
// the transfer. No single element may exceed the response size cap.
func (c *Client) streamList(ctx context.Context, op *service, req request, key string, each func(raw []byte) bool) (err error) {
	start := time.Now()
	var r Response
	status := 0
	defer func() { c.log(ctx, op, status, &r, err, time.Since(start)) }()
	if err := check(op, req); err != nil {
		return err
	}
	body, err := c.signedBody(op, req)
	if err != nil {
		return err
	}
	x, err := c.send(ctx, op, http.MethodPost, c.baseURL+op.path, body)
	if err != nil {
		return err
	}
	defer x.end()
	status = x.resp.StatusCode
	if status/100 != 2 {
		raw, _, err := c.readBody(ctx, op, x)
		if err != nil {
			return err
		}
		return c.decode(op, status, raw, &r)
	}
	if x.timer != nil {
		x.timer.Stop()
	}
	defer x.resp.Body.Close()

	budget := &budgetReader{r: x.resp.Body, size: c.maxBody}
	budget.reset()
	dec := json.NewDecoder(budget)
	stopped, envelope, err := walkList(dec, key, func(raw []byte) bool {
		budget.reset()
		return each(raw)
	})
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, errOverBudget):
		return c.untrusted(op, status, nil, fmt.Errorf("a value of the answer exceeds the %d-byte limit (see WithMaxResponseSize)", c.maxBody))
	case err != nil:
		return c.untrusted(op, status, nil, fmt.Errorf("%w: %v", errNotEnvelope, err))
	case stopped:
		return nil
	}
	if err := unmarshalLenient(envelope, &r); err != nil {
		return c.untrusted(op, status, nil, errNotEnvelope)
	}
	r.HTTPStatus = status
	return c.judge(op, status, nil, &r)
}

// walkList reads one JSON object from dec. The elements of the array
// under key (or a lone object there) go to each; every other member is
// gathered into envelope, as a JSON object. stopped reports that each
// asked to stop.
func walkList(dec *json.Decoder, key string, each func(raw []byte) bool) (stopped bool, envelope []byte, err error) {
	dec.UseNumber() // scalars under key are kept with their exact text
	if err := expectDelim(dec, '{'); err != nil {
		return false, nil, err
	}
	var env bytes.Buffer
	env.WriteByte('{')
	member := func(name string, raw []byte) {
		if env.Len() > 1 {
			env.WriteByte(',')
		}
		quoted, _ := json.Marshal(name)
		env.Write(quoted)
		env.WriteByte(':')
		env.Write(raw)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false, nil, err
		}
		name, _ := tok.(string)
		if !strings.EqualFold(name, key) {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return false, nil, err
			}
			member(name, raw)
			continue
		}
		switch tok, err := dec.Token(); {
		case err != nil:
			return false, nil, err
		case tok == json.Delim('['):
			for dec.More() {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return false, nil, err
				}
				if !each(raw) {
					return true, nil, nil
				}
			}
			if err := expectDelim(dec, ']'); err != nil {
				return false, nil, err
			}
		case tok == json.Delim('{'): // a lone object: one element
			obj, err := restOfObject(dec)
			if err != nil {
				return false, nil, err
			}
			if !each(obj) {
				return true, nil, nil
			}
		case tok == nil: // null: no elements
		default: // a scalar where a list belongs: kept with the envelope
			raw, _ := json.Marshal(tok)
			member(name, raw)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return false, nil, err
	}
	env.WriteByte('}')
	return false, env.Bytes(), nil
}

// restOfObject reads the members of an object whose '{' was consumed, up
// to its '}', and returns the object as JSON.
func restOfObject(dec *json.Decoder) ([]byte, error) {
	var obj bytes.Buffer
	obj.WriteByte('{')
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if obj.Len() > 1 {
			obj.WriteByte(',')
		}
		quoted, _ := json.Marshal(tok)
		obj.Write(quoted)
		obj.WriteByte(':')
		obj.Write(raw)
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	obj.WriteByte('}')
	return obj.Bytes(), nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", want, tok)
	}
	return nil
}

var errOverBudget = errors.New("over the size budget")

// budgetReader fails once more than size bytes are read since the last
// reset, so that no single element can exhaust memory.
type budgetReader struct {
	r    io.Reader
	size int64
	left int64
}

func (b *budgetReader) reset() { b.left = b.size }

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errOverBudget
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}
