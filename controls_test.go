package xpay_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
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
		res, err := c.CheckBlacklist(context.Background(), &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: taxCode})
		require.NoError(t, err)
		assert.Equal(t, tc.listed, res.Listed(), "%v", tc.value)
	}
}

// A value not listed comes back from XPay as "not found" (KO 2, signed):
// an answer, not an error. An unsigned or stale "not found" is still
// refused.
func TestCheckBlacklistNotListed(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	recordBody(t, mock, "ecomm/api/blacklist/controlla", "blacklist-controlla-ko.json")
	res, err := c.CheckBlacklist(context.Background(), &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: "RSSMRA80A01H501U"})
	require.NoError(t, err)
	assert.False(t, res.Listed())

	forged := editJSON(t, fixture(t, "blacklist-controlla-ko.json"), func(m map[string]any) { delete(m, "mac") })
	mock.Reset()
	mock.RegisterNoResponder(httpmock.NewBytesResponder(http.StatusOK, forged))
	_, err = c.CheckBlacklist(context.Background(), &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: "RSSMRA80A01H501U"})
	assert.ErrorIs(t, err, xpay.ErrInvalidMAC)

	_, sc := newSandbox(t)
	res, err = sc.CheckBlacklist(context.Background(), &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoTaxCode})
	require.NoError(t, err)
	assert.False(t, res.Listed(), "end to end: the sandbox answers KO 2 for a value not listed")
}
