package xpaytest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// services lists every service with a valid body and its MAC order, as
// the XPay specification gives it.
var services = []struct {
	path   string
	fields map[string]any
	mac    []string
}{
	{"ecomm/api/bo/contabilizza", map[string]any{"codiceTransazione": xpaytest.DemoAuthorized, "importo": 100, "divisa": "978"}, []string{"apiKey", "codiceTransazione", "divisa", "importo", "timeStamp"}},
	{"ecomm/api/bo/storna", map[string]any{"codiceTransazione": xpaytest.DemoCaptured, "importo": "100", "divisa": "978"}, []string{"apiKey", "codiceTransazione", "divisa", "importo", "timeStamp"}},
	{"ecomm/api/bo/situazioneOrdine", map[string]any{"codiceTransazione": xpaytest.DemoAuthorized}, []string{"apiKey", "codiceTransazione", "timeStamp"}},
	{"ecomm/api/bo/reportOrdini", map[string]any{"codiceTransazione": "", "periodo": "01/01/2024 - 31/12/2030", "canale": "All", "stato": []string{"Autorizzato"}}, []string{"apiKey", "codiceTransazione", "periodo", "canale", "timeStamp"}},
	{"ecomm/api/bo/warning", map[string]any{}, []string{"apiKey", "timeStamp"}},
	{"ecomm/api/bo/richiestaPayMail", map[string]any{"codiceTransazione": "PBL-RAW-1", "importo": 100, "timeout": 4, "url": "https://shop.example/"}, []string{"apiKey", "codiceTransazione", "importo", "timeStamp"}},
	{"ecomm/api/bo/rigeneraPayMail", map[string]any{"codiceTransazione": "PBL-RAW-1", "timeout": 4}, []string{"apiKey", "codiceTransazione", "timeStamp"}},
	{"ecomm/api/bo/ReportPaymail", map[string]any{"linkCreatiDal": "01/01/2024", "linkCreatiAl": "31/12/2030"}, []string{"apiKey", "timeStamp"}},
	{"ecomm/api/bo/elencoReport", map[string]any{}, []string{"apiKey", "timeStamp"}},
	{"ecomm/api/bo/downloadReport", map[string]any{"idReport": "1"}, []string{"apiKey", "timeStamp", "idReport"}},
	{"ecomm/api/contratti/creazioneDaPosFisico", map[string]any{"contratto": map[string]any{"numeroContratto": "CNT-RAW-1", "idPOSFisico": "POS1", "codiceAutorizzazione": "A1B2C3", "stan": "", "importo": 100, "descrizione": "", "mail": ""}},
		[]string{"apiKey", "numeroContratto", "idPOSFisico", "codiceAutorizzazione", "stan", "importo", "descrizione", "mail", "timeStamp"}},
	{"ecomm/api/contratti/queryContratti", map[string]any{"numeroContratto": xpaytest.DemoContract, "codiceFiscale": "", "dataRegistrazioneDa": "", "dataRegistrazioneA": ""}, []string{"apiKey", "numeroContratto", "codiceFiscale", "dataRegistrazioneDa", "dataRegistrazioneA", "timeStamp"}},
	{"ecomm/api/contratti/dettagliContratto", map[string]any{"numeroContratto": xpaytest.DemoContract, "codiceFiscale": "", "dataRegistrazioneDa": "00/00/0000 00:00:00", "dataRegistrazioneA": "00/00/0000 00:00:00"}, []string{"apiKey", "numeroContratto", "codiceFiscale", "dataRegistrazioneDa", "dataRegistrazioneA", "timeStamp"}},
	{"ecomm/api/contratti/statoContratti", map[string]any{"numeroContratto": xpaytest.DemoContract, "codiceFiscale": "", "dataRegistrazioneDa": "", "dataRegistrazioneA": "", "dataAggiornamentoDa": "", "dataAggiornamentoA": "", "statoAggiornamento": ""}, []string{"apiKey", "numeroContratto", "codiceFiscale", "dataRegistrazioneDa", "dataRegistrazioneA", "timeStamp"}},
	{"ecomm/api/contratti/cancellaContratto", map[string]any{"numeroContratto": xpaytest.DemoContract}, []string{"apiKey", "numeroContratto", "timeStamp"}},
	{"ecomm/api/contratti/abilitaContratto", map[string]any{"numeroContratto": xpaytest.DemoContract}, []string{"apiKey", "numeroContratto", "timeStamp"}},
	{"ecomm/api/contratti/disabilitaContratto", map[string]any{"numeroContratto": xpaytest.DemoContract}, []string{"apiKey", "numeroContratto", "timeStamp"}},
	{"ecomm/api/blacklist/aggiungi", map[string]any{"tipo": "CodiceContratto", "valore": "CNT-RAW-9", "descrizione": "prova"}, []string{"apiKey", "tipo", "valore", "descrizione", "timeStamp"}},
	{"ecomm/api/blacklist/rimuovi", map[string]any{"tipo": "CodiceFiscale", "valore": xpaytest.DemoBlacklisted}, []string{"apiKey", "tipo", "valore", "timeStamp"}},
	{"ecomm/api/blacklist/controlla", map[string]any{"tipo": "CodiceFiscale", "valore": xpaytest.DemoBlacklisted}, []string{"apiKey", "tipo", "valore", "timeStamp"}},
	{"ecomm/api/blacklist/reportBlackList", map[string]any{"tipo": "CodiceFiscale"}, []string{"apiKey", "tipo", "timeStamp"}},
	{"ecomm/api/cfpan/controllaEsistenza", map[string]any{"codiceFiscale": xpaytest.DemoTaxCode, "hashPan": xpaytest.DemoHashPAN, "codiceGruppo": xpaytest.DefaultGroup}, []string{"apiKey", "codiceFiscale", "hashPan", "timeStamp"}},
	{"ecomm/api/cfpan/rimuovi", map[string]any{"codiceFiscale": xpaytest.DemoTaxCode, "hashPan": xpaytest.DemoHashPAN, "codiceGruppo": xpaytest.DefaultGroup}, []string{"apiKey", "codiceFiscale", "hashPan", "timeStamp"}},
	{"ecomm/api/cfpan/reportAssociazioni", map[string]any{"tipo": "CodiceFiscale", "valore": xpaytest.DemoTaxCode, "codiceGruppo": xpaytest.DefaultGroup}, []string{"apiKey", "tipo", "valore", "codiceGruppo", "timeStamp"}},
	{"ecomm/api/recurring/pagamentoRicorrente", map[string]any{"numeroContratto": xpaytest.DemoContract, "codiceTransazione": "REC-RAW-1", "importo": "100", "divisa": 978, "scadenza": ""},
		[]string{"apiKey", "numeroContratto", "codiceTransazione", "importo", "divisa", "scadenza", "timeStamp"}},
	{"ecomm/api/hostedPayments/pagaNonce", map[string]any{"codiceTransazione": "BLD-RAW-1", "importo": 100, "divisa": "978", "xpayNonce": "NONCE-RAW"},
		[]string{"apiKey", "codiceTransazione", "importo", "divisa", "xpayNonce", "timeStamp"}},
}

