package xpay_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// opCase describes one operation for the shared table of behaviours every
// operation must have.
type opCase struct {
	name  string
	uri   string
	write bool
	// call makes a valid request; the mock answers it.
	call func(ctx context.Context, c *xpay.Client) (any, error)
	// body is the exact request body under fixedClock.
	body string
	// ok and ko are fixtures; the KO one must carry koCode and koMessage.
	ok, ko string
	koCode int
	// macOptional: XPay may answer unsigned (warning); a MAC present is
	// still checked.
	macOptional bool
	koMessage   string
	checkOK     func(t *testing.T, res any)
	invalid     []invalidCase
}

type invalidCase struct {
	name            string
	call            func(ctx context.Context, c *xpay.Client) (any, error)
	field, wireName string
}

func opCases() []opCase {
	cases := slices.Concat(captureOpCases(), refundOpCases(), coreOpCases(), serviceOpCases(), paymentOpCases())
	more := moreInvalid()
	for i := range cases {
		cases[i].invalid = append(cases[i].invalid, more[cases[i].name]...)
		delete(more, cases[i].name)
	}
	if len(more) > 0 {
		panic(fmt.Sprintf("bad-input cases for unknown operations: %v", more))
	}
	return cases
}

func coreOpCases() []opCase {
	getOrder := func(r xpay.GetOrderRequest) func(context.Context, *xpay.Client) (any, error) {
		return func(ctx context.Context, c *xpay.Client) (any, error) { return c.GetOrder(ctx, &r) }
	}
	return []opCase{
		{
			name: "GetOrder", uri: "ecomm/api/bo/situazioneOrdine",
			call: getOrder(xpay.GetOrderRequest{TransactionCode: "ORD-2024-000123"}),
			body: `{"apiKey":"ALIAS_WEB_00000000","timeStamp":1718611200000,"mac":"9809248dca2cb26b91daafb17a7996f99e98878a","codiceTransazione":"ORD-2024-000123"}`,
			ok:   "situazioneOrdine-ok.json", ko: "situazioneOrdine-ko.json",
			koCode: xpay.CodeNotFound, koMessage: "Non è possibile trovare l’informazione richiesta",
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.GetOrderResponse)
				o := r.Order()
				require.NotNil(t, o)
				assert.Equal(t, "ORD-2024-000123", o.TransactionCode)
				assert.Equal(t, xpay.Amount(5000), o.Amount)
				assert.Equal(t, "EUR", o.Currency)
				assert.Equal(t, xpay.OrderStatePartiallyRefunded, o.State)
				assert.Equal(t, "203012", r.Expiry())
				ops := o.Operations()
				require.Len(t, ops, 2)
				assert.Equal(t, xpay.OperationTypeCapture, ops[0].Type)
				assert.Equal(t, xpay.Amount(5000), ops[0].Amount)
				assert.Equal(t, xpay.OperationTypeRefund, ops[1].Type)
				assert.Equal(t, xpay.Amount(2000), ops[1].Amount)
				assert.Equal(t, "operatore.bo", ops[1].User)
			},
			invalid: []invalidCase{
				{"empty code", getOrder(xpay.GetOrderRequest{}), "TransactionCode", "codiceTransazione"},
				{"control character", getOrder(xpay.GetOrderRequest{TransactionCode: "ORD\x001"}), "TransactionCode", "codiceTransazione"},
			},
		},
	}
}

func TestOperations(t *testing.T) {
	t.Parallel()
	for _, oc := range opCases() {
		t.Run(oc.name, func(t *testing.T) {
			t.Parallel()
			testOperation(t, oc)
		})
	}
}

