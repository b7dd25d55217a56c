package xpaytest_test

// What real clients written by others read from the sandbox, tested the
// way they read it.

import (
	"context"
	"image/png"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// pretixOperationDate is how pretix-xpay reads dataOperazione:
// datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f") (APSfurizon/pretix-xpay,
// pretix_xpay/utils.py:72), with the patterns CPython's strptime gives each
// directive (Lib/_strptime.py:186-203 of Python 3.11: %f is one to six
// digits), matched whole.
var pretixOperationDate = regexp.MustCompile(`^(?:\d\d\d\d)-(?:1[0-2]|0[1-9]|[1-9])-(?:3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9]) ` +
	`(?:2[0-3]|[0-1]\d|\d):(?:[0-5]\d|\d):(?:6[0-1]|[0-5]\d|\d)\.(?:[0-9]{1,6})$`)

// dataOperazione is written as XPay writes it, "2024-07-25 12:41:47.0",
// whatever fraction of a second the clock has: pretix-xpay reads it, on
// situazioneOrdine and reportOrdini alike, once an order is captured or
// refunded.
func TestOperationDatesReadAsPretixReadsThem(t *testing.T) {
	t.Parallel()
	require.True(t, pretixOperationDate.MatchString("2024-07-25 12:41:47.0"), "the value pretix-xpay's comment shows")
	require.False(t, pretixOperationDate.MatchString("2026-12-07 22:11:51.065556588"), "nine digits are more than %f takes")

	at := time.Date(2026, 12, 7, 21, 11, 51, 65556588, time.UTC) // a clock with nanoseconds
	srv := xpaytest.NewServer(xpaytest.WithDemoData(), xpaytest.WithClock(func() time.Time { return at }))
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := context.Background()
	_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 1000, Currency: xpay.CurrencyEUR})
	require.NoError(t, err)
	_, err = c.Refund(ctx, &xpay.RefundRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 500, Currency: xpay.CurrencyEUR})
	require.NoError(t, err)

	order, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
	require.NoError(t, err)
	ops := order.Order().Operations()
	require.Len(t, ops, 2)
	for _, op := range ops {
		assert.Equal(t, "2026-12-07 22:11:51.0", op.Date, "Italian time, to the second, as Java prints it")
	}
	today := xpay.DateOf(at.In(xpay.Rome()))
	list, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today.AddDays(-1), To: today}, Channel: xpay.ChannelAll})
	require.NoError(t, err)
	require.NotEmpty(t, list.Orders)
	for _, o := range list.Orders {
		assert.Regexp(t, pretixOperationDate, o.OperationDate, o.TransactionCode)
	}
}

// Nexi's Python sample of reportAssociazioni sends the group under the key
// gruppo (elenco-associazioni-cf-pan.py line 39) and signs it as
// "codiceGruppo=" (line 29), as the PHP, Java and .NET samples sign it:
// the MAC's label is codiceGruppo whatever key carries the group. Signed
// "gruppo=", as Nexi's Android SDK signs it, it is KO 3.
func TestCFPANGroupAsNexisPythonSampleSendsIt(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	t.Cleanup(srv.Close)
	const path = "ecomm/api/cfpan/reportAssociazioni"
	// sendAs signs the group under label and sends it under key.
	sendAs := func(key, label, group string) map[string]any {
		fields := map[string]any{"tipo": "CodiceFiscale", "valore": xpaytest.DemoTaxCode, label: group}
		return raw(t, srv, path, fields, []string{"apiKey", "tipo", "valore", label, "timeStamp"}, func(body map[string]any) {
			body[key] = body[label]
			if key != label {
				delete(body, label)
			}
		})
	}
	for name, c := range map[string]struct {
		key, label string
		code       int
	}{
		"the PHP, Java and .NET samples": {"codiceGruppo", "codiceGruppo", 0},
		"the Python sample":              {"gruppo", "codiceGruppo", 0},
		"signed under gruppo":            {"gruppo", "gruppo", xpay.CodeInvalidMAC},
	} {
		res := sendAs(c.key, c.label, xpaytest.DefaultGroup)
		assert.Equal(t, c.code, code(res), "%s: %v", name, res)
	}
	// The value signed is the one sent: another group under gruppo is KO 12.
	assert.Equal(t, xpay.CodeInvalidGroup, code(sendAs("gruppo", "codiceGruppo", "GRP_ALTRO")))
}

// The pictures profileInfo points at are there: shops show them at
// checkout (the WooCommerce plugin shows urlLogoNexiSmall as the cards'
// icon, WC_Gateway_XPay_Cards.php:36-39).
func TestProfileInfoPicturesAreServed(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer()
	t.Cleanup(srv.Close)
	info, err := srv.Client().GetProfileInfo(context.Background(), &xpay.GetProfileInfoRequest{})
	require.NoError(t, err)
	urls := map[string][2]int{info.LogoSmallURL: {240, 60}, info.LogoLargeURL: {480, 120}}
	for _, m := range info.Methods {
		urls[m.Image] = [2]int{}
	}
	require.Len(t, urls, 5)
	for u, size := range urls {
		require.True(t, strings.HasPrefix(u, srv.URL+"/img/"), u)
		resp, err := http.Get(u)
		require.NoError(t, err)
		img, decodeErr := png.Decode(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, u)
		assert.Equal(t, "image/png", resp.Header.Get("Content-Type"), u)
		require.NoError(t, decodeErr, u)
		if size != [2]int{} {
			assert.Equal(t, size, [2]int{img.Bounds().Dx(), img.Bounds().Dy()}, "the size the logo's name says: %s", u)
		}
	}
	resp, err := http.Get(srv.URL + "/img/nothing.png")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
