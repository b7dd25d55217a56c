package lenient

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What is not JSON is ErrSyntax, whatever value it starts with; a JSON
// value that is not an object is ErrNotObject.
func TestUnmarshalTellsNotJSONFromNotObject(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]error{
		`000`: ErrSyntax, `[] x`: ErrSyntax, `"a" "b"`: ErrSyntax, `1 2`: ErrSyntax, `{}}`: ErrSyntax, `null x`: ErrSyntax,
		`[]`: ErrNotObject, ` "x" `: ErrNotObject, `12`: ErrNotObject, `true`: ErrNotObject,
	} {
		var v decodeItem
		assert.Equal(t, want, Unmarshal([]byte(in), &v), "%q", in)
	}
}

// The decoder reads a key's colon, and refuses any other byte in its
// place, whatever the key names.
func TestKeyNeedsItsColon(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{"codice"="A1"}`, `{"codice" "A1"}`, `{"codice";"A1"}`, `{"nuovo"="A1"}`, `{"Codice"="A1"}`, `{"codice":"A1","importo"=1}`, `{"codice"`} {
		var v decodeItem
		assert.ErrorIs(t, Unmarshal([]byte(in), &v), ErrSyntax, "%q", in)
	}
	var v decodeItem
	assert.NoError(t, Unmarshal([]byte(`{"codice" :"A1"}`), &v))
	assert.Equal(t, "A1", v.Code)
}

// A key is read by its text: escaped, it names its field, and two
// spellings of one key are that key twice, which other parsers would read
// as the last.
func TestEscapedKeysAreReadByTheirText(t *testing.T) {
	t.Parallel()
	var v decodeItem
	require.NoError(t, Unmarshal([]byte(`{"c\u006fdice":"A1","\"x\"":1}`), &v))
	assert.Equal(t, "A1", v.Code)
	assert.Equal(t, map[string]json.RawMessage{`"x"`: json.RawMessage(`1`)}, v.Extra)
	for _, in := range []string{`{"codice":"a","c\u006fdice":"b"}`, `{"n\u0075ovo":1,"nuovo":2}`} {
		assert.ErrorIs(t, Unmarshal([]byte(in), &decodeItem{}), ErrDuplicateKey, in)
	}
}

// The key that names a field exactly wins over another of its spellings
// in another letter case, wherever each stands: the other is kept.
func TestTheExactKeyWins(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{"ELENCO":[{"nome":"b"}],"voci":[{"nome":"a"}]}`, `{"voci":[{"nome":"a"}],"ELENCO":[{"nome":"b"}]}`} {
		var v decodeItem
		require.NoError(t, Unmarshal([]byte(in), &v), in)
		require.Len(t, v.Items, 1, in)
		assert.Equal(t, "a", v.Items[0].Name, in)
		assert.Contains(t, v.Extra, "ELENCO", in)
	}
}

// An empty string is zero for an integer type of the decoded value's
// package, as its own UnmarshalJSON reads it; another integer it does not
// fit, and it is kept.
func TestEmptyStringIsZeroForThePackagesIntegers(t *testing.T) {
	t.Parallel()
	type minor int64
	type record struct {
		Amount minor                      `json:"importo"`
		Count  int                        `json:"conteggio"`
		Extra  map[string]json.RawMessage `json:"-"`
	}
	r := record{Amount: 1, Count: 1}
	require.NoError(t, Unmarshal([]byte(`{"importo":"","conteggio":" "}`), &r))
	assert.Zero(t, r.Amount)
	assert.Equal(t, map[string]json.RawMessage{"conteggio": json.RawMessage(`" "`)}, r.Extra)
}
