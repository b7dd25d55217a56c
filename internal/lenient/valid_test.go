package lenient

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The decoder checks JSON as it decodes, so nothing else checks it first:
// it must accept exactly what encoding/json accepts.
func TestValidMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, in := range validSeeds {
		assert.Equal(t, json.Valid([]byte(in)), Valid([]byte(in)), "%q", in)
	}
}

var validSeeds = []string{
	``, ` `, `{}`, `[]`, `""`, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.5e-3`,
	`true`, `tru`, `truex`, `false`, `null`, `nul`, `NaN`, `Infinity`, `+1`, `0x10`,
	`"a\"b"`, `"a\\"`, `"\u00e8"`, `"\u00g8"`, `"\u00e"`, `"\x"`, `"\/"`, `"a` + "\x01" + `b"`, `"a` + "\x7f" + `b"`, "\"\xff\xfe\"",
	`{"a":1,}`, `{"a":1 "b":2}`, `{"a" 1}`, `{a:1}`, `{"a":}`, `[1,]`, `[,1]`, `[1 2]`, `[1]]`, `{"a":[1}]`, `{"a":{"b":[]}}`,
	`{"a":1} x`, `{"a":1}}`, " \t\r\n{}\n ", "{}\u00a0", `{"a":"\u2028"}`, `["a",{"b":null},[true,false]]`,
	`"\u00eg"`, `"\u0g00"`, `trux`, `[nulx]`, `{"a":fals3}`, `[true,truE]`,
	"\"aaaaaaaaaaaaaa\x1fbbbbbbbbbbbbbbbb\"", "\"aaaaaaaaaaaaaa\x00bbbbbbbbbbbbbbbb\"", "\"aaaaaaaaaaaaaa\x20bbbbbbbbbbbbbbbb\"",
	"\"aaaaaaaaaaaaaa\\\"bbbbbbbbbbbbbbbb\"", "\"aaaaaaaaaaaaaa\xffbbbbbbbbbbbbbbbb\"",
}

func FuzzValidMatchesEncodingJSON(f *testing.F) {
	for _, s := range validSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want := json.Valid(b)
		if got := Valid(b); got != want {
			t.Fatalf("Valid(%q) = %v, json.Valid %v", b, got, want)
		}
		var v decodeItem
		if err := Unmarshal(b, &v); !want && err == nil {
			t.Fatalf("Unmarshal accepted %q, which is not JSON", b)
		}
		var list []json.RawMessage
		if s := strings.TrimSpace(string(b)); want && json.Unmarshal(b, &list) == nil && len(list) > 0 {
			if got := countElements(s, skipSpace(s, 1)); got != len(list) {
				t.Fatalf("countElements(%q) = %d, want %d", b, got, len(list))
			}
		}
	})
}

// Nesting is held to encoding/json's depth, by the decoder and by Walk,
// which hands over elements to be decoded on their own.
func TestDepthIsBounded(t *testing.T) {
	t.Parallel()
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	assert.True(t, Valid([]byte(nest(MaxDepth))))
	assert.False(t, Valid([]byte(nest(MaxDepth+1))))
	assert.Equal(t, json.Valid([]byte(nest(MaxDepth+1))), Valid([]byte(nest(MaxDepth+1))))

	// A field's value at depth 2 (in the object, in the field's value).
	var v decodeItem
	require.NoError(t, Unmarshal([]byte(`{"x":`+nest(MaxDepth-1)+`}`), &v))
	assert.ErrorIs(t, Unmarshal([]byte(`{"x":`+nest(MaxDepth)+`}`), &v), ErrSyntax)

	// An element of the list is at depth 3: {, [ and its own. Walk
	// refuses one nested deeper itself: it never reaches each.
	walk := func(inner int) (handed int, err error) {
		body := `{"voci":[{"x":` + nest(inner) + `}]}`
		_, err = Walk(strings.NewReader(body), 1<<30, KeyOf[decodeItem]("Items"), func(raw []byte) error {
			handed++
			var s decodeSubItem
			return Unmarshal(raw, &s)
		})
		return handed, err
	}
	handed, err := walk(MaxDepth - 3)
	assert.NoError(t, err)
	assert.Equal(t, 1, handed)
	handed, err = walk(MaxDepth - 2)
	assert.ErrorIs(t, err, ErrSyntax)
	assert.Zero(t, handed, "the element too deep is not handed over")
	assert.Equal(t, json.Valid([]byte(`{"voci":[{"x":`+nest(MaxDepth-2)+`}]}`)), false)
}

// Strings decoded from a body held in a string are pieces of it: a
// record of strings and numbers decodes with no allocation.
func TestStringsShareTheBody(t *testing.T) {
	type record struct {
		Code   string `json:"codice"`
		State  state  `json:"stato"`
		Amount int64  `json:"importo"`
		Text   string `json:"testo"`
	}
	body := `{"codice":"ORD-1","stato":"Autorizzato","importo":"5000","testo":12}`
	var r record
	allocs := testing.AllocsPerRun(100, func() {
		r = record{}
		if err := UnmarshalString(body, &r); err != nil {
			t.Fatal(err)
		}
	})
	assert.Equal(t, record{"ORD-1", "Autorizzato", 5000, "12"}, r)
	assert.Zero(t, allocs, "allocations to decode a record of strings and numbers")

	// An escaped string is the one that needs its own.
	require.NoError(t, UnmarshalString(`{"codice":"caff\u00e8"}`, &r))
	assert.Equal(t, "caffè", r.Code)
}

// A list of records is made once, at its size.
func TestListsAreMadeAtTheirSize(t *testing.T) {
	t.Parallel()
	var v decodeItem
	require.NoError(t, Unmarshal([]byte(`{"voci":[{"nome":"a,]}"},{"nome":"b\"]"},{"nome":"c","x":[1,{"y":2}]}]}`), &v))
	require.Len(t, v.Items, 3)
	assert.Equal(t, 3, cap(v.Items))
	assert.Equal(t, []string{"a,]}", `b"]`, "c"}, []string{v.Items[0].Name, v.Items[1].Name, v.Items[2].Name})
}

