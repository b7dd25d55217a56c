package xpay

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xpaygo/xpay/internal/lenient"
)

type decodeItem struct {
	Code   string                     `json:"codice"`
	Amount Amount                     `json:"importo"`
	Count  int                        `json:"conteggio"`
	Flag   bool                       `json:"flag"`
	State  OrderState                 `json:"stato"`
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
			decodeItem{Code: "A1", Amount: 5000, Count: 3, Flag: true, State: OrderStateAuthorized}, nil},
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
			require.NoError(t, lenient.Unmarshal([]byte(c.in), &got))
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
		assert.Error(t, lenient.Unmarshal([]byte(in), &got), "%q", in)
	}
}

func TestAmountJSON(t *testing.T) {
	t.Parallel()
	ok := map[string]Amount{`5000`: 5000, `"5000"`: 5000, `" 12 "`: 12, `0`: 0, `""`: 0, `null`: 0, `-300`: -300, `"9223372036854775807"`: 1<<63 - 1}
	for in, want := range ok {
		var a Amount
		require.NoError(t, json.Unmarshal([]byte(in), &a), in)
		assert.Equal(t, want, a, in)
	}
	for _, bad := range []string{`50.00`, `"50,00"`, `5e3`, `true`, `{}`, `"abc"`, `"9223372036854775808"`} {
		var a Amount
		assert.Error(t, json.Unmarshal([]byte(bad), &a), bad)
	}
	b, err := json.Marshal(struct {
		A Amount `json:"importo"`
	}{5000})
	require.NoError(t, err)
	assert.JSONEq(t, `{"importo":5000}`, string(b))
	assert.Equal(t, "5000", Amount(5000).String())
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
		err := lenient.Unmarshal([]byte(in), &got)
		assert.True(t, lenient.Rejects(err), "%s: %v", in, err)
	}
}
