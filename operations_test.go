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
	cases := slices.Concat(captureOpCases(), refundOpCases(), ordersOpCases(), profileOpCases(), payByLinkOpCases(),
		reportsOpCases(), contractsOpCases(), controlsOpCases(), chargeOpCases(), nonceOpCases())
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

// moreInvalid widens the bad-input table of every operation: empty, too
// long, wrong characters or format, zero and negative amounts, malformed
// dates and URLs. Each must be a *ValidationError naming the field, with
// nothing sent (see testOperation).
func moreInvalid() map[string][]invalidCase {
	long := strings.Repeat("X", 31)
	feb30 := xpay.Date{Year: 2024, Month: 2, Day: 30}
	c := (*xpay.Client).CreatePayByLink
	pbl := func(r xpay.CreatePayByLinkRequest) xpay.CreatePayByLinkRequest {
		if r.TransactionCode == "" {
			r.TransactionCode = "PBL-1"
		}
		if r.Amount == 0 {
			r.Amount = 100
		}
		if r.TimeoutHours == 0 {
			r.TimeoutHours = 1
		}
		if r.ReturnURL == "" {
			r.ReturnURL = "https://shop.example/"
		}
		return r
	}
	pos := func(edit func(*xpay.POSContract)) xpay.CreateContractFromPOSRequest {
		k := xpay.POSContract{ContractNumber: "CNT-1", POSID: "POS1", AuthorizationCode: "A1B2C3", Amount: 100}
		edit(&k)
		return xpay.CreateContractFromPOSRequest{Contract: k}
	}
	return map[string][]invalidCase{
		"Capture": {
			{"code with a tab", call((*xpay.Client).Capture, xpay.CaptureRequest{TransactionCode: "ORD\t1", Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
			{"code with '='", call((*xpay.Client).Capture, xpay.CaptureRequest{TransactionCode: "ORD-1esito=OK", Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
		},
		"Refund": {
			{"code too long", call((*xpay.Client).Refund, xpay.RefundRequest{TransactionCode: long, Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
			{"negative amount", call((*xpay.Client).Refund, xpay.RefundRequest{TransactionCode: "ORD1", Amount: -100, Currency: xpay.CurrencyEUR}), "Amount", "importo"},
			{"currency with letters", call((*xpay.Client).Refund, xpay.RefundRequest{TransactionCode: "ORD1", Amount: 1, Currency: "97A"}), "Currency", "divisa"},
		},
		"GetOrder": {
			{"code too long", call((*xpay.Client).GetOrder, xpay.GetOrderRequest{TransactionCode: long}), "TransactionCode", "codiceTransazione"},
			{"code not ASCII", call((*xpay.Client).GetOrder, xpay.GetOrderRequest{TransactionCode: "ORDINE-№1"}), "TransactionCode", "codiceTransazione"},
		},
		"ListOrders": {
			{"code too long", call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{TransactionCode: long, Period: xpay.DateRange{From: june1, To: june17}, Channel: xpay.ChannelAll}), "TransactionCode", "codiceTransazione"},
			{"code with '='", call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{TransactionCode: "A=B", Period: xpay.DateRange{From: june1, To: june17}, Channel: xpay.ChannelAll}), "TransactionCode", "codiceTransazione"},
			{"impossible day", call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{Period: xpay.DateRange{From: feb30, To: june17}, Channel: xpay.ChannelAll}), "Period.From", "periodo"},
			{"no end", call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{Period: xpay.DateRange{From: june1}, Channel: xpay.ChannelAll}), "Period.To", "periodo"},
		},
		"ListWarnings": {
			{"range reversed", call((*xpay.Client).ListWarnings, xpay.ListWarningsRequest{From: xpay.DateTime{Year: 2024, Month: 6, Day: 2}, To: xpay.DateTime{Year: 2024, Month: 6, Day: 1}}), "To", "dataTransazioneAl"},
		},
		"CreatePayByLink": {
			{"code with a newline", call(c, pbl(xpay.CreatePayByLinkRequest{TransactionCode: "PBL\n1"})), "TransactionCode", "codiceTransazione"},
			{"code with '='", call(c, pbl(xpay.CreatePayByLinkRequest{TransactionCode: "PBL=1"})), "TransactionCode", "codiceTransazione"},
			{"negative amount", call(c, pbl(xpay.CreatePayByLinkRequest{Amount: -1})), "Amount", "importo"},
			{"URL without host", call(c, pbl(xpay.CreatePayByLinkRequest{ReturnURL: "https://"})), "ReturnURL", "url"},
			{"ftp URL", call(c, pbl(xpay.CreatePayByLinkRequest{CancelURL: "ftp://shop.example/"})), "CancelURL", "urlBack"},
			{"empty parameter name", call(c, pbl(xpay.CreatePayByLinkRequest{AdditionalParameters: map[string]string{"": "x"}})), "AdditionalParameters", "parametriAggiuntivi"},
			{"parameter with a control character", call(c, pbl(xpay.CreatePayByLinkRequest{AdditionalParameters: map[string]string{"Note1": "a\x07"}})), "AdditionalParameters[Note1]", "parametriAggiuntivi"},
		},
		"RegeneratePayByLink": {
			{"empty code", call((*xpay.Client).RegeneratePayByLink, xpay.RegeneratePayByLinkRequest{TimeoutHours: 1}), "TransactionCode", "codiceTransazione"},
		},
		"ListPayByLinks": {
			{"impossible day", call((*xpay.Client).ListPayByLinks, xpay.ListPayByLinksRequest{CreatedFrom: june1, CreatedTo: feb30}), "CreatedTo", "linkCreatiAl"},
		},
		"ListReports": {
			{"two-digit year", call((*xpay.Client).ListReports, xpay.ListReportsRequest{RefDate: xpay.Date{Year: 24, Month: 6, Day: 1}}), "RefDate", "refDate"},
		},
		"CreateContractFromPOS": {
			{"no contract number", call((*xpay.Client).CreateContractFromPOS, pos(func(k *xpay.POSContract) { k.ContractNumber = "" })), "Contract.ContractNumber", "numeroContratto"},
			{"contract number too long", call((*xpay.Client).CreateContractFromPOS, pos(func(k *xpay.POSContract) { k.ContractNumber = long })), "Contract.ContractNumber", "numeroContratto"},
			{"zero amount", call((*xpay.Client).CreateContractFromPOS, pos(func(k *xpay.POSContract) { k.Amount = 0 })), "Contract.Amount", "importo"},
			{"STAN too long", call((*xpay.Client).CreateContractFromPOS, pos(func(k *xpay.POSContract) { k.STAN = "1234567890123" })), "Contract.STAN", "stan"},
			{"no authorization code", call((*xpay.Client).CreateContractFromPOS, pos(func(k *xpay.POSContract) { k.AuthorizationCode = "" })), "Contract.AuthorizationCode", "codiceAutorizzazione"},
		},
		"ListContracts": {
			{"contract number too long", call((*xpay.Client).ListContracts, xpay.ContractFilter{ContractNumber: long}), "ContractNumber", "numeroContratto"},
		},
		"DeleteContract": {
			{"control character", call((*xpay.Client).DeleteContract, xpay.ContractRequest{ContractNumber: "CNT\x7f1"}), "ContractNumber", "numeroContratto"},
		},
		"AddToBlacklist": {
			{"description too long", call((*xpay.Client).AddToBlacklist, xpay.AddToBlacklistRequest{Type: xpay.ValueTypeContractNumber, Value: "CNT-1", Description: strings.Repeat("è", 256)}), "Description", "descrizione"},
			{"description not UTF-8", call((*xpay.Client).AddToBlacklist, xpay.AddToBlacklistRequest{Type: xpay.ValueTypeContractNumber, Value: "CNT-1", Description: "\xff"}), "Description", "descrizione"},
		},
		"RemoveFromBlacklist": {
			{"unknown type", call((*xpay.Client).RemoveFromBlacklist, xpay.RemoveFromBlacklistRequest{Type: "codicefiscale", Value: taxCode}), "Type", "tipo"},
		},
		"CheckBlacklist": {
			{"contract number too long", call((*xpay.Client).CheckBlacklist, xpay.BlacklistRequest{Type: xpay.ValueTypeContractNumber, Value: long}), "Value", "valore"},
		},
		"ListBlacklist": {
			{"unknown type", call((*xpay.Client).ListBlacklist, xpay.ListBlacklistRequest{Type: "Email"}), "Type", "tipo"},
		},
		"CheckCFPAN": {
			{"tax code of the wrong length", call((*xpay.Client).CheckCFPAN, xpay.CFPANRequest{TaxCode: "RSSMRA80A01", HashPAN: hashPAN, GroupCode: "G"}), "TaxCode", "codiceFiscale"},
			{"card too long", call((*xpay.Client).CheckCFPAN, xpay.CFPANRequest{TaxCode: taxCode, HashPAN: strings.Repeat("F", 129), GroupCode: "G"}), "HashPAN", "hashPan"},
		},
		"ListCFPAN": {
			{"no value", call((*xpay.Client).ListCFPAN, xpay.ListCFPANRequest{Type: xpay.ValueTypeTaxCode, GroupCode: "G"}), "Value", "valore"},
			{"unknown type", call((*xpay.Client).ListCFPAN, xpay.ListCFPANRequest{Type: "Iban", Value: "x", GroupCode: "G"}), "Type", "tipo"},
		},
	}
}