// The size limit holds to the byte: an element of limit bytes is read, one
// byte more is refused; and so for all that is outside the elements.
func TestWalkLimitEdges(t *testing.T) {
	t.Parallel()
	element := func(n int) string { return `{"nome":"` + strings.Repeat("a", n-len(`{"nome":""}`)) + `"}` }
	for size, ok := range map[int]bool{64: true, 65: false} {
		body := `{"voci":[` + element(size) + `]}`
		_, err := Walk(strings.NewReader(body), 64, KeyOf[decodeItem]("Items"), func([]byte) error { return nil })
		if ok {
			assert.NoError(t, err, size)
		} else {
			assert.ErrorIs(t, err, ErrTooLarge, size)
		}
	}
	// Outside: {"esito":"…"} and the list's brackets, 64 bytes and 65.
	outside := func(n int) string {
		return `{"voci":[],"esito":"` + strings.Repeat("b", n-len(`{"voci":[],"esito":""}`)) + `"}`
	}
	_, err := Walk(strings.NewReader(outside(64)), 64, KeyOf[decodeItem]("Items"), func([]byte) error { return nil })
	assert.NoError(t, err)
	_, err = Walk(strings.NewReader(outside(65)), 64, KeyOf[decodeItem]("Items"), func([]byte) error { return nil })
	assert.ErrorIs(t, err, ErrTooLarge)
}

// Members and Elements hand over what a valid object or array holds, in
// order, and nothing of a body that is not JSON.
func TestMembersAndElements(t *testing.T) {
	t.Parallel()
	var got []string
	err := Members(` {"a":1,"b\u00e8":"x\"y","c":{"d":[1,2]},"e":null} `, func(k, raw string) error {
		got = append(got, k+"="+Text(raw))
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"a=1", "bè=x\"y", `c={"d":[1,2]}`, "e="}, got)

	got = nil
	require.NoError(t, Elements(`["a",2,true]`, func(raw string) error { got = append(got, Text(raw)); return nil }))
	assert.Equal(t, []string{"a", "2", "true"}, got)
	require.NoError(t, Members(`{}`, func(string, string) error { t.Fatal("called"); return nil }))

	calls := 0
	for in, want := range map[string]error{`{"a":1`: ErrSyntax, `{"a":1}x`: ErrSyntax, `[1]`: ErrNotObject, `"a"`: ErrNotObject, ``: ErrSyntax, `{"a":tru}`: ErrSyntax} {
		assert.ErrorIs(t, Members(in, func(string, string) error { calls++; return nil }), want, in)
	}
	assert.Zero(t, calls, "nothing of a body that is not a valid object is handed over")
	stop := errors.New("stop")
	assert.ErrorIs(t, Members(`{"a":1,"b":2}`, func(string, string) error { return stop }), stop)
}
