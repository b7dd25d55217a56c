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
	return decodeStruct(rv.Elem(), bytes.TrimSpace(data))
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
// case differs.
func (si *structInfo) lookup(key string) (i int, exact, ok bool) {
	if i, ok := si.byName[key]; ok {
		return i, true, true
	}
	for i := range si.fields {
		if strings.EqualFold(si.fields[i].name, key) {
			return i, false, true
		}
	}
	return 0, false, false
}

func decodeStruct(rv reflect.Value, data []byte) error {
	if len(data) == 0 || data[0] != '{' {
		if isNull(data) {
			return nil
		}
		return errNotObject
	}
	si := infoOf(rv.Type())
	var seen uint64 // fields already set, so that a key cannot be overwritten
	var extra map[string]json.RawMessage
	type member struct {
		key string
		raw []byte
		i   int
	}
	var folded []member // keys that differ from a field's only in case: after the exact ones
	// set decodes raw into field i, or keeps it in extra when there is no
	// such field (i < 0), the field is taken, or the value does not fit.
	set := func(key string, raw []byte, i int) {
		if i < 0 || i < 64 && seen&(1<<i) != 0 || setField(fieldByIndex(rv, si.fields[i].index), si.fields[i].unmarshaler, raw) != nil {
			if extra == nil {
				extra = map[string]json.RawMessage{}
			}
			extra[key] = append(json.RawMessage(nil), raw...)
			return
		}
		if i < 64 {
			seen |= 1 << i
		}
	}
	err := eachMember(data, func(key string, raw []byte) error {
		switch i, exact, ok := si.lookup(key); {
		case !ok:
			set(key, raw, -1)
		case exact:
			set(key, raw, i)
		default:
			folded = append(folded, member{key, raw, i})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range folded {
		set(m.key, m.raw, m.i)
	}
	if si.extra != nil {
		fieldByIndex(rv, si.extra).Set(reflect.ValueOf(extra))
	}
	return nil
}

// fieldByIndex is reflect.Value.FieldByIndex for structs embedded by value.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for _, i := range index {
		v = v.Field(i)
	}
	return v
}

// setField decodes raw into fv, leniently. On error fv may be left
// partly set; the caller keeps raw in Extra.
func setField(fv reflect.Value, unmarshaler bool, raw []byte) error {
	if isNull(raw) {
		return nil
	}
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
	case reflect.Pointer:
		p := reflect.New(fv.Type().Elem())
		if err := setField(p.Elem(), reflect.PointerTo(p.Type().Elem()).Implements(unmarshalerType), raw); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	case reflect.Struct:
		return decodeStruct(fv, raw)
	case reflect.Slice:
		if fv.Type().Elem().Kind() != reflect.Uint8 {
			return setSlice(fv, raw)
		}
	}
	return json.Unmarshal(raw, fv.Addr().Interface())
}

// setSlice decodes a JSON array, or a single value as a one-element slice.
func setSlice(fv reflect.Value, raw []byte) error {
	et := fv.Type().Elem()
	um := reflect.PointerTo(et).Implements(unmarshalerType)
	if raw[0] != '[' {
		elem := reflect.New(et).Elem()
		if err := setField(elem, um, raw); err != nil {
			return err
		}
		fv.Set(reflect.Append(reflect.MakeSlice(fv.Type(), 0, 1), elem))
		return nil
	}
	s := reflect.MakeSlice(fv.Type(), 0, countElements(raw))
	err := eachElement(raw, func(v []byte) error {
		s = reflect.Append(s, reflect.Zero(et))
		return setField(s.Index(s.Len()-1), um, v)
	})
	if err != nil {
		return err
	}
	fv.Set(s)
	return nil
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

// eachMember calls fn with every key (unquoted) and raw value of the JSON
// object obj, in order. The raw values alias obj.
func eachMember(obj []byte, fn func(key string, raw []byte) error) error {
	i := skipSpace(obj, 1)
	if i < len(obj) && obj[i] == '}' {
		return nil
	}
	for i < len(obj) && obj[i] == '"' {
		end, err := skipString(obj, i)
		if err != nil {
			return err
		}
		key, err := unquoteKey(obj[i:end])
		if err != nil {
			return err
		}
		i = skipSpace(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return errSyntax
		}
		i = skipSpace(obj, i+1)
		end, err = skipValue(obj, i)
		if err != nil {
			return err
		}
		if err := fn(key, obj[i:end]); err != nil {
			return err
		}
		i = skipSpace(obj, end)
		if i >= len(obj) {
			return errSyntax
		}
		switch obj[i] {
		case ',':
			i = skipSpace(obj, i+1)
		case '}':
			return nil
		default:
			return errSyntax
		}
	}
	return errSyntax
}

// eachElement calls fn with every raw element of the JSON array arr.
func eachElement(arr []byte, fn func(raw []byte) error) error {
	i := skipSpace(arr, 1)
	if i < len(arr) && arr[i] == ']' {
		return nil
	}
	for i < len(arr) {
		end, err := skipValue(arr, i)
		if err != nil {
			return err
		}
		if err := fn(arr[i:end]); err != nil {
			return err
		}
		i = skipSpace(arr, end)
		if i >= len(arr) {
			return errSyntax
		}
		switch arr[i] {
		case ',':
			i = skipSpace(arr, i+1)
		case ']':
			return nil
		default:
			return errSyntax
		}
	}
	return errSyntax
}

// countElements counts the top-level elements of the array arr, so that a
// slice is allocated once.
func countElements(arr []byte) int {
	n := 0
	_ = eachElement(arr, func([]byte) error { n++; return nil })
	return n
}

func unquoteKey(q []byte) (string, error) {
	if bytes.IndexByte(q, '\\') < 0 {
		return string(q[1 : len(q)-1]), nil
	}
	var s string
	err := json.Unmarshal(q, &s)
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
	j := i
	for j < len(b) && !isDelimiter(b[j]) {
		j++
	}
	if j == i {
		return 0, errSyntax
	}
	return j, nil
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
