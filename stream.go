package xpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
)

// streamList sends req and decodes the answer as it arrives: every element
// of the list field named key goes to each, as raw JSON, one at a time,
// without holding the whole answer. The rest of the answer is decoded into
// a fresh result, and the envelope (esito, idOperazione, timeStamp, mac,
// errore) is judged once the answer ends, since XPay writes the MAC after
// the list: a bad MAC or a KO is the error returned then. If each returns
// errStop, streamList stops and returns nil; any other error ends the
// answer as one that cannot be used.
//
// It reads every answer as the buffered path (call) would: one JSON object
// and nothing after it, whatever the HTTP status, with the same decoder
// and the same judgement, and the size cap holds for the whole answer.
// Only memory differs: each element is decoded on its own, so the memory
// budget of decoding applies to each instead of to the answer. Under
// WithRetry it is tried again, as call is, until the first element has
// reached each.
//
// The client timeout bounds the wait for the answer to start and then how
// long it may stall (see WithTimeout); ctx bounds the rest.
func (c *Client) streamList(ctx context.Context, op *service, req request, fresh func() envelope, key string, each func(raw []byte) error) error {
	if err := c.prepare(ctx, op, req); err != nil {
		return err
	}
	delivered := false
	return c.run(ctx, op, func() (int, *Response, error) {
		out := fresh()
		status, err := c.streamAttempt(ctx, op, req, out, key, func(raw []byte) error {
			delivered = true
			return each(raw)
		})
		return status, out.response(), err
	}, func() bool { return delivered })
}

// streamAttempt sends req once, with a fresh timestamp and MAC, and walks
// the answer.
func (c *Client) streamAttempt(ctx context.Context, op *service, req request, out envelope, key string, each func(raw []byte) error) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	body, sent, err := c.signedBody(op, req)
	if err != nil {
		return 0, err
	}
	x, err := c.send(ctx, op, http.MethodPost, c.baseURL+op.path, body)
	if err != nil {
		return 0, err
	}
	defer x.end()
	status := x.resp.StatusCode
	var raw []byte // the body, when it is held: for an error status, to keep in the error
	var src io.Reader
	if status/100 != 2 {
		if raw, _, err = c.readBody(ctx, op, x); err != nil {
			return status, err
		}
		src = bytes.NewReader(raw)
	} else {
		defer x.resp.Body.Close()
		src = x.body()
	}

	si := infoOf(reflect.TypeOf(out).Elem())
	list := si.fields[si.byName[key]].field
	isList := func(k []byte) bool {
		f, _, ok := si.lookup(k)
		return ok && si.fields[f].field == list
	}
	w := &walker{r: src, limit: c.maxBody}
	env, err := w.object(isList, each)
	switch {
	case err == nil:
	case errors.Is(err, errStop):
		return status, nil
	case ctx.Err() != nil:
		return status, ctx.Err()
	case errors.Is(err, errTooLarge):
		return status, c.untrusted(op, status, raw, c.tooLarge())
	case errors.Is(err, errBadJSON):
		return status, c.untrusted(op, status, raw, fmt.Errorf("%w: %w", errNotEnvelope, err))
	case errors.As(err, new(elementError)):
		return status, c.untrusted(op, status, raw, decodeFailure(err.(elementError).err))
	default:
		return status, c.lost(ctx, op, x.cause(fmt.Errorf("reading response: %w", err)), true)
	}
	if err := unmarshalLenient(env, out); err != nil {
		return status, c.untrusted(op, status, raw, decodeFailure(err))
	}
	r := out.response()
	r.HTTPStatus, r.RawBody = status, raw
	return status, c.judge(op, status, raw, r, sent)
}

var (
	// errStop is what each returns to stop early.
	errStop     = errors.New("stopped by the caller")
	errBadJSON  = errors.New("malformed JSON")
	errTooLarge = errors.New("over the size cap")
)

// elementError is an answer whose content does not decode, found while
// walking it.
type elementError struct{ err error }

func (e elementError) Error() string { return e.err.Error() }

// walker reads one JSON object from r as it arrives, holding only the
// value it is reading. It finds where values end with the rules of the
// buffered decoder (skipValue) and checks each with json.Valid, so that
// it accepts exactly the bodies the buffered path accepts.
type walker struct {
	r     io.Reader
	buf   []byte // buf[off:] is read and not yet consumed
	off   int
	total int64 // bytes read from r
	limit int64 // most bytes r may give
	err   error // what ended reading: io.EOF or the read error
}

// The walker reads at least this much at a time.
const walkerChunk = 32 << 10

// fill reads more of r into buf, keeping buf[off:].
func (w *walker) fill() error {
	if w.err != nil {
		return w.err
	}
	if w.off > 0 && w.off >= len(w.buf)/2 { // amortized: each byte moves at most once per doubling
		w.buf = w.buf[:copy(w.buf, w.buf[w.off:])]
		w.off = 0
	}
	if cap(w.buf)-len(w.buf) < walkerChunk {
		nb := make([]byte, len(w.buf), max(2*cap(w.buf), len(w.buf)+walkerChunk))
		copy(nb, w.buf)
		w.buf = nb
	}
	n, err := w.r.Read(w.buf[len(w.buf):cap(w.buf)])
	w.buf = w.buf[:len(w.buf)+n]
	if w.total += int64(n); w.total > w.limit {
		err = errTooLarge
	}
	if err != nil {
		w.err = err
		if n == 0 || err == errTooLarge {
			return err
		}
	}
	return nil
}

