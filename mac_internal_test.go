package xpay

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseMACString splits a test vector's string to sign back into fields, given
// the field names in order. Keeping the vectors as the reference prints them
// makes a typo in either place show up.
func parseMACString(t *testing.T, s string, names ...string) []Field {
	t.Helper()
	fields := make([]Field, len(names))
	for i, name := range names {
		require.True(t, strings.HasPrefix(s, name+"="), "vector %q: want %s= next", s, name)
		s = s[len(name)+1:]
		end := len(s)
		if i+1 < len(names) {
			end = strings.Index(s, names[i+1]+"=")
			require.GreaterOrEqual(t, end, 0, "vector: %s= not found", names[i+1])
		}
		fields[i] = Field{name, s[:end]}
		s = s[end:]
	}
	return fields
}

func TestSignSpecVectors(t *testing.T) {
	t.Parallel()
	// The API reference's MAC test vectors: every request, and a response.
	vectors := []struct {
		service string
		input   string
		names   []string
		want    string
	}{
		{"contabilizza / storna", "apiKey=ALIAS_WEB_00000000codiceTransazione=ORD-2024-000123divisa=978importo=5000timeStamp=1718611200000",
			[]string{"apiKey", "codiceTransazione", "divisa", "importo", "timeStamp"}, "d2d3e0a8945a1d760c36a423d7c1875a8887b76f"},
		{"situazioneOrdine", "apiKey=ALIAS_WEB_00000000codiceTransazione=ORD-2024-000123timeStamp=1718611200000",
			[]string{"apiKey", "codiceTransazione", "timeStamp"}, "9809248dca2cb26b91daafb17a7996f99e98878a"},
		{"reportOrdini", "apiKey=ALIAS_WEB_00000000codiceTransazione=periodo=01/06/2024 - 17/06/2024canale=AlltimeStamp=1718611200000",
			[]string{"apiKey", "codiceTransazione", "periodo", "canale", "timeStamp"}, "b7391f0de46c5b5000b72630a732522b41af6424"},
		{"richiestaPayMail", "apiKey=ALIAS_WEB_00000000codiceTransazione=PBL-2024-000777importo=12000timeStamp=1718611200000",
			[]string{"apiKey", "codiceTransazione", "importo", "timeStamp"}, "cb218acd1c7b0cf5748c557b9a356f886ad7e1dd"},
		{"rigeneraPayMail", "apiKey=ALIAS_WEB_00000000codiceTransazione=PBL-2024-000777timeStamp=1718611200000",
			[]string{"apiKey", "codiceTransazione", "timeStamp"}, "32e1129a9e54c549b3a58ba8809f56c5f4e31619"},
		{"elencoReport / ReportPaymail / warning", "apiKey=ALIAS_WEB_00000000timeStamp=1718611200000",
			[]string{"apiKey", "timeStamp"}, "8fa1a5fc7542e80312fc95e61abe1abb704086b0"},
		{"downloadReport", "apiKey=ALIAS_WEB_00000000timeStamp=1718611200000idReport=1045",
			[]string{"apiKey", "timeStamp", "idReport"}, "73e981f5d36e13ae412e95b4ff2fe6ec5b112c12"},
		{"cancella/abilita/disabilitaContratto", "apiKey=ALIAS_WEB_00000000numeroContratto=CNT-0001-ROSSItimeStamp=1718611200000",
			[]string{"apiKey", "numeroContratto", "timeStamp"}, "d74d1d58f57bdd1a3998bc81e4b42f76b7f47f8c"},
		{"queryContratti / dettagliContratto / statoContratti", "apiKey=ALIAS_WEB_00000000numeroContratto=CNT-0001-ROSSIcodiceFiscale=dataRegistrazioneDa=dataRegistrazioneA=timeStamp=1718611200000",
			[]string{"apiKey", "numeroContratto", "codiceFiscale", "dataRegistrazioneDa", "dataRegistrazioneA", "timeStamp"}, "65072d895d4dfe7a7e2703331ce8fa6b45e4a3ba"},
		{"creazioneDaPosFisico", "apiKey=ALIAS_WEB_00000000numeroContratto=CNT-0001-ROSSIidPOSFisico=POS00001codiceAutorizzazione=A1B2C3stan=importo=5000descrizione=mail=timeStamp=1718611200000",
			[]string{"apiKey", "numeroContratto", "idPOSFisico", "codiceAutorizzazione", "stan", "importo", "descrizione", "mail", "timeStamp"}, "41d150bd0630e68258c9c5c512da5a9879687008"},
		{"blacklist/aggiungi", "apiKey=ALIAS_WEB_00000000tipo=CodiceFiscalevalore=RSSMRA80A01H501Udescrizione=Chargeback ripetutitimeStamp=1718611200000",
			[]string{"apiKey", "tipo", "valore", "descrizione", "timeStamp"}, "1e8399a88784cacce576af0e01d45e2af6ba418e"},
		{"blacklist/rimuovi, blacklist/controlla", "apiKey=ALIAS_WEB_00000000tipo=CodiceFiscalevalore=RSSMRA80A01H501UtimeStamp=1718611200000",
			[]string{"apiKey", "tipo", "valore", "timeStamp"}, "982cf1e17939d79c75891a18f87faf68b358a0d9"},
		{"blacklist/reportBlackList", "apiKey=ALIAS_WEB_00000000tipo=CodiceFiscaletimeStamp=1718611200000",
			[]string{"apiKey", "tipo", "timeStamp"}, "c92ccf2cccb8b5fb3cbbe0aaa95a3bb5a46a3147"},
		{"cfpan/controllaEsistenza, cfpan/rimuovi", "apiKey=ALIAS_WEB_00000000codiceFiscale=RSSMRA80A01H501UhashPan=EXAMPLEHASHPAN000000000000000000000000timeStamp=1718611200000",
			[]string{"apiKey", "codiceFiscale", "hashPan", "timeStamp"}, "50b06148e46527eb798e678d7e0d95c3254ae9e5"},
		{"cfpan/reportAssociazioni", "apiKey=ALIAS_WEB_00000000tipo=CodiceFiscalevalore=RSSMRA80A01H501UcodiceGruppo=GRP_ESEMPIOtimeStamp=1718611200000",
			[]string{"apiKey", "tipo", "valore", "codiceGruppo", "timeStamp"}, "9cb48409fb6ad2b46212fa9c2b39b26807872d38"},
		{"response (contabilizza-ok.json)", "esito=OKidOperazione=80310241timeStamp=1718611201117",
			[]string{"esito", "idOperazione", "timeStamp"}, "08021c0ecc37c28b47f9077a0ae126363ea0d164"},
	}
	for _, v := range vectors {
		t.Run(v.service, func(t *testing.T) {
			t.Parallel()
			fields := parseMACString(t, v.input, v.names...)
			assert.Equal(t, v.want, Sign(testSecret, fields...))
		})
	}
}

