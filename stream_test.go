package xpay_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

var listReq = &xpay.ListOrdersRequest{Period: xpay.DateRange{From: june1, To: june17}, Channel: xpay.ChannelAll}

// collect runs Orders against body and returns what it yields.
func collect(t *testing.T, status int, body []byte, opts ...xpay.Option) ([]xpay.Order, []error) {
	t.Helper()
	c, mock := newTestClient(t, opts...)
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/reportOrdini", httpmock.NewBytesResponder(status, body))
	var orders []xpay.Order
	var errs []error
	for o, err := range c.Orders(context.Background(), listReq) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		orders = append(orders, o)
	}
	return orders, errs
}

func TestListOrdersSeqMatchesListOrders(t *testing.T) {
	t.Parallel()
	orders, errs := collect(t, http.StatusOK, fixture(t, "reportOrdini-ok.json"))
	require.Empty(t, errs)
	c, mock := newTestClient(t)
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/reportOrdini", httpmock.NewBytesResponder(http.StatusOK, fixture(t, "reportOrdini-ok.json")))
	full, err := c.ListOrders(context.Background(), listReq)
	require.NoError(t, err)
	assert.Equal(t, full.Orders, orders)
}

func TestListOrdersSeqJudgesTheEnvelopeLast(t *testing.T) {
	t.Parallel()
	t.Run("tampered MAC", func(t *testing.T) {
		t.Parallel()
		body := editJSON(t, fixture(t, "reportOrdini-ok.json"), func(m map[string]any) { m["idOperazione"] = "1" })
		orders, errs := collect(t, http.StatusOK, body)
		assert.Len(t, orders, 2, "the orders come before the MAC can be checked")
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], xpay.ErrInvalidMAC)
	})
	t.Run("KO", func(t *testing.T) {
		t.Parallel()
		orders, errs := collect(t, http.StatusOK, fixture(t, "reportOrdini-ko.json"))
		assert.Empty(t, orders)
		require.Len(t, errs, 1)
		requireCode(t, errs[0], xpay.CodeInvalidParameter)
	})
	t.Run("HTML 502", func(t *testing.T) {
		t.Parallel()
		_, errs := collect(t, http.StatusBadGateway, []byte("<html>502</html>"))
		require.Len(t, errs, 1)
		var respErr *xpay.ResponseError
		require.ErrorAs(t, errs[0], &respErr)
		assert.Equal(t, http.StatusBadGateway, respErr.HTTPStatus)
	})
	t.Run("cut short", func(t *testing.T) {
		t.Parallel()
		b := fixture(t, "reportOrdini-ok.json")
		orders, errs := collect(t, http.StatusOK, b[:len(b)*2/3])
		assert.Len(t, orders, 1)
		require.Len(t, errs, 1)
		var respErr *xpay.ResponseError
		require.ErrorAs(t, errs[0], &respErr)
	})
	t.Run("lone object and a validation error", func(t *testing.T) {
		t.Parallel()
		body := signedBody(t, "7", map[string]any{"report": map[string]any{"codiceTransazione": "ORD-1", "importo": "10"}})
		orders, errs := collect(t, http.StatusOK, body)
		require.Empty(t, errs)
		require.Len(t, orders, 1)
		assert.Equal(t, xpay.Amount(10), orders[0].Amount)

		c, mock := newTestClient(t)
		for _, err := range c.Orders(context.Background(), &xpay.ListOrdersRequest{}) {
			var ve *xpay.ValidationError
			assert.ErrorAs(t, err, &ve)
		}
		assert.Zero(t, mock.GetTotalCallCount())
	})
}

func TestListOrdersSeqStopsWhenTheCallerDoes(t *testing.T) {
	t.Parallel()
	body := ordersBody(t, 1000)
	c, mock := newTestClient(t)
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/reportOrdini", httpmock.NewBytesResponder(http.StatusOK, body))
	n := 0
	for _, err := range c.Orders(context.Background(), listReq) {
		require.NoError(t, err)
		if n++; n == 3 {
			break
		}
	}
	assert.Equal(t, 3, n)
}

// ordersBody is a signed reportOrdini answer with n orders, MAC last.
func ordersBody(t testing.TB, n int) []byte {
	t.Helper()
	b, err := io.ReadAll(newOrdersReader(n))
	require.NoError(t, err)
	return b
}

