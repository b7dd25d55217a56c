package xpay_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

func TestNilRequest(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	_, err := c.Capture(context.Background(), nil)
	var ve *xpay.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Capture", ve.Operation)
	assert.Zero(t, mock.GetTotalCallCount())
}
