package xpay

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// The decoder below is the one way this package reads JSON. It is lenient
// where XPay's servers are known to vary and keeps whatever it cannot place:
//
//   - keys match the json tag exactly or, failing that, in any letter case;
//     a field may name other keys it answers to in an xpay:"alias" tag;
//   - a string field also takes a JSON number or boolean, as its text;
//   - an integer field also takes a string of digits;
//   - a slice field also takes a single object, as a one-element slice;
//   - null leaves a field at its zero value;
//   - a key with no field, or whose value does not fit its field, is kept
//     in the struct's Extra map[string]json.RawMessage (when it has one).
//
// It never validates enumerations: unknown states and codes pass through.

// unmarshalLenient decodes the JSON object data into the struct v points to.
func unmarshalLenient(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return errors.New("xpay: internal: decode target must be a pointer to a struct")
	}
	i := skipSpace(data, 0)
	if i < len(data) && isNull(data[i:skipLiteral(data, i)]) {
		return nil
	}
	if i >= len(data) || data[i] != '{' {
		return errNotObject
	}
	end, err := decodeStruct(rv.Elem(), data, i)
	if err != nil {
		return err
	}
	if skipSpace(data, end) != len(data) {
		return errSyntax
	}
	return nil
}

var errNotObject = errors.New("not a JSON object")

type structField struct {
	name        string
	index       []int
	unmarshaler bool // *T implements json.Unmarshaler
}

type structInfo struct {
	fields []structField
	byName map[string]int
	extra  []int // index of the Extra map, nil if the struct has none
}

var structInfos sync.Map // reflect.Type → *structInfo

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	extraType       = reflect.TypeFor[map[string]json.RawMessage]()
	thisPackage     = reflect.TypeFor[Response]().PkgPath()
)

func infoOf(t reflect.Type) *structInfo {
	if si, ok := structInfos.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string]int{}}
	si.collect(t, nil)
	actual, _ := structInfos.LoadOrStore(t, si)
	return actual.(*structInfo)
}

func (si *structInfo) collect(t reflect.Type, parent []int) {
	for i := range t.NumField() {
		f := t.Field(i)
		index := append(append([]int(nil), parent...), i)
		tag, hasTag := f.Tag.Lookup("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case f.Anonymous && f.Type.Kind() == reflect.Struct && name == "":
			si.collect(f.Type, index)
		case !f.IsExported():
		case name == "-" && f.Name == "Extra" && f.Type == extraType:
			if si.extra == nil {
				si.extra = index
			}
		case name == "-":
		default:
			if !hasTag || name == "" {
				name = f.Name
			}
			if _, dup := si.byName[name]; dup {
				continue // the shallower field wins, as in encoding/json
			}
			um := reflect.PointerTo(f.Type).Implements(unmarshalerType)
			names := []string{name}
			if alias := f.Tag.Get("xpay"); alias != "" {
				names = append(names, strings.Split(alias, ",")...)
			}
			for _, n := range names {
				si.byName[n] = len(si.fields)
				si.fields = append(si.fields, structField{name: n, index: index, unmarshaler: um})
			}
		}
	}
}

// lookup finds the field a key names; exact is false when only the letter
// case differs. key is the key's text.
func (si *structInfo) lookup(key []byte) (i int, exact, ok bool) {
	if i, ok := si.byName[string(key)]; ok { // no allocation for a map index
		return i, true, true
	}
	for i := range si.fields {
		if bytes.EqualFold([]byte(si.fields[i].name), key) {
			return i, false, true
		}
	}
	return 0, false, false
}

// decodeStruct decodes the object that starts at data[i] into rv, in one
// pass, and returns the index just past it.
func decodeStruct(rv reflect.Value, data []byte, i int) (int, error) {
	si := infoOf(rv.Type())
	var seen uint64 // fields already set, so that a key cannot be overwritten
	var extra map[string]json.RawMessage
	type member struct {
		key        []byte
		start, end int
		field      int
	}
	var folded []member // keys that differ from a field's only in case: after the exact ones
	keep := func(key []byte, raw []byte) {
		if extra == nil {
			extra = map[string]json.RawMessage{}
		}
		extra[string(key)] = append(json.RawMessage(nil), raw...)
	}
	// set decodes the value at data[start] into field f, or keeps it in
	// extra when the field is taken or the value does not fit.
	set := func(key []byte, start, f int) (int, error) {
		if f < 64 && seen&(1<<f) != 0 {
			end, err := skipValue(data, start)
			if err == nil {
				keep(key, data[start:end])
			}
			return end, err
		}
		sf := &si.fields[f]
		end, err := decodeValue(fieldByIndex(rv, sf.index), sf.unmarshaler, data, start)
		if err != nil {
			if end, err = skipValue(data, start); err == nil {
				keep(key, data[start:end])
			}
			return end, err
		}
		if f < 64 {
			seen |= 1 << f
		}
		return end, nil
	}

	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for i < len(data) && data[i] == '"' {
		keyEnd, err := skipString(data, i)
		if err != nil {
			return 0, err
		}
		key := data[i+1 : keyEnd-1]
		if bytes.IndexByte(key, '\\') >= 0 { // an escaped key: use its text
			name, err := unquoteKey(key)
			if err != nil {
				return 0, err
			}
			key = []byte(name)
		}
		i = skipSpace(data, keyEnd)
		if i >= len(data) || data[i] != ':' {
			return 0, errSyntax
		}
		start := skipSpace(data, i+1)
		var end int
		switch f, exact, ok := si.lookup(key); {
		case ok && exact:
			end, err = set(key, start, f)
		default:
			if end, err = skipValue(data, start); err == nil {
				if ok {
					folded = append(folded, member{key, start, end, f})
				} else {
					keep(key, data[start:end])
				}
			}
		}
		if err != nil {
			return 0, err
		}
		var done bool
		if i, done, err = afterValue(data, end, '}'); err != nil {
			return 0, err
		}
		if done {
			for _, m := range folded {
				if _, err := set(m.key, m.start, m.field); err != nil {
					return 0, err
				}
			}
			if si.extra != nil {
				fieldByIndex(rv, si.extra).Set(reflect.ValueOf(extra))
			}
			return i, nil
		}
	}
	return 0, errSyntax
}

