package xpay

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fuzz targets. CI runs each for a few seconds (.ci/run); a longer run:
//
//	go test -run '^$' -fuzz '^FuzzDecodeEnvelope$' -fuzztime 5m .
//
// Seeds are the recorded answers in testdata plus testdata/fuzz.

func addFixtureSeeds(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzDecodeEnvelope feeds any body to the response path of a read, a
// write and the one service whose MAC is optional. It must not panic, and
// must never return data, or a trusted KO, whose MAC does not verify.
func FuzzDecodeEnvelope(f *testing.F) {
	addFixtureSeeds(f)
	c, err := NewClient(testAlias, testSecret)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, svc := range []*service{&svcGetOrder, &svcCapture, &svcWarnings} {
			var out GetOrderResponse
			err := c.decode(svc, 200, body, &out)
			signed := verifyResponseMAC(testSecret, out.Outcome, out.OperationID, string(out.Timestamp), out.MAC)
			unsigned := out.MAC == ""
			var apiErr *APIError
			switch {
			case err == nil && !signed && !(svc.macOptional && unsigned):
				t.Fatalf("%s accepted an answer whose MAC does not verify: %q", svc.name, body)
			case err == nil && out.Outcome != "OK" && !svc.notFoundEmpty:
				t.Fatalf("%s accepted esito %q", svc.name, out.Outcome)
			case errors.As(err, &apiErr) && !signed:
				allowed := unsigned && (svc.macOptional || apiErr.Code == CodeMACNotComputable || apiErr.Code == CodeNotAllowed)
				if !allowed {
					t.Fatalf("%s trusted a KO whose MAC does not verify: %q", svc.name, body)
				}
			case err != nil && svc.write && apiErr == nil && !errors.Is(err, ErrOutcomeUnknown):
				t.Fatalf("%s: an untrusted answer to a write is not ErrOutcomeUnknown: %v", svc.name, err)
			}
		}
	})
}

// FuzzDecodeLists decodes any body as every response type: no panic, and
// what decodes into a known field also survives a re-encode.
func FuzzDecodeLists(f *testing.F) {
	addFixtureSeeds(f)
	f.Add([]byte(`{"report":{"dettaglio":{"operazioni":{"importo":"1"}}}}`))
	f.Add([]byte(`{"blacklist":true,"cfpan":null,"contratti":[1,"a",{}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{
			&GetOrderResponse{}, &ListOrdersResponse{}, &WarningsResponse{}, &CreatePayByLinkResponse{},
			&RegeneratePayByLinkResponse{}, &PayByLinkReportResponse{}, &ListReportsResponse{},
			&ContractsResponse{}, &BlacklistResponse{}, &CFPANResponse{}, &RefundResponse{},
		}
		for _, v := range targets {
			if err := unmarshalLenient(body, v); err != nil {
				continue
			}
			if _, err := json.Marshal(v); err != nil {
				t.Fatalf("%T decoded but does not encode: %v", v, err)
			}
		}
		var o Order
		_ = json.Unmarshal(body, &o) // through encoding/json and Order.UnmarshalJSON
	})
}

// FuzzAmount: an Amount that decodes encodes back to the same value, and
// nothing panics.
func FuzzAmount(f *testing.F) {
	for _, s := range []string{`5000`, `"5000"`, `" 12 "`, `""`, `null`, `-1`, `50.00`, `"9223372036854775807"`, `1e3`, `"0x10"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var a Amount
		if err := a.UnmarshalJSON(b); err != nil {
			return
		}
		out, err := a.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Amount
		if err := back.UnmarshalJSON(out); err != nil || back != a {
			t.Fatalf("%q decoded to %d, which re-decodes to %d (%v)", b, a, back, err)
		}
		if a.String() != string(out) {
			t.Fatalf("MAC text %q differs from JSON %q", a.String(), out)
		}
	})
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
