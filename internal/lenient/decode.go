package lenient

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
)

// Decoding: a body held whole, into a struct, in one pass that checks the
// JSON as it goes.

// The memory budget of one decode: a body of n bytes may decode into
// BudgetFloor + BudgetFactor·n bytes of values. A real answer takes about
// its own size.
const (
	BudgetFactor = 16
	BudgetFloor  = 64 << 10
)

// Unmarshal decodes the JSON object data into the struct v points to. null
// leaves it unchanged. It copies data once, into one string that every
// string field decoded shares.
func Unmarshal(data []byte, v any) error {
	return UnmarshalString(string(data), v)
}

// UnmarshalString is Unmarshal of a body held in a string: string fields
// are substrings of data, so that decoding allocates none for them.
//
// It checks that data is valid JSON as it decodes, in the same pass: it
// accepts exactly what json.Valid accepts (nesting at most MaxDepth deep),
// and no other check is needed before it.
func UnmarshalString(data string, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return errors.New("lenient: decode target must be a pointer to a struct")
	}
	i := skipSpace(data, 0)
	if i >= len(data) {
		return ErrSyntax
	}
	d := decoder{data: data, budget: BudgetFloor + BudgetFactor*int64(len(data)), pkg: rv.Elem().Type().PkgPath()}
	var end int
	var err error
	switch data[i] {
	case '{':
		end, err = d.object(rv.Elem(), i)
	case 'n':
		end, err = skipValue(data, i, 0)
	default:
		// Another value, or one followed by more ("000"): not JSON first.
		if end, err := skipValue(data, i, 0); err != nil || skipSpace(data, end) != len(data) {
			return ErrSyntax
		}
		return ErrNotObject
	}
	if err != nil {
		return err
	}
	if skipSpace(data, end) != len(data) {
		return ErrSyntax
	}
	return nil
}

// decoder decodes one JSON body.
type decoder struct {
	data   string
	budget int64  // bytes of decoded values still allowed
	pkg    string // the package whose structs follow these rules
	depth  int    // arrays and objects open around the value being decoded
}

// charge counts n bytes of decoded values against the budget.
func (d *decoder) charge(n uintptr) error {
	if d.budget -= int64(n); d.budget < 0 {
		return ErrMemoryBudget
	}
	return nil
}

// object decodes the object that starts at data[i] into rv, in one pass,
// and returns the index just past it.
// Its depth needs no check of its own: the types decoded into nest a few
// levels deep, and skipValue checks whatever they do not hold.
func (d *decoder) object(rv reflect.Value, i int) (int, error) {
	d.depth++
	end, err := d.members(rv, i)
	d.depth--
	return end, err
}

// members is object, inside the braces' depth.
func (d *decoder) members(rv reflect.Value, i int) (int, error) {
	data := d.data
	o := into{rv: rv, si: infoOf(rv.Type())}
	o.prev = len(o.si.fields)
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for i < len(data) && data[i] == '"' {
		key, start, err := d.key(i)
		if err != nil {
			return 0, err
		}
		end, err := o.member(d, key, start)
		if err != nil {
			return 0, err
		}
		var done bool
		if i, done, err = afterValue(data, end, '}'); err != nil {
			return 0, err
		}
		if done {
			return i, o.end(d)
		}
	}
	return 0, ErrSyntax
}

// key reads the key that starts at data[i], and the colon after it: it
// returns the key's text and where its value starts.
func (d *decoder) key(i int) (key string, start int, err error) {
	data := d.data
	keyEnd, escaped, err := skipString(data, i)
	if err != nil {
		return "", 0, err
	}
	key = data[i+1 : keyEnd-1]
	if escaped { // an escaped key: use its text
		if key, err = unquote(data[i:keyEnd]); err != nil {
			return "", 0, err
		}
	}
	i = skipSpace(data, keyEnd)
	if i >= len(data) || data[i] != ':' {
		return "", 0, ErrSyntax
	}
	return key, skipSpace(data, i+1), nil
}

// into is the state of decoding one object into the struct rv: which
// keys and fields its members claimed, and what they left aside. Its
// methods take the decoder instead of holding it: held, it would leave
// the stack with the members that wait (escape analysis does not tell
// one field from another), an allocation each decode.
type into struct {
	rv     reflect.Value
	si     *structInfo
	prev   int    // the entry of the last key that named a field exactly
	named  uint64 // names a key has claimed: a second claim is a duplicate
	set    uint64 // Go fields already set, by their first entry
	extra  map[string]json.RawMessage
	folded []member // keys that differ from a field's only in case: after the exact ones
}

// member is a member of the object, kept to be decoded at its end.
type member struct {
	key        string
	start, end int
	field      int
}