// afterValue moves past the value that ended at end: to the next member
// or element, or, done, past the closer of its object or array.
func afterValue(data []byte, end int, closer byte) (i int, done bool, err error) {
	i = skipSpace(data, end)
	switch {
	case i >= len(data):
	case data[i] == ',':
		return skipSpace(data, i+1), false, nil
	case data[i] == closer:
		return i + 1, true, nil
	}
	return 0, false, errSyntax
}

// fieldByIndex is reflect.Value.FieldByIndex for structs embedded by value.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for _, i := range index {
		v = v.Field(i)
	}
	return v
}

// decodeValue decodes the value that starts at data[i] into fv, leniently,
// and returns the index just past it. On error fv may be partly set, and
// the caller keeps the value in Extra.
func decodeValue(fv reflect.Value, unmarshaler bool, data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, errSyntax
	}
	switch c := data[i]; {
	case c == 'n':
		end := skipLiteral(data, i)
		if !isNull(data[i:end]) {
			return 0, errSyntax
		}
		return end, nil
	case fv.Kind() == reflect.Struct && fv.Type().PkgPath() == thisPackage:
		// This package's structs decode with these rules, whatever
		// UnmarshalJSON they offer to others.
		if c != '{' {
			return 0, errNotObject
		}
		return decodeStruct(fv, data, i)
	case fv.Kind() == reflect.Pointer && !unmarshaler:
		p := reflect.New(fv.Type().Elem())
		end, err := decodeValue(p.Elem(), reflect.PointerTo(p.Type().Elem()).Implements(unmarshalerType), data, i)
		if err == nil {
			fv.Set(p)
		}
		return end, err
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() != reflect.Uint8 && !unmarshaler:
		return decodeSlice(fv, data, i)
	}
	end, err := skipValue(data, i)
	if err != nil {
		return 0, err
	}
	return end, setScalar(fv, unmarshaler, data[i:end])
}

// decodeSlice decodes a JSON array, or a single value as a one-element
// slice, into fv.
func decodeSlice(fv reflect.Value, data []byte, i int) (int, error) {
	et := fv.Type().Elem()
	um := reflect.PointerTo(et).Implements(unmarshalerType)
	s := reflect.MakeSlice(fv.Type(), 0, 0)
	add := func(j int) (int, error) {
		s = reflect.Append(s, reflect.Zero(et))
		return decodeValue(s.Index(s.Len()-1), um, data, j)
	}
	if data[i] != '[' {
		end, err := add(i)
		if err == nil {
			fv.Set(s)
		}
		return end, err
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		fv.Set(s)
		return i + 1, nil
	}
	for i < len(data) {
		end, err := add(i)
		if err != nil {
			return 0, err
		}
		var done bool
		if i, done, err = afterValue(data, end, ']'); err != nil {
			return 0, err
		}
		if done {
			fv.Set(s)
			return i, nil
		}
	}
	return 0, errSyntax
}

// setScalar decodes the scalar (or foreign) value raw into fv.
func setScalar(fv reflect.Value, unmarshaler bool, raw []byte) error {
	if unmarshaler {
		return fv.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw)
	}
	switch fv.Kind() {
	case reflect.String:
		s, err := scalarText(raw)
		if err != nil {
			return err
		}
		fv.SetString(s)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		digits, ok := unquoteNumber(raw)
		if !ok {
			return errors.New("not an integer")
		}
		n, err := strconv.ParseInt(string(digits), 10, fv.Type().Bits())
		if err != nil {
			return err
		}
		fv.SetInt(n)
		return nil
	case reflect.Bool:
		switch string(raw) {
		case "true", `"true"`:
			fv.SetBool(true)
		case "false", `"false"`:
			fv.SetBool(false)
		default:
			return errors.New("not a boolean")
		}
		return nil
	}
	return json.Unmarshal(raw, fv.Addr().Interface())
}

// scalarText returns a JSON string's content, or the text of a number or
// boolean. Objects and arrays are not scalars.
func scalarText(raw []byte) (string, error) {
	switch c := raw[0]; {
	case c == '"':
		if bytes.IndexByte(raw, '\\') < 0 && len(raw) >= 2 {
			return string(raw[1 : len(raw)-1]), nil
		}
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f':
		return string(raw), nil
	}
	return "", errors.New("not a scalar")
}

func isNull(b []byte) bool { return len(b) == 4 && string(b) == "null" }

// errSyntax reports JSON that the scanner cannot walk. Bodies are checked
// with json.Valid before decoding, so it shows only on direct misuse.
var errSyntax = errors.New("malformed JSON")

// unquoteKey returns the text of a key given as it appears between quotes.
func unquoteKey(k []byte) (string, error) {
	if bytes.IndexByte(k, '\\') < 0 {
		return string(k), nil
	}
	var s string
	err := json.Unmarshal(append(append([]byte{'"'}, k...), '"'), &s)
	return s, err
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errSyntax
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errSyntax
	}
	j := skipLiteral(b, i)
	if j == i {
		return 0, errSyntax
	}
	return j, nil
}

// skipLiteral returns the index just past the number, true, false or null
// that starts at b[i].
func skipLiteral(b []byte, i int) int {
	for i < len(b) && !isDelimiter(b[i]) {
		i++
	}
	return i
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ':', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errSyntax
}
