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

// The shape of the list in a controlla answer is not documented: a bare
// boolean must not fail the call, and is still readable; a value this
// package does not understand fails closed, never "not listed".
func TestCheckBlacklistShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key    string
		value  any
		listed bool
		err    string
	}{
		{"blacklist", true, true, ""}, {"blacklist", false, false, ""}, {"blacklist", []any{}, false, ""},
		{"blackList", []any{map[string]any{"valoreListato": taxCode}}, true, ""},
		{"blacklist", "true", false, `the answer's blacklist is "true", which this package does not understand`},
		{"blackList", "si", false, "does not understand"},
		{"blacklist", 1, false, "does not understand"},
		{"blacklist", []any{1}, false, "refused"},
	} {
		c, mock := newTestClient(t)
		mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/blacklist/controlla",
			httpmock.NewBytesResponder(http.StatusOK, signedBody(t, "5", map[string]any{tc.key: tc.value})))
		res, err := c.CheckBlacklist(context.Background(), &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: taxCode})
		if tc.err == "refused" {
			assert.Error(t, err, "%v: a list holding something that is not an entry", tc.value)
			continue
		}
		require.NoError(t, err)
		listed, err := res.Listed()
		assert.Equal(t, tc.listed, listed, "%v", tc.value)
		if tc.err == "" {
			assert.NoError(t, err, "%v", tc.value)
		} else {
			assert.ErrorContains(t, err, tc.err, "%v", tc.value)
		}
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
	assert.False(t, listed(t, res))
	assert.True(t, res.NothingFound())

	forged := editJSON(t, fixture(t, "blacklist-controlla-ko.json"), func(m map[string]any) { delete(m, "mac") })
	mock.Reset()
	mock.RegisterNoResponder(httpmock.NewBytesResponder(http.StatusOK, forged))
	_, err = c.CheckBlacklist(context.Background(), &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: "RSSMRA80A01H501U"})
	assert.ErrorIs(t, err, xpay.ErrInvalidMAC)

	_, sc := newSandbox(t)
	res, err = sc.CheckBlacklist(context.Background(), &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoTaxCode})
	require.NoError(t, err)
	assert.False(t, listed(t, res), "end to end: the sandbox answers KO 2 for a value not listed")
}

func listed(t *testing.T, res *xpay.BlacklistResponse) bool {
	t.Helper()
	l, err := res.Listed()
	require.NoError(t, err)
	return l
}
