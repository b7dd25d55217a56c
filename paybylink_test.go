package xpay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// linkServer answers ReportPaymail from perDay (links created each day of
// June 2024), with XPay's cap of 100 links per search.
func linkServer(t *testing.T, mock *httpmock.MockTransport, perDay map[int]int) *atomic.Int32 {
	var searches atomic.Int32
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/ReportPaymail", func(r *http.Request) (*http.Response, error) {
		searches.Add(1)
		var req struct{ LinkCreatiDal, LinkCreatiAl string }
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &req); err != nil {
			return nil, err
		}
		from, err1 := time.Parse("02/01/2006", req.LinkCreatiDal)
		to, err2 := time.Parse("02/01/2006", req.LinkCreatiAl)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad dates %q %q", req.LinkCreatiDal, req.LinkCreatiAl)
		}
		var links []map[string]any
		for d := from; !d.After(to) && len(links) < xpay.MaxPayByLinkResults; d = d.AddDate(0, 0, 1) {
			for i := 0; i < perDay[d.Day()] && len(links) < xpay.MaxPayByLinkResults; i++ {
				links = append(links, map[string]any{
					"codiceTransazione": fmt.Sprintf("PBL-%02d-%03d", d.Day(), i), "importo": 1000 + i,
					"dataCreazioneLink": d.Format("02/01/2006") + " 10:00:00", "statoEsteso": "Pagato", "circuito": "VISA",
				})
			}
		}
		return httpmock.NewBytesResponse(http.StatusOK, signedBody(t, "9"+strconv.Itoa(int(searches.Load())), map[string]any{"paymail": links})), nil
	})
	return &searches
}

func TestPayByLinksSplitsRangesAtTheCap(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	perDay := map[int]int{1: 30, 2: 45, 3: 60, 5: 20, 8: 99, 9: 1, 10: 70} // 325 links, no day over 100
	searches := linkServer(t, mock, perDay)

	seen := map[string]bool{}
	for link, err := range c.PayByLinks(context.Background(), &xpay.ListPayByLinksRequest{CreatedFrom: xpay.Date{Year: 2024, Month: 6, Day: 1}, CreatedTo: xpay.Date{Year: 2024, Month: 6, Day: 10}}) {
		require.NoError(t, err)
		assert.False(t, seen[link.TransactionCode], "duplicate %s", link.TransactionCode)
		seen[link.TransactionCode] = true
	}
	assert.Len(t, seen, 325)
	assert.Greater(t, int(searches.Load()), 1, "the range was split")
}

func TestPayByLinksReportsADayOverTheCap(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	linkServer(t, mock, map[int]int{1: 10, 2: 130, 3: 5})
	var got int
	var errs []error
	for _, err := range c.PayByLinks(context.Background(), &xpay.ListPayByLinksRequest{CreatedFrom: xpay.Date{Year: 2024, Month: 6, Day: 1}, CreatedTo: xpay.Date{Year: 2024, Month: 6, Day: 3}}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got++
	}
	assert.Equal(t, 10+100+5, got, "all XPay returns, for every day")
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], xpay.ErrTooManyLinks)
	assert.Contains(t, errs[0].Error(), "02/06/2024")
}

func TestPayByLinksStopsWhenTheCallerDoes(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	searches := linkServer(t, mock, map[int]int{1: 80, 2: 80, 3: 80})
	n := 0
	for range c.PayByLinks(context.Background(), &xpay.ListPayByLinksRequest{CreatedFrom: xpay.Date{Year: 2024, Month: 6, Day: 1}, CreatedTo: xpay.Date{Year: 2024, Month: 6, Day: 3}}) {
		if n++; n == 5 {
			break
		}
	}
	assert.Equal(t, 5, n)
	assert.LessOrEqual(t, int(searches.Load()), 3, "no search after the caller stopped")
}

