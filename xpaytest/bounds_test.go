package xpaytest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// A Server left running holds a bounded amount: what one link may keep is
// capped, and past WithMaxItems of a kind the oldest go, newest kept (what
// no client wrote: see TestEvictionKeepsWhatAClientWrote).
func TestServerStateIsBounded(t *testing.T) {
	t.Parallel()
	const max = 10
	srv := xpaytest.NewServer(xpaytest.WithMaxItems(max))
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := context.Background()
	// Two values as long as the client allows: about what one link may keep.
	params := map[string]string{"Note1": strings.Repeat("x", 2000), "Note2": strings.Repeat("y", 2000)}
	for i := range 25 {
		_, err := srv.AddLink(xpaytest.Link{Code: fmt.Sprintf("PBL-BOUND-%02d", i), Amount: 100, Hours: 1,
			ReturnURL: "https://shop.example/esito", Parameters: params})
		require.NoError(t, err, i)
		require.NoError(t, srv.AddToBlacklist(xpay.ValueTypeContractNumber, fmt.Sprintf("CNT-BOUND-%02d", i), ""))
		require.NoError(t, srv.AddOrder(xpaytest.Order{Code: fmt.Sprintf("ORD-BOUND-%02d", i), Amount: 100}))
	}
	today := xpay.Today()
	links, err := c.ListPayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: today.AddDays(-1), CreatedTo: today.AddDays(1)})
	require.NoError(t, err)
	assert.LessOrEqual(t, len(links.Links), max)
	assert.Equal(t, "PBL-BOUND-24", links.Links[len(links.Links)-1].TransactionCode, "the newest is kept")
	_, err = c.RegeneratePayByLink(ctx, &xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL-BOUND-00", TimeoutHours: 1})
	requireKO(t, err, xpay.CodeTransactionNotFound)

	listed, err := c.ListBlacklist(ctx, &xpay.ListBlacklistRequest{Type: xpay.ValueTypeContractNumber})
	require.NoError(t, err)
	assert.LessOrEqual(t, len(listed.Entries), max)
	orders, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today.AddDays(-1), To: today.AddDays(1)}, Channel: xpay.ChannelAll})
	require.NoError(t, err)
	assert.LessOrEqual(t, len(orders.Orders), max)
	_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-BOUND-00"})
	requireKO(t, err, xpay.CodeNotFound)
	_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-BOUND-24"})
	require.NoError(t, err)

	// A client in another language may send more than xpay would.
	big := map[string]any{"Note1": strings.Repeat("x", 2000), "Note2": strings.Repeat("y", 2000), "Note3": strings.Repeat("z", 2000)}
	res := raw(t, srv, "ecomm/api/bo/richiestaPayMail", map[string]any{"codiceTransazione": "PBL-BIG", "importo": 100, "timeout": 1,
		"url": "https://shop.example/esito", "parametriAggiuntivi": big}, []string{"apiKey", "codiceTransazione", "importo", "timeStamp"}, nil)
	assert.Equal(t, "KO", res["esito"])
	assert.Contains(t, res["errore"].(map[string]any)["messaggio"], "parametriAggiuntivi")
}

func requireKO(t *testing.T, err error, code int) {
	t.Helper()
	var apiErr *xpay.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, code, apiErr.Code, apiErr.Message)
}

// The requests log keeps the last MaxReceived requests, with their answers.
func TestReceivedKeepsTheLastRequests(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	t.Cleanup(srv.Close)
	c := srv.Client()
	for i := range xpaytest.MaxReceived + 5 {
		_, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: fmt.Sprintf("ORD-NONE-%04d", i)})
		require.Error(t, err)
	}
	got := srv.Received()
	require.LessOrEqual(t, len(got), xpaytest.MaxReceived)
	last := got[len(got)-1]
	assert.Contains(t, last.Request, fmt.Sprintf("ORD-NONE-%04d", xpaytest.MaxReceived+4), "the newest is kept")
	assert.Contains(t, last.Answer, `"esito":"KO"`)
	assert.Equal(t, 200, last.Status)
}
