package xpay_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// fakeClock is a clock tests move by hand, shared by sandbox and client.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func newSandbox(t *testing.T, opts ...xpaytest.Option) (*xpaytest.Server, *xpay.Client) {
	t.Helper()
	srv := xpaytest.NewServer(append([]xpaytest.Option{xpaytest.WithDemoData(), xpaytest.WithClock(e2eNow)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv, srv.Client()
}

func requireCode(t *testing.T, err error, code int) {
	t.Helper()
	var apiErr *xpay.APIError
	require.ErrorAs(t, err, &apiErr, "want KO %d", code)
	assert.Equal(t, code, apiErr.Code, apiErr.Message)
}

// The sandboxes of newSandbox start at noon in Italy on a fixed day, and
// their clock runs from there: "today" is one day for the whole run,
// whatever the hour the tests run at. Clients that srv.Client makes share
// the clock; one made otherwise must take WithClock(e2eNow).
var (
	e2eAnchor = time.Date(2026, 6, 17, 12, 0, 0, 0, xpay.Rome())
	e2eBoot   = time.Now()
)

func e2eNow() time.Time { return e2eAnchor.Add(time.Since(e2eBoot)) }

var (
	today     = xpay.DateOf(e2eAnchor)
	weekAgo   = today.AddDays(-7)
	thisWeek  = xpay.DateRange{From: weekAgo, To: today.AddDays(1)}
	eur       = xpay.CurrencyEUR
	demoCFPAN = xpay.CFPANRequest{TaxCode: xpaytest.DemoTaxCode, HashPAN: xpaytest.DemoHashPAN, GroupCode: xpaytest.DefaultGroup}
)

// e2eStep is one call of an operation through the SDK.
type e2eStep = func(c *xpay.Client) (any, error)

// e2eCase drives one operation through the SDK against the sandbox: a
// call that succeeds, with an optional check of its answer, and one that
// XPay refuses with koCode (negative: with an alias XPay does not know).
type e2eCase struct {
	name   string
	ok     e2eStep
	check  func(t *testing.T, res any)
	ko     e2eStep
	koCode int
}

// e2eCases lists every operation's case; TestEveryMethodIsCovered fails
// when one is missing.
func e2eCases(ctx context.Context) []e2eCase {
	return []e2eCase{
		{"Capture",
			func(c *xpay.Client) (any, error) {
				return c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 1000, Currency: eur})
			}, nil,
			func(c *xpay.Client) (any, error) {
				return c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: xpaytest.DemoDenied, Amount: 1000, Currency: eur})
			}, xpay.CodeInvalidState},
		{"Refund",
			func(c *xpay.Client) (any, error) {
				return c.Refund(ctx, &xpay.RefundRequest{TransactionCode: xpaytest.DemoCaptured, Amount: 500, Currency: eur})
			}, nil,
			func(c *xpay.Client) (any, error) {
				return c.Refund(ctx, &xpay.RefundRequest{TransactionCode: xpaytest.DemoCaptured, Amount: 999999, Currency: eur})
			}, xpay.CodeAmountTooHigh},
		{"GetOrder",
			func(c *xpay.Client) (any, error) {
				return c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoCaptured})
			},
			func(t *testing.T, res any) {
				o := res.(*xpay.GetOrderResponse).Order()
				assert.Equal(t, xpay.OrderStateCaptured, o.State)
				require.Len(t, o.Operations(), 1)
				assert.Equal(t, xpay.OperationTypeCapture, o.Operations()[0].Type)
			},
			func(c *xpay.Client) (any, error) {
				return c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-UNKNOWN"})
			}, xpay.CodeNotFound},
		{"ListOrders",
			func(c *xpay.Client) (any, error) {
				return c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll, States: []xpay.OrderState{"negato"}})
			},
			func(t *testing.T, res any) {
				r := res.(*xpay.ListOrdersResponse)
				require.Len(t, r.Orders, 1, "the state filter ignores case")
				assert.Equal(t, xpaytest.DemoDenied, r.Orders[0].TransactionCode)
			},
			func(c *xpay.Client) (any, error) {
				return c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll})
			}, -xpay.CodeInvalidAlias},
		{"ListWarnings",
			func(c *xpay.Client) (any, error) { return c.ListWarnings(ctx, &xpay.ListWarningsRequest{}) },
			func(t *testing.T, res any) {
				require.Len(t, res.(*xpay.ListWarningsResponse).Warnings, 1)
			},
			func(c *xpay.Client) (any, error) { return c.ListWarnings(ctx, &xpay.ListWarningsRequest{}) }, -xpay.CodeInvalidAlias},
		{"CreatePayByLink",
			func(c *xpay.Client) (any, error) {
				return c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-E2E-1", Amount: 1500, TimeoutHours: 1, ReturnURL: "https://shop.example/ok"})
			},
			func(t *testing.T, res any) {
				assert.Contains(t, res.(*xpay.CreatePayByLinkResponse).URL, "/paybylink/")
			},
			func(c *xpay.Client) (any, error) {
				return c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 1500, TimeoutHours: 1, ReturnURL: "https://shop.example/ok"})
			}, xpay.CodeDuplicate},
		{"RegeneratePayByLink",
			func(c *xpay.Client) (any, error) {
				if _, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: "PBL-E2E-2", Amount: 1500, TimeoutHours: 1, ReturnURL: "https://shop.example/ok"}); err != nil {
					return nil, err
				}
				return c.RegeneratePayByLink(ctx, &xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL-E2E-2", TimeoutHours: 2})
			},
			func(t *testing.T, res any) {
				assert.Equal(t, "PBL-E2E-2", res.(*xpay.RegeneratePayByLinkResponse).TransactionCode)
			},
			func(c *xpay.Client) (any, error) {
				return c.RegeneratePayByLink(ctx, &xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL-UNKNOWN", TimeoutHours: 2})
			}, xpay.CodeTransactionNotFound},
		{"ListPayByLinks",
			func(c *xpay.Client) (any, error) {
				return c.ListPayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: weekAgo, CreatedTo: thisWeek.To})
			}, nil,
			func(c *xpay.Client) (any, error) {
				return c.ListPayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: weekAgo, CreatedTo: today})
			}, -xpay.CodeInvalidAlias},
		{"ListReports",
			func(c *xpay.Client) (any, error) { return c.ListReports(ctx, &xpay.ListReportsRequest{}) },
			func(t *testing.T, res any) {
				require.Len(t, res.(*xpay.ListReportsResponse).Reports, 1)
			},
			func(c *xpay.Client) (any, error) {
				// The nearest instances exist for any day: no valid request fails.
				return c.ListReports(ctx, &xpay.ListReportsRequest{RefDate: xpay.Date{Year: 2001, Month: 1, Day: 1}})
			}, -xpay.CodeInvalidAlias},
		{"DownloadReport",
			func(c *xpay.Client) (any, error) {
				var buf bytes.Buffer
				_, err := c.DownloadReport(ctx, "1", &buf)
				return buf.String(), err
			},
			func(t *testing.T, res any) {
				assert.Contains(t, res.(string), "codiceTransazione;importo")
				assert.Contains(t, res.(string), xpaytest.DemoAuthorized+";5000;EUR;Autorizzato")
			},
			func(c *xpay.Client) (any, error) { return c.DownloadReport(ctx, "99", &bytes.Buffer{}) }, xpay.CodeNotFound},
		{"CreateContractFromPOS",
			func(c *xpay.Client) (any, error) {
				return c.CreateContractFromPOS(ctx, &xpay.CreateContractFromPOSRequest{Contract: xpay.POSContract{ContractNumber: "CNT-E2E-1", POSID: "POS00001", AuthorizationCode: "A1B2C3", Amount: 100, TransactionDate: "17/06/2024"}})
			}, func(t *testing.T, res any) {
				k := res.(*xpay.CreateContractFromPOSResponse).Contract
				require.NotNil(t, k, "the new contract, in infoContratto")
				assert.Equal(t, "CNT-E2E-1", k.ContractNumber)
				assert.Equal(t, "OK", k.FirstPaymentStatus)
			},
			func(c *xpay.Client) (any, error) {
				return c.CreateContractFromPOS(ctx, &xpay.CreateContractFromPOSRequest{Contract: xpay.POSContract{ContractNumber: xpaytest.DemoContract, POSID: "POS00001", AuthorizationCode: "A1B2C3", Amount: 100}})
			}, xpay.CodeDuplicate},
		{"GetProfileInfo",
			func(c *xpay.Client) (any, error) {
				return c.GetProfileInfo(ctx, &xpay.GetProfileInfoRequest{Platform: "custom"})
			},
			func(t *testing.T, res any) {
				r := res.(*xpay.GetProfileInfoResponse)
				require.Len(t, r.Methods, 3)
				assert.Equal(t, "VISA", r.Methods[0].SelectedCard)
				assert.Equal(t, "APM", r.Methods[2].Type)
			},
			func(c *xpay.Client) (any, error) { return c.GetProfileInfo(ctx, &xpay.GetProfileInfoRequest{}) }, -xpay.CodeInvalidAlias},
		{"ListContracts",
			func(c *xpay.Client) (any, error) {
				return c.ListContracts(ctx, &xpay.ContractFilter{TaxCode: xpaytest.DemoTaxCode})
			},
			func(t *testing.T, res any) {
				require.Len(t, res.(*xpay.ContractsResponse).Contracts, 1)
			},
			func(c *xpay.Client) (any, error) { // nothing found is an empty answer: a KO needs an alias XPay does not know
				return c.ListContracts(ctx, &xpay.ContractFilter{ContractNumber: "CNT-UNKNOWN"})
			}, -xpay.CodeInvalidAlias},
		{"ListContractDetails",
			func(c *xpay.Client) (any, error) {
				return c.ListContractDetails(ctx, &xpay.ContractFilter{ContractNumber: xpaytest.DemoContract})
			},
			func(t *testing.T, res any) {
				k := res.(*xpay.ContractsResponse).Contracts[0]
				assert.Equal(t, xpaytest.DemoHashPAN, k.HashPAN)
				assert.Equal(t, xpaytest.DemoCaptured, k.TransactionCode)
			},
			func(c *xpay.Client) (any, error) {
				return c.ListContractDetails(ctx, &xpay.ContractFilter{ContractNumber: "CNT-UNKNOWN"})
			}, xpay.CodeInvalidContract},
		{"ListContractStatuses",
			func(c *xpay.Client) (any, error) {
				return c.ListContractStatuses(ctx, &xpay.ListContractStatusesRequest{ContractFilter: xpay.ContractFilter{ContractNumber: xpaytest.DemoContract}})
			},
			func(t *testing.T, res any) {
				assert.Equal(t, "ABILITATO", res.(*xpay.ContractsResponse).Contracts[0].UpdateStatus)
			},
			func(c *xpay.Client) (any, error) { // nothing found is an empty answer: a KO needs an alias XPay does not know
				return c.ListContractStatuses(ctx, &xpay.ListContractStatusesRequest{UpdateState: "SCONOSCIUTO"})
			}, -xpay.CodeInvalidAlias},
		{"DeleteContract",
			func(c *xpay.Client) (any, error) {
				return c.DeleteContract(ctx, &xpay.ContractRequest{ContractNumber: xpaytest.DemoContract})
			}, nil,
			func(c *xpay.Client) (any, error) {
				return c.DeleteContract(ctx, &xpay.ContractRequest{ContractNumber: "CNT-UNKNOWN"})
			}, xpay.CodeInvalidContract},
		{"DisableContract",
			func(c *xpay.Client) (any, error) {
				return c.DisableContract(ctx, &xpay.ContractRequest{ContractNumber: xpaytest.DemoContract})
			}, nil,
			func(c *xpay.Client) (any, error) {
				return c.DisableContract(ctx, &xpay.ContractRequest{ContractNumber: "CNT-UNKNOWN"})
			}, xpay.CodeInvalidContract},
		{"EnableContract",
			func(c *xpay.Client) (any, error) {
				if _, err := c.DisableContract(ctx, &xpay.ContractRequest{ContractNumber: xpaytest.DemoContract}); err != nil {
					return nil, err
				}
				return c.EnableContract(ctx, &xpay.ContractRequest{ContractNumber: xpaytest.DemoContract})
			}, nil,
			func(c *xpay.Client) (any, error) {
				return c.EnableContract(ctx, &xpay.ContractRequest{ContractNumber: xpaytest.DemoContract})
			}, xpay.CodeInvalidState},
		{"AddToBlacklist",
			func(c *xpay.Client) (any, error) {
				return c.AddToBlacklist(ctx, &xpay.AddToBlacklistRequest{Type: xpay.ValueTypeContractNumber, Value: "CNT-FRODE-1", Description: "Frode sospetta"})
			}, nil,
			func(c *xpay.Client) (any, error) {
				return c.AddToBlacklist(ctx, &xpay.AddToBlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoBlacklisted})
			}, xpay.CodeDuplicate},
		{"RemoveFromBlacklist",
			func(c *xpay.Client) (any, error) {
				return c.RemoveFromBlacklist(ctx, &xpay.RemoveFromBlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoBlacklisted})
			}, nil,
			func(c *xpay.Client) (any, error) {
				return c.RemoveFromBlacklist(ctx, &xpay.RemoveFromBlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoTaxCode})
			}, xpay.CodeNotFound},
		{"CheckBlacklist",
			func(c *xpay.Client) (any, error) {
				return c.CheckBlacklist(ctx, &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoBlacklisted})
			},
			func(t *testing.T, res any) { assert.True(t, listed(t, res.(*xpay.BlacklistResponse))) },
			func(c *xpay.Client) (any, error) {
				return c.CheckBlacklist(ctx, &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoTaxCode})
			}, -xpay.CodeInvalidAlias}, // not listed is an answer, not a KO: see TestCheckBlacklistNotListed
		{"ListBlacklist",
			func(c *xpay.Client) (any, error) {
				return c.ListBlacklist(ctx, &xpay.ListBlacklistRequest{Type: xpay.ValueTypeTaxCode})
			},
			func(t *testing.T, res any) { require.Len(t, res.(*xpay.BlacklistResponse).Entries, 1) },
			func(c *xpay.Client) (any, error) {
				return c.ListBlacklist(ctx, &xpay.ListBlacklistRequest{Type: xpay.ValueTypeTaxCode})
			}, -xpay.CodeInvalidAlias},
		{"CheckCFPAN",
			func(c *xpay.Client) (any, error) { return c.CheckCFPAN(ctx, &demoCFPAN) },
			func(t *testing.T, res any) { require.Len(t, res.(*xpay.CFPANResponse).Associations, 1) },
			func(c *xpay.Client) (any, error) {
				r := demoCFPAN
				r.GroupCode = "GRP_ALTRO"
				return c.CheckCFPAN(ctx, &r)
			}, xpay.CodeInvalidGroup},
		{"DeleteCFPAN",
			func(c *xpay.Client) (any, error) {
				return c.DeleteCFPAN(ctx, &xpay.DeleteCFPANRequest{TaxCode: demoCFPAN.TaxCode, HashPAN: demoCFPAN.HashPAN, GroupCode: demoCFPAN.GroupCode})
			}, nil,
			func(c *xpay.Client) (any, error) {
				r := xpay.DeleteCFPANRequest{TaxCode: demoCFPAN.TaxCode, HashPAN: "ALTRA-CARTA", GroupCode: demoCFPAN.GroupCode}
				return c.DeleteCFPAN(ctx, &r)
			}, xpay.CodeNotFound},
		{"ListCFPAN",
			func(c *xpay.Client) (any, error) {
				return c.ListCFPAN(ctx, &xpay.ListCFPANRequest{Type: xpay.ValueTypeContractNumber, Value: xpaytest.DemoContract, GroupCode: xpaytest.DefaultGroup})
			},
			func(t *testing.T, res any) { require.Len(t, res.(*xpay.CFPANResponse).Associations, 1) },
			func(c *xpay.Client) (any, error) {
				return c.ListCFPAN(ctx, &xpay.ListCFPANRequest{Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoTaxCode, GroupCode: "GRP_ALTRO"})
			}, xpay.CodeInvalidGroup},
		{"Charge",
			func(c *xpay.Client) (any, error) {
				return c.Charge(ctx, &xpay.ChargeRequest{ContractNumber: xpaytest.DemoContract, TransactionCode: "REC-E2E-1", Amount: 1999, Currency: eur})
			},
			func(t *testing.T, res any) {
				r := res.(*xpay.ChargeResponse)
				assert.NotEmpty(t, r.AuthorizationCode)
				assert.Equal(t, "VISA", r.Brand)
				_, err := r.AuthorizedAt()
				assert.NoError(t, err)
			},
			func(c *xpay.Client) (any, error) {
				return c.Charge(ctx, &xpay.ChargeRequest{ContractNumber: "CNT-SCONOSCIUTO", TransactionCode: "REC-E2E-2", Amount: 1999, Currency: eur})
			}, xpay.CodeInvalidContract},
		{"PayNonce",
			func(c *xpay.Client) (any, error) { return payWithNonce(ctx, c, "BLD-E2E-1", true) },
			func(t *testing.T, res any) { assert.NotEmpty(t, res.(*xpay.PayNonceResponse).AuthorizationCode) },
			func(c *xpay.Client) (any, error) { return payWithNonce(ctx, c, "BLD-E2E-2", false) },
			xpay.CodePaymentRefused},
	}
}

