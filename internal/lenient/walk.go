package lenient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Errors of Walk.
var (
	// ErrStop is what each returns to stop early; Walk returns it then.
	ErrStop = errors.New("stopped by the caller")
	// ErrTooLarge means the reader gave more than the limit.
	ErrTooLarge = errors.New("over the size cap")
)

// ElementError is an error that each returned, for an element it could
// not decode.
type ElementError struct{ Err error }

func (e ElementError) Error() string { return e.Err.Error() }

func (e ElementError) Unwrap() error { return e.Err }

// Walk reads one JSON object from r as it arrives, holding only the value
// it is reading. limit bounds each element of the list, and, together,
// everything else (the envelope's other members, the white space and the
// punctuation): not the length of the list, so that a list of any length
// streams, while no element and no junk around the list can grow past
// limit; reading ends with ErrTooLarge then. The elements of the
// member that isList names go to each, one at a time: the raw JSON passed
// is valid until each returns. A lone object there is one element, and
// null or a scalar is left to the envelope. Every other member is
// returned in env, a JSON object of the members exactly as they were sent,
// for Unmarshal. Malformed JSON, anything after the object and a second
// list are errors matching ErrSyntax (the second list ErrDuplicateKey);
// an error from each ends the walk as an ElementError, ErrStop as itself.
//
// Walk accepts exactly the bodies Unmarshal accepts: it finds where values
// end with the same rules and checks each with json.Valid.
func Walk(r io.Reader, limit int64, isList func(key []byte) bool, each func(raw []byte) error) (env []byte, err error) {
	w := &walker{r: r, limit: limit}
	return w.object(isList, each)
}

// walker is Walk's state.
type walker struct {
	r       io.Reader
	buf     []byte // buf[off:] is read and not yet consumed
	off     int
	outside int64 // bytes consumed outside the list's elements
	element bool  // the value being read is an element of the list
	limit   int64 // most bytes of one element, and of all that is outside them
	err     error // what ended reading: io.EOF or the read error
}

// skip consumes n bytes, counting those outside the list's elements.
func (w *walker) skip(n int) {
	w.off += n
	if !w.element {
		w.outside += int64(n)
	}
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
	if err != nil {
		w.err = err
		if n == 0 {
			return err
		}
	}
	return nil
}

// at returns the byte at p (relative to off), reading as needed; ok is
// false at the end of the answer, with err io.EOF.
func (w *walker) at(p int) (c byte, err error) {
	if w.outside > w.limit || int64(p) > w.limit {
		return 0, ErrTooLarge
	}
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
		w.skip(1)
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

// elementValue is value, for an element of the list.
func (w *walker) elementValue() ([]byte, error) {
	w.element = true
	defer func() { w.element = false }()
	return w.value()
}

// take consumes n bytes and returns them, if they are valid JSON.
func (w *walker) take(n int) ([]byte, error) {
	v := w.buf[w.off : w.off+n]
	w.skip(n)
	if !json.Valid(v) {
		return nil, ErrSyntax
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
		return fmt.Errorf("%w: want %q, got %q", ErrSyntax, want, c)
	}
	w.skip(1)
	return nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return fmt.Errorf("%w: %w", ErrSyntax, io.ErrUnexpectedEOF)
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
			w.skip(1)
			break
		}
		rawKey, err := w.value()
		if err != nil {
			return nil, err
		}
		if rawKey[0] != '"' {
			return nil, fmt.Errorf("%w: a key is not a string", ErrSyntax)
		}
		key, err := unquoteKey(rawKey[1 : len(rawKey)-1])
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSyntax, err)
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
				return nil, fmt.Errorf("%w: %w", ErrSyntax, ErrDuplicateKey)
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
		w.skip(1)
		if c == '}' {
			break
		}
		if c != ',' {
			return nil, fmt.Errorf("%w: want ',' or '}', got %q", ErrSyntax, c)
		}
	}
	switch _, err := w.space(); err {
	case io.EOF:
		return append(env, '}'), nil
	case nil:
		return nil, fmt.Errorf("%w: data after the answer", ErrSyntax)
	default:
		return nil, err
	}
}

// list reads a list (opening with c, '[' or '{') and hands each element
// to each.
func (w *walker) list(c byte, each func(raw []byte) error) error {
	call := func(raw []byte) error {
		if err := each(raw); err != nil {
			if err == ErrStop {
				return err
			}
			return ElementError{err}
		}
		return nil
	}
	if c == '{' {
		v, err := w.elementValue()
		if err != nil {
			return err
		}
		return call(v)
	}
	w.skip(1) // [
	if c, err := w.space(); err != nil {
		return unexpected(err)
	} else if c == ']' {
		w.skip(1)
		return nil
	}
	for {
		if _, err := w.space(); err != nil {
			return unexpected(err)
		}
		v, err := w.elementValue()
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
		w.skip(1)
		switch c {
		case ']':
			return nil
		case ',':
		default:
			return fmt.Errorf("%w: want ',' or ']', got %q", ErrSyntax, c)
		}
	}
}