// raw sends a request by hand: fields plus apiKey and timeStamp, signed
// over macOrder, and returns the decoded answer.
func raw(t *testing.T, srv *xpaytest.Server, path string, fields map[string]any, macOrder []string, edit func(body map[string]any)) map[string]any {
	t.Helper()
	body := map[string]any{"apiKey": srv.Alias(), "timeStamp": time.Now().UnixMilli()}
	for k, v := range fields {
		body[k] = v
	}
	flat := map[string]string{}
	for k, v := range body {
		if nested, ok := v.(map[string]any); ok {
			for kk, vv := range nested {
				flat[kk] = toText(vv)
			}
			continue
		}
		flat[k] = toText(v)
	}
	var sig []xpay.Field
	for _, name := range macOrder {
		sig = append(sig, xpay.Field{Name: name, Value: flat[name]})
	}
	body["mac"] = xpay.Sign(srv.Secret(), sig...)
	if edit != nil {
		edit(body)
	}
	var resp *http.Response
	var err error
	if path == "ecomm/api/bo/downloadReport" {
		q := url.Values{}
		for k, v := range body {
			q.Set(k, toText(v))
		}
		resp, err = http.Get(srv.URL + "/" + path + "?" + q.Encode())
	} else {
		b, _ := json.Marshal(body)
		resp, err = http.Post(srv.URL+"/"+path, "application/json", bytes.NewReader(b))
	}
	require.NoError(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Type") != "application/json" {
		return map[string]any{"esito": "FILE", "file": string(out)}
	}
	var m map[string]any
	require.NoError(t, json.Unmarshal(out, &m), string(out))
	return m
}

