package xpay_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// A body over the size cap is a *ResponseError that names the limit,
// whether or not it announced its length (net/http gives the announced
// length as ContentLength), under any status; it is not read as an answer
// cut short, which a read would try again to get the same body.
func TestBodyOverTheCapNamesTheLimit(t *testing.T) {
	t.Parallel()
	body := fixture(t, "situazioneOrdine-ok.json")
	size := int64(len(body))
	for _, tc := range []struct {
		name          string
		status        int
		length, limit int64
	}{
		{"announced, far over", http.StatusOK, size, size / 2},
		{"announced, one byte over", http.StatusOK, size, size - 1},
		{"announced, far over, an error status", http.StatusInternalServerError, size, size / 2},
		{"unknown length, far over", http.StatusOK, -1, size / 2},
		{"unknown length, one byte over", http.StatusOK, -1, size - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			rt := roundTrip(func(r *http.Request) (*http.Response, error) {
				calls.Add(1)
				return &http.Response{StatusCode: tc.status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: tc.length, Request: r}, nil
			})
			c, err := xpay.NewClient(testAlias, testSecret, xpay.WithHTTPClient(&http.Client{Transport: rt}), xpay.WithClock(fixedClock),
				xpay.WithMaxResponseSize(tc.limit), xpay.WithRetry(2, time.Millisecond, time.Millisecond))
			require.NoError(t, err)
			_, err = c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-2024-000123"})
			var respErr *xpay.ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.Equal(t, tc.status, respErr.HTTPStatus)
			assert.ErrorContains(t, err, fmt.Sprintf("exceeds the %d-byte limit", tc.limit))
			assert.EqualValues(t, 1, calls.Load(), "not tried again")
		})
	}
}
