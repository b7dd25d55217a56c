package xpay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
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

// Finding: fmt printed the secret key and the whole alias from a Client
// value: fmt cannot call Format on an unexported field. Every verb, on
// values, pointers and anything holding them.
func TestClientNeverPrintsItsSecrets(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t)
	type holder struct {
		Exported   xpay.Client
		unexported xpay.Client
		Ptr        *xpay.Client
	}
	values := []any{
		c, *c, &c, []xpay.Client{*c}, []*xpay.Client{c}, map[string]xpay.Client{"a": *c},
		holder{*c, *c, c}, &holder{*c, *c, c}, [1]xpay.Client{*c}, struct{ xpay.Client }{*c},
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, testSecret, "%s of %T", verb, v)
			assert.NotContains(t, out, testAlias, "%s of %T", verb, v)
			for _, enc := range []string{fmt.Sprintf("%x", testSecret), fmt.Sprintf("%X", testSecret), fmt.Sprintf("%x", testAlias)} {
				assert.NotContains(t, out, enc, "%s of %T", verb, v)
			}
		}
	}
}

// Finding: a nil or zero Client panicked. Every method returns an error
// (or, for String, says so) instead.
func TestZeroAndNilClientsFailCleanly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []*xpay.Client{nil, {}} {
		assert.Contains(t, c.String(), "not made by NewClient")
		c.CloseIdleConnections()
		calls := map[string]func() error{
			"Capture": func() error {
				_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 1, Currency: eur})
				return err
			},
			"GetOrder": func() error {
				_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
				return err
			},
			"SignDownloadURL": func() error { _, err := c.SignDownloadURL("1"); return err },
			"DownloadReport":  func() error { _, err := c.DownloadReport(ctx, "1", io.Discard); return err },
			"Orders": func() error {
				for _, err := range c.Orders(ctx, listReq) {
					return err
				}
				return nil
			},
			"PayByLinks": func() error {
				for _, err := range c.PayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: june1, CreatedTo: june17}) {
					return err
				}
				return nil
			},
			"Settle": func() error {
				_, err := c.Settle(ctx, &xpay.PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 1, Sent: time.Now()})
				return err
			},
			"VerifyPaymentResult": func() error { _, err := c.VerifyPaymentResult(url.Values{}); return err },
		}
		for name, call := range calls {
			assert.ErrorContains(t, call(), "not made by NewClient", name)
		}
	}
}

// 64 goroutines share one Client against the sandbox, mixing reads and
// writes; afterwards no goroutine is left behind. Not parallel: it counts
// goroutines.
func TestConcurrentUseAgainstSandbox(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	require.NoError(t, srv.AddOrder(xpaytest.Order{Code: "ORD-CONC", Amount: 100000}))
	c := srv.Client()
	ctx := context.Background()
	ops := []func(i int) error{
		func(int) error {
			_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoCaptured})
			return err
		},
		func(int) error {
			_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-CONC", Amount: 100, Currency: eur})
			return err
		},
		func(int) error {
			_, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll})
			return err
		},
		func(i int) error {
			_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: fmt.Sprintf("PBL-CONC-%02d", i), Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/"})
			return err
		},
		func(int) error {
			_, err := c.CheckBlacklist(ctx, &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoBlacklisted})
			return err
		},
		func(int) error {
			_, err := c.DownloadReport(ctx, "1", io.Discard)
			return err
		},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- ops[i%len(ops)](i)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-CONC"})
	require.NoError(t, err)
	assert.Equal(t, xpay.Amount(100*11), captured(t, res.Order()), "every capture counted once")

	c.CloseIdleConnections()
	srv.Close()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines left behind")
}

// Under concurrency the default transport reuses its connections: 32
// workers making 800 calls open a few dozen connections at most, where Go's
// own default transport, which keeps two idle connections per host,
// churns through hundreds (see BENCHMARKS.md, which also reports the exact
// count per worker). A count, not a time, and phrased so that no
// scheduling can break it: while the pool fills, net/http may dial for a
// request that an idle connection then serves, and keeps the extra one,
// so the exact "one per worker" is a benchmark figure, not an assertion.
func TestConnectionsAreReused(t *testing.T) {
	t.Parallel()
	const workers, calls = 32, 25
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	c := srv.Client()
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, workers*calls)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				_, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoCaptured})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, workers*calls, srv.Requests("GetOrder"))
	assert.LessOrEqual(t, srv.Connections(), workers*calls/4, "new TCP connections for %d calls", workers*calls)
	assert.Positive(t, srv.Connections())
}