func testOperation(t *testing.T, oc opCase) {
	url := testBase + oc.uri
	// serve runs the operation once against a responder and returns its
	// result, error and the number of requests sent.
	serve := func(t *testing.T, r httpmock.Responder, opts ...xpay.Option) (any, int, error) {
		c, mock := newTestClient(t, opts...)
		mock.RegisterResponder(http.MethodPost, url, r)
		res, err := oc.call(context.Background(), c)
		return res, mock.GetTotalCallCount(), err
	}
	// requireUnknownIffWrite checks that a lost or untrusted answer is
	// ErrOutcomeUnknown exactly when the operation changes state.
	requireUnknownIffWrite := func(t *testing.T, err error) {
		t.Helper()
		assert.Equal(t, oc.write, errors.Is(err, xpay.ErrOutcomeUnknown), "ErrOutcomeUnknown for write=%v: %v", oc.write, err)
	}

	t.Run("request", func(t *testing.T) {
		t.Parallel()
		var got *http.Request
		var body []byte
		_, calls, err := serve(t, func(r *http.Request) (*http.Response, error) {
			got = r
			body, _ = io.ReadAll(r.Body)
			return httpmock.NewBytesResponse(http.StatusOK, fixture(t, oc.ok)), nil
		})
		require.NoError(t, err)
		assert.Equal(t, 1, calls)
		assert.Equal(t, http.MethodPost, got.Method)
		assert.Equal(t, url, got.URL.String())
		assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
		assert.True(t, strings.HasPrefix(got.Header.Get("User-Agent"), "xpay-go/"))
		assert.JSONEq(t, oc.body, string(body))
	})

	t.Run("ok", func(t *testing.T) {
		t.Parallel()
		res, _, err := serve(t, httpmock.NewBytesResponder(http.StatusOK, fixture(t, oc.ok)))
		require.NoError(t, err)
		oc.checkOK(t, res)
		env := reflect.ValueOf(res).Elem().FieldByName("Response").Interface().(xpay.Response)
		assert.Equal(t, "OK", env.Outcome)
		assert.Equal(t, http.StatusOK, env.HTTPStatus)
		assert.Equal(t, fixture(t, oc.ok), []byte(env.RawBody), "the raw body is kept")
		assert.Contains(t, fmt.Sprintf("%v", res), `"esito": "OK"`, "%v of a response shows the body as text")
		ts, err := env.Timestamp.Time()
		require.NoError(t, err)
		assert.Equal(t, 2024, ts.Year())
		assert.Empty(t, extraKeys(res), "fixture keys the types do not model")
	})

	// The KOs XPay may send unsigned are no refusal, to any operation: an
	// *APIError is only ever a verified one.
	for _, code := range []int{xpay.CodeUnspecified, xpay.CodeMACNotComputable, xpay.CodeNotAllowed} {
		t.Run(fmt.Sprintf("unsigned KO %d is no APIError", code), func(t *testing.T) {
			t.Parallel()
			body := fmt.Sprintf(`{"esito":"KO","idOperazione":"1","timeStamp":1718611200000,"errore":{"codice":%d,"messaggio":"x"}}`, code)
			res, calls, err := serve(t, httpmock.NewStringResponder(http.StatusOK, body))
			assert.Nil(t, res)
			assert.Equal(t, 1, calls)
			var apiErr *xpay.APIError
			assert.False(t, errors.As(err, &apiErr), "%v", err)
			var respErr *xpay.ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.Equal(t, body, string(respErr.Body))
			assert.ErrorIs(t, err, xpay.ErrInvalidMAC)
			requireUnknownIffWrite(t, err)
		})
	}

	for _, status := range []int{http.StatusOK, http.StatusBadRequest} {
		t.Run("ko/"+http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			if oc.koCode == xpay.CodeNotFound && xpay.SpecNothingFound()[oc.name] {
				// XPay's "nothing found" to a list or search read: an empty
				// answer, with a nil error, that says so.
				res, _, err := serve(t, httpmock.NewBytesResponder(status, fixture(t, oc.ko)))
				require.NoError(t, err)
				env := reflect.ValueOf(res).Elem().FieldByName("Response").Interface().(xpay.Response)
				assert.True(t, env.NothingFound())
				assert.Equal(t, oc.koMessage, env.Error.Message)
				return
			}
			res, _, err := serve(t, httpmock.NewBytesResponder(status, fixture(t, oc.ko)))
			assert.Nil(t, res)
			var apiErr *xpay.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, oc.name, apiErr.Operation)
			assert.Equal(t, oc.koCode, apiErr.Code)
			assert.Equal(t, oc.koMessage, apiErr.Message)
			assert.NotEmpty(t, apiErr.OperationID)
			assert.Equal(t, status, apiErr.HTTPStatus)
			assert.Equal(t, xpay.RawBody(fixture(t, oc.ko)), apiErr.Body)
			assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown, "a signed KO is a known outcome")
			assert.Contains(t, err.Error(), oc.name)
		})
	}

	untrusted := map[string][]byte{
		"KO flipped to OK":     editJSON(t, fixture(t, oc.ko), func(m map[string]any) { m["esito"] = "OK"; delete(m, "errore") }),
		"operation id changed": editJSON(t, fixture(t, oc.ok), func(m map[string]any) { m["idOperazione"] = "99999999" }),
	}
	unsigned := map[string][]byte{
		"MAC missing":       editJSON(t, fixture(t, oc.ok), func(m map[string]any) { delete(m, "mac") }),
		"MAC missing on KO": editJSON(t, fixture(t, oc.ko), func(m map[string]any) { delete(m, "mac") }),
	}
	if oc.macOptional {
		t.Run("unsigned answer accepted", func(t *testing.T) {
			t.Parallel()
			res, _, err := serve(t, httpmock.NewBytesResponder(http.StatusOK, unsigned["MAC missing"]))
			require.NoError(t, err)
			oc.checkOK(t, res)
			_, _, err = serve(t, httpmock.NewBytesResponder(http.StatusOK, unsigned["MAC missing on KO"]))
			var apiErr *xpay.APIError
			assert.False(t, errors.As(err, &apiErr), "an unsigned KO is no refusal")
			assert.ErrorIs(t, err, xpay.ErrInvalidMAC)
		})
	} else {
		maps.Copy(untrusted, unsigned)
	}
	for name, body := range untrusted {
		t.Run("invalid MAC/"+name, func(t *testing.T) {
			t.Parallel()
			res, _, err := serve(t, httpmock.NewBytesResponder(http.StatusOK, body))
			assert.Nil(t, res, "no data without a valid MAC")
			require.ErrorIs(t, err, xpay.ErrInvalidMAC)
			var respErr *xpay.ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.Equal(t, xpay.RawBody(body), respErr.Body)
			var apiErr *xpay.APIError
			assert.False(t, errors.As(err, &apiErr), "an unsigned KO is not trusted")
			requireUnknownIffWrite(t, err)
		})
	}

	t.Run("unsigned KO 50 with HTTP 500", func(t *testing.T) {
		t.Parallel()
		_, _, err := serve(t, httpmock.NewBytesResponder(http.StatusInternalServerError, fixture(t, "contabilizza-ko50-nomac.json")))
		var respErr *xpay.ResponseError
		require.ErrorAs(t, err, &respErr)
		assert.Equal(t, http.StatusInternalServerError, respErr.HTTPStatus)
		assert.Contains(t, err.Error(), "unsigned and so not verified: KO 50")
		requireUnknownIffWrite(t, err)
	})

	t.Run("esito neither OK nor KO", func(t *testing.T) {
		t.Parallel()
		mac := xpay.Sign(testSecret, xpay.Field{Name: "esito", Value: "PEN"}, xpay.Field{Name: "idOperazione", Value: "1234"}, xpay.Field{Name: "timeStamp", Value: "1718611200001"})
		body := `{"esito":"PEN","idOperazione":"1234","timeStamp":1718611200001,"mac":"` + mac + `"}`
		res, _, err := serve(t, httpmock.NewStringResponder(http.StatusOK, body))
		assert.Nil(t, res)
		var respErr *xpay.ResponseError
		require.ErrorAs(t, err, &respErr)
		assert.Contains(t, err.Error(), `unexpected esito "PEN"`)
		assert.NotErrorIs(t, err, xpay.ErrInvalidMAC)
		requireUnknownIffWrite(t, err)
	})

	t.Run("non-JSON 5xx", func(t *testing.T) {
		t.Parallel()
		const html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
		res, _, err := serve(t, httpmock.NewStringResponder(http.StatusBadGateway, html))
		assert.Nil(t, res)
		var respErr *xpay.ResponseError
		require.ErrorAs(t, err, &respErr)
		assert.Equal(t, http.StatusBadGateway, respErr.HTTPStatus)
		assert.Equal(t, html, string(respErr.Body))
		var apiErr *xpay.APIError
		assert.False(t, errors.As(err, &apiErr))
		requireUnknownIffWrite(t, err)
	})

	t.Run("malformed JSON", func(t *testing.T) {
		t.Parallel()
		ok := fixture(t, oc.ok)
		res, _, err := serve(t, httpmock.NewBytesResponder(http.StatusOK, ok[:len(ok)/2]))
		assert.Nil(t, res)
		var respErr *xpay.ResponseError
		require.ErrorAs(t, err, &respErr)
		assert.Equal(t, http.StatusOK, respErr.HTTPStatus)
		requireUnknownIffWrite(t, err)
	})

	t.Run("JSON that is not an envelope", func(t *testing.T) {
		t.Parallel()
		_, _, err := serve(t, httpmock.NewStringResponder(http.StatusOK, `{"status":"ok"}`))
		var respErr *xpay.ResponseError
		require.ErrorAs(t, err, &respErr)
		requireUnknownIffWrite(t, err)
	})

	t.Run("transport error", func(t *testing.T) {
		t.Parallel()
		res, _, err := serve(t, httpmock.NewErrorResponder(errors.New("connection reset by peer")))
		assert.Nil(t, res)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "connection reset by peer")
		assert.Contains(t, err.Error(), oc.name)
		requireUnknownIffWrite(t, err)
	})

	t.Run("body over the size limit", func(t *testing.T) {
		t.Parallel()
		_, _, err := serve(t, httpmock.NewBytesResponder(http.StatusOK, fixture(t, oc.ok)), xpay.WithMaxResponseSize(64))
		var respErr *xpay.ResponseError
		require.ErrorAs(t, err, &respErr)
		assert.Contains(t, err.Error(), "64-byte limit")
		requireUnknownIffWrite(t, err)
	})

	t.Run("context cancelled before the call", func(t *testing.T) {
		t.Parallel()
		c, mock := newTestClient(t)
		mock.RegisterResponder(http.MethodPost, url, httpmock.NewBytesResponder(http.StatusOK, fixture(t, oc.ok)))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res, err := oc.call(ctx, c)
		assert.Nil(t, res)
		assert.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, xpay.ErrOutcomeUnknown, "nothing was sent")
		assert.Zero(t, mock.GetTotalCallCount())
	})

	t.Run("context cancelled in flight", func(t *testing.T) {
		t.Parallel()
		c, mock := newTestClient(t)
		ctx, cancel := context.WithCancel(context.Background())
		mock.RegisterResponder(http.MethodPost, url, func(r *http.Request) (*http.Response, error) {
			cancel()
			<-r.Context().Done()
			return nil, r.Context().Err()
		})
		res, err := oc.call(ctx, c)
		assert.Nil(t, res)
		assert.ErrorIs(t, err, context.Canceled)
		requireUnknownIffWrite(t, err)
	})

	t.Run("client timeout", func(t *testing.T) {
		t.Parallel()
		c, mock := newTestClient(t, xpay.WithTimeout(20_000_000)) // 20ms
		mock.RegisterResponder(http.MethodPost, url, func(r *http.Request) (*http.Response, error) {
			<-r.Context().Done()
			return nil, r.Context().Err()
		})
		_, err := oc.call(context.Background(), c)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "no answer within 20ms")
		requireUnknownIffWrite(t, err)
	})

	for _, ic := range oc.invalid {
		t.Run("validation/"+ic.name, func(t *testing.T) {
			t.Parallel()
			c, mock := newTestClient(t)
			mock.RegisterNoResponder(httpmock.NewStringResponder(http.StatusOK, "{}"))
			res, err := ic.call(context.Background(), c)
			assert.Nil(t, res)
			var ve *xpay.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, oc.name, ve.Operation)
			assert.Equal(t, ic.field, ve.Field)
			assert.Equal(t, ic.wireName, ve.WireName)
			assert.NotEmpty(t, ve.Rule)
			assert.Contains(t, err.Error(), ic.field)
			assert.Zero(t, mock.GetTotalCallCount(), "nothing may be sent")
		})
	}
}