// ordersReader produces a signed reportOrdini answer with n orders as it is
// read, without holding it: the MAC comes last, as XPay writes it. It is
// cheap (well under a tenth of what decoding an order costs), so that a
// benchmark reading from it measures the decoder.
type ordersReader struct {
	n, i    int
	buf     []byte // what next made
	pending []byte // what of buf is not yet read
	done    bool
}

func newOrdersReader(n int) *ordersReader {
	r := &ordersReader{n: n}
	r.buf = append(r.buf, `{"esito":"OK","idOperazione":"80310247","timeStamp":1718611207819,"report":[`...)
	r.pending = r.buf
	return r
}

// An order of the answer, around its code's number and its amount.
const (
	orderHead = `{"numeroMerchant":"0000000012345678","codiceTransazione":"ORD-100K-`
	orderMid  = `","importo":`
	orderTail = `,"divisa":"EUR",` +
		`"codiceAutorizzazione":"A1B2C3","brand":"MasterCard","tipoPagamento":"3D-Secure","tipoTransazione":"3DS_FULL",` +
		`"transactionTypeExtended":"","nazione":"ITA","tipoProdotto":"MASTERCARD STANDARD - DEBIT - N","pan":"525599******1234",` +
		`"parametri":"","stato":"Autorizzato","dataTransazione":"2024-06-16 09:01:10","operationDate":"2024-06-16 09:01:10",` +
		`"serviceType":"","name":"Giulia","surname":"Bianchi","mail":"giulia.bianchi@example.com"}`
)

// next makes the next order, or the end of the answer, in buf.
func (r *ordersReader) next() bool {
	b := r.buf[:0]
	switch {
	case r.done:
		return false
	case r.i < r.n:
		if r.i > 0 {
			b = append(b, ',')
		}
		b = append(b, orderHead...)
		var digits [20]byte
		code := strconv.AppendInt(digits[:0], int64(r.i), 10)
		for range 7 - len(code) {
			b = append(b, '0')
		}
		b = append(append(b, code...), orderMid...)
		b = append(strconv.AppendInt(b, int64(1000+r.i%9000), 10), orderTail...)
		r.i++
	default:
		b = append(b, `],"mac":"3343ce76bdea20089cddb0d81c58c2e7990f1d05"}`...)
		r.done = true
	}
	r.buf, r.pending = b, b
	return true
}

func (r *ordersReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && (len(r.pending) > 0 || r.next()) {
		c := copy(p[n:], r.pending)
		n += c
		r.pending = r.pending[c:]
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Streams are reads of the same pipeline: under WithRetry, Orders
// survives a 503 as ListOrders does, and DownloadReport a reset; neither
// is tried again once something reached the caller.
func TestStreamsAreRetriedUntilSomethingIsDelivered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, _ := newSandbox(t)
	c := srv.Client(xpay.WithRetry(2, time.Millisecond, time.Millisecond))

	srv.InjectFault("ListOrders", xpaytest.Fault{HTTPStatus: http.StatusServiceUnavailable, Times: 1})
	n := 0
	for _, err := range c.Orders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 3, n, "the demo orders, after one retry")
	assert.Equal(t, 2, srv.Requests("ListOrders"))

	srv.InjectFault("DownloadReport", xpaytest.Fault{Reset: true, Times: 1})
	var file strings.Builder
	_, err := c.DownloadReport(ctx, "1", &file)
	require.NoError(t, err)
	assert.Contains(t, file.String(), xpaytest.DemoAuthorized)
	assert.Equal(t, 2, srv.Requests("DownloadReport"))

	// Once an order was yielded, a failure ends the walk: what came
	// before may already be in the caller's hands.
	srv.InjectFault("ListOrders", xpaytest.Fault{TruncatedBody: true, Processed: true})
	n = 0
	var last error
	for _, err := range c.Orders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll}) {
		if err != nil {
			last = err
		} else {
			n++
		}
	}
	require.Error(t, last)
	assert.Positive(t, n)
	assert.Equal(t, 3, srv.Requests("ListOrders"), "not tried again after an order was yielded")
}