// Every operation, OK and KO, through the SDK against the sandbox. The
// answers must decode with no unmodelled key.
func TestE2EEveryOperation(t *testing.T) {
	t.Parallel()
	for _, tc := range e2eCases(context.Background()) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c := newSandbox(t, xpaytest.WithControlAPI()) // for XPay Build's nonces
			res, err := tc.ok(c)
			require.NoError(t, err)
			if tc.check != nil {
				tc.check(t, res)
			}
			assert.Empty(t, extraKeys(res), "keys the SDK does not model")

			koClient, code := c, tc.koCode
			if code < 0 { // no request the SDK sends can fail here: use an alias XPay does not know
				var cerr error
				koClient, cerr = xpay.NewClient("ALIAS_SCONOSCIUTO", srv.Secret(), xpay.WithBaseURL(srv.URL), xpay.WithClock(e2eNow))
				require.NoError(t, cerr)
				code = -code
			}
			_, err = tc.ko(koClient)
			requireCode(t, err, code)
		})
	}
}

// The order life cycle of capture and refund, as XPay enforces it.
func TestE2EOrderLifeCycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	require.NoError(t, srv.AddOrder(xpaytest.Order{Code: "ORD-LC-1", Amount: 10000}))
	capture := func(a xpay.Amount) error {
		_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-LC-1", Amount: a, Currency: eur})
		return err
	}
	refund := func(code string, a xpay.Amount) error {
		_, err := c.Refund(ctx, &xpay.RefundRequest{TransactionCode: code, Amount: a, Currency: eur})
		return err
	}
	state := func(code string) xpay.OrderState {
		res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
		require.NoError(t, err)
		return res.Order().State
	}

	require.NoError(t, capture(6000))
	assert.Equal(t, xpay.OrderStatePartiallyCaptured, state("ORD-LC-1"))
	requireCode(t, capture(4001), xpay.CodeAmountTooHigh)
	require.NoError(t, capture(4000))
	assert.Equal(t, xpay.OrderStateCaptured, state("ORD-LC-1"))
	requireCode(t, capture(1), xpay.CodeInvalidState)
	require.NoError(t, refund("ORD-LC-1", 3000))
	assert.Equal(t, xpay.OrderStatePartiallyRefunded, state("ORD-LC-1"))
	requireCode(t, capture(1), xpay.CodeInvalidState)
	requireCode(t, refund("ORD-LC-1", 7001), xpay.CodeAmountTooHigh)
	require.NoError(t, refund("ORD-LC-1", 7000))
	assert.Equal(t, xpay.OrderStateRefunded, state("ORD-LC-1"))
	requireCode(t, refund("ORD-LC-1", 1), xpay.CodeInvalidState)

	res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-LC-1"})
	require.NoError(t, err)
	var rows []string
	for _, op := range res.Order().Operations() {
		rows = append(rows, string(op.Type)+" "+op.Amount.String())
	}
	assert.Equal(t, []string{"CONTAB. 6000", "CONTAB. 4000", "STORNO 3000", "STORNO 7000"}, rows)

	// An authorization not yet captured is voided.
	require.NoError(t, refund(xpaytest.DemoAuthorized, 5000))
	assert.Equal(t, xpay.OrderStateCancelled, state(xpaytest.DemoAuthorized))
	requireCode(t, refund("ORD-NONE", 1), xpay.CodeNotFound)

	list, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll, TransactionCode: "ORD-LC-1"})
	require.NoError(t, err)
	require.Len(t, list.Orders, 1)
	assert.Equal(t, xpay.OrderStateRefunded, list.Orders[0].State)

	all, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll})
	require.NoError(t, err)
	var streamed []xpay.Order
	for o, err := range c.Orders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll}) {
		require.NoError(t, err)
		streamed = append(streamed, o)
	}
	assert.Len(t, streamed, 4)
	assert.Equal(t, all.Orders, streamed, "the stream yields what ListOrders returns")
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

