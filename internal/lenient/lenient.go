// Package lenient is the one way the xpay client reads JSON. It is lenient
// where XPay's servers are known to vary, strict where two readings of one
// answer could differ, and keeps whatever it cannot place.
//
// Lenient:
//
//   - keys match the json tag exactly or, failing that, in any letter case;
//     a field may name other keys it answers to in an xpay:"alias" tag;
//   - a string field also takes a JSON number or boolean, as its text;
//   - an integer field also takes a string of digits; integer types of
//     the package of the value decoded read so (and an empty string as
//     zero), whatever UnmarshalJSON they offer to others, which must read
//     the same;
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
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

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
		if _, err := skipValue(data, i, 0); err != nil {
			return err
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

// Valid reports whether data is one valid JSON value, as json.Valid does,
// nested at most MaxDepth deep.
func Valid(data []byte) bool {
	s := string(data)
	end, err := skipValue(s, skipSpace(s, 0), 0)
	return err == nil && skipSpace(s, end) == len(s)
}

// MaxDepth is how deeply a body's arrays and objects may nest, as for
// encoding/json: deeper is ErrSyntax.
const MaxDepth = 10000

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
	// follows[f] is the entry whose key came after entry f's in the last
	// object decoded (follows[len(fields)]: the first key), the first
	// guess for the next key: answers list their keys in one order.
	follows []atomic.Int32
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

// unmarshals reports whether values of t decode through their own
// UnmarshalJSON: not the integers of pkg, which read as these rules read
// integers, without the copy that calling UnmarshalJSON takes.
func unmarshals(t reflect.Type, pkg string) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if t.PkgPath() == pkg {
			return false
		}
	}
	return reflect.PointerTo(t).Implements(unmarshalerType)
}

func infoOf(t reflect.Type) *structInfo {
	if si, ok := structInfos.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string]int{}}
	si.collect(t, nil)
	si.follows = make([]atomic.Int32, len(si.fields)+1)
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
			um := unmarshals(f.Type, t.PkgPath())
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
		f, ok := si.byName[string(key)] // no allocation for a map index
		if !ok {
			for i := range si.fields {
				if bytes.EqualFold(si.fields[i].nameBytes, key) {
					f, ok = i, true
					break
				}
			}
		}
		return ok && si.fields[f].field == want
	}
}

