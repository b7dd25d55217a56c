package xpay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
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

// A situazioneOrdine answer the way some servers write it: numbers as
// strings and strings as numbers, dettaglio as a lone object, scadenza at
// the top level, timeStamp as a string, a PayPal partial capture and DCC.
func TestGetOrderLenientShapes(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t, xpay.WithClock(func() time.Time { return time.UnixMilli(1718697600000) }))
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/situazioneOrdine",
		httpmock.NewBytesResponder(http.StatusOK, fixture(t, "situazioneOrdine-variant-ok.json")))

	res, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-2024-000201"})
	require.NoError(t, err)
	assert.Equal(t, xpay.Timestamp("1718697600412"), res.Timestamp)
	assert.Equal(t, "203105", res.Expiry(), "top-level scadenza")
	o := res.Order()
	require.NotNil(t, o)
	assert.Equal(t, "12345678", o.MerchantNumber, "a number into a string field keeps its text")
	assert.Equal(t, xpay.Amount(15000), o.Amount, "amount as a string")
	assert.Equal(t, xpay.OrderStatePartiallyCaptured, o.State)
	assert.Empty(t, o.Email, "null leaves the zero value")
	require.Len(t, o.Details, 1, "a lone dettaglio object is a list of one")
	d := o.Details[0]
	assert.Equal(t, "162.35", d.ConvertedAmount, "decimals are kept as text, never floats")
	assert.Equal(t, "1.0823", d.ExchangeRate)
	assert.Equal(t, 2, d.CurrencyDecimals)
	assert.Equal(t, "840", d.CurrencyCode)
	assert.Equal(t, "false", d.CurrencyFlag)
	require.Len(t, d.Operations, 1)
	assert.Equal(t, "4RT55912HA773611K", d.Operations[0].PayPalPartialCaptureID)
	assert.Equal(t, xpay.Amount(6000), d.Operations[0].Amount)
	assert.Empty(t, extraKeys(res))

	when, err := xpay.ParseTime(d.Operations[0].Date, time.UTC)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2024, 6, 18, 11, 5, 10, 0, time.UTC), when)
}

// The strict check used on every fixture does notice a key the types do not
// model, and the key's value is kept rather than lost.
func TestStrictDecodeCatchesUnmodelledKeys(t *testing.T) {
	t.Parallel()
	body := editJSON(t, fixture(t, "situazioneOrdine-ok.json"), func(m map[string]any) {
		m["nuovoCampo"] = 1
		order := m["report"].([]any)[0].(map[string]any)
		order["rrn"] = "416900123456"
		op := order["dettaglio"].([]any)[0].(map[string]any)["operazioni"].([]any)[0].(map[string]any)
		op["importo"] = map[string]any{"valore": 5000} // a shape that fits no Amount
	})
	c, mock := newTestClient(t)
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/situazioneOrdine", httpmock.NewBytesResponder(http.StatusOK, body))
	res, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-2024-000123"})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		".Response.nuovoCampo",
		".Orders[].rrn",
		".Orders[].Details[].Operations[].importo",
	}, extraKeys(res))
	assert.JSONEq(t, `"416900123456"`, string(res.Order().Extra["rrn"]))
	assert.JSONEq(t, `{"valore":5000}`, string(res.Order().Operations()[0].Extra["importo"]))
}

func TestWarningsShapes(t *testing.T) {
	t.Parallel()
	serve := func(t *testing.T, body []byte) (*xpay.ListWarningsResponse, error) {
		c, mock := newTestClient(t)
		mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/warning", httpmock.NewBytesResponder(http.StatusOK, body))
		return c.ListWarnings(context.Background(), &xpay.ListWarningsRequest{})
	}
	t.Run("list under the key warning", func(t *testing.T) {
		t.Parallel()
		res, err := serve(t, signedBody(t, "1", map[string]any{"warning": []map[string]any{{"codiceTransazione": "ORD-1", "messaggio": "m", "codice": 7}}}))
		require.NoError(t, err)
		require.Len(t, res.Warnings, 1)
		assert.Equal(t, "ORD-1", res.Warnings[0].TransactionCode)
		assert.JSONEq(t, "7", string(res.Warnings[0].Extra["codice"]), "an unmodelled key is kept")
	})
	t.Run("code 2 is an empty list", func(t *testing.T) {
		t.Parallel()
		res, err := serve(t, fixture(t, "warning-ko.json"))
		require.NoError(t, err)
		assert.Empty(t, res.Warnings)
		require.NotNil(t, res.Error)
		assert.Equal(t, xpay.CodeNotFound, res.Error.Code)
	})
	t.Run("code 2 with a wrong MAC", func(t *testing.T) {
		t.Parallel()
		body := editJSON(t, fixture(t, "warning-ko.json"), func(m map[string]any) { m["idOperazione"] = "1" })
		_, err := serve(t, body)
		assert.ErrorIs(t, err, xpay.ErrInvalidMAC)
	})
}

