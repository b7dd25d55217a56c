package xpaytest_test

// A Server that is safe to leave running: what it holds is bounded, and
// bounding it never makes a signed answer lie.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// movable is a clock a test moves, shared by a Server and its Client.
type movable struct{ ns atomic.Int64 }

func newMovable(t time.Time) *movable  { m := &movable{}; m.ns.Store(t.UnixNano()); return m }
func (m *movable) now() time.Time      { return time.Unix(0, m.ns.Load()) }
func (m *movable) add(d time.Duration) { m.ns.Add(int64(d)) }

// An order a client may still settle a write on is never pushed out by
// newer ones: a capture whose answer was lost settles as done however many
// orders came after it, where it read as "never happened" once the order
// was forgotten.
func TestEvictionKeepsWhatMaySettle(t *testing.T) {
	t.Parallel()
	clock := newMovable(time.Date(2026, 6, 17, 10, 0, 0, 0, xpay.Rome()))
	srv := xpaytest.NewServer(xpaytest.WithMaxItems(10), xpaytest.WithClock(clock.now))
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := context.Background()
	require.NoError(t, srv.AddOrder(xpaytest.Order{Code: "ORD-LOST-1", Amount: 5000}))
	require.NoError(t, srv.AddOrder(xpaytest.Order{Code: "ORD-REFUSED-1", Amount: 5000}))

	before, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-LOST-1"})
	require.NoError(t, err)
	srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: true, Times: 1})
	_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-LOST-1", Amount: 2000, Currency: xpay.CurrencyEUR, Before: before.Order()})
	var lost *xpay.OutcomeUnknownError
	require.ErrorAs(t, err, &lost)
	_, err = c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-REFUSED-1", Amount: 9000, Currency: xpay.CurrencyEUR})
	requireKO(t, err, xpay.CodeAmountTooHigh) // a write that reached it, and changed nothing

	clock.add(time.Minute)
	for i := range 30 {
		require.NoError(t, srv.AddOrder(xpaytest.Order{Code: fmt.Sprintf("ORD-NEW-%02d", i), Amount: 100}), i)
	}
	_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-NEW-00"})
	requireKO(t, err, xpay.CodeNotFound) // nothing was written on it: it could go
	_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-REFUSED-1"})
	require.NoError(t, err, "a write reached it a minute ago: a late landing could still be settled")

	clock.add(xpay.SettleWindow) // the lost capture can be settled for good now
	for i := range 30 {
		require.NoError(t, srv.AddOrder(xpaytest.Order{Code: fmt.Sprintf("ORD-LATER-%02d", i), Amount: 100}), i)
	}
	happened, err := c.Settle(ctx, &lost.Write)
	require.NoError(t, err)
	assert.True(t, happened, "the capture happened: its order is still there to say so")
	_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-REFUSED-1"})
	requireKO(t, err, xpay.CodeNotFound) // no row, and the window is over: nothing can be settled on it
}