func toText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

func code(m map[string]any) int {
	e, _ := m["errore"].(map[string]any)
	n, _ := e["codice"].(float64)
	return int(n)
}

func TestEveryServiceChecksItsMACOrder(t *testing.T) {
	t.Parallel()
	require.Len(t, services, 26)
	for _, svc := range services {
		t.Run(svc.path, func(t *testing.T) {
			t.Parallel()
			srv := xpaytest.NewServer(xpaytest.WithDemoData())
			defer srv.Close()

			good := raw(t, srv, svc.path, svc.fields, svc.mac, nil)
			assert.NotContains(t, []int{xpay.CodeInvalidMAC, xpay.CodeMissingMAC, xpay.CodeMACNotComputable}, code(good),
				"the specified order is accepted: %v", good)

			reversed := slices.Clone(svc.mac)
			slices.Reverse(reversed)
			bad := raw(t, srv, svc.path, svc.fields, reversed, nil)
			assert.Equal(t, "KO", bad["esito"])
			assert.Equal(t, xpay.CodeInvalidMAC, code(bad), "%v", bad)
			assert.NotEmpty(t, bad["mac"], "KO answers are signed")

			if len(svc.mac) > 3 {
				swapped := slices.Clone(svc.mac)
				swapped[1], swapped[2] = swapped[2], swapped[1]
				assert.Equal(t, xpay.CodeInvalidMAC, code(raw(t, srv, svc.path, svc.fields, swapped, nil)))
			}
		})
	}
}

func TestEnvelopeChecks(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	svc := services[0] // contabilizza
	cases := []struct {
		name string
		edit func(map[string]any)
		code int
	}{
		{"MAC missing", func(b map[string]any) { delete(b, "mac") }, xpay.CodeMissingMAC},
		{"apiKey missing", func(b map[string]any) { delete(b, "apiKey") }, xpay.CodeInvalidAlias2},
		{"alias unknown", func(b map[string]any) { b["apiKey"] = "ALIAS_WEB_1" }, xpay.CodeInvalidAlias},
		{"timeStamp stale", func(b map[string]any) { b["timeStamp"] = time.Now().Add(-6 * time.Minute).UnixMilli() }, xpay.CodeInvalidMAC},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.code, code(raw(t, srv, svc.path, svc.fields, svc.mac, tc.edit)), tc.name)
	}

	stale := map[string]any{"codiceTransazione": xpaytest.DemoAuthorized, "importo": 100, "divisa": "978"}
	m := rawAt(t, srv, svc.path, stale, svc.mac, time.Now().Add(-6*time.Minute))
	assert.Equal(t, xpay.CodeTimestampExpired, code(m))

	bad := map[string]any{"codiceTransazione": xpaytest.DemoAuthorized, "importo": "12.50", "divisa": "978"}
	m = raw(t, srv, svc.path, bad, svc.mac, nil)
	assert.Equal(t, xpay.CodeInvalidParameter, code(m))
	assert.Contains(t, m["errore"].(map[string]any)["messaggio"], "importo")

	resp, err := http.Post(srv.URL+"/"+svc.path, "application/json", bytes.NewReader([]byte("<xml/>")))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var ko map[string]any
	require.NoError(t, json.Unmarshal(body, &ko))
	assert.Equal(t, xpay.CodeMACNotComputable, code(ko))
	assert.NotContains(t, ko, "mac", "error 50 is unsigned")
}

// rawAt is raw with the request's timeStamp set to at.
func rawAt(t *testing.T, srv *xpaytest.Server, path string, fields map[string]any, macOrder []string, at time.Time) map[string]any {
	t.Helper()
	f := map[string]any{"timeStamp": at.UnixMilli()}
	for k, v := range fields {
		f[k] = v
	}
	return raw(t, srv, path, f, macOrder, nil)
}

func TestRequestsAreCounted(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	svc := services[2]
	raw(t, srv, svc.path, svc.fields, svc.mac, nil)
	raw(t, srv, svc.path, svc.fields, svc.mac, nil)
	assert.Equal(t, 2, srv.Requests("GetOrder"))
	assert.Equal(t, 2, srv.Requests("situazioneOrdine"))
	assert.Equal(t, 0, srv.Requests("Capture"))
}

