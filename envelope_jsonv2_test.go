//go:build go1.27 && goexperiment.jsonv2

// The decoder of answers against encoding/json/v2, which is standard from
// Go 1.27 (and behind GOEXPERIMENT=jsonv2 before it):
//
//	GOTOOLCHAIN=go1.27.3 go test -run JSONv2 .
//	GOTOOLCHAIN=go1.27.3 go test -run '^$' -fuzz '^FuzzDecodeMatchesJSONv2$' -fuzztime 1m .

package xpay

import (
	"bytes"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay/internal/lenient"
)

// For every type the Client decodes answers into, on any body:
//
//   - what is not JSON, both refuse, the decoder as a whole answer
//     (Rejects): as ErrSyntax, or as the fault it met first in its one
//     pass, a duplicate key or its memory budget;
//   - what v2 decodes, the decoder decodes too, into the same values;
//   - what the decoder refuses as a whole, v2 refuses too.
//
// v2 runs with its defaults (a duplicate name anywhere, or invalid UTF-8,
// is an error) and matches names in any letter case, as the decoder does.
// Where the rules under “Decoding answers” read more than v2 (numbers as
// strings and strings as numbers, a lone object as a list, a value that
// does not fit its field, kept in Extra) v2 refuses, and only the first
// rule binds. Left out by design:
//
//   - a body with a key that is another spelling of a field (an xpay tag,
//     which v2 does not know), or that names a field in v2's folding only
//     by ignoring '_' and '-' (the decoder's folding is letter case alone):
//     it is not compared by value;
//   - Timestamp, which keeps the text as sent, for the MAC: its value is
//     not compared;
//   - the decoder's memory budget, which v2 does not have.
type v2Outcome int

const (
	v2Compared    v2Outcome = iota // both decoded it, to the same values
	v2BothRefused                  // both refused it
	v2LenientOnly                  // the decoder read what v2 refuses
	v2NotCompared                  // both decoded it, not compared by value (see above)
	v2OverBudget                   // the decoder's memory budget refused it
)

// v2Mirrors builds, for each type the decoder reads, a type with the same
// keys and none of the methods, for v2 to decode by its own rules.
type v2Mirrors struct {
	types   map[reflect.Type]reflect.Type
	fields  map[reflect.Type][][]int // per mirror struct, the index of each field in the original
	names   []string                 // every key a field answers to
	aliases []string                 // the keys of xpay tags
}

func newV2Mirrors() *v2Mirrors {
	return &v2Mirrors{types: map[reflect.Type]reflect.Type{}, fields: map[reflect.Type][][]int{}}
}

// v2AnyValue stands for a Timestamp: any JSON value, kept by neither side
// for the comparison.
type v2AnyValue struct{}

func (*v2AnyValue) UnmarshalJSONFrom(dec *jsontext.Decoder) error { return dec.SkipValue() }

var v2Basic = map[reflect.Kind]reflect.Type{
	reflect.String: reflect.TypeFor[string](),
	reflect.Bool:   reflect.TypeFor[bool](),
	reflect.Int:    reflect.TypeFor[int](),
	reflect.Int64:  reflect.TypeFor[int64](),
}

func (m *v2Mirrors) of(t reflect.Type) reflect.Type {
	switch {
	case t == reflect.TypeFor[Timestamp]():
		return reflect.TypeFor[v2AnyValue]()
	case t.Kind() == reflect.Pointer:
		return reflect.PointerTo(m.of(t.Elem()))
	case t.Kind() == reflect.Slice:
		return reflect.SliceOf(m.of(t.Elem()))
	case t.Kind() == reflect.Struct && t.PkgPath() == reflect.TypeFor[Response]().PkgPath():
		return m.structOf(t)
	case v2Basic[t.Kind()] != nil && (t == reflect.TypeFor[Amount]() || !reflect.PointerTo(t).Implements(reflect.TypeFor[interface{ UnmarshalJSON([]byte) error }]())):
		return v2Basic[t.Kind()]
	}
	panic("the comparison with v2 does not know how to read " + t.String() + ": teach v2Mirrors.of")
}

// structOf mirrors a struct of the package: its fields in the order the
// decoder collects them (embedded structs flattened), under their json
// names, without Extra and the fields no key fills.
func (m *v2Mirrors) structOf(t reflect.Type) reflect.Type {
	if mt, ok := m.types[t]; ok {
		return mt
	}
	var fields []reflect.StructField
	var index [][]int
	var collect func(t reflect.Type, parent []int)
	collect = func(t reflect.Type, parent []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			at := append(append([]int(nil), parent...), i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case f.Anonymous && f.Type.Kind() == reflect.Struct && name == "":
				collect(f.Type, at)
			case !f.IsExported() || name == "-":
			default:
				if name == "" {
					name = f.Name
				}
				m.names = append(m.names, name)
				if alias := f.Tag.Get("xpay"); alias != "" {
					m.aliases = append(m.aliases, strings.Split(alias, ",")...)
				}
				fields = append(fields, reflect.StructField{
					Name: fmt.Sprintf("F%d", len(fields)),
					Type: m.of(f.Type),
					Tag:  reflect.StructTag(fmt.Sprintf(`json:%q`, name)),
				})
				index = append(index, at)
			}
		}
	}
	collect(t, nil)
	mt := reflect.StructOf(fields)
	m.types[t], m.fields[mt] = mt, index
	return mt
}