// What a client wrote (a charge's order, a link, a contract it changed, a
// blacklist entry it added) is never pushed out, however old: a client may
// settle it at any time, and XPay forgets none of them. When the Server
// holds nothing else of a kind, a new write of it is refused, signed.
func TestEvictionKeepsWhatAClientWrote(t *testing.T) {
	t.Parallel()
	clock := newMovable(time.Date(2026, 6, 17, 10, 0, 0, 0, xpay.Rome()))
	srv := xpaytest.NewServer(xpaytest.WithMaxItems(10), xpaytest.WithClock(clock.now))
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := context.Background()
	require.NoError(t, srv.AddContract(xpaytest.Contract{Number: "CNT-WRITTEN-1"}))
	require.NoError(t, srv.AddContract(xpaytest.Contract{Number: "CNT-WRITTEN-2"}))

	var lost []*xpay.OutcomeUnknownError
	write := func(op string, send func() error) {
		t.Helper()
		srv.InjectFault(op, xpaytest.Fault{Reset: true, Processed: true, Times: 1})
		var unknown *xpay.OutcomeUnknownError
		require.ErrorAs(t, send(), &unknown, op)
		lost = append(lost, unknown)
	}
	write("Charge", func() error {
		_, err := c.Charge(ctx, &xpay.ChargeRequest{ContractNumber: "CNT-WRITTEN-1", TransactionCode: "REC-WRITTEN-1", Amount: 900, Currency: xpay.CurrencyEUR})
		return err
	})
	write("CreatePayByLink", func() error {
		_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-WRITTEN-1", Amount: 900, TimeoutHours: 1, ReturnURL: "https://shop.example/esito"})
		return err
	})
	write("DisableContract", func() error {
		_, err := c.DisableContract(ctx, &xpay.ContractRequest{ContractNumber: "CNT-WRITTEN-2"})
		return err
	})
	write("AddToBlacklist", func() error {
		_, err := c.AddToBlacklist(ctx, &xpay.AddToBlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: "RSSMRA80A01H501U"})
		return err
	})

	clock.add(xpay.SettleWindow + time.Minute)
	for i := range 30 { // thrice the bound of every kind, none written by a client
		require.NoError(t, srv.AddOrder(xpaytest.Order{Code: fmt.Sprintf("ORD-SEED-%02d", i), Amount: 100}), i)
		_, err := srv.AddLink(xpaytest.Link{Code: fmt.Sprintf("PBL-SEED-%02d", i), Amount: 100, Hours: 1, ReturnURL: "https://shop.example/esito"})
		require.NoError(t, err, i)
		require.NoError(t, srv.AddContract(xpaytest.Contract{Number: fmt.Sprintf("CNT-SEED-%02d", i)}), i)
		require.NoError(t, srv.AddToBlacklist(xpay.ValueTypeContractNumber, fmt.Sprintf("CNT-SEED-%02d", i), ""), i)
	}
	for _, w := range lost {
		happened, err := c.Settle(ctx, &w.Write)
		require.NoError(t, err, w.Write.Operation)
		assert.True(t, happened, "%s happened, and what it wrote is still there to say so", w.Write.Operation)
	}

	for i := 2; ; i++ { // links written by a client fill the Server: the next is refused
		_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: fmt.Sprintf("PBL-WRITTEN-%d", i), Amount: 900,
			TimeoutHours: 1, ReturnURL: "https://shop.example/esito"})
		if err != nil {
			requireKO(t, err, xpay.CodeInvalidParameter)
			assert.ErrorContains(t, err, "Reset")
			assert.Equal(t, 11, i, "ten links written, and nothing else to let go")
			break
		}
		require.Less(t, i, 11)
	}
}

// When every order held may still be settled, a new one is refused, with
// an error that says why, instead of forgetting one.
func TestFullSandboxRefusesNewOrders(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithMaxItems(10))
	t.Cleanup(srv.Close)
	for i := range 10 {
		require.NoError(t, srv.AddOrder(xpaytest.Order{Code: fmt.Sprintf("ORD-CAPT-%02d", i), Amount: 100, State: xpay.OrderStateCaptured}))
	}
	err := srv.AddOrder(xpaytest.Order{Code: "ORD-ONE-MORE", Amount: 100})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a client may still settle a write on each")
	assert.Contains(t, err.Error(), "Reset")

	_, err = srv.AddLink(xpaytest.Link{Code: "PBL-FULL-1", Amount: 100, Hours: 4, ReturnURL: "https://shop.example/esito"})
	require.NoError(t, err, "links are held apart")
	_, err = srv.PayLink("PBL-FULL-1", true)
	assert.ErrorContains(t, err, "a client may still settle a write on each", "the payment would make an order")

	require.NoError(t, srv.Reset())
	assert.NoError(t, srv.AddOrder(xpaytest.Order{Code: "ORD-ONE-MORE", Amount: 100}))
}

// Report ids are never given twice: past WithMaxItems the oldest reports
// go, and a newer one does not take an id a client may still hold.
func TestReportIDsAreNeverReused(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithMaxItems(10))
	t.Cleanup(srv.Close)
	day := time.Date(2026, 6, 1, 6, 0, 0, 0, xpay.Rome())
	seen := map[string]int{}
	last := ""
	for i := range 12 {
		id, err := srv.AddReport("Giornaliero", day.AddDate(0, 0, i))
		require.NoError(t, err)
		assert.NotContains(t, seen, id, "report %d has the id of report %d", i, seen[id])
		seen[id], last = i, id
	}
	ref := xpay.DateOf(day.AddDate(0, 0, 11))
	list, err := srv.Client().ListReports(context.Background(), &xpay.ListReportsRequest{RefDate: ref})
	require.NoError(t, err)
	require.Len(t, list.Reports, 1)
	assert.Equal(t, last, list.Reports[0].ID, "the report listed for the last day is the last one made")
}