// member decodes the member named key, whose value starts at data[start],
// and returns the index just past the value. A key that names a field only
// in another letter case waits for the end of the object, so that the key
// that names it exactly comes first whatever the order.
func (o *into) member(d *decoder, key string, start int) (int, error) {
	f, exact, ok := o.si.lookup(key, o.prev)
	if ok && exact {
		o.prev = f
		if err := o.claim(f); err != nil {
			return 0, err
		}
		return o.put(d, key, start, f)
	}
	end, err := skipValue(d.data, start, d.depth)
	switch {
	case err != nil:
		return 0, err
	case !ok:
		return end, o.keep(d, key, d.data[start:end])
	}
	if err := d.charge(48); err != nil { // a member
		return 0, err
	}
	o.folded = append(o.folded, member{key, start, end, f})
	return end, nil
}

// end decodes the members that waited for the end of the object, and
// sets Extra.
func (o *into) end(d *decoder) error {
	for _, m := range o.folded {
		if err := o.claim(m.field); err != nil {
			return err
		}
		if _, err := o.put(d, m.key, m.start, m.field); err != nil {
			return err
		}
	}
	if o.si.extra != nil {
		fieldByIndex(o.rv, o.si.extra).Set(reflect.ValueOf(o.extra))
	}
	return nil
}

// claim records that a key named field f, failing on a second claim.
func (o *into) claim(f int) error {
	if o.named&(1<<f) != 0 {
		return ErrDuplicateKey
	}
	o.named |= 1 << f
	return nil
}

// put decodes the value at data[start] into field f, or keeps it in
// Extra when another alias set the field or the value does not fit.
func (o *into) put(d *decoder, key string, start, f int) (int, error) {
	sf := &o.si.fields[f]
	if o.set&(1<<sf.field) != 0 {
		end, err := skipValue(d.data, start, d.depth)
		if err == nil {
			err = o.keep(d, key, d.data[start:end])
		}
		return end, err
	}
	end, err := d.value(fieldByIndex(o.rv, sf.index), sf.unmarshaler, start)
	if err != nil {
		if Rejects(err) {
			return 0, err
		}
		if end, err = skipValue(d.data, start, d.depth); err == nil {
			err = o.keep(d, key, d.data[start:end])
		}
		return end, err
	}
	o.set |= 1 << sf.field
	return end, nil
}

// keep keeps a member in Extra, as it was sent.
func (o *into) keep(d *decoder, key string, raw string) error {
	if o.extra == nil {
		if err := d.charge(512); err != nil { // a map and its first group
			return err
		}
		o.extra = map[string]json.RawMessage{}
	}
	if _, dup := o.extra[key]; dup {
		return ErrDuplicateKey
	}
	if err := d.charge(uintptr(384 + len(key) + len(raw))); err != nil { // a slot, with what growing the map allocates, a key, a copy
		return err
	}
	o.extra[key] = json.RawMessage(raw)
	return nil
}

// value decodes the value that starts at data[i] into fv, leniently, and
// returns the index just past it. On error fv may be partly set, and the
// caller keeps the value in Extra unless the error rejects the answer.
func (d *decoder) value(fv reflect.Value, unmarshaler bool, i int) (int, error) {
	data := d.data
	if i >= len(data) {
		return 0, ErrSyntax
	}
	switch c := data[i]; {
	case c == 'n':
		return skipLiteral(data, i, "null")
	case fv.Kind() == reflect.String && !unmarshaler && c == '"':
		end, escaped, err := skipString(data, i)
		if err != nil {
			return 0, err
		}
		if !escaped {
			fv.SetString(data[i+1 : end-1])
			return end, nil
		}
		s, err := unquote(data[i:end])
		if err != nil {
			return 0, err
		}
		fv.SetString(s)
		return end, nil
	case fv.Kind() == reflect.Struct && fv.Type().PkgPath() == d.pkg:
		// The decoded value's package's structs decode with these rules,
		// whatever UnmarshalJSON they offer to others.
		if c != '{' {
			return 0, ErrNotObject
		}
		return d.object(fv, i)
	case fv.Kind() == reflect.Pointer && !unmarshaler:
		return d.pointer(fv, i)
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() != reflect.Uint8 && !unmarshaler:
		return d.slice(fv, i)
	}
	end, err := skipValue(data, i, d.depth)
	if err != nil {
		return 0, err
	}
	return end, setScalar(fv, unmarshaler, data[i:end])
}

// pointer decodes the value that starts at data[i] into a new value that
// fv, a nil pointer, then points to.
func (d *decoder) pointer(fv reflect.Value, i int) (int, error) {
	if err := d.charge(fv.Type().Elem().Size()); err != nil {
		return 0, err
	}
	p := reflect.New(fv.Type().Elem())
	end, err := d.value(p.Elem(), unmarshals(p.Type().Elem(), d.pkg), i)
	if err == nil {
		fv.Set(p)
	}
	return end, err
}

