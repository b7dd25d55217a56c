package xpay_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xpaygo/xpay"
)

// The shape of blacklist in a controlla answer is undocumented: a bare
// boolean must not fail the call, and is still readable.
func TestCheckBlacklistBooleanShape(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value  any
		listed bool
	}{{true, true}, {false, false}, {[]any{}, false}} {
		c, mock := newTestClient(t)
		mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/blacklist/controlla",
			httpmock.NewBytesResponder(http.StatusOK, signedBody(t, "5", map[string]any{"blacklist": tc.value})))
		res, err := c.CheckBlacklist(context.Background(), &xpay.CheckBlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: taxCode})
		require.NoError(t, err)
		assert.Equal(t, tc.listed, res.Listed(), "%v", tc.value)
	}
}
