package lenient

import (
	"encoding/binary"
	"strings"
)

// Scanning: where each JSON value of a body ends, checked by the rules of
// JSON as it goes, so that decoding needs no check before it.

// MaxDepth is how deeply a body's arrays and objects may nest, as for
// encoding/json: deeper is ErrSyntax.
const MaxDepth = 10000

// Valid reports whether data is one valid JSON value, as json.Valid does,
// nested at most MaxDepth deep.
func Valid(data []byte) bool {
	s := string(data)
	end, err := skipValue(s, skipSpace(s, 0), 0)
	return err == nil && skipSpace(s, end) == len(s)
}

func skipSpace(s string, i int) int {
	for i < len(s) && space[s[i]] {
		i++
	}
	return i
}

// space is JSON's white space.
var space = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// afterValue moves past the value that ended at end: to the next member
// or element, or, done, past the closer of its object or array.
func afterValue(data string, end int, closer byte) (i int, done bool, err error) {
	i = skipSpace(data, end)
	switch {
	case i >= len(data):
	case data[i] == ',':
		return skipSpace(data, i+1), false, nil
	case data[i] == closer:
		return i + 1, true, nil
	}
	return 0, false, ErrSyntax
}

// skipValue returns the index just past the JSON value starting at s[i],
// which it checks, inside depth arrays and objects.
func skipValue(s string, i, depth int) (int, error) {
	if i >= len(s) {
		return 0, ErrSyntax
	}
	switch s[i] {
	case '"':
		end, _, err := skipString(s, i)
		return end, err
	case '{', '[':
		return skipContainer(s, i, depth)
	case 't':
		return skipLiteral(s, i, "true")
	case 'f':
		return skipLiteral(s, i, "false")
	case 'n':
		return skipLiteral(s, i, "null")
	}
	return skipNumber(s, i)
}

// skipContainer is skipValue of the object or array starting at s[i].
func skipContainer(s string, i, depth int) (int, error) {
	if depth++; depth > MaxDepth {
		return 0, ErrSyntax
	}
	object := s[i] == '{'
	closer := byte(']')
	if object {
		closer = '}'
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == closer {
		return i + 1, nil
	}
	for {
		if object {
			var err error
			if i, err = skipKey(s, i); err != nil {
				return 0, err
			}
		}
		end, err := skipValue(s, i, depth)
		if err != nil {
			return 0, err
		}
		var done bool
		if i, done, err = afterValue(s, end, closer); err != nil || done {
			return i, err
		}
	}
}

// skipKey returns where the value of the member whose key starts at s[i]
// starts, past the key and its colon.
func skipKey(s string, i int) (int, error) {
	if i >= len(s) || s[i] != '"' {
		return 0, ErrSyntax
	}
	end, _, err := skipString(s, i)
	if err != nil {
		return 0, err
	}
	if i = skipSpace(s, end); i >= len(s) || s[i] != ':' {
		return 0, ErrSyntax
	}
	return skipSpace(s, i+1), nil
}

// skipLiteral returns the index just past lit, which must start at s[i].
func skipLiteral(s string, i int, lit string) (int, error) {
	if end := i + len(lit); end <= len(s) && s[i:end] == lit {
		return end, nil
	}
	return 0, ErrSyntax
}

// skipNumber returns the index just past the JSON number at s[i].
func skipNumber(s string, i int) (int, error) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s):
		return 0, ErrSyntax
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		i = skipDigits(s, i+1)
	default:
		return 0, ErrSyntax
	}
	if i < len(s) && s[i] == '.' {
		j := skipDigits(s, i+1)
		if j == i+1 {
			return 0, ErrSyntax
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := skipDigits(s, i)
		if j == i {
			return 0, ErrSyntax
		}
		i = j
	}
	return i, nil
}

func skipDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// plain marks the bytes a JSON string holds as they are: not a quote, a
// backslash or a control character.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipPlain returns the index of the first byte at or after s[i] that is
// not plain, reading eight bytes at a time while none of them is special.
func skipPlain(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		if special(uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56) {
			break
		}
	}
	for i < len(s) && plain[s[i]] {
		i++
	}
	return i
}

// skipPlainBytes is skipPlain of bytes.
func skipPlainBytes(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if special(binary.LittleEndian.Uint64(b[i:])) {
			break
		}
	}
	for i < len(b) && plain[b[i]] {
		i++
	}
	return i
}

// special reports whether one of the eight bytes of v is a quote, a
// backslash or a control character: the bytes that are not plain.
func special(v uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := v ^ (ones * '"')
	b := v ^ (ones * '\\')
	return ((q-ones)&^q|(b-ones)&^b|(v-ones*0x20)&^v)&highs != 0
}

// skipString returns the index just past the JSON string starting at s[i],
// which it checks, and whether it holds escapes.
func skipString(s string, i int) (end int, escaped bool, err error) {
	for j := i + 1; j < len(s); j++ {
		if j = skipPlain(s, j); j >= len(s) {
			break
		}
		switch s[j] {
		case '"':
			return j + 1, escaped, nil
		case '\\':
			escaped = true
			if j, err = skipEscape(s, j+1); err != nil {
				return 0, false, err
			}
		default: // a control character
			return 0, false, ErrSyntax
		}
	}
	return 0, false, ErrSyntax
}

// skipEscape returns the index of the last byte of the escape whose
// backslash is just before s[j].
func skipEscape(s string, j int) (int, error) {
	if j >= len(s) {
		return 0, ErrSyntax
	}
	switch s[j] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return j, nil
	case 'u':
		if j+4 >= len(s) || !isHex(s[j+1]) || !isHex(s[j+2]) || !isHex(s[j+3]) || !isHex(s[j+4]) {
			return 0, ErrSyntax
		}
		return j + 4, nil
	}
	return 0, ErrSyntax
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// countElements counts the elements of the array whose first element
// starts at s[i], without checking them: the count sizes the slice, and
// decoding checks the elements.
func countElements(s string, i int) int {
	n, depth := 1, 1
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			if i = closingQuote(s, i); i < 0 {
				return n
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return n
			}
		case ',':
			if depth == 1 {
				n++
			}
		}
	}
	return n
}

// closingQuote returns the index of the quote that closes the string
// opening at s[i] (one after an even run of backslashes), or -1 if none
// does.
func closingQuote(s string, i int) int {
	for {
		q := strings.IndexByte(s[i+1:], '"')
		if q < 0 {
			return -1
		}
		i += q + 1
		bs := 0
		for bs < i && s[i-1-bs] == '\\' {
			bs++
		}
		if bs%2 == 0 {
			return i
		}
	}
}