// slice decodes a JSON array, or a single value as a one-element slice,
// into fv, which is addressable. On error fv is left nil.
func (d *decoder) slice(fv reflect.Value, i int) (end int, err error) {
	depth := d.depth
	defer func() {
		d.depth = depth
		if err != nil {
			fv.SetZero()
		}
	}()
	data := d.data
	et := fv.Type().Elem()
	um := unmarshals(et, d.pkg)
	fv.SetZero()
	if data[i] != '[' {
		return d.element(fv, um, i)
	}
	d.depth++ // restored by the deferred function
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
		return i + 1, nil
	}
	if et.Kind() == reflect.Struct {
		// Make a list of records once, at its size: growing it would
		// hold up to three times its size while the last copy is made.
		n := countElements(data, i)
		if err := d.charge(uintptr(n) * et.Size()); err != nil {
			return 0, err
		}
		fv.Set(reflect.MakeSlice(fv.Type(), 0, n))
	}
	for i < len(data) {
		end, err := d.element(fv, um, i)
		if err == ErrNotObject {
			err = ErrElement
		}
		if err != nil {
			return 0, err
		}
		var done bool
		if i, done, err = afterValue(data, end, ']'); err != nil {
			return 0, err
		}
		if done {
			return i, nil
		}
	}
	return 0, ErrSyntax
}

// element decodes the value that starts at data[i] into a new last
// element of the slice fv; um says whether its elements decode through
// their own UnmarshalJSON.
func (d *decoder) element(fv reflect.Value, um bool, i int) (int, error) {
	if n := fv.Len(); n == fv.Cap() { // grow, counting what growing allocates
		grown := max(4, 2*n)
		if err := d.charge(uintptr(grown) * fv.Type().Elem().Size()); err != nil {
			return 0, err
		}
		s := reflect.MakeSlice(fv.Type(), n, grown)
		reflect.Copy(s, fv)
		fv.Set(s)
	}
	n := fv.Len()
	fv.SetLen(n + 1)
	return d.value(fv.Index(n), um, i)
}

// setScalar decodes the scalar (or foreign) value raw, valid JSON, into
// fv.
func setScalar(fv reflect.Value, unmarshaler bool, raw string) error {
	if unmarshaler {
		return fv.Addr().Interface().(json.Unmarshaler).UnmarshalJSON([]byte(raw))
	}
	switch fv.Kind() {
	case reflect.String:
		switch c := raw[0]; {
		case c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f':
			fv.SetString(raw)
			return nil
		}
		return errors.New("not a scalar")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return setInt(fv, raw)
	case reflect.Bool:
		switch raw {
		case "true", `"true"`:
			fv.SetBool(true)
		case "false", `"false"`:
			fv.SetBool(false)
		default:
			return errors.New("not a boolean")
		}
		return nil
	}
	return json.Unmarshal([]byte(raw), fv.Addr().Interface())
}

// setInt decodes raw, a JSON number or a string of one, into fv, an
// integer.
func setInt(fv reflect.Value, raw string) error {
	digits, ok := numberText(raw)
	if !ok {
		return errors.New("not an integer")
	}
	if digits == "" && fv.Type().PkgPath() != "" {
		// An empty string, into an integer type of the package (only
		// those reach here): zero, as their UnmarshalJSON reads it.
		fv.SetInt(0)
		return nil
	}
	n, err := strconv.ParseInt(digits, 10, fv.Type().Bits())
	if err != nil {
		return err
	}
	fv.SetInt(n)
	return nil
}

// unquote returns the text of the valid JSON string quoted, which has
// escapes.
func unquote(quoted string) (string, error) {
	var s string
	err := json.Unmarshal([]byte(quoted), &s)
	return s, err
}

// unquoteKey returns the text of a key given as it appears between quotes.
func unquoteKey(k []byte) (string, error) {
	if bytes.IndexByte(k, '\\') < 0 {
		return string(k), nil
	}
	return unquote(`"` + string(k) + `"`)
}

// numberText is Number of valid JSON held in a string.
func numberText(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "", raw == "null":
		return "", true
	case raw[0] == '"':
		return strings.TrimSpace(raw[1 : len(raw)-1]), true
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		return raw, true
	}
	return "", false
}

// Number returns the text of a JSON number, or the content of a
// JSON string, with surrounding spaces removed. "null" gives an empty
// result. ok is false for any other JSON value.
func Number(b []byte) (text []byte, ok bool) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0, bytes.Equal(b, []byte("null")):
		return nil, true
	case b[0] == '"':
		if len(b) < 2 || b[len(b)-1] != '"' {
			return nil, false
		}
		return bytes.TrimSpace(b[1 : len(b)-1]), true
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		return b, true
	}
	return nil, false
}

// Text returns a JSON scalar's text: a string's content, a number's or a
// boolean's text as sent, "" for null. raw must be valid JSON; an object
// or an array is returned as sent.
func Text(raw string) string {
	switch {
	case raw == "null":
		return ""
	case len(raw) >= 2 && raw[0] == '"':
		if strings.IndexByte(raw, '\\') < 0 {
			return raw[1 : len(raw)-1]
		}
		s, _ := unquote(raw)
		return s
	}
	return raw
}