// lookup finds the field a key names; exact is false when only the letter
// case differs. key is the key's text, and prev the entry of the key
// before it (len(fields) for the first).
func (si *structInfo) lookup(key string, prev int) (i int, exact, ok bool) {
	if g := int(si.follows[prev].Load()); g < len(si.fields) && si.fields[g].name == key {
		return g, true, true
	}
	if i, ok := si.byName[key]; ok {
		si.follows[prev].Store(int32(i))
		return i, true, true
	}
	for i := range si.fields {
		if strings.EqualFold(si.fields[i].name, key) {
			return i, false, true
		}
	}
	return 0, false, false
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
	si := infoOf(rv.Type())
	var named uint64 // names a key has claimed: a second claim is a duplicate
	var set uint64   // Go fields already set, by their first entry
	var extra map[string]json.RawMessage
	type member struct {
		key        string
		start, end int
		field      int
	}
	var folded []member // keys that differ from a field's only in case: after the exact ones
	keep := func(key string, raw string) error {
		if extra == nil {
			if err := d.charge(512); err != nil { // a map and its first group
				return err
			}
			extra = map[string]json.RawMessage{}
		}
		if _, dup := extra[key]; dup {
			return ErrDuplicateKey
		}
		if err := d.charge(uintptr(384 + len(key) + len(raw))); err != nil { // a slot, with what growing the map allocates, a key, a copy
			return err
		}
		extra[key] = json.RawMessage(raw)
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
	put := func(key string, start, f int) (int, error) {
		sf := &si.fields[f]
		if set&(1<<sf.field) != 0 {
			end, err := skipValue(data, start, d.depth)
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
			if end, err = skipValue(data, start, d.depth); err == nil {
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
	prev := len(si.fields)
	for i < len(data) && data[i] == '"' {
		keyEnd, escaped, err := skipString(data, i)
		if err != nil {
			return 0, err
		}
		key := data[i+1 : keyEnd-1]
		if escaped { // an escaped key: use its text
			if key, err = unquote(data[i:keyEnd]); err != nil {
				return 0, err
			}
		}
		i = skipSpace(data, keyEnd)
		if i >= len(data) || data[i] != ':' {
			return 0, ErrSyntax
		}
		start := skipSpace(data, i+1)
		var end int
		switch f, exact, ok := si.lookup(key, prev); {
		case ok && exact:
			prev = f
			if err = claim(f); err == nil {
				end, err = put(key, start, f)
			}
		default:
			if end, err = skipValue(data, start, d.depth); err != nil {
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
		if err := d.charge(fv.Type().Elem().Size()); err != nil {
			return 0, err
		}
		p := reflect.New(fv.Type().Elem())
		end, err := d.value(p.Elem(), unmarshals(p.Type().Elem(), d.pkg), i)
		if err == nil {
			fv.Set(p)
		}
		return end, err
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() != reflect.Uint8 && !unmarshaler:
		return d.slice(fv, i)
	}
	end, err := skipValue(data, i, d.depth)
	if err != nil {
		return 0, err
	}
	return end, setScalar(fv, unmarshaler, data[i:end])
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
		digits, ok := numberText(raw)
		if !ok {
			return errors.New("not an integer")
		}
		if digits == "" && fv.Type().PkgPath() != "" {
			// An empty string, into an integer type of the package
			// (only those reach here): zero, as their UnmarshalJSON
			// reads it.
			fv.SetInt(0)
			return nil
		}
		n, err := strconv.ParseInt(digits, 10, fv.Type().Bits())
		if err != nil {
			return err
		}
		fv.SetInt(n)
		return nil
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

func skipSpace(s string, i int) int {
	for i < len(s) && space[s[i]] {
		i++
	}
	return i
}

// space is JSON's white space.
var space = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// skipValue returns the index just past the JSON value starting at s[i],
// which it checks, inside depth arrays and objects.
func skipValue(s string, i, depth int) (int, error) {
	if i >= len(s) {
		return 0, ErrSyntax
	}
	switch c := s[i]; c {
	case '"':
		end, _, err := skipString(s, i)
		return end, err
	case '{', '[':
		if depth++; depth > MaxDepth {
			return 0, ErrSyntax
		}
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		i = skipSpace(s, i+1)
		if i < len(s) && s[i] == closer {
			return i + 1, nil
		}
		for {
			if c == '{' {
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
				i = skipSpace(s, i+1)
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
	case 't':
		return skipLiteral(s, i, "true")
	case 'f':
		return skipLiteral(s, i, "false")
	case 'n':
		return skipLiteral(s, i, "null")
	}
	return skipNumber(s, i)
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
			if j++; j >= len(s) {
				return 0, false, ErrSyntax
			}
			switch s[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(s) || !isHex(s[j+1]) || !isHex(s[j+2]) || !isHex(s[j+3]) || !isHex(s[j+4]) {
					return 0, false, ErrSyntax
				}
				j += 4
			default:
				return 0, false, ErrSyntax
			}
		default: // a control character
			return 0, false, ErrSyntax
		}
	}
	return 0, false, ErrSyntax
}

// countElements counts the elements of the array whose first element
// starts at s[i], without checking them: the count sizes the slice, and
// decoding checks the elements.
func countElements(s string, i int) int {
	n, depth := 1, 1
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			for { // to the closing quote: one after an even run of backslashes
				q := strings.IndexByte(s[i+1:], '"')
				if q < 0 {
					return n
				}
				i += q + 1
				bs := 0
				for bs < i && s[i-1-bs] == '\\' {
					bs++
				}
				if bs%2 == 0 {
					break
				}
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

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
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