func TestE2EPayByLinkReportCap(t *testing.T) {
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

// The sandbox checks what the SDK cannot get wrong: freshness and
// credentials.
func TestE2EEnvelopeChecks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, _ := newSandbox(t)
	get := func(c *xpay.Client) error {
		_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
		return err
	}
	// A clock 6 minutes slow: XPay refuses the request with KO 5, signed
	// with its own, distant, timeStamp. The client cannot tell that answer
	// from a replay, so it is no *APIError; its text says what XPay said.
	stale := srv.Client(xpay.WithClock(func() time.Time { return e2eNow().Add(-6 * time.Minute) }))
	err := get(stale)
	require.ErrorIs(t, err, xpay.ErrStaleResponse)
	assert.NotErrorAs(t, err, new(*xpay.APIError))
	assert.ErrorContains(t, err, "KO 5: Sono passati più di 5 minuti")

	wrongAlias, err := xpay.NewClient("ALIAS_WEB_99999999", srv.Secret(), xpay.WithBaseURL(srv.URL), xpay.WithClock(e2eNow))
	require.NoError(t, err)
	requireCode(t, get(wrongAlias), xpay.CodeInvalidAlias)

	// A wrong key: XPay answers error 3, signed with the real key, so the
	// client cannot trust the answer either.
	wrongKey, err := xpay.NewClient(srv.Alias(), "NOT-THE-KEY", xpay.WithBaseURL(srv.URL), xpay.WithClock(e2eNow))
	require.NoError(t, err)
	err = get(wrongKey)
	require.ErrorIs(t, err, xpay.ErrInvalidMAC)
	var respErr *xpay.ResponseError
	require.ErrorAs(t, err, &respErr)
	assert.Contains(t, string(respErr.Body), `"codice":3`)
}

// A capture whose answer is lost after XPay carried it out is settled by
// reading the order: the reconciliation the ErrOutcomeUnknown docs
// describe.
func TestE2EReconcileLostCapture(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, processed := range []bool{true, false} {
		srv, c := newSandbox(t)
		srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: processed, Times: 1})
		_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: xpaytest.DemoAuthorized, Amount: 2000, Currency: eur})
		require.ErrorIs(t, err, xpay.ErrOutcomeUnknown)

		res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
		require.NoError(t, err)
		captured := false
		for _, op := range res.Order().Operations() {
			captured = captured || (op.Type == xpay.OperationTypeCapture && op.Amount == 2000)
		}
		assert.Equal(t, processed, captured, "processed=%v", processed)
	}
}

// payLink pays (or refuses) a link in the sandbox, ignoring the return URL.
func payLink(srv *xpaytest.Server, code string, approve bool) error {
	_, err := srv.PayLink(code, approve)
	return err
}
