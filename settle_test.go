package xpay_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// A capture that XPay carries out after the client gave up: the sandbox,
// slowed by an hour of latency, answers nothing in time, so the client's
// timeout always ends the call first; the sandbox carries the capture out
// when the client hangs up. A read at once can miss it and invite a
// second capture; Settle waits for it.
func TestSettleWaitsForAWriteThatLandsLate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, _ := newSandbox(t)
	c := srv.Client(xpay.WithTimeout(100 * time.Millisecond))
	before, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
	require.NoError(t, err)
	srv.InjectFault("Capture", xpaytest.Fault{Latency: time.Hour, Times: 1})

	_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 2000, Currency: eur})
	require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)

	happened, serr := c.Settle(ctx, err, xpaytest.DemoAuthorized, xpay.CaptureOf(before.Order(), 2000))
	require.NoError(t, serr)
	assert.True(t, happened, "the capture landed late: sending it again would capture twice")
	after, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
	require.NoError(t, err)
	assert.Equal(t, xpay.Amount(2000), after.Order().Captured())
	assert.Equal(t, 1, srv.Requests("Capture"))
}

// A write that never reached XPay shows as not happened only once the
// settle window has passed. The clock here runs two minutes per reading,
// for the client and the sandbox alike, so the window passes in a few
// reads.
func TestSettleSaysNotHappenedOnlyAfterTheWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var now atomic.Int64
	now.Store(time.Now().UnixMilli())
	sandboxClock := func() time.Time { return time.UnixMilli(now.Load()) }
	clientClock := func() time.Time { return time.UnixMilli(now.Add(2 * time.Minute.Milliseconds())) }
	srv, _ := newSandbox(t, xpaytest.WithClock(sandboxClock))
	c := srv.Client(xpay.WithClock(clientClock))
	srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Times: 1}) // lost before it was carried out

	_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 2000, Currency: eur})
	require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)
	sent := now.Load()
	happened, serr := c.Settle(ctx, err, xpaytest.DemoAuthorized, xpay.CaptureOf(nil, 2000))
	require.NoError(t, serr)
	assert.False(t, happened)
	assert.GreaterOrEqual(t, time.Duration(now.Load()-sent)*time.Millisecond, xpay.SettleWindow, "not before the window passed")
}

func TestSettleMisuseAndCancellation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	_, err := c.Settle(ctx, errors.New("connection refused"), "ORD-1", xpay.CaptureOf(nil, 1))
	assert.ErrorContains(t, err, "not the ErrOutcomeUnknown")
	_, err = c.Settle(ctx, nil, "ORD-1", xpay.CaptureOf(nil, 1))
	assert.Error(t, err)

	srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Times: 1})
	_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 1, Currency: eur})
	require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	happened, serr := c.Settle(cancelled, err, xpaytest.DemoAuthorized, xpay.CaptureOf(nil, 1))
	assert.False(t, happened)
	assert.ErrorIs(t, serr, context.Canceled, "the outcome is still unknown")
}

func TestCaptureOfAndRefundOf(t *testing.T) {
	t.Parallel()
	order := func(ops ...xpay.Operation) *xpay.Order {
		return &xpay.Order{Details: []xpay.OrderDetail{{Operations: ops}}}
	}
	capture := func(a xpay.Amount) xpay.Operation { return xpay.Operation{Type: xpay.OperationTypeCapture, Amount: a} }
	refund := func(a xpay.Amount) xpay.Operation { return xpay.Operation{Type: xpay.OperationTypeRefund, Amount: a} }
	before := order(capture(1000))
	assert.False(t, xpay.CaptureOf(before, 500)(before))
	assert.True(t, xpay.CaptureOf(before, 500)(order(capture(1000), capture(500))))
	assert.False(t, xpay.CaptureOf(before, 500)(nil))
	assert.True(t, xpay.CaptureOf(nil, 500)(order(capture(500))))
	assert.False(t, xpay.RefundOf(before, 300)(order(capture(1000), capture(300))))
	assert.True(t, xpay.RefundOf(before, 300)(order(capture(1000), refund(300))))
}