// convert returns v, a value of a type of the package, as a value of its
// mirror mt.
func (m *v2Mirrors) convert(v reflect.Value, mt reflect.Type) reflect.Value {
	out := reflect.New(mt).Elem()
	switch {
	case mt == reflect.TypeFor[v2AnyValue]():
	case mt.Kind() == reflect.Struct:
		for i, at := range m.fields[mt] {
			out.Field(i).Set(m.convert(v.FieldByIndex(at), mt.Field(i).Type))
		}
	case mt.Kind() == reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(mt.Elem())
			p.Elem().Set(m.convert(v.Elem(), mt.Elem()))
			out.Set(p)
		}
	case mt.Kind() == reflect.Slice:
		if !v.IsNil() {
			s := reflect.MakeSlice(mt, v.Len(), v.Len())
			for i := range v.Len() {
				s.Index(i).Set(m.convert(v.Index(i), mt.Elem()))
			}
			out.Set(s)
		}
	default:
		out.Set(v.Convert(mt))
	}
	return out
}

// comparable reports whether the two read every key of body, valid JSON,
// alike: none is another spelling of a field, and none names one in v2's
// folding only by ignoring '_' and '-'.
func (m *v2Mirrors) comparable(body []byte) bool {
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	for {
		kind, n := dec.StackIndex(dec.StackDepth())
		tok, err := dec.ReadToken()
		if err != nil {
			return true
		}
		if kind != '{' || n%2 != 0 || tok.Kind() != '"' {
			continue // not a key
		}
		key := tok.String()
		for _, a := range m.aliases {
			if strings.EqualFold(key, a) {
				return false
			}
		}
		if bare := strings.NewReplacer("_", "", "-", "").Replace(key); bare != key {
			for _, name := range m.names {
				if strings.EqualFold(bare, name) {
					return false
				}
			}
		}
	}
}