// Nothing the Server keeps holds a whole request or answer alive: the log
// keeps a copy of the start of each, and what a link or an entry keeps is
// its own copy, capped as XPay caps it. Not parallel: it measures the
// heap, which no other test may use meanwhile.
func TestKeptDataHoldsNoWholeBodies(t *testing.T) {
	srv := xpaytest.NewServer(xpaytest.WithDemoData(), xpaytest.WithMaxItems(30_000))
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	live := func() uint64 {
		runtime.GC()
		runtime.GC() // and what sync.Pool kept through the first
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	grew := func(before uint64) float64 {
		g := (float64(live()) - float64(before)) / (1 << 20)
		t.Logf("grew %.2f MiB", g)
		return g
	}

	// Bodies over the cap, refused before any credential is looked at.
	before := live()
	big := `{"apiKey":"` + strings.Repeat("A", 1<<20) + `"}`
	for range 40 {
		resp, err := http.Post(srv.URL+"/ecomm/api/bo/situazioneOrdine", "application/json", strings.NewReader(big))
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	assert.Less(t, grew(before), 8.0, "MiB kept after 40 refused 1 MiB bodies")

	// Signed requests padded to 900 KB with white space: the link, the
	// entry and the charge's order keep their fields, not the body they
	// came in.
	require.NoError(t, srv.AddContract(xpaytest.Contract{Number: "CNT-PAD"}))
	before = live()
	pad := strings.Repeat(" ", 900<<10)
	for i := range 40 {
		code := fmt.Sprintf("PBL-PAD-%02d", i)
		fields := map[string]string{"codiceTransazione": code, "importo": "100", "timeout": "4", "url": "https://shop.example/esito/" + code}
		body := signedBody(srv, fields, []string{"apiKey", "codiceTransazione", "importo", "timeStamp"}, pad)
		postOK(t, srv.URL+"/ecomm/api/bo/richiestaPayMail", body)
		fields = map[string]string{"tipo": "CodiceContratto", "valore": "CNT-PAD-" + strconv.Itoa(i), "descrizione": "frode " + code}
		body = signedBody(srv, fields, []string{"apiKey", "tipo", "valore", "descrizione", "timeStamp"}, pad)
		postOK(t, srv.URL+"/ecomm/api/blacklist/aggiungi", body)
		fields = map[string]string{"numeroContratto": "CNT-PAD", "codiceTransazione": "REC-PAD-" + strconv.Itoa(i), "importo": "100", "divisa": "978", "scadenza": ""}
		body = signedBody(srv, fields, []string{"apiKey", "numeroContratto", "codiceTransazione", "importo", "divisa", "scadenza", "timeStamp"}, pad)
		postOK(t, srv.URL+"/ecomm/api/recurring/pagamentoRicorrente", body)
	}
	for range 1000 { // the log turns over: only what the state keeps is left
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoCaptured})
		require.NoError(t, err)
	}
	assert.Less(t, grew(before), 8.0, "MiB kept after 120 signed 900 KB requests")

	// Payment page forms of 15 KB: each checkout keeps its fields, not the form.
	before = live()
	for i := range 1000 {
		page, err := c.SignPaymentPage(&xpay.PaymentPageRequest{TransactionCode: fmt.Sprintf("CHK-PAD-%04d", i), Amount: 100,
			ReturnURL: "https://shop.example/esito", CancelURL: "https://shop.example/annullo", Email: "mario@shop.example",
			AdditionalFields: map[string]string{"pad": strings.Repeat("x", 1900), "pad2": strings.Repeat("y", 1900)}})
		require.NoError(t, err)
		form := page.Values()
		form.Set("extra", strings.Repeat("z", 11<<10))
		resp, err := noRedirects.PostForm(page.Action, form)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	}
	for range 1000 {
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoCaptured})
		require.NoError(t, err)
	}
	assert.Less(t, grew(before), 8.0, "MiB kept after 1,000 checkouts of 15 KB forms")

	// Large answers: the log keeps the start of each.
	day := time.Now().In(xpay.Rome())
	for i := range 5000 {
		require.NoError(t, srv.AddOrder(xpaytest.Order{Code: fmt.Sprintf("ORD-BIG-%05d", i), Amount: 100, CreatedAt: day}))
	}
	before = live()
	today := xpay.DateOf(day)
	for range 20 {
		list, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today, To: today}, Channel: xpay.ChannelAll})
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(list.Orders), 5000)
	}
	assert.Less(t, grew(before), 8.0, "MiB kept after 20 answers of 5,000 orders")
	runtime.KeepAlive(srv)
}

// signedBody is a request of fields, signed over mac, with pad inside the
// object, where JSON allows white space.
func signedBody(srv *xpaytest.Server, fields map[string]string, mac []string, pad string) []byte {
	fields["apiKey"] = srv.Alias()
	fields["timeStamp"] = strconv.FormatInt(time.Now().UnixMilli(), 10)
	sig := make([]xpay.Field, len(mac))
	for i, name := range mac {
		sig[i] = xpay.Field{Name: name, Value: fields[name]}
	}
	fields["mac"] = xpay.Sign(srv.Secret(), sig...)
	var b bytes.Buffer
	b.WriteString("{" + pad)
	first := true
	for k, v := range fields {
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, "%q:%q", k, v)
	}
	b.WriteString("}")
	return b.Bytes()
}