func TestListPayByLinksTruncated(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	linkServer(t, mock, map[int]int{1: 150})
	res, err := c.ListPayByLinks(context.Background(), &xpay.ListPayByLinksRequest{
		CreatedFrom: xpay.Date{Year: 2024, Month: 6, Day: 1}, CreatedTo: xpay.Date{Year: 2024, Month: 6, Day: 1},
	})
	require.NoError(t, err)
	assert.Len(t, res.Links, 100)
	assert.True(t, res.Truncated())
}

// A new transaction code follows the rules of every transaction code: 2
// to 30 characters.
func TestRegenerateNewCodeNeedsTwoCharacters(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	_, err := c.RegeneratePayByLink(context.Background(), &xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL-1", NewTransactionCode: "X", TimeoutHours: 1})
	var ve *xpay.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "nuovoCodiceTransazione", ve.WireName)
	assert.Contains(t, ve.Rule, "2 to 30 characters")
	assert.Zero(t, mock.GetTotalCallCount())
}

// The sandbox's counter replaces at most the last two characters of a
// code that leaves no room for it, as XPay's text says.
func TestSandboxRegenerationCounterReplacesAtMostTwoCharacters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	full := strings.Repeat("A", 25) + "-BCDE" // 30 characters
	_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: full, Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/"})
	require.NoError(t, err)
	code := full
	var got []string
	for range 11 {
		_, err := srv.PayLink(code, false)
		require.NoError(t, err)
		res, err := c.RegeneratePayByLink(ctx, &xpay.RegeneratePayByLinkRequest{TransactionCode: code, TimeoutHours: 1})
		require.NoError(t, err)
		code = res.TransactionCode
		got = append(got, code)
		assert.LessOrEqual(t, len(code), 30)
		assert.Equal(t, full[:28], code[:28], "no more than the last two characters replaced: %s", code)
	}
	assert.Equal(t, full[:28]+"-1", got[0])
	assert.Equal(t, full[:28]+"10", got[9])
}

// noRedirects is a browser that stops at the redirect to the merchant.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestE2EPayByLinkPaidOnThePage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	link, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-PAGE-1", Amount: 12050, TimeoutHours: 4, ReturnURL: "https://shop.example/esito?ordine=1",
	})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(link.URL, srv.URL))

	page, err := http.Get(link.URL)
	require.NoError(t, err)
	body := new(bytes.Buffer)
	_, _ = body.ReadFrom(page.Body)
	page.Body.Close()
	assert.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, body.String(), "120.50 EUR")

	resp, err := noRedirects.PostForm(link.URL, url.Values{"outcome": {"approve"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	q := back.Query()
	assert.Equal(t, "shop.example", back.Host)
	assert.Equal(t, "1", q.Get("ordine"), "the merchant's own parameters are kept")
	assert.Equal(t, "OK", q.Get("esito"))
	assert.Equal(t, "PBL-PAGE-1", q.Get("codTrans"))
	var fields []xpay.Field
	for _, name := range []string{"codTrans", "esito", "importo", "divisa", "data", "orario", "codAut"} {
		fields = append(fields, xpay.Field{Name: name, Value: q.Get(name)})
	}
	assert.Equal(t, xpay.Sign(srv.Secret(), fields...), q.Get("mac"), "the payment page's return MAC")

	order, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "PBL-PAGE-1"})
	require.NoError(t, err)
	assert.Equal(t, xpay.OrderStateAuthorized, order.Order().State)
	assert.Equal(t, xpay.Amount(12050), order.Order().Amount)

	again, err := noRedirects.PostForm(link.URL, url.Values{"outcome": {"approve"}})
	require.NoError(t, err)
	again.Body.Close()
	assert.Equal(t, http.StatusConflict, again.StatusCode, "a link is paid once")

	_, err = c.RegeneratePayByLink(ctx, &xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL-PAGE-1", TimeoutHours: 1})
	requireCode(t, err, xpay.CodeInvalidState)

	report, err := c.ListPayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: today, CreatedTo: today})
	require.NoError(t, err)
	require.Len(t, report.Links, 1)
	assert.Equal(t, "Pagato", report.Links[0].Status)
	assert.Equal(t, "VISA", report.Links[0].Circuit)
}