func TestWarningsFiltersAreSentNotSigned(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	got := recordBody(t, mock, "ecomm/api/bo/warning", "warning-ok.json")
	_, err := c.ListWarnings(context.Background(), &xpay.ListWarningsRequest{
		TransactionCode: "ORD-2024-000130",
		From:            xpay.DateTime{Year: 2024, Month: 6, Day: 16},
		To:              xpay.DateTimeOf(time.Date(2024, 6, 16, 23, 59, 59, 0, xpay.Rome())),
	})
	require.NoError(t, err)
	assert.JSONEq(t, body(macNoFields,
		`"codiceTransazione":"ORD-2024-000130","dataTransazioneDal":"16/06/2024 00:00:00","dataTransazioneAl":"16/06/2024 23:59:59"`), string(*got))
}

// A state XPay does not know would quietly match nothing: it is refused,
// naming the states there are.
func TestListOrdersRefusesUnknownStates(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	_, err := c.ListOrders(context.Background(), &xpay.ListOrdersRequest{Period: listReq.Period, Channel: xpay.ChannelAll, States: []xpay.OrderState{"Authorized"}})
	var ve *xpay.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "States", ve.Field)
	assert.Contains(t, ve.Rule, `"Authorized", is not a state XPay filters by: want one of "Autorizzato", "Negato"`)
	assert.Zero(t, mock.GetTotalCallCount())

	// The states a production integration shows are filters too; a typo of
	// one is not.
	for _, s := range []xpay.OrderState{"Contabilizato", "Stornata", "In attesa"} {
		_, err := c.ListOrders(context.Background(), &xpay.ListOrdersRequest{Period: listReq.Period, Channel: xpay.ChannelAll, States: []xpay.OrderState{s}})
		assert.Error(t, err, s)
	}
	for _, s := range []xpay.OrderState{xpay.OrderStatePartiallyRefunded, "autorizzato", "In attesa di contab.", "Stornato", "Autor. Negata", "Storno Annullato", "Chiuso da backoffice"} {
		recordBody(t, mock, "ecomm/api/bo/reportOrdini", "reportOrdini-ok.json")
		_, err := c.ListOrders(context.Background(), &xpay.ListOrdersRequest{Period: listReq.Period, Channel: xpay.ChannelAll, States: []xpay.OrderState{s}})
		assert.NoError(t, err, s)
	}
}

// XPay lists at most a year (366 days) at a time: a longer period is
// refused before anything is sent, and Orders walks it in windows.
func TestOrderPeriodsAndWindows(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	june1 := xpay.Date{Year: 2024, Month: 6, Day: 1}
	for days, ok := range map[int]bool{90: true, 365: true, 366: true, 367: false, 800: false} {
		recordBody(t, mock, "ecomm/api/bo/reportOrdini", "reportOrdini-ok.json")
		_, err := c.ListOrders(context.Background(), &xpay.ListOrdersRequest{Period: xpay.DateRange{From: june1, To: june1.AddDays(days - 1)}, Channel: xpay.ChannelAll})
		if ok {
			assert.NoError(t, err, days)
			continue
		}
		var ve *xpay.ValidationError
		require.ErrorAs(t, err, &ve, days)
		assert.Contains(t, ve.Rule, "spans more than 366 days")
	}

	srv, sc := newSandbox(t)
	require.NoError(t, srv.AddOrder(xpaytest.Order{Code: "ORD-OLD", Amount: 100, CreatedAt: time.Now().AddDate(0, 0, -500)}))
	var codes []string
	for o, err := range sc.Orders(context.Background(), &xpay.ListOrdersRequest{
		Period: xpay.DateRange{From: xpay.Today().AddDays(-800), To: xpay.Today()}, Channel: xpay.ChannelAll,
	}) {
		require.NoError(t, err)
		codes = append(codes, o.TransactionCode)
	}
	assert.Contains(t, codes, "ORD-OLD")
	assert.Contains(t, codes, xpaytest.DemoAuthorized)
	assert.Equal(t, 3, srv.Requests("ListOrders"), "801 days in windows of 366")
}