func postOK(t *testing.T, url string, body []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Contains(t, string(b), `"esito":"OK"`, string(b))
}

// Every stored field is capped as XPay caps it: a link's URLs (the
// payment page's lengths), a blacklist entry's descrizione.
func TestStoredFieldsAreCapped(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer()
	t.Cleanup(srv.Close)
	long := "https://shop.example/" + strings.Repeat("x", 500)
	linkMAC := []string{"apiKey", "codiceTransazione", "importo", "timeStamp"}
	for name, fields := range map[string]map[string]any{
		"url":     {"codiceTransazione": "PBL-CAP-1", "importo": 100, "timeout": 1, "url": long},
		"urlBack": {"codiceTransazione": "PBL-CAP-2", "importo": 100, "timeout": 1, "url": "https://shop.example/", "urlBack": long[:201]},
		"urlPost": {"codiceTransazione": "PBL-CAP-3", "importo": 100, "timeout": 1, "url": "https://shop.example/", "urlPost": long},
	} {
		res := raw(t, srv, "ecomm/api/bo/richiestaPayMail", fields, linkMAC, nil)
		assert.Equal(t, xpay.CodeInvalidParameter, code(res), name)
		assert.Contains(t, res["errore"].(map[string]any)["messaggio"], name, name)
	}
	res := raw(t, srv, "ecomm/api/blacklist/aggiungi", map[string]any{"tipo": "CodiceFiscale", "valore": "RSSMRA80A01H501U", "descrizione": strings.Repeat("d", 2001)},
		[]string{"apiKey", "tipo", "valore", "descrizione", "timeStamp"}, nil)
	assert.Equal(t, xpay.CodeInvalidParameter, code(res))
	assert.Contains(t, res["errore"].(map[string]any)["messaggio"], "descrizione")

	for name, err := range map[string]error{
		"order email":           srv.AddOrder(xpaytest.Order{Code: "ORD-CAP-1", Amount: 100, Email: strings.Repeat("m", 151)}),
		"blacklist description": srv.AddToBlacklist(xpay.ValueTypeTaxCode, "RSSMRA80A01H501U", strings.Repeat("d", 2001)),
		"warning message":       srv.AddWarning("ORD-CAP-1", strings.Repeat("w", 2001)),
		"contract hashPan":      srv.AddContract(xpaytest.Contract{Number: "CNT-CAP-1", HashPAN: strings.Repeat("h", 129)}),
		"pair tax code":         srv.AddCFPAN(strings.Repeat("R", 17), "H1", "203012"),
	} {
		assert.Error(t, err, name)
	}
	_, err := srv.AddReport(strings.Repeat("r", 201), time.Now())
	assert.Error(t, err)
}

// LandAfter carries the write out that long after it arrived, by the
// Server's clock, once the client is gone: nothing shows a second before,
// the row shows from then on; one held past XPay's five minutes is refused
// when it lands, and never shows.
func TestLandAfterCarriesTheWriteOutLater(t *testing.T) {
	t.Parallel()
	clock := newMovable(time.Date(2026, 6, 17, 10, 0, 0, 0, xpay.Rome()))
	srv := xpaytest.NewServer(xpaytest.WithDemoData(), xpaytest.WithClock(clock.now))
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := context.Background()
	captured := func(code string) xpay.Amount {
		t.Helper()
		res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
		require.NoError(t, err)
		amount, err := res.Order().Captured()
		require.NoError(t, err)
		return amount
	}
	for _, tc := range []struct {
		code  string
		after time.Duration
		lands bool
	}{
		{xpaytest.DemoAuthorized, 3 * time.Minute, true},
		{"ORD-LAND-LATE", 7 * time.Minute, false},
	} {
		if tc.code != xpaytest.DemoAuthorized {
			require.NoError(t, srv.AddOrder(xpaytest.Order{Code: tc.code, Amount: 5000}))
		}
		srv.InjectFault("Capture", xpaytest.Fault{LandAfter: tc.after, Times: 1})
		_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: tc.code, Amount: 2000, Currency: xpay.CurrencyEUR})
		require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)
		clock.add(tc.after - time.Second)
		assert.Equal(t, xpay.Amount(0), captured(tc.code), "%v: not yet, a second before", tc.after)
		clock.add(time.Second)
		want := xpay.Amount(0)
		if tc.lands {
			want = 2000
		}
		assert.Equal(t, want, captured(tc.code), "%v: carried out on time, or refused as too old", tc.after)
		clock.add(time.Hour)
		assert.Equal(t, want, captured(tc.code), "%v: and so it stays", tc.after)
	}
}
