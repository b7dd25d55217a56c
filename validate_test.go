package xpay_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// Finding: free text let U+0085 (NEL) and U+202E (right-to-left override)
// through. Every control and bidi formatting character is refused.
func TestFreeTextRefusesControlAndBidiCharacters(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	for _, r := range []rune{'\u0085', '\u202e', '\u2066', '\u200f', '\u061c', '\x7f', '\u009b', '\u2028', '\u2029'} {
		_, err := c.AddToBlacklist(context.Background(), &xpay.AddToBlacklistRequest{
			Type: xpay.ValueTypeTaxCode, Value: "RSSMRA80A01H501U", Description: "Chargeback" + string(r) + "ripetuti",
		})
		var ve *xpay.ValidationError
		require.ErrorAs(t, err, &ve, "%U", r)
		assert.Equal(t, "Description", ve.Field)
		assert.Contains(t, ve.Rule, fmt.Sprintf("%U", r))
	}
	assert.Zero(t, mock.GetTotalCallCount())
}
