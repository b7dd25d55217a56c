package lenient

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