func TestFaultTimes(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	srv.InjectFault("GetOrder", xpaytest.Fault{MissingMAC: true, Times: 1})
	svc := services[2]
	assert.NotContains(t, raw(t, srv, svc.path, svc.fields, svc.mac, nil), "mac")
	assert.Contains(t, raw(t, srv, svc.path, svc.fields, svc.mac, nil), "mac", "the fault is spent")
	assert.Panics(t, func() { srv.InjectFault("Pagamento", xpaytest.Fault{}) })
}

// A key the service does not take is refused as XPay refuses it: HTTP
// 200, KO, naming the key (recorded against XPay's test environment for
// "apikey"), before the alias and the MAC are looked at. So is one inside
// a nested contratto.
func TestServerRefusesUnknownKeys(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	t.Cleanup(srv.Close)
	for name, c := range map[string]struct {
		path   string
		fields map[string]any
		edit   func(map[string]any)
		key    string
	}{
		"apikey in lower case": {"ecomm/api/bo/storna", map[string]any{"codiceTransazione": xpaytest.DemoCaptured, "importo": 100, "divisa": "978"},
			func(b map[string]any) { b["apikey"] = b["apiKey"]; delete(b, "apiKey") }, "apikey"},
		"a key of another service": {"ecomm/api/bo/situazioneOrdine", map[string]any{"codiceTransazione": xpaytest.DemoCaptured, "importo": 100}, nil, "importo"},
		"inside contratto": {"ecomm/api/contratti/creazioneDaPosFisico", map[string]any{"contratto": map[string]any{
			"numeroContratto": "CNT-X", "idPOSFisico": "P1", "codiceAutorizzazione": "A1", "importo": 100, "colore": "rosso"}}, nil, "colore"},
	} {
		res := raw(t, srv, c.path, c.fields, []string{"apiKey", "timeStamp"}, c.edit)
		assert.Equal(t, "KO", res["esito"], name)
		errore, _ := res["errore"].(map[string]any)
		assert.Equal(t, `Campo "`+c.key+`" non riconosciuto`, errore["messaggio"], name)
		assert.EqualValues(t, xpay.CodeInvalidParameter, errore["codice"], name)
	}
	// The keys XPay's samples send are all taken: the contracts' update
	// filters, the CF/PAN group under either name (signed as codiceGruppo,
	// see TestCFPANGroupAsNexisPythonSampleSendsIt).
	res := raw(t, srv, "ecomm/api/cfpan/reportAssociazioni", map[string]any{"tipo": "CodiceFiscale", "valore": xpaytest.DemoTaxCode, "codiceGruppo": xpaytest.DefaultGroup},
		[]string{"apiKey", "tipo", "valore", "codiceGruppo", "timeStamp"}, func(b map[string]any) { b["gruppo"] = b["codiceGruppo"]; delete(b, "codiceGruppo") })
	assert.Equal(t, "OK", res["esito"], res)
}

// reportOrdini's stato is an array. One state sent as a string (what
// org.json makes of a Java array), an object, or any other value that is
// not an array, is refused, naming the field, instead of read as no
// filter.
func TestServerRefusesAStateThatIsNotAList(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	t.Cleanup(srv.Close)
	day := time.Now().In(xpay.Rome()).Format("02/01/2006")
	mac := []string{"apiKey", "codiceTransazione", "periodo", "canale", "timeStamp"}
	for _, stato := range []any{"Autorizzato", map[string]any{}, map[string]any{"0": "Autorizzato"}, 7, nil} {
		fields := map[string]any{"codiceTransazione": "", "periodo": day + " - " + day, "canale": "All", "stato": stato}
		res := raw(t, srv, "ecomm/api/bo/reportOrdini", fields, mac, nil)
		assert.Equal(t, "KO", res["esito"], "%#v", stato)
		assert.Contains(t, res["errore"].(map[string]any)["messaggio"], "stato: un array", "%#v", stato)
	}
	for _, stato := range []any{[]any{"Autorizzato"}, []any{}} {
		fields := map[string]any{"codiceTransazione": "", "periodo": day + " - " + day, "canale": "All", "stato": stato}
		assert.Equal(t, "OK", raw(t, srv, "ecomm/api/bo/reportOrdini", fields, mac, nil)["esito"], "%#v", stato)
	}
}
