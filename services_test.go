package xpay_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// call adapts a Client method and a request to the table's signature.
func call[Req, Res any](m func(*xpay.Client, context.Context, *Req) (*Res, error), req Req) func(context.Context, *xpay.Client) (any, error) {
	return func(ctx context.Context, c *xpay.Client) (any, error) {
		res, err := m(c, ctx, &req)
		if res == nil {
			return nil, err
		}
		return res, err
	}
}

// body is the request body under fixedClock: the envelope, then fields.
func body(mac, fields string) string {
	s := `{"apiKey":"ALIAS_WEB_00000000","timeStamp":1718611200000,"mac":"` + mac + `"`
	if fields != "" {
		s += "," + fields
	}
	return s + "}"
}

const (
	msgParameter = "Uno dei valori dei parametri del json in input non è corretto"
	msgNotFound  = "Non è possibile trovare l’informazione richiesta"
	msgContract  = "Contratto non valido"
	msgGroup     = "Gruppo non valido"
	macNoFields  = "8fa1a5fc7542e80312fc95e61abe1abb704086b0" // apiKey, timeStamp
	macContract  = "d74d1d58f57bdd1a3998bc81e4b42f76b7f47f8c"
	macFilter    = "65072d895d4dfe7a7e2703331ce8fa6b45e4a3ba"
	macBlacklist = "982cf1e17939d79c75891a18f87faf68b358a0d9"
	macCFPAN     = "50b06148e46527eb798e678d7e0d95c3254ae9e5"
	taxCode      = "RSSMRA80A01H501U"
	hashPAN      = "EXAMPLEHASHPAN000000000000000000000000"
)

var (
	june1  = xpay.Date{Year: 2024, Month: time.June, Day: 1}
	june14 = xpay.Date{Year: 2024, Month: time.June, Day: 14}
	june17 = xpay.Date{Year: 2024, Month: time.June, Day: 17}
)