func TestE2EPayByLinkRegenerate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := &fakeClock{t: time.Now()}
	srv, _ := newSandbox(t, xpaytest.WithClock(clock.Now))
	c := srv.Client(xpay.WithClock(clock.Now))
	create := func(code string) string {
		res, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: code, Amount: 900, TimeoutHours: 2, ReturnURL: "https://shop.example/"})
		require.NoError(t, err)
		return res.URL
	}
	regenerate := func(code, newCode string) *xpay.RegeneratePayByLinkResponse {
		res, err := c.RegeneratePayByLink(ctx, &xpay.RegeneratePayByLinkRequest{TransactionCode: code, NewTransactionCode: newCode, TimeoutHours: 2})
		require.NoError(t, err)
		return res
	}

	t.Run("unused link keeps its URL and gets a new expiry", func(t *testing.T) {
		u := create("PBL-UNUSED")
		clock.Advance(3 * time.Hour)
		page, err := http.Get(u)
		require.NoError(t, err)
		page.Body.Close()
		assert.Equal(t, http.StatusGone, page.StatusCode, "expired")
		report, err := c.ListPayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: xpay.DateOf(clock.Now().AddDate(0, 0, -1)), CreatedTo: xpay.DateOf(clock.Now())})
		require.NoError(t, err)
		assert.Equal(t, "Scaduto", report.Links[0].Status)

		res := regenerate("PBL-UNUSED", "")
		assert.Equal(t, u, res.URL)
		assert.Equal(t, "PBL-UNUSED", res.TransactionCode)
		require.NoError(t, payLink(srv, "PBL-UNUSED", true), "payable again")
	})
	t.Run("declined link gets a counter", func(t *testing.T) {
		u := create("PBL-DECLINED")
		require.NoError(t, payLink(srv, "PBL-DECLINED", false))
		res := regenerate("PBL-DECLINED", "")
		assert.Equal(t, "PBL-DECLINED-1", res.TransactionCode)
		assert.NotEqual(t, u, res.URL)
		require.NoError(t, payLink(srv, res.TransactionCode, false))
		assert.Equal(t, "PBL-DECLINED-2", regenerate(res.TransactionCode, "").TransactionCode, "counted from the first code")

		_, err := c.RegeneratePayByLink(ctx, &xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL-DECLINED", TimeoutHours: 1})
		requireCode(t, err, xpay.CodeTransactionNotFound)
		old, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "PBL-DECLINED"})
		require.NoError(t, err)
		assert.Equal(t, xpay.OrderStateDenied, old.Order().State)
	})
	t.Run("never over 30 characters", func(t *testing.T) {
		code := strings.Repeat("L", 29) + "Z" // 30 characters
		create(code)
		require.NoError(t, payLink(srv, code, false))
		res := regenerate(code, "")
		assert.Equal(t, strings.Repeat("L", 28)+"-1", res.TransactionCode, "the last two characters replaced")
	})
	t.Run("new code requested", func(t *testing.T) {
		create("PBL-NEWCODE")
		require.NoError(t, payLink(srv, "PBL-NEWCODE", false))
		res := regenerate("PBL-NEWCODE", "PBL-NEWCODE-BIS")
		assert.Equal(t, "PBL-NEWCODE-BIS", res.TransactionCode)
		require.NoError(t, payLink(srv, "PBL-NEWCODE-BIS", true))
		order, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "PBL-NEWCODE-BIS"})
		require.NoError(t, err)
		assert.Equal(t, xpay.OrderStateAuthorized, order.Order().State)
	})
}

func TestE2EListPayByLinksCap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := newSandbox(t)
	for i := range 120 {
		_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
			TransactionCode: "PBL-CAP-" + string(rune('A'+i/26)) + string(rune('A'+i%26)), Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/",
		})
		require.NoError(t, err)
	}
	res, err := c.ListPayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: today, CreatedTo: today})
	require.NoError(t, err)
	assert.Len(t, res.Links, 100)
	assert.True(t, res.Truncated())
	var n int
	var last error
	for _, err := range c.PayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: weekAgo, CreatedTo: today}) {
		if err != nil {
			last = err
			continue
		}
		n++
	}
	assert.Equal(t, 100, n)
	assert.ErrorIs(t, last, xpay.ErrTooManyLinks)
}

