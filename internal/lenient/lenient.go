// Package lenient is the one way the xpay client reads JSON. It is lenient
// where XPay's servers are known to vary, strict where two readings of one
// answer could differ, and keeps whatever it cannot place.
//
// Lenient:
//
//   - keys match the json tag exactly or, failing that, in any letter case;
//     a field may name other keys it answers to in an xpay:"alias" tag;
//   - a string field also takes a JSON number or boolean, as its text;
//   - an integer field also takes a string of digits;
//   - a slice field also takes a single object, as a one-element slice;
//   - null leaves a field at its zero value;
//   - a key with no field, or whose value does not fit its field, is kept
//     in the struct's Extra map[string]json.RawMessage (when it has one),
//     and so is a second alias of a field that is already set.
//
// Strict:
//
//   - an object that names the same key twice (in any letter case, for a
//     key with a field) is rejected, since other JSON parsers would read
//     the last one and this one the first;
//   - an array of objects with an element that is not an object (or null)
//     is rejected, not kept in Extra, so that the buffered and the
//     streaming readers of a list (Unmarshal and Walk) always agree;
//   - the values decoded from a body may take at most BudgetFactor times
//     its size in memory (plus BudgetFloor), so that a small body of empty
//     objects cannot expand into gigabytes.
//
// Structs of the package of the value decoded follow these rules whatever
// UnmarshalJSON they offer to encoding/json; other types with an
// UnmarshalJSON use it. Enumerations are never validated: unknown states
// and codes pass through.
package lenient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The memory budget of one decode: a body of n bytes may decode into
// BudgetFloor + BudgetFactor·n bytes of values. A real answer takes about
// its own size.
const (
	BudgetFactor = 16
	BudgetFloor  = 64 << 10
)

// Unmarshal decodes the JSON object data into the struct v points to. null
// leaves it unchanged.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return errors.New("lenient: decode target must be a pointer to a struct")
	}
	i := skipSpace(data, 0)
	if i < len(data) && isNull(data[i:skipLiteral(data, i)]) {
		return nil
	}
	if i >= len(data) || data[i] != '{' {
		return ErrNotObject
	}
	d := decoder{data: data, budget: BudgetFloor + BudgetFactor*int64(len(data)), pkg: rv.Elem().Type().PkgPath()}
	end, err := d.object(rv.Elem(), i)
	if err != nil {
		return err
	}
	if skipSpace(data, end) != len(data) {
		return ErrSyntax
	}
	return nil
}

// Errors. Those that Rejects reports reject the whole answer: no Extra can
// keep it.
var (
	ErrNotObject    = errors.New("not a JSON object")
	ErrDuplicateKey = errors.New("a key appears twice in one object")
	ErrElement      = errors.New("an element of a list of objects is not an object")
	ErrMemoryBudget = fmt.Errorf("the answer would take more than %d times its size in memory", BudgetFactor)
	ErrSyntax       = errors.New("malformed JSON")
)

// Rejects reports whether err rejects the whole answer.
func Rejects(err error) bool {
	return err == ErrDuplicateKey || err == ErrElement || err == ErrMemoryBudget || err == ErrSyntax
}

// decoder decodes one JSON body.
type decoder struct {
	data   []byte
	budget int64  // bytes of decoded values still allowed
	pkg    string // the package whose structs follow these rules
}

// charge counts n bytes of decoded values against the budget.
func (d *decoder) charge(n uintptr) error {
	if d.budget -= int64(n); d.budget < 0 {
		return ErrMemoryBudget
	}
	return nil
}

type structField struct {
	name        string
	nameBytes   []byte // name, to compare keys with no conversion
	index       []int
	field       int  // the first entry of the same Go field: aliases share it
	unmarshaler bool // *T implements json.Unmarshaler
}

type structInfo struct {
	fields []structField // one per name a field answers to; at most 64
	byName map[string]int
	extra  []int // index of the Extra map, nil if the struct has none
}

var structInfos sync.Map // reflect.Type → *structInfo

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	extraType       = reflect.TypeFor[map[string]json.RawMessage]()
)

