package xpay_test

import (
	"context"
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
