package xpay_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// The shape of the list in a controlla answer is not documented: a bare
// boolean must not fail the call, and is still readable; a value this
// package does not understand fails closed, never "not listed".
func TestCheckBlacklistShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key    string
		value  any
		listed bool
		err    string
	}{
		{"blacklist", true, true, ""}, {"blacklist", false, false, ""}, {"blacklist", []any{}, false, ""},
		{"blackList", []any{map[string]any{"valoreListato": taxCode}}, true, ""},
		{"blacklist", "true", false, `the answer's blacklist is "true", which this package does not understand`},
		{"blackList", "si", false, "does not understand"},
		{"blacklist", 1, false, "does not understand"},
		{"blacklist", []any{1}, false, "refused"},
	} {
		c, mock := newTestClient(t)
		mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/blacklist/controlla",
			httpmock.NewBytesResponder(http.StatusOK, signedBody(t, "5", map[string]any{tc.key: tc.value})))
		res, err := c.CheckBlacklist(context.Background(), &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: taxCode})
		if tc.err == "refused" {
			assert.Error(t, err, "%v: a list holding something that is not an entry", tc.value)
			continue
		}
		require.NoError(t, err)
		listed, err := res.Listed()
		assert.Equal(t, tc.listed, listed, "%v", tc.value)
		if tc.err == "" {
			assert.NoError(t, err, "%v", tc.value)
		} else {
			assert.ErrorContains(t, err, tc.err, "%v", tc.value)
		}
	}
}

// A value not listed comes back from XPay as "not found" (KO 2, signed):
// an answer, not an error. An unsigned or stale "not found" is still
// refused.
func TestCheckBlacklistNotListed(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	recordBody(t, mock, "ecomm/api/blacklist/controlla", "blacklist-controlla-ko.json")
	res, err := c.CheckBlacklist(context.Background(), &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: "RSSMRA80A01H501U"})
	require.NoError(t, err)
	assert.False(t, listed(t, res))
	assert.True(t, res.NothingFound())

	forged := editJSON(t, fixture(t, "blacklist-controlla-ko.json"), func(m map[string]any) { delete(m, "mac") })
	mock.Reset()
	mock.RegisterNoResponder(httpmock.NewBytesResponder(http.StatusOK, forged))
	_, err = c.CheckBlacklist(context.Background(), &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: "RSSMRA80A01H501U"})
	assert.ErrorIs(t, err, xpay.ErrInvalidMAC)

	_, sc := newSandbox(t)
	res, err = sc.CheckBlacklist(context.Background(), &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoTaxCode})
	require.NoError(t, err)
	assert.False(t, listed(t, res), "end to end: the sandbox answers KO 2 for a value not listed")
}

// controlsOpCases are the rows of the blacklist and CF/PAN operations in the table every operation passes
// (TestOperations).
func controlsOpCases() []opCase {
	return []opCase{
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

const (
	msgGroup     = "Gruppo non valido"
	macBlacklist = "982cf1e17939d79c75891a18f87faf68b358a0d9"
	macCFPAN     = "50b06148e46527eb798e678d7e0d95c3254ae9e5"
)