// maxKeys is how many keys a struct may answer to: a decode tracks the
// keys it has seen in a 64-bit set.
const maxKeys = 64

// Check reports whether values of t, a struct type, can be decoded: it
// answers to at most 64 keys, its fields and their other spellings
// counted, and so does every struct it holds. The package that decodes
// into t tests its types with it, so that no decode panics at run time.
func Check(t reflect.Type) error {
	return check(t, map[reflect.Type]bool{})
}

func check(t reflect.Type, seen map[reflect.Type]bool) error {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return fmt.Errorf("lenient: %s is not a struct", t)
	}
	if seen[t] {
		return nil
	}
	seen[t] = true
	si := &structInfo{byName: map[string]int{}}
	si.collect(t, nil)
	if len(si.fields) > maxKeys {
		return fmt.Errorf("lenient: %s answers to %d keys, more than %d", t, len(si.fields), maxKeys)
	}
	for _, f := range si.fields {
		ft := t.FieldByIndex(f.index).Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			if err := check(ft, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

func infoOf(t reflect.Type) *structInfo {
	if si, ok := structInfos.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string]int{}}
	si.collect(t, nil)
	if len(si.fields) > maxKeys {
		panic("lenient: " + t.String() + " answers to more than 64 keys; Check it in a test")
	}
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
			first := len(si.fields)
			for _, n := range names {
				si.byName[n] = len(si.fields)
				si.fields = append(si.fields, structField{name: n, nameBytes: []byte(n), index: index, field: first, unmarshaler: um})
			}
		}
	}
}

// KeyOf returns whether a key names the Go field goField of the struct
// type T, by the rules above: the field's json tag, its other spellings,
// in any letter case. It panics if T has no such field, when the program
// starts, since it is called to set a package variable.
func KeyOf[T any](goField string) func(key []byte) bool {
	t := reflect.TypeFor[T]()
	sf, ok := t.FieldByName(goField)
	if !ok {
		panic("lenient: " + t.String() + " has no field " + goField)
	}
	si := infoOf(t)
	want := -1
	for _, f := range si.fields {
		if slices.Equal(f.index, sf.Index) {
			want = f.field
		}
	}
	if want < 0 {
		panic("lenient: " + t.String() + "." + goField + " is not decoded")
	}
	return func(key []byte) bool {
		f, _, ok := si.lookup(key)
		return ok && si.fields[f].field == want
	}
}

// lookup finds the field a key names; exact is false when only the letter
// case differs. key is the key's text.
func (si *structInfo) lookup(key []byte) (i int, exact, ok bool) {
	if i, ok := si.byName[string(key)]; ok { // no allocation for a map index
		return i, true, true
	}
	for i := range si.fields {
		if bytes.EqualFold(si.fields[i].nameBytes, key) {
			return i, false, true
		}
	}
	return 0, false, false
}

