package xpay_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// requestURL returns the URL the client posts a GetOrder to.
func requestURL(t *testing.T, opts ...xpay.Option) string {
	t.Helper()
	mock := httpmock.NewMockTransport()
	var got string
	mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		got = r.URL.String()
		return httpmock.NewBytesResponse(http.StatusOK, fixture(t, "situazioneOrdine-ok.json")), nil
	})
	c, err := xpay.NewClient(testAlias, testSecret, append([]xpay.Option{xpay.WithHTTPClient(&http.Client{Transport: mock}), xpay.WithClock(fixedClock)}, opts...)...)
	require.NoError(t, err)
	_, err = c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-2024-000123"})
	require.NoError(t, err)
	return got
}

func TestBaseURLs(t *testing.T) {
	t.Parallel()
	const path = "ecomm/api/bo/situazioneOrdine"
	assert.Equal(t, "https://int-ecommerce.nexi.it/"+path, requestURL(t), "test is the default")
	assert.Equal(t, "https://ecommerce.nexi.it/"+path, requestURL(t, xpay.WithEnvironment(xpay.EnvironmentProduction)))
	assert.Equal(t, "https://int-ecommerce.nexi.it/"+path, requestURL(t, xpay.WithEnvironment(xpay.EnvironmentTest)))
	assert.Equal(t, "http://127.0.0.1:8080/"+path, requestURL(t, xpay.WithBaseURL("http://127.0.0.1:8080")))
	assert.Equal(t, "http://127.0.0.1:8080/xpay/"+path, requestURL(t, xpay.WithBaseURL("http://127.0.0.1:8080/xpay")))
}

func TestWithHTTPClientCopiesAndNeverTouchesDefaultClient(t *testing.T) {
	t.Parallel()
	defaultBefore := *http.DefaultClient
	mock := httpmock.NewMockTransport()
	mock.RegisterNoResponder(httpmock.NewBytesResponder(http.StatusOK, fixture(t, "contabilizza-ok.json")))
	mine := &http.Client{Transport: mock, Timeout: time.Minute}
	mineBefore := *mine
	c, err := xpay.NewClient(testAlias, testSecret, xpay.WithHTTPClient(mine), xpay.WithTimeout(time.Second), xpay.WithClock(fixedClock))
	require.NoError(t, err)
	_, err = c.Capture(context.Background(), &xpay.CaptureRequest{TransactionCode: "ORD-2024-000123", Amount: 5000, Currency: xpay.CurrencyEUR})
	require.NoError(t, err)
	assert.Equal(t, mineBefore, *mine)
	assert.Equal(t, defaultBefore, *http.DefaultClient)
	assert.Equal(t, 1, mock.GetTotalCallCount())
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t, xpay.WithUserAgent("shop/2.1"))
	var ua string
	mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		ua = r.Header.Get("User-Agent")
		return httpmock.NewBytesResponse(http.StatusOK, fixture(t, "contabilizza-ok.json")), nil
	})
	_, err := c.Capture(context.Background(), &xpay.CaptureRequest{TransactionCode: "ORD-2024-000123", Amount: 5000, Currency: xpay.CurrencyEUR})
	require.NoError(t, err)
	assert.Equal(t, "shop/2.1", ua)
}

// Plain http goes only to this machine, unless the option that says it is
// insecure allows it: anywhere else requests and answers travel in clear.
func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	t.Parallel()
	for rawURL, ok := range map[string]bool{
		"https://ecommerce.nexi.it/":  true,
		"http://127.0.0.1:8080":       true,
		"http://127.1.2.3/":           true,
		"http://localhost:9000/xpay/": true,
		"http://[::1]:8080/":          true,
		"http://ecommerce.nexi.it/":   false,
		"http://10.0.0.5:8080/":       false,
		"http://sandbox:8080/":        false,
		"http://localhost.evil.com/":  false,
		"http://[::ffff:10.0.0.5]/":   false,
	} {
		_, err := xpay.NewClient(testAlias, testSecret, xpay.WithBaseURL(rawURL))
		if ok {
			assert.NoError(t, err, rawURL)
			continue
		}
		assert.ErrorContains(t, err, "would send requests and answers in clear text", rawURL)
		assert.ErrorContains(t, err, "WithInsecureHTTP", rawURL)
		_, err = xpay.NewClient(testAlias, testSecret, xpay.WithBaseURL(rawURL), xpay.WithInsecureHTTP())
		assert.NoError(t, err, "%s, allowed by the option", rawURL)
		_, err = xpay.NewClient(testAlias, testSecret, xpay.WithInsecureHTTP(), xpay.WithBaseURL(rawURL))
		assert.NoError(t, err, "%s, the option first", rawURL)
	}
}

// A base URL with user information is refused, and its password shows in
// no error.
func TestBaseURLWithCredentialsIsRefused(t *testing.T) {
	t.Parallel()
	for _, rawURL := range []string{"https://user:s3cr3tpw@gateway.example/", "https://s3cr3tpw@gateway.example/", "http://u:s3cr3tpw@127.0.0.1:1/", "https://u:s3cr3tpw@[bad"} {
		_, err := xpay.NewClient(testAlias, testSecret, xpay.WithBaseURL(rawURL))
		require.Error(t, err, rawURL)
		assert.NotContains(t, err.Error(), "s3cr3tpw", rawURL)
	}
	_, err := xpay.NewClient(testAlias, testSecret, xpay.WithBaseURL("https://user:s3cr3tpw@gateway.example/"))
	assert.ErrorContains(t, err, "must not carry user information")
}