// check decodes body into a value of typ with the decoder and with v2,
// and fails t where they differ as the rules above forbid.
func (m *v2Mirrors) check(t *testing.T, body []byte, typ reflect.Type) v2Outcome {
	t.Helper()
	mt := m.of(typ)
	mirror := reflect.New(mt)
	v2Err := jsonv2.Unmarshal(body, mirror.Interface(), jsonv2.MatchCaseInsensitiveNames(true))
	got := reflect.New(typ)
	err := lenient.Unmarshal(body, got.Interface())
	valid := jsontext.Value(body).IsValid(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	switch {
	case !valid:
		if !lenient.Rejects(err) {
			t.Errorf("%s: %q is not JSON, and the decoder answers %v", typ, body, err)
		}
		if v2Err == nil {
			t.Errorf("%s: %q is not JSON, and v2 decodes it", typ, body)
		}
		return v2BothRefused
	case err == lenient.ErrSyntax:
		t.Errorf("%s: the decoder finds %q malformed, which is JSON", typ, body)
	case err == lenient.ErrMemoryBudget:
		return v2OverBudget
	case err != nil:
		if v2Err == nil {
			t.Errorf("%s: the decoder refuses %q (%v), which v2 decodes", typ, body, err)
		}
		return v2BothRefused
	case v2Err != nil:
		return v2LenientOnly
	case !m.comparable(body):
		return v2NotCompared
	}
	if want, have := mirror.Elem().Interface(), m.convert(got.Elem(), mt).Interface(); !reflect.DeepEqual(want, have) {
		t.Errorf("%s: %q decodes differently:\nv2:      %+v\ndecoder: %+v", typ, body, want, have)
	}
	return v2Compared
}

// answerTypes returns the types the Client decodes answers into: the
// structs its methods return that embed Response.
func answerTypes() []reflect.Type {
	ct := reflect.TypeFor[*Client]()
	seen := map[reflect.Type]bool{}
	var types []reflect.Type
	for i := range ct.NumMethod() {
		m := ct.Method(i).Type
		for j := range m.NumOut() {
			out := m.Out(j)
			if out.Kind() != reflect.Pointer || out.Elem().Kind() != reflect.Struct || seen[out.Elem()] {
				continue
			}
			if f, ok := out.Elem().FieldByName("Response"); ok && f.Anonymous && f.Type == reflect.TypeFor[Response]() {
				seen[out.Elem()] = true
				types = append(types, out.Elem())
			}
		}
	}
	return types
}

// v2Bodies are bodies at the edges of the rules, beside the fixtures.
var v2Bodies = []string{
	`{}`, `null`, " \t\r\n{\"esito\" : \"OK\"}\n", `{"esito":"OK","idOperazione":"1","timeStamp":1,"mac":"x"}`,
	`{"Esito":"OK","IDOPERAZIONE":"1"}`, `{"esito":"\u004fK","\u0065rrore":{"codice":2,"messaggio":"caff\u00e8 \"1\""}}`,
	`{"errore":null}`, `{"errore":{}}`, `{"errore":{"codice":-0}}`, `{"errore":{"codice":99999999999999999999}}`,
	`{"errore":{"codice":1.5}}`, `{"errore":{"codice":"2"}}`, `{"errore":"2"}`, `{"esito":1}`, `{"esito":true}`,
	`{"timeStamp":"abc"}`, `{"timeStamp":{"a":[1]}}`, `{"timeStamp":" 12 "}`,
	`{"report":[]}`, `{"report":null}`, `{"report":[{}]}`, `{"report":[null]}`, `{"report":[{},1]}`, `{"report":{}}`,
	`{"report":[{"importo":5000,"divisa":"EUR","dettaglio":[{"operazioni":[{"tipoOperazione":"CONTAB.","importo":-0}]}]}]}`,
	`{"report":[{"importo":"5000"}]}`, `{"report":[{"dettaglio":{"nome":"a"}}]}`, `{"report":[{"importo":5e3}]}`,
	// Duplicates: a key twice, in any case for a field, is refused by both;
	// inside a value kept in Extra only v2 looks.
	`{"esito":"OK","esito":"OK"}`, `{"esito":"OK","ESITO":"KO"}`, `{"ESITO":"OK","esito":"KO"}`, `{"x":1,"x":2}`,
	`{"x":1,"X":2}`, `{"x":{"a":1,"a":2}}`, `{"report":[{"importo":1,"Importo":2}]}`,
	// Not compared: another spelling, v2's folding of '_' and '-'.
	`{"warning":[{"messaggio":"a"}]}`, `{"warnings":[],"Warning":[]}`, `{"es_ito":"OK"}`, `{"id-operazione":"1"}`,
	// Not JSON.
	``, ` `, `{`, `{"esito":"OK"`, `{"codice"="A1"}`, `{"esito" "OK"}`, `{"a":1,}`, `{,}`, `{"a"}`, `{a:1}`,
	`"\u00e`, `{"esito":"\u00e`, `{"esito":"\u00eg"}`, `{"esito":"\x"}`, "{\"esito\":\"a\x01\"}", `{"x":01}`,
	`{"x":1.}`, `{"x":-}`, `{"x":tru}`, `{"x":nul}`, `{} {}`, `{}x`, "\ufeff{}", `{"x":[1,]}`, `{"x":[1 2]}`,
	// Valid, but not an object, or invalid UTF-8 (v2 refuses it).
	`[]`, `"x"`, `12`, `true`, "{\"esito\":\"\xff\"}", `{"esito":"\ud800"}`,
	`{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	`{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
}

// TestDecodeMatchesJSONv2 runs the comparison on the fixtures and on the
// bodies above, for every answer type.
func TestDecodeMatchesJSONv2(t *testing.T) {
	t.Parallel()
	bodies := append([]string(nil), v2Bodies...)
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, name := range files {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		bodies = append(bodies, string(b))
	}
	m := newV2Mirrors()
	types := answerTypes()
	require.Greater(t, len(types), 15)
	seen := map[v2Outcome]int{}
	for _, body := range bodies {
		for _, typ := range types {
			seen[m.check(t, []byte(body), typ)]++
		}
	}
	// Every kind of outcome is met, so that the table tests each rule.
	for o := v2Compared; o <= v2NotCompared; o++ {
		assert.Positive(t, seen[o], "outcome %d", o)
	}
	t.Logf("%d bodies × %d types: %d compared by value, %d refused by both, %d read by the decoder alone, %d not compared",
		len(bodies), len(types), seen[v2Compared], seen[v2BothRefused], seen[v2LenientOnly], seen[v2NotCompared])
}

// FuzzDecodeMatchesJSONv2 is the comparison on any body.
func FuzzDecodeMatchesJSONv2(f *testing.F) {
	addFixtureSeeds(f)
	for _, b := range v2Bodies {
		f.Add([]byte(b))
	}
	m := newV2Mirrors()
	types := answerTypes()
	for _, typ := range types {
		m.of(typ) // built once, before the workers share them
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, typ := range types {
			m.check(t, body, typ)
		}
	})
}
