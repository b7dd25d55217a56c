package lenient

import (
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// state stands for the enumerations of the answers: a string type.
type state string

type decodeItem struct {
	Code   string                     `json:"codice"`
	Amount int64                      `json:"importo"`
	Count  int                        `json:"conteggio"`
	Flag   bool                       `json:"flag"`
	State  state                      `json:"stato"`
	Items  []decodeSubItem            `json:"voci" xpay:"elenco"`
	Ptr    *decodeSubItem             `json:"puntatore"`
	Extra  map[string]json.RawMessage `json:"-"`
}

type decodeSubItem struct {
	Name  string                     `json:"nome"`
	Extra map[string]json.RawMessage `json:"-"`
}

func TestDecodeLenientRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    string
		want  decodeItem
		extra []string
	}{
		{"plain", `{"codice":"A1","importo":5000,"conteggio":3,"flag":true,"stato":"Autorizzato"}`,
			decodeItem{Code: "A1", Amount: 5000, Count: 3, Flag: true, State: "Autorizzato"}, nil},
		{"numbers as strings", `{"importo":"5000","conteggio":" 3 ","flag":"true"}`,
			decodeItem{Amount: 5000, Count: 3, Flag: true}, nil},
		{"strings as numbers", `{"codice":12345678901234567890,"stato":false}`,
			decodeItem{Code: "12345678901234567890", State: "false"}, nil},
		{"key case", `{"Codice":"A1","IMPORTO":7}`, decodeItem{Code: "A1", Amount: 7}, nil},
		{"a second alias of a set field is kept", `{"voci":[{"nome":"a"}],"elenco":[{"nome":"b"}]}`,
			decodeItem{Items: []decodeSubItem{{Name: "a"}}}, []string{"elenco"}},
		{"nulls", `{"codice":null,"importo":null,"voci":null,"puntatore":null}`, decodeItem{}, nil},
		{"escapes", `{"codice":"caff\u00e8 \"1\""}`, decodeItem{Code: `caffè "1"`}, nil},
		{"single object as a list", `{"voci":{"nome":"a"}}`,
			decodeItem{Items: []decodeSubItem{{Name: "a"}}}, nil},
		{"list", `{"voci":[{"nome":"a"},{"nome":"b","x":1}]}`,
			decodeItem{Items: []decodeSubItem{{Name: "a"}, {Name: "b", Extra: map[string]json.RawMessage{"x": json.RawMessage("1")}}}}, nil},
		{"pointer", `{"puntatore":{"nome":"p"}}`, decodeItem{Ptr: &decodeSubItem{Name: "p"}}, nil},
		{"unknown key kept", `{"nuovo":[1,2]}`, decodeItem{}, []string{"nuovo"}},
		{"mismatched value kept", `{"codice":{"a":1},"importo":"50.00","conteggio":"x","flag":"si"}`,
			decodeItem{}, []string{"codice", "importo", "conteggio", "flag"}},
		{"whitespace", " {\n \"codice\" : \"A1\" ,\t\"importo\" : 1 }\n", decodeItem{Code: "A1", Amount: 1}, nil},
		{"empty object", `{}`, decodeItem{}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var got decodeItem
			require.NoError(t, Unmarshal([]byte(c.in), &got))
			var keys []string
			for k := range got.Extra {
				keys = append(keys, k)
			}
			assert.ElementsMatch(t, c.extra, keys)
			got.Extra = nil
			assert.Equal(t, c.want, got)
		})
	}
}

func TestDecodeRejectsNonObjects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`[]`, `"x"`, `12`, ``, `{"a":1`, `{"a" 1}`, `{"a":1,}`, `{1:2}`} {
		var got decodeItem
		assert.Error(t, Unmarshal([]byte(in), &got), "%q", in)
	}
}

