package xpay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

func TestNewClientRejectsBadConfiguration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		alias, secret string
		opts          []xpay.Option
		want          string
	}{
		{"empty alias", "", testSecret, nil, "alias is empty"},
		{"alias over 30", strings.Repeat("A", 31), testSecret, nil, "longer than 30"},
		{"empty secret", testAlias, "", nil, "secret key is empty"},
		{"relative URL", testAlias, testSecret, []xpay.Option{xpay.WithBaseURL("/ecomm")}, "absolute http or https"},
		{"ftp URL", testAlias, testSecret, []xpay.Option{xpay.WithBaseURL("ftp://example.com/")}, "absolute http or https"},
		{"URL with query", testAlias, testSecret, []xpay.Option{xpay.WithBaseURL("https://example.com/?a=1")}, "without query"},
		{"unparsable URL", testAlias, testSecret, []xpay.Option{xpay.WithBaseURL("http://[::1")}, "base URL"},
		{"negative timeout", testAlias, testSecret, []xpay.Option{xpay.WithTimeout(-time.Second)}, "negative"},
		{"nil HTTP client", testAlias, testSecret, []xpay.Option{xpay.WithHTTPClient(nil)}, "HTTP client is nil"},
		{"nil clock", testAlias, testSecret, []xpay.Option{xpay.WithClock(nil)}, "clock is nil"},
		{"unknown environment", testAlias, testSecret, []xpay.Option{xpay.WithEnvironment(7)}, "unknown environment"},
		{"empty user agent", testAlias, testSecret, []xpay.Option{xpay.WithUserAgent("")}, "user agent"},
		{"user agent with a line break", testAlias, testSecret, []xpay.Option{xpay.WithUserAgent("shop/1\r\nX-Injected: 1")}, "byte 6 is not printable ASCII"},
		{"user agent with a line feed", testAlias, testSecret, []xpay.Option{xpay.WithUserAgent("shop/1\n")}, "not printable ASCII"},
		{"user agent with a NUL", testAlias, testSecret, []xpay.Option{xpay.WithUserAgent("shop\x00")}, "not printable ASCII"},
		{"zero size cap", testAlias, testSecret, []xpay.Option{xpay.WithMaxResponseSize(0)}, "not positive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, err := xpay.NewClient(c.alias, c.secret, c.opts...)
			assert.Nil(t, client)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, err.Error(), testSecret)
		})
	}
}

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

// The secret, the request MAC and the unmasked alias appear in no formatted
// value, log line or error, across a succeeding and a failing call.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	const requestMAC = "d2d3e0a8945a1d760c36a423d7c1875a8887b76f" // capture under fixedClock
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mock := newTestClient(t, xpay.WithLogger(logger))
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/contabilizza",
		httpmock.NewBytesResponder(http.StatusOK, fixture(t, "contabilizza-ok.json")).
			Then(httpmock.NewBytesResponder(http.StatusOK, fixture(t, "contabilizza-ko.json"))).
			Then(httpmock.NewErrorResponder(errors.New("connection reset by peer"))))

	req := &xpay.CaptureRequest{TransactionCode: "ORD-2024-000123", Amount: 5000, Currency: xpay.CurrencyEUR}
	var seen []string
	for range 3 {
		res, err := c.Capture(context.Background(), req)
		seen = append(seen, fmt.Sprintf("%v %+v %#v", res, res, err))
		if err != nil {
			seen = append(seen, err.Error())
		}
	}
	seen = append(seen, logs.String(),
		fmt.Sprint(c), fmt.Sprintf("%v|%+v|%#v|%s|%q", c, c, c, c, c),
		fmt.Sprintf("%v|%+v|%#v", *req, req, req))

	all := strings.Join(seen, "\n")
	assert.NotContains(t, all, testSecret)
	assert.NotContains(t, all, requestMAC)
	assert.NotContains(t, all, testAlias, "the alias is masked")
	assert.Contains(t, fmt.Sprint(c), "ALIA**********0000")
	assert.Equal(t, 3, strings.Count(logs.String(), `"msg":"xpay call"`), "one log line per call")
	assert.Contains(t, logs.String(), `"level":"WARN"`, "failures are logged")
	assert.Contains(t, logs.String(), `"idOperazione":"80310241"`)
}

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

// One Client used from many goroutines at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/situazioneOrdine",
		httpmock.NewBytesResponder(http.StatusOK, fixture(t, "situazioneOrdine-ok.json")))
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/contabilizza",
		httpmock.NewBytesResponder(http.StatusOK, fixture(t, "contabilizza-ko.json")))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				res, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-2024-000123"})
				if err == nil && res.Order().TransactionCode != "ORD-2024-000123" {
					err = errors.New("wrong order")
				}
				errs <- err
				return
			}
			_, err := c.Capture(context.Background(), &xpay.CaptureRequest{TransactionCode: "ORD-2024-000123", Amount: 1, Currency: xpay.CurrencyEUR})
			var apiErr *xpay.APIError
			if !errors.As(err, &apiErr) {
				err = fmt.Errorf("want *APIError, got %v", err)
			} else {
				err = nil
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, 64, mock.GetTotalCallCount())
}

func TestNilRequest(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	_, err := c.Capture(context.Background(), nil)
	var ve *xpay.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Capture", ve.Operation)
	assert.Zero(t, mock.GetTotalCallCount())
}

// A Client from the environment, as a service or a script builds one.
func TestNewClientFromEnv(t *testing.T) {
	t.Setenv("XPAY_ALIAS", "ALIAS_WEB_00000000")
	t.Setenv("XPAY_SECRET", "s3cret")
	t.Setenv("XPAY_ENV", "")
	t.Setenv("XPAY_BASE_URL", "")
	c, err := xpay.NewClientFromEnv()
	require.NoError(t, err)
	assert.Equal(t, xpay.EnvironmentTest.BaseURL(), c.BaseURL())

	t.Setenv("XPAY_ENV", "production")
	c, err = xpay.NewClientFromEnv()
	require.NoError(t, err)
	assert.Equal(t, xpay.EnvironmentProduction.BaseURL(), c.BaseURL())

	t.Setenv("XPAY_BASE_URL", "http://sandbox.test:8080")
	_, err = xpay.NewClientFromEnv()
	assert.ErrorContains(t, err, "clear text")
	t.Setenv("XPAY_INSECURE_HTTP", "1")
	_, err = xpay.NewClientFromEnv()
	assert.NoError(t, err, "XPAY_INSECURE_HTTP=1 allows it")
	t.Setenv("XPAY_INSECURE_HTTP", "")
	t.Setenv("XPAY_BASE_URL", "http://127.0.0.1:8080")
	c, err = xpay.NewClientFromEnv()
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/", c.BaseURL(), "XPAY_BASE_URL wins over XPAY_ENV")
	c, err = xpay.NewClientFromEnv(xpay.WithBaseURL("http://127.0.0.1:9090"))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:9090/", c.BaseURL(), "options win over the environment")

	t.Setenv("XPAY_ENV", "prod")
	_, err = xpay.NewClientFromEnv()
	assert.ErrorContains(t, err, `XPAY_ENV is "prod": want test or production`)
	t.Setenv("XPAY_ENV", "")
	t.Setenv("XPAY_SECRET", "")
	_, err = xpay.NewClientFromEnv()
	assert.ErrorContains(t, err, "XPAY_SECRET is not set")
	t.Setenv("XPAY_ALIAS", "")
	_, err = xpay.NewClientFromEnv()
	assert.ErrorContains(t, err, "XPAY_ALIAS is not set")
	assert.Empty(t, (*xpay.Client)(nil).BaseURL())
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
