package xpay_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

func TestContractStatusUpdateFiltersAreSentNotSigned(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	got := recordBody(t, mock, "ecomm/api/contratti/statoContratti", "statoContratti-ok.json")
	from := xpay.DateTime{Year: 2024, Month: 3, Day: 2, Hour: 12}
	_, err := c.ListContractStatuses(context.Background(), &xpay.ListContractStatusesRequest{
		ContractFilter: xpay.ContractFilter{TaxCode: taxCode, RegisteredFrom: from},
		UpdatedFrom:    xpay.DateTime{Year: 2024, Month: 6, Day: 1},
		UpdateState:    "AGGIORNATO",
	})
	require.NoError(t, err)
	mac := xpay.Sign(testSecret,
		xpay.Field{Name: "apiKey", Value: testAlias}, xpay.Field{Name: "numeroContratto"},
		xpay.Field{Name: "codiceFiscale", Value: taxCode}, xpay.Field{Name: "dataRegistrazioneDa", Value: "02/03/2024 12:00:00"},
		xpay.Field{Name: "dataRegistrazioneA"}, xpay.Field{Name: "timeStamp", Value: "1718611200000"})
	assert.JSONEq(t, body(mac, `"numeroContratto":"","codiceFiscale":"RSSMRA80A01H501U","dataRegistrazioneDa":"02/03/2024 12:00:00",
		"dataRegistrazioneA":"","dataAggiornamentoDa":"01/06/2024 00:00:00","dataAggiornamentoA":"","statoAggiornamento":"AGGIORNATO"`), string(*got))
}

