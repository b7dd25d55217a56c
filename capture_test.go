package xpay_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// captureOpCases is Capture's row of the table every operation passes
// (TestOperations).
func captureOpCases() []opCase {
	capture := func(r xpay.CaptureRequest) func(context.Context, *xpay.Client) (any, error) {
		return func(ctx context.Context, c *xpay.Client) (any, error) { return c.Capture(ctx, &r) }
	}
	return []opCase{
		{
			name: "Capture", uri: "ecomm/api/bo/contabilizza", write: true,
			call: capture(money), body: moneyBody,
			ok: "contabilizza-ok.json", ko: "contabilizza-ko.json",
			koCode: xpay.CodeInvalidState, koMessage: "Valore non valido nello stato corrente",
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.CaptureResponse)
				assert.Equal(t, "80310241", r.OperationID)
			},
			invalid: []invalidCase{
				{"code too short", capture(xpay.CaptureRequest{TransactionCode: "X", Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
				{"code too long", capture(xpay.CaptureRequest{TransactionCode: strings.Repeat("A", 31), Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
				{"code not ASCII", capture(xpay.CaptureRequest{TransactionCode: "ORDINE-è", Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
				{"zero amount", capture(xpay.CaptureRequest{TransactionCode: "ORD1", Currency: xpay.CurrencyEUR}), "Amount", "importo"},
				{"negative amount", capture(xpay.CaptureRequest{TransactionCode: "ORD1", Amount: -5, Currency: xpay.CurrencyEUR}), "Amount", "importo"},
				{"no currency", capture(xpay.CaptureRequest{TransactionCode: "ORD1", Amount: 1}), "Currency", "divisa"},
				{"alphabetic currency", capture(xpay.CaptureRequest{TransactionCode: "ORD1", Amount: 1, Currency: "EUR"}), "Currency", "divisa"},
			},
		},
	}
}

// The order life cycle of capture and refund, as XPay enforces it.
func TestE2EOrderLifeCycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	require.NoError(t, srv.AddOrder(xpaytest.Order{Code: "ORD-LC-1", Amount: 10000}))
	capture := func(a xpay.Amount) error {
		_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-LC-1", Amount: a, Currency: eur})
		return err
	}
	refund := func(code string, a xpay.Amount) error {
		_, err := c.Refund(ctx, &xpay.RefundRequest{TransactionCode: code, Amount: a, Currency: eur})
		return err
	}
	state := func(code string) xpay.OrderState {
		res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
		require.NoError(t, err)
		return res.Order().State
	}

	require.NoError(t, capture(6000))
	assert.Equal(t, xpay.OrderStatePartiallyCaptured, state("ORD-LC-1"))
	requireCode(t, capture(4001), xpay.CodeAmountTooHigh)
	require.NoError(t, capture(4000))
	assert.Equal(t, xpay.OrderStateCaptured, state("ORD-LC-1"))
	requireCode(t, capture(1), xpay.CodeInvalidState)
	require.NoError(t, refund("ORD-LC-1", 3000))
	assert.Equal(t, xpay.OrderStatePartiallyRefunded, state("ORD-LC-1"))
	requireCode(t, capture(1), xpay.CodeInvalidState)
	requireCode(t, refund("ORD-LC-1", 7001), xpay.CodeAmountTooHigh)
	require.NoError(t, refund("ORD-LC-1", 7000))
	assert.Equal(t, xpay.OrderStateRefunded, state("ORD-LC-1"))
	requireCode(t, refund("ORD-LC-1", 1), xpay.CodeInvalidState)

	res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-LC-1"})
	require.NoError(t, err)
	var rows []string
	for _, op := range res.Order().Operations() {
		rows = append(rows, string(op.Type)+" "+op.Amount.String())
	}
	assert.Equal(t, []string{"CONTAB. 6000", "CONTAB. 4000", "STORNO 3000", "STORNO 7000"}, rows)

	// An authorization not yet captured is voided.
	require.NoError(t, refund(xpaytest.DemoAuthorized, 5000))
	assert.Equal(t, xpay.OrderStateCancelled, state(xpaytest.DemoAuthorized))
	requireCode(t, refund("ORD-NONE", 1), xpay.CodeNotFound)

	list, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll, TransactionCode: "ORD-LC-1"})
	require.NoError(t, err)
	require.Len(t, list.Orders, 1)
	assert.Equal(t, xpay.OrderStateRefunded, list.Orders[0].State)

	all, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll})
	require.NoError(t, err)
	var streamed []xpay.Order
	for o, err := range c.Orders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll}) {
		require.NoError(t, err)
		streamed = append(streamed, o)
	}
	assert.Len(t, streamed, 4)
	assert.Equal(t, all.Orders, streamed, "the stream yields what ListOrders returns")
}
