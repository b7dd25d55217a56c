package lenient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Fields: the keys a struct answers to, and the field each names.

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
	t = elem(t)
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
		if ft := elem(t.FieldByIndex(f.index).Type); ft.Kind() == reflect.Struct {
			if err := check(ft, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

// elem returns the type that t points to or lists, through any number of
// pointers and slices.
func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t
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
			si.add(f, name, index, t.PkgPath())
		}
	}
}

// add records the names field f answers to: name, and the other
// spellings of its xpay tag.
func (si *structInfo) add(f reflect.StructField, name string, index []int, pkg string) {
	if _, dup := si.byName[name]; dup {
		return // the shallower field wins, as in encoding/json
	}
	um := unmarshals(f.Type, pkg)
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

// fieldByIndex is reflect.Value.FieldByIndex for structs embedded by value.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for _, i := range index {
		v = v.Field(i)
	}
	return v
}