// at returns the byte at p (relative to off), reading as needed; ok is
// false at the end of the answer, with err io.EOF.
func (w *walker) at(p int) (c byte, err error) {
	for w.off+p >= len(w.buf) {
		if err := w.fill(); err != nil {
			return 0, err
		}
	}
	return w.buf[w.off+p], nil
}

// space returns the first byte at or after the consumed point that is not
// JSON white space, and consumes the white space.
func (w *walker) space() (byte, error) {
	for {
		c, err := w.at(0)
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, nil
		}
		w.off++
	}
}

// value returns the JSON value that starts at the consumed point, and
// consumes it. The slice is valid until the next read.
func (w *walker) value() ([]byte, error) {
	first, err := w.at(0)
	if err != nil {
		return nil, unexpected(err)
	}
	depth, inString, escaped, literal := 0, first == '"', false, false
	switch first {
	case '{', '[':
		depth = 1
	case '"':
	default:
		literal = true
	}
	for p := 1; ; p++ {
		c, err := w.at(p)
		switch {
		case err == io.EOF && literal:
			return w.take(p)
		case err != nil:
			return nil, unexpected(err)
		case literal:
			if isDelimiter(c) {
				return w.take(p)
			}
		case escaped:
			escaped = false
		case inString:
			if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
				if depth == 0 {
					return w.take(p + 1)
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				return w.take(p + 1)
			}
		}
	}
}

// take consumes n bytes and returns them, if they are valid JSON.
func (w *walker) take(n int) ([]byte, error) {
	v := w.buf[w.off : w.off+n]
	w.off += n
	if !json.Valid(v) {
		return nil, errBadJSON
	}
	return v, nil
}

// expect consumes the byte want, after white space.
func (w *walker) expect(want byte) error {
	c, err := w.space()
	if err != nil {
		return unexpected(err)
	}
	if c != want {
		return fmt.Errorf("%w: want %q, got %q", errBadJSON, want, c)
	}
	w.off++
	return nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return fmt.Errorf("%w: %w", errBadJSON, io.ErrUnexpectedEOF)
	}
	return err
}

// object reads the answer: one JSON object, then nothing but white space.
// The elements of the member that isList names go to each; a lone object
// there is one element, and null or a scalar is left to the envelope.
// Every other member is returned in env, exactly as it was sent.
func (w *walker) object(isList func(key []byte) bool, each func(raw []byte) error) (env []byte, err error) {
	if err := w.expect('{'); err != nil {
		return nil, err
	}
	env = []byte{'{'}
	listSeen := false
	for first := true; ; first = false {
		c, err := w.space()
		if err != nil {
			return nil, unexpected(err)
		}
		if c == '}' && first {
			w.off++
			break
		}
		rawKey, err := w.value()
		if err != nil {
			return nil, err
		}
		if rawKey[0] != '"' {
			return nil, fmt.Errorf("%w: a key is not a string", errBadJSON)
		}
		key, err := unquoteKey(rawKey[1 : len(rawKey)-1])
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errBadJSON, err)
		}
		member := append(append([]byte(nil), rawKey...), ':')
		if err := w.expect(':'); err != nil {
			return nil, err
		}
		if c, err = w.space(); err != nil {
			return nil, unexpected(err)
		}
		listKey := isList([]byte(key))
		if listKey {
			if listSeen {
				return nil, elementError{errDuplicateKey}
			}
			listSeen = true
		}
		if listKey && (c == '[' || c == '{') {
			if err := w.list(c, each); err != nil {
				return nil, err
			}
		} else {
			v, err := w.value()
			if err != nil {
				return nil, err
			}
			if len(env) > 1 {
				env = append(env, ',')
			}
			env = append(append(env, member...), v...)
		}
		if c, err = w.space(); err != nil {
			return nil, unexpected(err)
		}
		w.off++
		if c == '}' {
			break
		}
		if c != ',' {
			return nil, fmt.Errorf("%w: want ',' or '}', got %q", errBadJSON, c)
		}
	}
	switch _, err := w.space(); err {
	case io.EOF:
		return append(env, '}'), nil
	case nil:
		return nil, fmt.Errorf("%w: data after the answer", errBadJSON)
	default:
		return nil, err
	}
}

// list reads a list (opening with c, '[' or '{') and hands each element
// to each.
func (w *walker) list(c byte, each func(raw []byte) error) error {
	call := func(raw []byte) error {
		if err := each(raw); err != nil {
			if err == errStop {
				return err
			}
			return elementError{err}
		}
		return nil
	}
	if c == '{' {
		v, err := w.value()
		if err != nil {
			return err
		}
		return call(v)
	}
	w.off++ // [
	if c, err := w.space(); err != nil {
		return unexpected(err)
	} else if c == ']' {
		w.off++
		return nil
	}
	for {
		if _, err := w.space(); err != nil {
			return unexpected(err)
		}
		v, err := w.value()
		if err != nil {
			return err
		}
		if err := call(v); err != nil {
			return err
		}
		c, err := w.space()
		if err != nil {
			return unexpected(err)
		}
		w.off++
		switch c {
		case ']':
			return nil
		case ',':
		default:
			return fmt.Errorf("%w: want ',' or ']', got %q", errBadJSON, c)
		}
	}
}
