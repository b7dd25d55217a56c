package lenient

import (
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
// for Unmarshal. Malformed JSON around the list, anything after the object
// and a second list are errors matching ErrSyntax (the second list
// ErrDuplicateKey); an error from each ends the walk as an ElementError,
// ErrStop as itself.
//
// Walk reads the structure of the answer; it leaves checking the values
// themselves to Unmarshal, which checks as it decodes: each must decode
// its element with Unmarshal, and the caller env. Together they accept
// exactly what Unmarshal accepts of the whole body. Walk finds where a
// value ends with the rules of JSON, and refuses an element nested deeper
// than MaxDepth counted from the top of the answer, as Unmarshal of the
// whole body would.
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
	limit   int64 // most bytes of one element, and of all that is outside them
	err     error // what ended reading: io.EOF or the read error

	// The answer read so far: the list's callbacks are arguments of the
	// methods instead, so that they stay where the caller made them
	// (escape analysis does not tell a walker's fields apart, and buf
	// leaves for the heap).
	listSeen bool   // the list's key was read
	env      []byte // the members outside the list, as sent: an object once closed
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

// space returns the first byte at or after the consumed point that is not
// JSON white space, and consumes the white space.
func (w *walker) space() (byte, error) {
	for {
		for w.off < len(w.buf) && space[w.buf[w.off]] {
			w.off++
			w.outside++
		}
		if w.outside > w.limit {
			return 0, ErrTooLarge
		}
		if w.off < len(w.buf) {
			return w.buf[w.off], nil
		}
		if err := w.fill(); err != nil {
			return 0, err
		}
	}
}

// skip consumes n bytes of punctuation outside the list's elements.
func (w *walker) skip(n int) {
	w.off += n
	w.outside += int64(n)
}

// value returns the JSON value that starts at the consumed point, and
// consumes it; element says whether it is an element of the list, at
// depth (the arrays and objects around it). The slice is valid until the
// next read.
func (w *walker) value(element bool, depth int) ([]byte, error) {
	// room is how long the value may be.
	room := w.limit - w.outside
	if element {
		room = w.limit
	}
	sc := scanner{maxDepth: MaxDepth - depth}
	p := 0 // scanned, from off
	for {
		end, done := sc.run(w.buf[w.off:], p)
		if sc.tooDeep {
			return nil, ErrSyntax
		}
		if int64(end) > room {
			return nil, ErrTooLarge
		}
		if done {
			return w.take(end, element), nil
		}
		p = end
		if err := w.fill(); err != nil {
			if err == io.EOF && sc.literal && p > 0 {
				return w.take(p, element), nil
			}
			return nil, unexpected(err)
		}
	}
}

// take consumes n bytes and returns them.
func (w *walker) take(n int, element bool) []byte {
	v := w.buf[w.off : w.off+n]
	w.off += n
	if !element {
		w.outside += int64(n)
	}
	return v
}

// scanner finds where a JSON value ends, across the reads it arrives in.
// It checks no more than it needs to: Unmarshal checks the value.
type scanner struct {
	started, literal, inString, escaped, tooDeep bool
	depth, maxDepth                              int
}

// run scans b, the value read so far, from p; it returns the index just
// past the value and true, or len(b) and false if the value goes on.
func (s *scanner) run(b []byte, p int) (int, bool) {
	if !s.started {
		if p >= len(b) {
			return p, false
		}
		s.started = true
		switch b[p] {
		case '"':
			s.inString = true
		case '{', '[':
			s.depth = 1
		default:
			s.literal = true
		}
		p++
	}
	if s.escaped {
		if p >= len(b) {
			return p, false
		}
		s.escaped = false
		p++
	}
	for p < len(b) {
		c := b[p]
		switch {
		case s.inString:
			if p = skipPlainBytes(b, p); p >= len(b) {
				return p, false
			}
			switch b[p] {
			case '"':
				s.inString = false
				if s.depth == 0 {
					return p + 1, true
				}
			case '\\':
				if p+1 >= len(b) {
					s.escaped = true
					return len(b), false
				}
				p++
			}
		case s.literal:
			if delimiter[c] {
				return p, true
			}
		case c == '"':
			s.inString = true
		case c == '{' || c == '[':
			if s.depth++; s.depth > s.maxDepth {
				s.tooDeep = true
				return p, true
			}
		case c == '}' || c == ']':
			if s.depth--; s.depth == 0 {
				return p + 1, true
			}
		}
		p++
	}
	return p, false
}

// delimiter marks the bytes that end a number or a literal.
var delimiter = [256]bool{',': true, '}': true, ']': true, ':': true, ' ': true, '\t': true, '\r': true, '\n': true}

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
	w.env = []byte{'{'}
	for first := true; ; first = false {
		c, err := w.space()
		if err != nil {
			return nil, unexpected(err)
		}
		if c == '}' && first {
			w.skip(1)
			break
		}
		if err := w.member(isList, each); err != nil {
			return nil, err
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
		return append(w.env, '}'), nil
	case nil:
		return nil, fmt.Errorf("%w: data after the answer", ErrSyntax)
	default:
		return nil, err
	}
}

// member reads one member of the answer: the elements of the list that
// isList names go to each, and any other member to env.
func (w *walker) member(isList func(key []byte) bool, each func(raw []byte) error) error {
	rawKey, err := w.value(false, 1)
	if err != nil {
		return err
	}
	if rawKey[0] != '"' {
		return fmt.Errorf("%w: a key is not a string", ErrSyntax)
	}
	key, err := unquoteKey(rawKey[1 : len(rawKey)-1])
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	member := append(append([]byte(nil), rawKey...), ':') // rawKey lasts until the next read
	if err := w.expect(':'); err != nil {
		return err
	}
	c, err := w.space()
	if err != nil {
		return unexpected(err)
	}
	listKey := isList([]byte(key))
	if listKey {
		if w.listSeen {
			return fmt.Errorf("%w: %w", ErrSyntax, ErrDuplicateKey)
		}
		w.listSeen = true
	}
	if listKey && (c == '[' || c == '{') {
		return w.list(c, each)
	}
	v, err := w.value(false, 1)
	if err != nil {
		return err
	}
	if len(w.env) > 1 {
		w.env = append(w.env, ',')
	}
	w.env = append(append(w.env, member...), v...)
	return nil
}

// list reads a list (opening with c, '[' or '{') and hands each element
// to each.
func (w *walker) list(c byte, each func(raw []byte) error) error {
	if c == '{' {
		v, err := w.value(true, 1)
		if err != nil {
			return err
		}
		return hand(each, v)
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
		v, err := w.value(true, 2)
		if err != nil {
			return err
		}
		if err := hand(each, v); err != nil {
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

// hand hands an element of the list to each.
func hand(each func(raw []byte) error, raw []byte) error {
	if err := each(raw); err != nil {
		if err == ErrStop {
			return err
		}
		return ElementError{err}
	}
	return nil
}

// Members calls f with the text of each key of the JSON object data, and
// its value as sent, in order, having checked that data is one valid JSON
// value (else ErrSyntax) and an object (else ErrNotObject). An error from
// f ends it.
func Members(data string, f func(key, raw string) error) error {
	return walkContainer(data, '{', func(key, raw string) error { return f(key, raw) })
}

// Elements calls f with each element of the JSON array data, as sent, in
// order, having checked that data is one valid JSON array.
func Elements(data string, f func(raw string) error) error {
	return walkContainer(data, '[', func(_, raw string) error { return f(raw) })
}

func walkContainer(data string, open byte, f func(key, raw string) error) error {
	i := skipSpace(data, 0)
	if i < len(data) && data[i] != open {
		end, err := skipValue(data, i, 0)
		if err != nil || skipSpace(data, end) != len(data) {
			return ErrSyntax
		}
		return ErrNotObject
	}
	if end, err := skipValue(data, i, 0); err != nil || skipSpace(data, end) != len(data) {
		return ErrSyntax // checked whole first: f sees only valid JSON
	}
	closer := byte('}')
	if open == '[' {
		closer = ']'
	}
	i = skipSpace(data, i+1)
	if data[i] == closer {
		return nil
	}
	for {
		key := ""
		if open == '{' {
			keyEnd, escaped, _ := skipString(data, i)
			key = data[i+1 : keyEnd-1]
			if escaped {
				key, _ = unquote(data[i:keyEnd])
			}
			i = skipSpace(data, skipSpace(data, keyEnd)+1) // past the colon
		}
		end, _ := skipValue(data, i, 1)
		if err := f(key, data[i:end]); err != nil {
			return err
		}
		var done bool
		if i, done, _ = afterValue(data, end, closer); done {
			return nil
		}
	}
}
