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
	op    *operation
	req   request
	uri   string
	mac   []string
	write bool
}{
	{&opCapture, &CaptureRequest{}, "ecomm/api/bo/contabilizza", []string{"apiKey", "codiceTransazione", "divisa", "importo", "timeStamp"}, true},
	{&opRefund, &RefundRequest{}, "ecomm/api/bo/storna", []string{"apiKey", "codiceTransazione", "divisa", "importo", "timeStamp"}, true},
	{&opGetOrder, &GetOrderRequest{}, "ecomm/api/bo/situazioneOrdine", []string{"apiKey", "codiceTransazione", "timeStamp"}, false},
	{&opListOrders, &ListOrdersRequest{}, "ecomm/api/bo/reportOrdini", []string{"apiKey", "codiceTransazione", "periodo", "canale", "timeStamp"}, false},
	{&opCreatePayByLink, &CreatePayByLinkRequest{}, "ecomm/api/bo/richiestaPayMail", []string{"apiKey", "codiceTransazione", "importo", "timeStamp"}, true},
	{&opRegeneratePayByLink, &RegeneratePayByLinkRequest{}, "ecomm/api/bo/rigeneraPayMail", []string{"apiKey", "codiceTransazione", "timeStamp"}, true},
	{&opListReports, &ListReportsRequest{}, "ecomm/api/bo/elencoReport", []string{"apiKey", "timeStamp"}, false},
	{&opListPayByLinks, &ListPayByLinksRequest{}, "ecomm/api/bo/ReportPaymail", []string{"apiKey", "timeStamp"}, false},
	{&opCreateContractFromPOS, &CreateContractFromPOSRequest{}, "ecomm/api/contratti/creazioneDaPosFisico",
		[]string{"apiKey", "numeroContratto", "idPOSFisico", "codiceAutorizzazione", "stan", "importo", "descrizione", "mail", "timeStamp"}, true},
	{&opDeleteContract, &ContractRequest{}, "ecomm/api/contratti/cancellaContratto", []string{"apiKey", "numeroContratto", "timeStamp"}, true},
	{&opEnableContract, &ContractRequest{}, "ecomm/api/contratti/abilitaContratto", []string{"apiKey", "numeroContratto", "timeStamp"}, true},
	{&opDisableContract, &ContractRequest{}, "ecomm/api/contratti/disabilitaContratto", []string{"apiKey", "numeroContratto", "timeStamp"}, true},
	{&opListContracts, &ContractFilter{}, "ecomm/api/contratti/queryContratti",
		[]string{"apiKey", "numeroContratto", "codiceFiscale", "dataRegistrazioneDa", "dataRegistrazioneA", "timeStamp"}, false},
	{&opListContractDetails, &ContractFilter{}, "ecomm/api/contratti/dettagliContratto",
		[]string{"apiKey", "numeroContratto", "codiceFiscale", "dataRegistrazioneDa", "dataRegistrazioneA", "timeStamp"}, false},
	{&opListContractStatuses, &ListContractStatusesRequest{}, "ecomm/api/contratti/statoContratti",
		[]string{"apiKey", "numeroContratto", "codiceFiscale", "dataRegistrazioneDa", "dataRegistrazioneA", "timeStamp"}, false},
	{&opAddToBlacklist, &AddToBlacklistRequest{}, "ecomm/api/blacklist/aggiungi", []string{"apiKey", "tipo", "valore", "descrizione", "timeStamp"}, true},
	{&opRemoveFromBlacklist, &RemoveFromBlacklistRequest{}, "ecomm/api/blacklist/rimuovi", []string{"apiKey", "tipo", "valore", "timeStamp"}, true},
	{&opCheckBlacklist, &BlacklistRequest{}, "ecomm/api/blacklist/controlla", []string{"apiKey", "tipo", "valore", "timeStamp"}, false},
	{&opListBlacklist, &ListBlacklistRequest{}, "ecomm/api/blacklist/reportBlackList", []string{"apiKey", "tipo", "timeStamp"}, false},
	{&opCheckCFPAN, &CFPANRequest{}, "ecomm/api/cfpan/controllaEsistenza", []string{"apiKey", "codiceFiscale", "hashPan", "timeStamp"}, false},
	{&opDeleteCFPAN, &DeleteCFPANRequest{}, "ecomm/api/cfpan/rimuovi", []string{"apiKey", "codiceFiscale", "hashPan", "timeStamp"}, true},
	{&opListCFPAN, &ListCFPANRequest{}, "ecomm/api/cfpan/reportAssociazioni", []string{"apiKey", "tipo", "valore", "codiceGruppo", "timeStamp"}, false},
	{&opListWarnings, &ListWarningsRequest{}, "ecomm/api/bo/warning", []string{"apiKey", "timeStamp"}, false},
	{&opGetProfileInfo, &GetProfileInfoRequest{}, "ecomm/api/profileInfo", []string{"apiKey", "timeStamp"}, false},
	// The payments reference (xpay-payments-api.md): importo before divisa in both.
	{&opCharge, &ChargeRequest{}, "ecomm/api/recurring/pagamentoRicorrente",
		[]string{"apiKey", "numeroContratto", "codiceTransazione", "importo", "divisa", "scadenza", "timeStamp"}, true},
	{&opPayNonce, &PayNonceRequest{}, "ecomm/api/hostedPayments/pagaNonce",
		[]string{"apiKey", "codiceTransazione", "importo", "divisa", "xpayNonce", "timeStamp"}, true},
	// A GET whose MAC is in its URL: TestSignDownloadURL checks it.
	{&opDownloadReport, nil, "ecomm/api/bo/downloadReport", []string{"apiKey", "timeStamp", "idReport"}, false},
}

func TestEveryServiceMatchesTheSpec(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, s := range specTable {
		t.Run(s.op.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, s.uri, s.op.path)
			assert.Equal(t, s.write, s.op.write, "write")
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
		assert.False(t, seen[s.op.name], "duplicate %s", s.op.name)
		seen[s.op.name] = true
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
