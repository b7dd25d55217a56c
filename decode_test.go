package xpay

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
