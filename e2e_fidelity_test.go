package xpay_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// A customer who gives up on the payment page goes back to the link's
// urlBack with esito ANNULLO, signed as every outcome: the merchant reads
// it as a cancellation, nothing is paid, and the link can still be paid.
// A link without urlBack offers no cancel.
func TestE2EPayByLinkCancelledOnThePage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	link, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-BACK-1", Amount: 4200, TimeoutHours: 4,
		ReturnURL: "https://shop.example/esito", CancelURL: "https://shop.example/carrello?id=7",
	})
	require.NoError(t, err)
	page, err := http.Get(link.URL)
	require.NoError(t, err)
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	assert.Contains(t, string(html), `value="cancel"`, "the page offers the cancel button")

	resp, err := noRedirects.PostForm(link.URL, url.Values{"outcome": {"cancel"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "/carrello", back.Path)
	assert.Equal(t, "7", back.Query().Get("id"), "the merchant's own parameters are kept")
	result, err := c.VerifyPaymentResult(back.Query())
	require.NoError(t, err, "the cancellation is signed")
	assert.Equal(t, xpay.PaymentOutcomeCancelled, result.Outcome)
	assert.False(t, result.Paid())
	assert.Equal(t, xpay.Amount(4200), result.Amount)

	_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "PBL-BACK-1"})
	requireCode(t, err, xpay.CodeNotFound)
	_, err = srv.PayLink("PBL-BACK-1", true)
	require.NoError(t, err, "a cancelled payment leaves the link usable")

	plain, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-BACK-2", Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/esito",
	})
	require.NoError(t, err)
	page, err = http.Get(plain.URL)
	require.NoError(t, err)
	html, _ = io.ReadAll(page.Body)
	page.Body.Close()
	assert.NotContains(t, string(html), `value="cancel"`)
	resp, err = noRedirects.PostForm(plain.URL, url.Values{"outcome": {"cancel"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	_, err = srv.CancelLink("PBL-BACK-2")
	assert.ErrorContains(t, err, "no urlBack")
}

// The outcome a paid link sends back, to the browser and to urlPost,
// carries the card's expiry (scadenza_pan), and the contract the payment
// registered (num_contratto) when the link asked for one, as real
// integrations read them.
func TestE2EPaymentOutcomeCarriesExpiryAndContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	var mu sync.Mutex
	var notified url.Values
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		notified = r.PostForm
		mu.Unlock()
	}))
	t.Cleanup(shop.Close)
	_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-RIC-1", Amount: 990, TimeoutHours: 4, ReturnURL: "https://shop.example/esito", NotifyURL: shop.URL,
		AdditionalParameters: map[string]string{"num_contratto": "CNT-PBL-RIC-1"},
	})
	require.NoError(t, err)
	returned, err := srv.PayLink("PBL-RIC-1", true)
	require.NoError(t, err)
	back, err := url.Parse(returned)
	require.NoError(t, err)
	mu.Lock()
	form := notified
	mu.Unlock()
	for name, q := range map[string]url.Values{"return URL": back.Query(), "notification": form} {
		result, err := c.VerifyPaymentResult(q)
		require.NoError(t, err, name)
		assert.True(t, result.Paid(), name)
		assert.Equal(t, "203012", q.Get("scadenza_pan"), name)
		assert.Equal(t, "CNT-PBL-RIC-1", q.Get("num_contratto"), name)
		assert.NotEmpty(t, q.Get("pan"), name)
	}
	contracts, err := c.ListContracts(ctx, &xpay.ContractFilter{ContractNumber: "CNT-PBL-RIC-1"})
	require.NoError(t, err)
	require.Len(t, contracts.Contracts, 1, "the payment registered the contract")
}

// dataOperazione is written as XPay writes it, to the second with Java's
// Timestamp's ".0" ("2024-07-25 12:41:47.0"), which pretix-xpay reads with
// Python's %f (one to six digits, pretix_xpay/utils.py:72; the rule is
// copied in xpaytest's TestOperationDatesReadAsPretixReadsThem);
// dataTransazione has no fraction. Both parse.
func TestE2EOperationDatesAsXPayWritesThem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := newSandbox(t)
	_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-DEMO-0001", Amount: 1000, Currency: xpay.CurrencyEUR})
	require.NoError(t, err)
	res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-DEMO-0001"})
	require.NoError(t, err)
	o := res.Order()
	ops := o.Operations()
	require.NotEmpty(t, ops)
	withFraction := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.0$`)
	assert.Regexp(t, withFraction, ops[0].Date)
	assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`, o.TransactionDate)
	for _, d := range []string{ops[0].Date, o.TransactionDate} {
		_, err := xpay.ParseTime(d, nil)
		assert.NoError(t, err, d)
	}
	list, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today.AddDays(-1), To: today}, Channel: xpay.ChannelAll, TransactionCode: "ORD-DEMO-0001"})
	require.NoError(t, err)
	require.Len(t, list.Orders, 1)
	assert.Regexp(t, withFraction, list.Orders[0].OperationDate)
}