// A customer who gives up on the payment page goes back to the link's
// urlBack with esito ANNULLO, signed as every outcome: the merchant reads
// it as a cancellation, nothing is paid, and the link can still be paid.
// A link without urlBack offers no cancel.
func TestE2EPayByLinkCancelledOnThePage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	link, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-BACK-1", Amount: 4200, TimeoutHours: 4,
		ReturnURL: "https://shop.example/esito", CancelURL: "https://shop.example/carrello?id=7",
	})
	require.NoError(t, err)
	page, err := http.Get(link.URL)
	require.NoError(t, err)
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	assert.Contains(t, string(html), `value="cancel"`, "the page offers the cancel button")

	resp, err := noRedirects.PostForm(link.URL, url.Values{"outcome": {"cancel"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "/carrello", back.Path)
	assert.Equal(t, "7", back.Query().Get("id"), "the merchant's own parameters are kept")
	result, err := c.VerifyPaymentResult(back.Query())
	require.NoError(t, err, "the cancellation is signed")
	assert.Equal(t, xpay.PaymentOutcomeCancelled, result.Outcome)
	assert.False(t, result.Paid())
	assert.Equal(t, xpay.Amount(4200), result.Amount)

	_, err = c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "PBL-BACK-1"})
	requireCode(t, err, xpay.CodeNotFound)
	_, err = srv.PayLink("PBL-BACK-1", true)
	require.NoError(t, err, "a cancelled payment leaves the link usable")

	plain, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-BACK-2", Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/esito",
	})
	require.NoError(t, err)
	page, err = http.Get(plain.URL)
	require.NoError(t, err)
	html, _ = io.ReadAll(page.Body)
	page.Body.Close()
	assert.NotContains(t, string(html), `value="cancel"`)
	resp, err = noRedirects.PostForm(plain.URL, url.Values{"outcome": {"cancel"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	_, err = srv.CancelLink("PBL-BACK-2")
	assert.ErrorContains(t, err, "no urlBack")
}

// payByLinkOpCases are the rows of CreatePayByLink, RegeneratePayByLink and ListPayByLinks in the table every operation passes
// (TestOperations).
func payByLinkOpCases() []opCase {
	return []opCase{
		{
			name: "CreatePayByLink", uri: "ecomm/api/bo/richiestaPayMail", write: true,
			call: call((*xpay.Client).CreatePayByLink, xpay.CreatePayByLinkRequest{
				TransactionCode: "PBL-2024-000777", Amount: 12000, TimeoutHours: 4, ReturnURL: "https://shop.example.com/esito?o=777&x=<y>",
				AdditionalParameters: map[string]string{"TCONTAB": "D", "descrizione": "Ordine 777"},
			}),
			body: body("cb218acd1c7b0cf5748c557b9a356f886ad7e1dd",
				`"codiceTransazione":"PBL-2024-000777","importo":12000,"timeout":4,"url":"https://shop.example.com/esito?o=777&x=<y>",
				"parametriAggiuntivi":{"TCONTAB":"D","descrizione":"Ordine 777"}`),
			ok: "richiestaPayMail-ok.json", ko: "richiestaPayMail-ko.json", koCode: xpay.CodeDuplicate, koMessage: "Transazione già presente",
			checkOK: func(t *testing.T, res any) {
				assert.Equal(t, "https://int-ecommerce.nexi.it/ecomm/EXAMPLE-PAYMAIL-LINK/7f3c9a1e", res.(*xpay.CreatePayByLinkResponse).URL)
			},
			invalid: []invalidCase{
				{"no timeout", call((*xpay.Client).CreatePayByLink, xpay.CreatePayByLinkRequest{TransactionCode: "PBL1", Amount: 1, ReturnURL: "https://x.example/"}), "TimeoutHours", "timeout"},
				{"relative URL", call((*xpay.Client).CreatePayByLink, xpay.CreatePayByLinkRequest{TransactionCode: "PBL1", Amount: 1, TimeoutHours: 1, ReturnURL: "/esito"}), "ReturnURL", "url"},
				{"javascript URL", call((*xpay.Client).CreatePayByLink, xpay.CreatePayByLinkRequest{TransactionCode: "PBL1", Amount: 1, TimeoutHours: 1, ReturnURL: "https://x.example/", NotifyURL: "javascript:alert(1)"}), "NotifyURL", "urlPost"},
				{"zero amount", call((*xpay.Client).CreatePayByLink, xpay.CreatePayByLinkRequest{TransactionCode: "PBL1", TimeoutHours: 1, ReturnURL: "https://x.example/"}), "Amount", "importo"},
			},
		},
		{
			name: "RegeneratePayByLink", uri: "ecomm/api/bo/rigeneraPayMail", write: true,
			call: call((*xpay.Client).RegeneratePayByLink, xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL-2024-000777", NewTransactionCode: "PBL-2024-000777-B", TimeoutHours: 10000}),
			// nuovoCodiceTransazione is sent, not signed.
			body: body("32e1129a9e54c549b3a58ba8809f56c5f4e31619", `"codiceTransazione":"PBL-2024-000777","nuovoCodiceTransazione":"PBL-2024-000777-B","timeout":10000`),
			ok:   "rigeneraPayMail-ok.json", ko: "rigeneraPayMail-ko.json", koCode: xpay.CodeTransactionNotFound, koMessage: "La transazione non è stata trovata",
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.RegeneratePayByLinkResponse)
				assert.Equal(t, "PBL-2024-000777-1", r.TransactionCode)
				assert.Equal(t, "https://int-ecommerce.nexi.it/ecomm/EXAMPLE-PAYMAIL-LINK/9b21d4c0", r.URL)
			},
			invalid: []invalidCase{
				{"new code too long", call((*xpay.Client).RegeneratePayByLink, xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL1", NewTransactionCode: strings.Repeat("N", 31), TimeoutHours: 1}), "NewTransactionCode", "nuovoCodiceTransazione"},
				{"negative timeout", call((*xpay.Client).RegeneratePayByLink, xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL1", TimeoutHours: -1}), "TimeoutHours", "timeout"},
			},
		},
		{
			name: "ListPayByLinks", uri: "ecomm/api/bo/ReportPaymail",
			call: call((*xpay.Client).ListPayByLinks, xpay.ListPayByLinksRequest{CreatedFrom: june14, CreatedTo: june17}),
			body: body(macNoFields, `"linkCreatiDal":"14/06/2024","linkCreatiAl":"17/06/2024"`),
			ok:   "reportPaymail-ok.json", ko: "reportPaymail-ko.json", koCode: xpay.CodeInvalidParameter, koMessage: msgParameter,
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.ListPayByLinksResponse)
				require.Len(t, r.Links, 2)
				assert.False(t, r.Truncated())
				assert.Equal(t, xpay.PayByLink{TransactionCode: "PBL-2024-000777", Amount: 12000, CreatedAt: "14/06/2024 16:20:11", Status: "Pagato", Circuit: "VISA"}, r.Links[0])
			},
			invalid: []invalidCase{
				{"no start", call((*xpay.Client).ListPayByLinks, xpay.ListPayByLinksRequest{CreatedTo: june17}), "CreatedFrom", "linkCreatiDal"},
				{"reversed", call((*xpay.Client).ListPayByLinks, xpay.ListPayByLinksRequest{CreatedFrom: june17, CreatedTo: june14}), "CreatedTo", "linkCreatiAl"},
			},
		},
	}
}

// fakeClock is a clock tests move by hand, shared by sandbox and client.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// payLink pays (or refuses) a link in the sandbox, ignoring the return URL.
func payLink(srv *xpaytest.Server, code string, approve bool) error {
	_, err := srv.PayLink(code, approve)
	return err
}

var june14 = xpay.Date{Year: 2024, Month: time.June, Day: 14}