// Answers shaped as public clients read them (testdata/SOURCES.md says
// which): every key lands in a typed field, and nothing is lost.
func TestAnswersShapedAsPublicClientsReadThem(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	recordBody(t, mock, "ecomm/api/bo/reportOrdini", "reportOrdini-mcp-ok.json")
	res, err := c.ListOrders(context.Background(), listReq)
	require.NoError(t, err)
	assert.Equal(t, "Operazione eseguita", res.OutcomeDescription)
	assert.Equal(t, "152", res.ElapsedTime)
	assert.Equal(t, "80310248", res.OrderID)
	require.Len(t, res.Orders, 1)
	assert.Empty(t, extraKeys(res), "keys the SDK does not model")

	// The official sample reads warnings, nexi-xpay-mcp-server warning:
	// both are Warnings, and when both come, the second is kept in Extra.
	recordBody(t, mock, "ecomm/api/bo/warning", "warning-both-keys-ok.json")
	w, err := c.ListWarnings(context.Background(), &xpay.ListWarningsRequest{})
	require.NoError(t, err)
	require.Len(t, w.Warnings, 1)
	assert.Equal(t, "ORD-2024-000130", w.Warnings[0].TransactionCode)
	assert.Contains(t, string(w.Extra["warning"]), "ORD-2024-000131", "nothing lost")
}

// An answer that fails verification ends Orders: its error is the last
// thing yielded, even to a loop that carries on after it, and no later
// window is asked for.
func TestOrdersStopsAtAnAnswerThatFailsVerification(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	tampered := editJSON(t, fixture(t, "reportOrdini-ok.json"), func(m map[string]any) { m["idOperazione"] = "1" })
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/reportOrdini", httpmock.NewBytesResponder(http.StatusOK, tampered))
	june1 := xpay.Date{Year: 2024, Month: 6, Day: 1}
	req := &xpay.ListOrdersRequest{Period: xpay.DateRange{From: june1, To: june1.AddDays(800)}, Channel: xpay.ChannelAll}
	var errs []error
	yielded := 0
	for _, err := range c.Orders(context.Background(), req) {
		yielded++
		if err != nil {
			errs = append(errs, err) // and carry on, as a careless loop would
		}
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], xpay.ErrInvalidMAC)
	assert.Equal(t, 3, yielded, "the window's two orders, then its error")
	assert.Equal(t, 1, mock.GetTotalCallCount(), "no later window is asked for")
}

// An answer far larger than memory allows to hold streams in constant
// memory when the cap allows its size; ListOrders holds it whole.
func TestOrdersHoldsOneOrderAtATime(t *testing.T) {
	body := ordersBody(t, 5000)
	require.Greater(t, len(body), 2<<20)
	big := xpay.WithMaxResponseSize(int64(len(body)))
	c := serveBody(t, http.StatusOK, func() io.Reader { return bytes.NewReader(body) }, big)
	n := 0
	allocated := allocatedBy(func() {
		for o, err := range c.Orders(context.Background(), listReq) {
			require.NoError(t, err)
			if n == 4999 {
				assert.Equal(t, "ORD-100K-0004999", o.TransactionCode)
			}
			n++
		}
	})
	assert.Equal(t, 5000, n)
	full, err := c.ListOrders(context.Background(), listReq)
	require.NoError(t, err)
	assert.Len(t, full.Orders, 5000)
	t.Logf("%d-byte answer: %.1f MiB allocated walking it", len(body), float64(allocated)/(1<<20))

	// The size cap bounds each order and what is around the list, not the
	// list: a list of any length streams under a cap smaller than it,
	// which ListOrders, holding the whole answer, keeps.
	small := xpay.WithMaxResponseSize(64 << 10)
	orders, errs := collect(t, http.StatusOK, body, small)
	assert.Empty(t, errs)
	assert.Len(t, orders, 5000)
	_, err = serveBody(t, http.StatusOK, func() io.Reader { return bytes.NewReader(body) }, small).ListOrders(context.Background(), listReq)
	assert.ErrorContains(t, err, "exceeds the 65536-byte limit")

	// One order over the cap, or junk around the list over it, still ends
	// the stream.
	head := "{" + envelopeJSON("OK", "1", nowMS) + `,"report":[`
	for name, b := range map[string]string{
		"one order over the cap":       head + `{"codiceTransazione":"ORD-1","parametri":"` + strings.Repeat("x", 70<<10) + `"}]}`,
		"white space between orders":   head + `{"codiceTransazione":"ORD-1"},` + strings.Repeat(" ", 70<<10) + `{"codiceTransazione":"ORD-2"}]}`,
		"a member before the list":     "{" + envelopeJSON("OK", "1", nowMS) + `,"junk":"` + strings.Repeat("x", 70<<10) + `","report":[]}`,
		"members after the list":       head + `{"codiceTransazione":"ORD-1"}]` + strings.Repeat(`,"j":1`, 12<<10) + "}",
		"white space after the answer": head + `]}` + strings.Repeat("\n", 70<<10),
	} {
		orders, errs := collect(t, http.StatusOK, []byte(b), small)
		require.Len(t, errs, 1, name)
		assert.ErrorContains(t, errs[0], "exceeds the 65536-byte limit", name)
		assert.LessOrEqual(t, len(orders), 1, name)
	}
}