// serviceOpCases covers the operations beyond capture, refund and order
// detail, with the MACs of the reference's test vectors.
func serviceOpCases() []opCase {
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
		{
			name: "GetProfileInfo", uri: "ecomm/api/profileInfo",
			call: call((*xpay.Client).GetProfileInfo, xpay.GetProfileInfoRequest{}),
			// The platform fields are sent, with their defaults, and not signed.
			body: body(macNoFields, `"platform":"custom","platformVers":"0","pluginVers":"0"`),
			ok:   "profileInfo-ok.json", ko: "profileInfo-ko.json", koCode: xpay.CodeInvalidParameter, koMessage: "Parametro non valido: platform",
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.GetProfileInfoResponse)
				require.Len(t, r.Methods, 2)
				assert.Equal(t, xpay.PaymentMethod{Code: "VISA", Description: "Visa", SelectedCard: "VISA",
					Image: "https://ecommerce.nexi.it/ecomm/resources/images/visa.png", Type: "CC", Recurring: "Y"}, r.Methods[0])
				assert.Equal(t, "APM", r.Methods[1].Type)
				assert.Contains(t, r.LogoSmallURL, "240x60")
			},
			invalid: []invalidCase{
				{"platform with a newline", call((*xpay.Client).GetProfileInfo, xpay.GetProfileInfoRequest{Platform: "shop\n"}), "Platform", "platform"},
			},
		},
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
		{
			name: "ListReports", uri: "ecomm/api/bo/elencoReport",
			call: call((*xpay.Client).ListReports, xpay.ListReportsRequest{RefDate: june17}),
			body: body(macNoFields, `"refDate":"17/06/2024"`),
			ok:   "elencoReport-ok.json", ko: "elencoReport-ko.json", koCode: xpay.CodeNotFound, koMessage: msgNotFound,
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.ListReportsResponse)
				require.Len(t, r.Reports, 1)
				assert.Equal(t, xpay.Report{ID: "1045", Name: "Transazioni giornaliere", ProcessedAt: "17/06/2024 06:00:00", Format: "CSV"}, r.Reports[0])
			},
			invalid: []invalidCase{
				{"bad day", call((*xpay.Client).ListReports, xpay.ListReportsRequest{RefDate: xpay.Date{Year: 2024, Month: 13, Day: 1}}), "RefDate", "refDate"},
			},
		},
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
		{
			name: "AddToBlacklist", uri: "ecomm/api/blacklist/aggiungi", write: true,
			call: call((*xpay.Client).AddToBlacklist, xpay.AddToBlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: taxCode, Description: "Chargeback ripetuti"}),
			body: body("1e8399a88784cacce576af0e01d45e2af6ba418e", `"tipo":"CodiceFiscale","valore":"RSSMRA80A01H501U","descrizione":"Chargeback ripetuti"`),
			ok:   "blacklist-aggiungi-ok.json", ko: "blacklist-aggiungi-ko.json", koCode: xpay.CodeInvalidParameter, koMessage: msgParameter,
			checkOK: func(t *testing.T, res any) {
				assert.Equal(t, "80310271", res.(*xpay.BlacklistChangeResponse).OperationID)
			},
			invalid: []invalidCase{
				{"no type", call((*xpay.Client).AddToBlacklist, xpay.AddToBlacklistRequest{Value: taxCode}), "Type", "tipo"},
				{"unknown type", call((*xpay.Client).AddToBlacklist, xpay.AddToBlacklistRequest{Type: "Email", Value: "a@b.c"}), "Type", "tipo"},
				{"tax code malformed", call((*xpay.Client).AddToBlacklist, xpay.AddToBlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: "RSS MRA 80A01 H501"}), "Value", "valore"},
				{"no value", call((*xpay.Client).AddToBlacklist, xpay.AddToBlacklistRequest{Type: xpay.ValueTypeContractNumber}), "Value", "valore"},
			},
		},
		{
			name: "RemoveFromBlacklist", uri: "ecomm/api/blacklist/rimuovi", write: true,
			call: call((*xpay.Client).RemoveFromBlacklist, xpay.RemoveFromBlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: taxCode}),
			body: body(macBlacklist, `"tipo":"CodiceFiscale","valore":"RSSMRA80A01H501U"`),
			ok:   "blacklist-rimuovi-ok.json", ko: "blacklist-rimuovi-ko.json", koCode: xpay.CodeNotFound, koMessage: msgNotFound,
			checkOK: func(t *testing.T, res any) {
				assert.Equal(t, "80310273", res.(*xpay.BlacklistChangeResponse).OperationID)
			},
			invalid: []invalidCase{
				{"no value", call((*xpay.Client).RemoveFromBlacklist, xpay.RemoveFromBlacklistRequest{Type: xpay.ValueTypeTaxCode}), "Value", "valore"},
			},
		},
		{
			name: "CheckBlacklist", uri: "ecomm/api/blacklist/controlla",
			call: call((*xpay.Client).CheckBlacklist, xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: taxCode}),
			body: body(macBlacklist, `"tipo":"CodiceFiscale","valore":"RSSMRA80A01H501U"`),
			ok:   "blacklist-controlla-ok.json", ko: "blacklist-controlla-ko-parameter.json", koCode: xpay.CodeInvalidParameter, koMessage: msgParameter,
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.BlacklistResponse)
				assert.True(t, listed(t, r))
				require.Len(t, r.Entries, 1)
				assert.Equal(t, xpay.ValueTypeTaxCode, r.Entries[0].Type)
				assert.Equal(t, "RSSMRA80A01H501U", r.Entries[0].Value, "valoreListato")
				assert.Equal(t, "Chargeback ripetuti", r.Entries[0].Description)
			},
			invalid: []invalidCase{
				{"no type", call((*xpay.Client).CheckBlacklist, xpay.BlacklistRequest{Value: "CNT-1"}), "Type", "tipo"},
			},
		},
		{
			name: "ListBlacklist", uri: "ecomm/api/blacklist/reportBlackList",
			call: call((*xpay.Client).ListBlacklist, xpay.ListBlacklistRequest{Type: xpay.ValueTypeTaxCode}),
			body: body("c92ccf2cccb8b5fb3cbbe0aaa95a3bb5a46a3147", `"tipo":"CodiceFiscale"`),
			ok:   "blacklist-reportBlackList-ok.json", ko: "blacklist-reportBlackList-ko.json", koCode: xpay.CodeInvalidParameter, koMessage: msgParameter,
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.BlacklistResponse)
				require.Len(t, r.Entries, 2)
				assert.Equal(t, xpay.ValueTypeContractNumber, r.Entries[1].Type)
				assert.Equal(t, "CNT-0002-VERDI", r.Entries[1].Value)
			},
			invalid: []invalidCase{
				{"no type", call((*xpay.Client).ListBlacklist, xpay.ListBlacklistRequest{}), "Type", "tipo"},
			},
		},
		{
			name: "CheckCFPAN", uri: "ecomm/api/cfpan/controllaEsistenza",
			call: call((*xpay.Client).CheckCFPAN, xpay.CFPANRequest{TaxCode: taxCode, HashPAN: hashPAN, GroupCode: "GRP_ESEMPIO"}),
			// codiceGruppo is sent, not signed.
			body: body(macCFPAN, `"codiceFiscale":"RSSMRA80A01H501U","hashPan":"EXAMPLEHASHPAN000000000000000000000000","codiceGruppo":"GRP_ESEMPIO"`),
			ok:   "cfpan-controllaEsistenza-ok.json", ko: "cfpan-controllaEsistenza-ko.json", koCode: xpay.CodeInvalidGroup, koMessage: msgGroup,
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.CFPANResponse)
				require.Len(t, r.Associations, 1)
				assert.Equal(t, xpay.CFPANAssociation{MerchantNumber: "0000000012345678", TaxCode: taxCode, HashPAN: hashPAN,
					Expiry: "203012", State: "ATTIVO", RegisteredAt: "02/03/2024 12:00:00"}, r.Associations[0])
			},
			invalid: []invalidCase{
				{"no tax code", call((*xpay.Client).CheckCFPAN, xpay.CFPANRequest{HashPAN: hashPAN, GroupCode: "G"}), "TaxCode", "codiceFiscale"},
				{"no card", call((*xpay.Client).CheckCFPAN, xpay.CFPANRequest{TaxCode: taxCode, GroupCode: "G"}), "HashPAN", "hashPan"},
				{"no group", call((*xpay.Client).CheckCFPAN, xpay.CFPANRequest{TaxCode: taxCode, HashPAN: hashPAN}), "GroupCode", "codiceGruppo"},
			},
		},
		{
			name: "DeleteCFPAN", uri: "ecomm/api/cfpan/rimuovi", write: true,
			call: call((*xpay.Client).DeleteCFPAN, xpay.DeleteCFPANRequest{TaxCode: taxCode, HashPAN: hashPAN, GroupCode: "GRP_ESEMPIO"}),
			body: body(macCFPAN, `"codiceFiscale":"RSSMRA80A01H501U","hashPan":"EXAMPLEHASHPAN000000000000000000000000","codiceGruppo":"GRP_ESEMPIO"`),
			ok:   "cfpan-rimuovi-ok.json", ko: "cfpan-rimuovi-ko.json", koCode: xpay.CodeNotFound, koMessage: msgNotFound,
			checkOK: func(t *testing.T, res any) {
				assert.Equal(t, "80310281", res.(*xpay.DeleteCFPANResponse).OperationID)
			},
			invalid: []invalidCase{
				{"card with a tab", call((*xpay.Client).DeleteCFPAN, xpay.DeleteCFPANRequest{TaxCode: taxCode, HashPAN: "ABC\tDEF", GroupCode: "G"}), "HashPAN", "hashPan"},
			},
		},
		{
			name: "ListCFPAN", uri: "ecomm/api/cfpan/reportAssociazioni",
			call: call((*xpay.Client).ListCFPAN, xpay.ListCFPANRequest{Type: xpay.ValueTypeTaxCode, Value: taxCode, GroupCode: "GRP_ESEMPIO"}),
			body: body("9cb48409fb6ad2b46212fa9c2b39b26807872d38", `"tipo":"CodiceFiscale","valore":"RSSMRA80A01H501U","codiceGruppo":"GRP_ESEMPIO"`),
			ok:   "cfpan-reportAssociazioni-ok.json", ko: "cfpan-reportAssociazioni-ko.json", koCode: xpay.CodeInvalidGroup, koMessage: msgGroup,
			checkOK: func(t *testing.T, res any) {
				require.Len(t, res.(*xpay.CFPANResponse).Associations, 1)
			},
			invalid: []invalidCase{
				{"no group", call((*xpay.Client).ListCFPAN, xpay.ListCFPANRequest{Type: xpay.ValueTypeTaxCode, Value: taxCode}), "GroupCode", "codiceGruppo"},
			},
		},
	}
}
