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

func TestParseTimeLayouts(t *testing.T) {
	t.Parallel()
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		rome = time.FixedZone("CEST", 2*60*60)
	}
	want := time.Date(2024, 6, 17, 10, 15, 42, 0, rome)
	for _, s := range []string{"2024-06-17 10:15:42", "17/06/2024 10:15:42", "2024-06-17T10:15:42"} {
		got, err := xpay.ParseTime(s, rome)
		require.NoError(t, err, s)
		assert.True(t, want.Equal(got), "%s: got %v", s, got)
	}
	day, err := xpay.ParseTime("17/06/2024", nil)
	require.NoError(t, err)
	assert.True(t, time.Date(2024, 6, 17, 0, 0, 0, 0, xpay.Rome()).Equal(day), "no location means Italy: %v", day)
	_, err = xpay.ParseTime("17 giugno 2024", nil)
	assert.ErrorContains(t, err, `"17 giugno 2024"`)
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
