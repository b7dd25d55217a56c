package xpay

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specTable is the API reference's list of services: URI, MAC field order, and
// whether the service changes state. Every operation must match it.
var specTable = []struct {
	svc   *service
	req   request
	uri   string
	mac   []string
	write bool
}{
	{&svcCapture, &CaptureRequest{}, "ecomm/api/bo/contabilizza", []string{"apiKey", "codiceTransazione", "divisa", "importo", "timeStamp"}, true},
	{&svcRefund, &RefundRequest{}, "ecomm/api/bo/storna", []string{"apiKey", "codiceTransazione", "divisa", "importo", "timeStamp"}, true},
	{&svcGetOrder, &GetOrderRequest{}, "ecomm/api/bo/situazioneOrdine", []string{"apiKey", "codiceTransazione", "timeStamp"}, false},
	{&svcListOrders, &ListOrdersRequest{}, "ecomm/api/bo/reportOrdini", []string{"apiKey", "codiceTransazione", "periodo", "canale", "timeStamp"}, false},
	{&svcCreatePayByLink, &CreatePayByLinkRequest{}, "ecomm/api/bo/richiestaPayMail", []string{"apiKey", "codiceTransazione", "importo", "timeStamp"}, true},
	{&svcRegeneratePayByLink, &RegeneratePayByLinkRequest{}, "ecomm/api/bo/rigeneraPayMail", []string{"apiKey", "codiceTransazione", "timeStamp"}, true},
	{&svcListReports, &ListReportsRequest{}, "ecomm/api/bo/elencoReport", []string{"apiKey", "timeStamp"}, false},
	{&svcListPayByLinks, &ListPayByLinksRequest{}, "ecomm/api/bo/ReportPaymail", []string{"apiKey", "timeStamp"}, false},
	{&svcCreateContractFromPOS, &CreateContractFromPOSRequest{}, "ecomm/api/contratti/creazioneDaPosFisico",
		[]string{"apiKey", "numeroContratto", "idPOSFisico", "codiceAutorizzazione", "stan", "importo", "descrizione", "mail", "timeStamp"}, true},
	{&svcDeleteContract, &ContractRequest{}, "ecomm/api/contratti/cancellaContratto", []string{"apiKey", "numeroContratto", "timeStamp"}, true},
	{&svcEnableContract, &ContractRequest{}, "ecomm/api/contratti/abilitaContratto", []string{"apiKey", "numeroContratto", "timeStamp"}, true},
	{&svcDisableContract, &ContractRequest{}, "ecomm/api/contratti/disabilitaContratto", []string{"apiKey", "numeroContratto", "timeStamp"}, true},
	{&svcListContracts, &ContractFilter{}, "ecomm/api/contratti/queryContratti",
		[]string{"apiKey", "numeroContratto", "codiceFiscale", "dataRegistrazioneDa", "dataRegistrazioneA", "timeStamp"}, false},
	{&svcListContractDetails, &ContractFilter{}, "ecomm/api/contratti/dettagliContratto",
		[]string{"apiKey", "numeroContratto", "codiceFiscale", "dataRegistrazioneDa", "dataRegistrazioneA", "timeStamp"}, false},
	{&svcListContractStatuses, &ListContractStatusesRequest{}, "ecomm/api/contratti/statoContratti",
		[]string{"apiKey", "numeroContratto", "codiceFiscale", "dataRegistrazioneDa", "dataRegistrazioneA", "timeStamp"}, false},
	{&svcAddToBlacklist, &AddToBlacklistRequest{}, "ecomm/api/blacklist/aggiungi", []string{"apiKey", "tipo", "valore", "descrizione", "timeStamp"}, true},
	{&svcRemoveFromBlacklist, &RemoveFromBlacklistRequest{}, "ecomm/api/blacklist/rimuovi", []string{"apiKey", "tipo", "valore", "timeStamp"}, true},
	{&svcCheckBlacklist, &BlacklistRequest{}, "ecomm/api/blacklist/controlla", []string{"apiKey", "tipo", "valore", "timeStamp"}, false},
	{&svcListBlacklist, &ListBlacklistRequest{}, "ecomm/api/blacklist/reportBlackList", []string{"apiKey", "tipo", "timeStamp"}, false},
	{&svcCheckCFPAN, &CFPANRequest{}, "ecomm/api/cfpan/controllaEsistenza", []string{"apiKey", "codiceFiscale", "hashPan", "timeStamp"}, false},
	{&svcDeleteCFPAN, &DeleteCFPANRequest{}, "ecomm/api/cfpan/rimuovi", []string{"apiKey", "codiceFiscale", "hashPan", "timeStamp"}, true},
	{&svcListCFPAN, &ListCFPANRequest{}, "ecomm/api/cfpan/reportAssociazioni", []string{"apiKey", "tipo", "valore", "codiceGruppo", "timeStamp"}, false},
	{&svcListWarnings, &ListWarningsRequest{}, "ecomm/api/bo/warning", []string{"apiKey", "timeStamp"}, false},
	{&svcGetProfileInfo, &GetProfileInfoRequest{}, "ecomm/api/profileInfo", []string{"apiKey", "timeStamp"}, false},
	// The payments reference (xpay-payments-api.md): importo before divisa in both.
	{&svcCharge, &ChargeRequest{}, "ecomm/api/recurring/pagamentoRicorrente",
		[]string{"apiKey", "numeroContratto", "codiceTransazione", "importo", "divisa", "scadenza", "timeStamp"}, true},
	{&svcPayNonce, &PayNonceRequest{}, "ecomm/api/hostedPayments/pagaNonce",
		[]string{"apiKey", "codiceTransazione", "importo", "divisa", "xpayNonce", "timeStamp"}, true},
	// A GET whose MAC is in its URL: TestSignDownloadURL checks it.
	{&svcDownloadReport, nil, "ecomm/api/bo/downloadReport", []string{"apiKey", "timeStamp", "idReport"}, false},
}

func TestEveryServiceMatchesTheSpec(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, s := range specTable {
		t.Run(s.svc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, s.uri, s.svc.path)
			assert.Equal(t, s.write, s.svc.write, "write")
			if s.req == nil {
				return
			}
			_, journaled := s.req.(journaledRequest)
			assert.Equal(t, s.write, journaled, "a write's request, and only a write's, names its object for the journal")
			var names []string
			for _, f := range s.req.macFields(Field{"apiKey", "A"}, Field{"timeStamp", "1"}) {
				names = append(names, f.Name)
			}
			assert.Equal(t, s.mac, names, "MAC field order")
		})
		assert.False(t, seen[s.svc.name], "duplicate %s", s.svc.name)
		seen[s.svc.name] = true
	}
}

func TestSignDownloadURL(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testAlias, testSecret, WithClock(func() time.Time { return time.UnixMilli(1718611200000) }))
	require.NoError(t, err)
	raw, err := c.SignDownloadURL("1045")
	require.NoError(t, err)
	u, err := url.Parse(raw)
	require.NoError(t, err)
	assert.Equal(t, "https://int-ecommerce.nexi.it/ecomm/api/bo/downloadReport", u.Scheme+"://"+u.Host+u.Path)
	assert.Equal(t, url.Values{
		"apiKey":    {testAlias},
		"idReport":  {"1045"},
		"timeStamp": {testTS},
		// The reference's vector: apiKey, timeStamp, then idReport.
		"mac": {"73e981f5d36e13ae412e95b4ff2fe6ec5b112c12"},
	}, u.Query())

	_, err = c.SignDownloadURL("")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "idReport", ve.WireName)
	assert.Equal(t, "SignDownloadURL", ve.Operation)
}