// Orders walks a long period in windows that meet and do not overlap: the
// day where one window ends is not asked for again by the next.
func TestOrdersWindowsDoNotOverlap(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	var mu sync.Mutex
	var periods []string
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/reportOrdini", func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		_, rest, _ := strings.Cut(string(b), `"periodo":"`)
		period, _, _ := strings.Cut(rest, `"`)
		mu.Lock()
		periods = append(periods, period)
		mu.Unlock()
		return httpmock.NewStringResponse(http.StatusOK, `{`+envelopeJSON("OK", "1", nowMS)+`,"report":[]}`), nil
	})
	from := xpay.Date{Year: 2024, Month: 1, Day: 1}
	for _, err := range c.Orders(context.Background(), &xpay.ListOrdersRequest{Period: xpay.DateRange{From: from, To: from.AddDays(799)}, Channel: xpay.ChannelAll}) {
		require.NoError(t, err)
	}
	assert.Equal(t, []string{
		"01/01/2024 - 31/12/2024", // 366 days, 2024 being a leap year
		"01/01/2025 - 01/01/2026",
		"02/01/2026 - 10/03/2026",
	}, periods)

	// A period of two windows exactly ends with the second.
	periods = nil
	for _, err := range c.Orders(context.Background(), &xpay.ListOrdersRequest{Period: xpay.DateRange{From: from, To: from.AddDays(731)}, Channel: xpay.ChannelAll}) {
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"01/01/2024 - 31/12/2024", "01/01/2025 - 01/01/2026"}, periods)
}

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

func TestOrdersMatchesListOrders(t *testing.T) {
	t.Parallel()
	orders, errs := collect(t, http.StatusOK, fixture(t, "reportOrdini-ok.json"))
	require.Empty(t, errs)
	c, mock := newTestClient(t)
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/reportOrdini", httpmock.NewBytesResponder(http.StatusOK, fixture(t, "reportOrdini-ok.json")))
	full, err := c.ListOrders(context.Background(), listReq)
	require.NoError(t, err)
	assert.Equal(t, full.Orders, orders)
}

func TestOrdersJudgesTheEnvelopeLast(t *testing.T) {
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

func TestOrdersStopsWhenTheCallerDoes(t *testing.T) {
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

// Before must be an order with its rows: one from ListOrders has none,
// and would make every older row look new.
func TestBeforeMustCarryTheRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	res, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today.AddDays(-1), To: today}, Channel: xpay.ChannelAll, TransactionCode: xpaytest.DemoCaptured})
	require.NoError(t, err)
	require.Len(t, res.Orders, 1)
	listed := &res.Orders[0]
	other, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
	require.NoError(t, err)

	for rule, before := range map[string]*xpay.Order{"no operation rows": listed, "is the order": other.Order()} {
		_, err := c.Refund(ctx, &xpay.RefundRequest{TransactionCode: xpaytest.DemoCaptured, Amount: 1, Currency: eur, Before: before})
		var ve *xpay.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "Before", ve.Field)
		assert.Contains(t, ve.Rule, rule)
	}
	assert.Zero(t, srv.Requests("Refund"))
}

