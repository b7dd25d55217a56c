package lenient

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A body cut inside a \u escape is malformed, and scanning it stays inside
// the body: "\u00e ends where the escape needs its fourth digit.
func TestEscapeCutShort(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`"\u00e`, `"\u00`, `"\u0`, `"\u`, `"\`, `{"codice":"\u00e`, `{"\u00e`, `["\u00e`, `{"x":["\u00e`} {
		assert.False(t, Valid([]byte(in)), "%q", in)
		var v decodeItem
		assert.ErrorIs(t, Unmarshal([]byte(in), &v), ErrSyntax, "%q", in)
	}
}

// A key is followed by a colon, and by nothing else, in every object the
// scanner skips: those of values kept in Extra too.
func TestSkippedMembersNeedTheirColon(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{"a"=1}`, `{"a" 1}`, `{"a";"b"}`, `[{"a"=1}]`, `{"a":{"b"=1}}`, `{"a":1,"b"=2}`} {
		assert.False(t, Valid([]byte(in)), "%q", in)
		var v decodeItem
		assert.ErrorIs(t, Unmarshal([]byte(`{"nuovo":`+in+`}`), &v), ErrSyntax, "%q kept in Extra", in)
	}
	assert.True(t, Valid([]byte(`{"a" : {"b":1}}`)))
}