func TestSignEmptyValueIsNameEquals(t *testing.T) {
	t.Parallel()
	// "codiceTransazione=" with nothing after it, as reportOrdini signs it.
	a := Sign("k", Field{"a", ""}, Field{"b", "x"})
	b := Sign("k", Field{"a", "b=x"})
	assert.Equal(t, a, b, "a= followed by b=x is the same string as a=b=x")
	assert.NotEqual(t, a, Sign("k", Field{"b", "x"}), "an empty field is still signed")
	assert.Regexp(t, "^[0-9a-f]{40}$", a)
}

func TestVerifyResponseMAC(t *testing.T) {
	t.Parallel()
	const good = "08021c0ecc37c28b47f9077a0ae126363ea0d164"
	cases := []struct {
		name               string
		esito, id, ts, mac string
		want               bool
	}{
		{"reference vector", "OK", "80310241", "1718611201117", good, true},
		{"upper-case hex", "OK", "80310241", "1718611201117", strings.ToUpper(good), true},
		{"esito flipped", "KO", "80310241", "1718611201117", good, false},
		{"other operation id", "OK", "80310242", "1718611201117", good, false},
		{"timestamp reformatted", "OK", "80310241", "1.718611201117e+12", good, false},
		{"one hex digit changed", "OK", "80310241", "1718611201117", "18021c0ecc37c28b47f9077a0ae126363ea0d164", false},
		{"truncated", "OK", "80310241", "1718611201117", good[:38], false},
		{"not hex", "OK", "80310241", "1718611201117", strings.Repeat("z", 40), false},
		{"empty", "OK", "80310241", "1718611201117", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, c.want, verifyResponseMAC(testSecret, c.esito, c.id, c.ts, c.mac))
		})
	}
}

// Every fixture that carries a MAC is signed with the reference's example secret.
// This keeps hand-made fixtures honest.
func TestFixtureMACs(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var env struct {
			Esito        string          `json:"esito"`
			IDOperazione string          `json:"idOperazione"`
			TimeStamp    json.RawMessage `json:"timeStamp"`
			MAC          *string         `json:"mac"`
		}
		require.NoError(t, json.Unmarshal(b, &env), f)
		if env.MAC == nil {
			continue
		}
		ts := strings.Trim(string(env.TimeStamp), `"`)
		assert.True(t, verifyResponseMAC(testSecret, env.Esito, env.IDOperazione, ts, *env.MAC), "%s: MAC does not verify", f)
	}
}

// FuzzVerifyResponseMAC: the right MAC verifies, in either letter case,
// and no other string does.
func FuzzVerifyResponseMAC(f *testing.F) {
	f.Add("OK", "80310241", "1718611201117", "08021c0ecc37c28b47f9077a0ae126363ea0d164")
	f.Add("KO", "1", "1", "")
	f.Add("OK", "", "", strings.Repeat("0", 40))
	f.Fuzz(func(t *testing.T, esito, id, ts, mac string) {
		good := Sign(testSecret, responseMACFields(esito, id, ts)...)
		if !verifyResponseMAC(testSecret, esito, id, ts, good) || !verifyResponseMAC(testSecret, esito, id, ts, strings.ToUpper(good)) {
			t.Fatal("the right MAC does not verify")
		}
		got, err := hex.DecodeString(mac)
		same := err == nil && hex.EncodeToString(got) == good
		if verifyResponseMAC(testSecret, esito, id, ts, mac) != same {
			t.Fatalf("verify(%q) = %v, want %v", mac, !same, same)
		}
	})
}