// Totals read off an order without rows are an error, not zero.
func TestTotalsOfAListedOrderAreAnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := newSandbox(t)
	res, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today.AddDays(-1), To: today}, Channel: xpay.ChannelAll, TransactionCode: xpaytest.DemoCaptured})
	require.NoError(t, err)
	require.Len(t, res.Orders, 1)
	_, err = res.Orders[0].Captured()
	assert.ErrorIs(t, err, xpay.ErrNoOperationRows)
	_, err = res.Orders[0].Refunded()
	assert.ErrorIs(t, err, xpay.ErrNoOperationRows)
	for o, err := range c.Orders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today.AddDays(-1), To: today}, Channel: xpay.ChannelAll}) {
		require.NoError(t, err)
		_, err = o.Captured()
		assert.ErrorIs(t, err, xpay.ErrNoOperationRows, o.TransactionCode)
	}

	var o xpay.Order
	require.NoError(t, json.Unmarshal([]byte(`{"dettaglio":[{"operazioni":[{"tipoOperazione":"CONTAB.","importo":1000},{"tipoOperazione":"CONTAB.","importo":5000.0}]}]}`), &o))
	_, err = o.Captured()
	assert.ErrorContains(t, err, "row 2 (CONTAB.) is not an integer of minor units: 5000.0")
	refunded, err := o.Refunded()
	assert.NoError(t, err, "no STORNO row is unreadable")
	assert.Zero(t, refunded)
}

// ordersOpCases are the rows of GetOrder, ListOrders and ListWarnings in the table every operation passes
// (TestOperations).
func ordersOpCases() []opCase {
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
		{
			name: "ListOrders", uri: "ecomm/api/bo/reportOrdini",
			call: call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{
				Period: xpay.DateRange{From: june1, To: june17}, Channel: xpay.ChannelAll,
				States: []xpay.OrderState{xpay.OrderStateAuthorized, xpay.OrderStateDenied},
			}),
			// stato is sent, not signed: the MAC is the reference's vector.
			body: body("b7391f0de46c5b5000b72630a732522b41af6424",
				`"codiceTransazione":"","periodo":"01/06/2024 - 17/06/2024","canale":"All","stato":["Autorizzato","Negato"]`),
			ok: "reportOrdini-ok.json", ko: "reportOrdini-ko.json", koCode: xpay.CodeInvalidParameter, koMessage: msgParameter,
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.ListOrdersResponse)
				require.Len(t, r.Orders, 2)
				assert.Equal(t, xpay.Amount(1999), r.Orders[0].Amount)
				assert.Equal(t, "Giulia", r.Orders[0].FirstName)
				assert.Equal(t, "Bianchi", r.Orders[0].LastName)
				assert.Equal(t, "2024-06-16 09:01:10", r.Orders[0].OperationDate)
				assert.Equal(t, xpay.OrderStateDenied, r.Orders[1].State)
			},
			invalid: []invalidCase{
				{"no period", call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{Channel: xpay.ChannelAll}), "Period.From", "periodo"},
				{"period reversed", call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{Period: xpay.DateRange{From: june17, To: june1}, Channel: xpay.ChannelAll}), "Period", "periodo"},
				{"no channel", call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{Period: xpay.DateRange{From: june1, To: june17}}), "Channel", "canale"},
				{"empty state", call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{Period: xpay.DateRange{From: june1, To: june17}, Channel: xpay.ChannelAll, States: []xpay.OrderState{""}}), "States", "stato"},
			},
		},
		{
			name: "ListWarnings", uri: "ecomm/api/bo/warning", macOptional: true,
			call: call((*xpay.Client).ListWarnings, xpay.ListWarningsRequest{}),
			body: body(macNoFields, ""),
			ok:   "warning-ok.json", ko: "warning-ko-parameter.json", koCode: xpay.CodeInvalidParameter, koMessage: msgParameter,
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.ListWarningsResponse)
				require.Len(t, r.Warnings, 1)
				assert.Equal(t, "ORD-2024-000130", r.Warnings[0].TransactionCode)
				assert.Contains(t, r.Warnings[0].Message, "urlpost")
			},
			invalid: []invalidCase{
				{"bad time", call((*xpay.Client).ListWarnings, xpay.ListWarningsRequest{From: xpay.DateTime{Year: 2024, Month: 6, Day: 1, Hour: 25}}), "From", "dataTransazioneDal"},
				{"code too long", call((*xpay.Client).ListWarnings, xpay.ListWarningsRequest{TransactionCode: strings.Repeat("x", 31)}), "TransactionCode", "codiceTransazione"},
			},
		},
	}
}

// Operations tells an order with details and no rows (none: an empty
// list) from one without details, as ListOrders returns them (nobody
// knows: nil).
func TestOperationsOfAnOrderWithoutRows(t *testing.T) {
	t.Parallel()
	rows := (&xpay.Order{Details: []xpay.OrderDetail{{}}}).Operations()
	assert.NotNil(t, rows)
	assert.Empty(t, rows)
	assert.Nil(t, (&xpay.Order{}).Operations())
}