// A key given twice (in any letter case, for a modelled key) is refused:
// other JSON parsers would read the last, this one the first. So is an
// array of objects holding something else.
func TestDecodeRejectsAmbiguousAnswers(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"codice":"a","codice":"b"}`,
		`{"Codice":"variant","codice":"exact"}`,
		`{"codice":"exact","CODICE":"variant"}`,
		`{"nuovo":1,"nuovo":2}`,
		`{"voci":[{"nome":"a","nome":"b"}]}`,
		`{"voci":[{"nome":"a"},1]}`,
		`{"voci":[{"nome":"a"}],"VOCI":null}`,
	} {
		var got decodeItem
		err := Unmarshal([]byte(in), &got)
		assert.True(t, Rejects(err), "%s: %v", in, err)
	}
}

// Walk hands over the list's elements and returns the rest, as Unmarshal
// would read it.
func TestWalk(t *testing.T) {
	t.Parallel()
	in := `{"esito":"OK","voci":[{"nome":"a"},{"nome":"b"}],"mac":"x"}`
	var got []string
	env, err := Walk(strings.NewReader(in), 1<<20, KeyOf[decodeItem]("Items"), func(raw []byte) error {
		var s decodeSubItem
		if err := Unmarshal(raw, &s); err != nil {
			return err
		}
		got = append(got, s.Name)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, got)
	assert.JSONEq(t, `{"esito":"OK","mac":"x"}`, string(env))

	for name, in := range map[string]string{
		"trailing data": `{"voci":[]} x`,
		"a second list": `{"voci":[],"elenco":[]}`,
		"malformed":     `{"voci":[{"nome":"a"}`,
	} {
		_, err := Walk(strings.NewReader(in), 1<<20, KeyOf[decodeItem]("Items"), func([]byte) error { return nil })
		assert.Error(t, err, name)
	}
	_, err = Walk(strings.NewReader(`{"voci":[{"nome":"`+strings.Repeat("a", 100)+`"}]}`), 64, KeyOf[decodeItem]("Items"), func([]byte) error { return nil })
	assert.ErrorIs(t, err, ErrTooLarge)
	_, err = Walk(strings.NewReader(in), 1<<20, KeyOf[decodeItem]("Items"), func([]byte) error { return ErrStop })
	assert.ErrorIs(t, err, ErrStop)
	_, err = Walk(io.MultiReader(strings.NewReader(`{"voci":[`), errReader{}), 1<<20, KeyOf[decodeItem]("Items"), func([]byte) error { return nil })
	assert.ErrorIs(t, err, errBroken)
}

var errBroken = errors.New("broken")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBroken }

// KeyOf names a field by its json tag and its other spellings, in any
// letter case, and nothing else.
func TestKeyOf(t *testing.T) {
	t.Parallel()
	isItems := KeyOf[decodeItem]("Items")
	for _, k := range []string{"voci", "VOCI", "elenco", "Elenco"} {
		assert.True(t, isItems([]byte(k)), k)
	}
	for _, k := range []string{"codice", "voce", ""} {
		assert.False(t, isItems([]byte(k)), k)
	}
	assert.Panics(t, func() { KeyOf[decodeItem]("Nope") })
	assert.Panics(t, func() { KeyOf[decodeItem]("Extra") }, "Extra is not decoded from a key")
}

// wide answers to 65 keys: one more than a decode can track.
type wide struct {
	F0, F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12, F13, F14, F15, F16, F17, F18, F19, F20, F21 string
	F22, F23, F24, F25, F26, F27, F28, F29, F30, F31, F32, F33, F34, F35, F36, F37, F38, F39, F40, F41 string
	F42, F43, F44, F45, F46, F47, F48, F49, F50, F51, F52, F53, F54, F55, F56, F57, F58, F59, F60, F61 string
	F62, F63, F64                                                                                      string
}

// A type with more keys than a decode tracks is refused by Check, before
// anything is decoded into it, and never at run time by a decode of an
// answer: the package's tests Check every answer type.
func TestCheckRefusesTooManyKeys(t *testing.T) {
	t.Parallel()
	err := Check(reflect.TypeFor[wide]())
	assert.ErrorContains(t, err, "answers to 65 keys, more than 64")
	assert.NoError(t, Check(reflect.TypeFor[decodeItem]()))
	assert.Error(t, Check(reflect.TypeFor[int]()), "not a struct")
}