// object decodes the object that starts at data[i] into rv, in one pass,
// and returns the index just past it.
func (d *decoder) object(rv reflect.Value, i int) (int, error) {
	data := d.data
	si := infoOf(rv.Type())
	var named uint64 // names a key has claimed: a second claim is a duplicate
	var set uint64   // Go fields already set, by their first entry
	var extra map[string]json.RawMessage
	type member struct {
		key        []byte
		start, end int
		field      int
	}
	var folded []member // keys that differ from a field's only in case: after the exact ones
	keep := func(key []byte, raw []byte) error {
		if extra == nil {
			if err := d.charge(512); err != nil { // a map and its first group
				return err
			}
			extra = map[string]json.RawMessage{}
		}
		if _, dup := extra[string(key)]; dup {
			return ErrDuplicateKey
		}
		if err := d.charge(uintptr(384 + len(key) + len(raw))); err != nil { // a slot, with what growing the map allocates, a key, a copy
			return err
		}
		extra[string(key)] = append(json.RawMessage(nil), raw...)
		return nil
	}
	// claim records that a key named field f, failing on a second claim.
	claim := func(f int) error {
		if named&(1<<f) != 0 {
			return ErrDuplicateKey
		}
		named |= 1 << f
		return nil
	}
	// put decodes the value at data[start] into field f, or keeps it in
	// extra when another alias set the field or the value does not fit.
	put := func(key []byte, start, f int) (int, error) {
		sf := &si.fields[f]
		if set&(1<<sf.field) != 0 {
			end, err := skipValue(data, start)
			if err == nil {
				err = keep(key, data[start:end])
			}
			return end, err
		}
		end, err := d.value(fieldByIndex(rv, sf.index), sf.unmarshaler, start)
		if err != nil {
			if Rejects(err) {
				return 0, err
			}
			if end, err = skipValue(data, start); err == nil {
				err = keep(key, data[start:end])
			}
			return end, err
		}
		set |= 1 << sf.field
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
			return 0, ErrSyntax
		}
		start := skipSpace(data, i+1)
		var end int
		switch f, exact, ok := si.lookup(key); {
		case ok && exact:
			if err = claim(f); err == nil {
				end, err = put(key, start, f)
			}
		default:
			if end, err = skipValue(data, start); err != nil {
				break
			}
			if !ok {
				err = keep(key, data[start:end])
				break
			}
			if err = d.charge(48); err == nil { // a member
				folded = append(folded, member{key, start, end, f})
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
				if err := claim(m.field); err != nil {
					return 0, err
				}
				if _, err := put(m.key, m.start, m.field); err != nil {
					return 0, err
				}
			}
			if si.extra != nil {
				fieldByIndex(rv, si.extra).Set(reflect.ValueOf(extra))
			}
			return i, nil
		}
	}
	return 0, ErrSyntax
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
	return 0, false, ErrSyntax
}

// fieldByIndex is reflect.Value.FieldByIndex for structs embedded by value.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for _, i := range index {
		v = v.Field(i)
	}
	return v
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
		end := skipLiteral(data, i)
		if !isNull(data[i:end]) {
			return 0, ErrSyntax
		}
		return end, nil
	case fv.Kind() == reflect.Struct && fv.Type().PkgPath() == d.pkg:
		// The decoded value's package's structs decode with these rules,
		// whatever UnmarshalJSON they offer to others.
		if c != '{' {
			return 0, ErrNotObject
		}
		return d.object(fv, i)
	case fv.Kind() == reflect.Pointer && !unmarshaler:
		if err := d.charge(fv.Type().Elem().Size()); err != nil {
			return 0, err
		}
		p := reflect.New(fv.Type().Elem())
		end, err := d.value(p.Elem(), reflect.PointerTo(p.Type().Elem()).Implements(unmarshalerType), i)
		if err == nil {
			fv.Set(p)
		}
		return end, err
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() != reflect.Uint8 && !unmarshaler:
		return d.slice(fv, i)
	}
	end, err := skipValue(data, i)
	if err != nil {
		return 0, err
	}
	return end, setScalar(fv, unmarshaler, data[i:end])
}

// slice decodes a JSON array, or a single value as a one-element slice,
// into fv, which is addressable. On error fv is left nil.
func (d *decoder) slice(fv reflect.Value, i int) (end int, err error) {
	data := d.data
	et := fv.Type().Elem()
	um := reflect.PointerTo(et).Implements(unmarshalerType)
	defer func() {
		if err != nil {
			fv.SetZero()
		}
	}()
	add := func(j int) (int, error) {
		if n := fv.Len(); n == fv.Cap() { // grow, counting what growing allocates
			grown := max(4, 2*n)
			if err := d.charge(uintptr(grown) * et.Size()); err != nil {
				return 0, err
			}
			s := reflect.MakeSlice(fv.Type(), n, grown)
			reflect.Copy(s, fv)
			fv.Set(s)
		}
		n := fv.Len()
		fv.SetLen(n + 1)
		return d.value(fv.Index(n), um, j)
	}
	fv.SetZero()
	if data[i] != '[' {
		return add(i)
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
		return i + 1, nil
	}
	for i < len(data) {
		end, err := add(i)
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
		digits, ok := Number(raw)
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
		return 0, ErrSyntax
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
		return 0, ErrSyntax
	}
	j := skipLiteral(b, i)
	if j == i {
		return 0, ErrSyntax
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
	return 0, ErrSyntax
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
