package xpay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
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

// payWithNonce pays code with a nonce the sandbox behind c issues, through
// its control API, as XPay Build's card form hands one to the page.
func payWithNonce(ctx context.Context, c *xpay.Client, code string, approve bool) (*xpay.PayNonceResponse, error) {
	n, err := issueNonce(ctx, c.BaseURL(), code, 2500, approve)
	if err != nil {
		return nil, err
	}
	return c.PayNonce(ctx, &xpay.PayNonceRequest{TransactionCode: code, Amount: 2500, Currency: xpay.CurrencyEUR, Nonce: n})
}

// issueNonce asks the control API of the sandbox at base for a nonce.
func issueNonce(ctx context.Context, base, code string, amount xpay.Amount, approve bool) (xpay.Nonce, error) {
	body, _ := json.Marshal(map[string]any{"transactionCode": code, "amount": amount, "approve": approve})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+xpaytest.ControlPrefix[1:]+"nonces", bytes.NewReader(body))
	if err != nil {
		return xpay.Nonce{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return xpay.Nonce{}, err
	}
	defer resp.Body.Close()
	var env map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || resp.StatusCode != http.StatusOK {
		return xpay.Nonce{}, fmt.Errorf("control API: HTTP %d: %v %v", resp.StatusCode, env, err)
	}
	return xpay.Nonce{Value: env["xpayNonce"], Outcome: env["esito"], OperationID: env["idOperazione"], Timestamp: env["timeStamp"], MAC: env["mac"]}, nil
}

var demoCFPAN = xpay.CFPANRequest{TaxCode: xpaytest.DemoTaxCode, HashPAN: xpaytest.DemoHashPAN, GroupCode: xpaytest.DefaultGroup}