// contractsOpCases are the rows of the contract operations in the table every operation passes
// (TestOperations).
func contractsOpCases() []opCase {
	contractCase := func(name, uri string, m func(*xpay.Client, context.Context, *xpay.ContractRequest) (*xpay.ContractChangeResponse, error), file string, opID string) opCase {
		return opCase{
			name: name, uri: uri, write: true,
			call: call(m, xpay.ContractRequest{ContractNumber: "CNT-0001-ROSSI"}),
			body: body(macContract, `"numeroContratto":"CNT-0001-ROSSI"`),
			ok:   file + "-ok.json", ko: file + "-ko.json", koCode: xpay.CodeInvalidContract, koMessage: msgContract,
			checkOK: func(t *testing.T, res any) {
				assert.Equal(t, opID, res.(*xpay.ContractChangeResponse).OperationID)
			},
			invalid: []invalidCase{
				{"no contract", call(m, xpay.ContractRequest{}), "ContractNumber", "numeroContratto"},
				{"contract too long", call(m, xpay.ContractRequest{ContractNumber: strings.Repeat("9", 31)}), "ContractNumber", "numeroContratto"},
			},
		}
	}
	filter := xpay.ContractFilter{ContractNumber: "CNT-0001-ROSSI"}
	filterBody := `"numeroContratto":"CNT-0001-ROSSI","codiceFiscale":"","dataRegistrazioneDa":"","dataRegistrazioneA":""`
	filterInvalid := func(m func(*xpay.Client, context.Context, *xpay.ContractFilter) (*xpay.ContractsResponse, error)) []invalidCase {
		return []invalidCase{
			{"bad tax code", call(m, xpay.ContractFilter{TaxCode: "RSSMRA80"}), "TaxCode", "codiceFiscale"},
			{"impossible date", call(m, xpay.ContractFilter{RegisteredFrom: xpay.DateTime{Year: 2024, Month: 2, Day: 30}}), "RegisteredFrom", "dataRegistrazioneDa"},
			{"range reversed", call(m, xpay.ContractFilter{
				RegisteredFrom: xpay.DateTime{Year: 2024, Month: 6, Day: 2},
				RegisteredTo:   xpay.DateTime{Year: 2024, Month: 6, Day: 1},
			}), "RegisteredTo", "dataRegistrazioneA"},
		}
	}
	contracts := func(opID string, n int) func(t *testing.T, res any) {
		return func(t *testing.T, res any) {
			r := res.(*xpay.ContractsResponse)
			assert.Equal(t, opID, r.OperationID)
			require.Len(t, r.Contracts, n)
			assert.Equal(t, "CNT-0001-ROSSI", r.Contracts[0].ContractNumber)
			assert.Equal(t, "GRP_ESEMPIO", r.Contracts[0].GroupCode)
		}
	}

	return []opCase{
		{
			name: "CreateContractFromPOS", uri: "ecomm/api/contratti/creazioneDaPosFisico", write: true,
			call: call((*xpay.Client).CreateContractFromPOS, xpay.CreateContractFromPOSRequest{Contract: xpay.POSContract{
				ContractNumber: "CNT-0001-ROSSI", POSID: "POS00001", AuthorizationCode: "A1B2C3", Amount: 5000,
			}}),
			// All seven fields are sent; the empty ones are signed as name=.
			body: body("41d150bd0630e68258c9c5c512da5a9879687008", `"contratto":{"numeroContratto":"CNT-0001-ROSSI","idPOSFisico":"POS00001",
				"codiceAutorizzazione":"A1B2C3","stan":"","importo":5000,"descrizione":"","mail":""}`),
			ok: "creazioneDaPosFisico-ok.json", ko: "creazioneDaPosFisico-ko.json", koCode: xpay.CodeInvalidParameter, koMessage: msgParameter,
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.CreateContractFromPOSResponse)
				assert.Equal(t, "80310269", r.OperationID)
				require.NotNil(t, r.Contract, "infoContratto")
				assert.Equal(t, xpay.Contract{MerchantNumber: "0000000012345678", GroupCode: "GRUPPO_TEST", ContractNumber: "CNT-0003-NERI",
					TaxCode: "NRELRA85C41F205Y", HashPAN: "EXAMPLEHASHPAN000000000000000000000003", CardType: "VISA",
					TransactionCode: "POS-2024-000045", ActivatedAt: "17/06/2024 10:20:32", FirstPaymentStatus: "OK", CardExpiry: "202812"}, *r.Contract)
			},
			invalid: []invalidCase{
				{"no POS", call((*xpay.Client).CreateContractFromPOS, xpay.CreateContractFromPOSRequest{Contract: xpay.POSContract{ContractNumber: "C1", AuthorizationCode: "A1", Amount: 1}}), "Contract.POSID", "idPOSFisico"},
				{"bad mail", call((*xpay.Client).CreateContractFromPOS, xpay.CreateContractFromPOSRequest{Contract: xpay.POSContract{ContractNumber: "C1", POSID: "P1", AuthorizationCode: "A1", Amount: 1, Email: "mario.rossi"}}), "Contract.Email", "mail"},
				{"description with a newline", call((*xpay.Client).CreateContractFromPOS, xpay.CreateContractFromPOSRequest{Contract: xpay.POSContract{ContractNumber: "C1", POSID: "P1", AuthorizationCode: "A1", Amount: 1, Description: "a\nb"}}), "Contract.Description", "descrizione"},
			},
		},
		{
			name: "ListContracts", uri: "ecomm/api/contratti/queryContratti",
			call: call((*xpay.Client).ListContracts, filter), body: body(macFilter, filterBody),
			ok: "queryContratti-ok.json", ko: "queryContratti-ko.json", koCode: xpay.CodeNotFound, koMessage: msgNotFound,
			checkOK: contracts("80310257", 1), invalid: filterInvalid((*xpay.Client).ListContracts),
		},
		{
			name: "ListContractDetails", uri: "ecomm/api/contratti/dettagliContratto",
			call: call((*xpay.Client).ListContractDetails, filter), body: body(macFilter, filterBody),
			ok: "dettagliContratto-ok.json", ko: "dettagliContratto-ko.json", koCode: xpay.CodeInvalidContract, koMessage: msgContract,
			checkOK: func(t *testing.T, res any) {
				contracts("80310259", 1)(t, res)
				k := res.(*xpay.ContractsResponse).Contracts[0]
				assert.Equal(t, "VISA", k.CardType)
				assert.Equal(t, "ORD-2024-000099", k.TransactionCode)
				assert.Equal(t, "OK", k.FirstPaymentStatus)
			},
			invalid: filterInvalid((*xpay.Client).ListContractDetails),
		},
		{
			name: "ListContractStatuses", uri: "ecomm/api/contratti/statoContratti",
			call: call((*xpay.Client).ListContractStatuses, xpay.ListContractStatusesRequest{ContractFilter: filter}),
			// The update filters are sent, empty, and not signed.
			body: body(macFilter, filterBody+`,"dataAggiornamentoDa":"","dataAggiornamentoA":"","statoAggiornamento":""`),
			ok:   "statoContratti-ok.json", ko: "statoContratti-ko.json", koCode: xpay.CodeNotFound, koMessage: msgNotFound,
			checkOK: func(t *testing.T, res any) {
				contracts("80310261", 1)(t, res)
				assert.Equal(t, "AGGIORNATO", res.(*xpay.ContractsResponse).Contracts[0].UpdateStatus)
			},
			invalid: []invalidCase{
				{"update range reversed", call((*xpay.Client).ListContractStatuses, xpay.ListContractStatusesRequest{
					UpdatedFrom: xpay.DateTime{Year: 2024, Month: 6, Day: 2}, UpdatedTo: xpay.DateTime{Year: 2024, Month: 6, Day: 1},
				}), "UpdatedTo", "dataAggiornamentoA"},
				{"bad tax code", call((*xpay.Client).ListContractStatuses, xpay.ListContractStatusesRequest{ContractFilter: xpay.ContractFilter{TaxCode: "RSSMRA80A01H501!"}}), "TaxCode", "codiceFiscale"},
			},
		},
		contractCase("DeleteContract", "ecomm/api/contratti/cancellaContratto", (*xpay.Client).DeleteContract, "cancellaContratto", "80310263"),
		contractCase("EnableContract", "ecomm/api/contratti/abilitaContratto", (*xpay.Client).EnableContract, "abilitaContratto", "80310265"),
		contractCase("DisableContract", "ecomm/api/contratti/disabilitaContratto", (*xpay.Client).DisableContract, "disabilitaContratto", "80310267"),
	}
}

const (
	msgContract = "Contratto non valido"
	macContract = "d74d1d58f57bdd1a3998bc81e4b42f76b7f47f8c"
	macFilter   = "65072d895d4dfe7a7e2703331ce8fa6b45e4a3ba"
)
