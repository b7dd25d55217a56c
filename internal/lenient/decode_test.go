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
