package xpay_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

func TestSilentByDefault(t *testing.T) {
	// Not parallel: it swaps the default logger.
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(prev)
	c, mock := newTestClient(t)
	mock.RegisterNoResponder(httpmock.NewErrorResponder(errors.New("boom")))
	_, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-2024-000123"})
	require.Error(t, err)
	assert.Empty(t, logs.String())
}
