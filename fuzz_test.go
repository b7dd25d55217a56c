package xpay

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xpaygo/xpay/internal/lenient"
)

// Fuzz targets. CI runs each for a few seconds (.ci/run); a longer run:
//
//	go test -run '^$' -fuzz '^FuzzDecodeEnvelope$' -fuzztime 5m .
//
// Seeds are the recorded answers in testdata plus testdata/fuzz.

// addFixtureSeeds adds every fixture, followed by the arguments more.
func addFixtureSeeds(f *testing.F, more ...any) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]any{b}, more...)...)
	}
}

// FuzzDecodeEnvelope feeds any body to the response path of a read, a
// write and the one service whose MAC is optional. It must not panic, and
// must never return data, or a trusted KO, whose MAC does not verify.
func FuzzDecodeEnvelope(f *testing.F) {
	addFixtureSeeds(f)
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, svc := range []*service{&svcGetOrder, &svcCapture, &svcListWarnings} {
			var out GetOrderResponse
			err := c.outcome(svc, nil, fuzzSent, c.decodeAll(svc, 200, RawBody(body), &out, fuzzSent)) // as run decides it
			signed := verifyResponseMAC(testSecret, out.Outcome, out.OperationID, string(out.Timestamp), out.MAC)
			unsigned := out.MAC == ""
			var apiErr *APIError
			switch {
			case err == nil && !signed && !(svc.macOptional && unsigned):
				t.Fatalf("%s accepted an answer whose MAC does not verify: %q", svc.name, body)
			case err == nil && out.Outcome != "OK" && !svc.notFoundEmpty:
				t.Fatalf("%s accepted esito %q", svc.name, out.Outcome)
			case errors.As(err, &apiErr) && !signed:
				t.Fatalf("%s trusted a KO whose MAC does not verify: %q", svc.name, body)
			case err != nil && svc.write && (apiErr == nil || !signed) && !errors.Is(err, ErrOutcomeUnknown):
				t.Fatalf("%s: an untrusted answer to a write is not ErrOutcomeUnknown: %v", svc.name, err)
			case (err == nil || apiErr != nil) && signed && !fresh(out.Timestamp):
				t.Fatalf("%s accepted a stale answer: %q", svc.name, body)
			}
		}
	})
}

// The fuzz targets' client reads answers as if its request was signed at
// fuzzSent, the time the fixtures were recorded.
var fuzzSent = time.UnixMilli(1718611200000)

func fuzzClient(f *testing.F) *Client {
	c, err := NewClient(testAlias, testSecret, WithClock(func() time.Time { return fuzzSent }))
	if err != nil {
		f.Fatal(err)
	}
	return c
}

func fresh(ts Timestamp) bool {
	at, err := ts.Time()
	return err == nil && at.Sub(fuzzSent).Abs() <= DefaultFreshness
}

// FuzzStreamMatchesBuffered feeds one body, under any HTTP status, to
// ListOrders (which reads it whole) and to Orders (which walks it
// as it arrives). They must agree: the same orders when both accept it,
// an error from both otherwise, of the same kind. The one difference
// allowed is the memory budget, which ListOrders applies to the whole
// answer and Orders to each order.
func FuzzStreamMatchesBuffered(f *testing.F) {
	addFixtureSeeds(f, 200)
	for _, s := range []string{
		`{"esito":"OK","idOperazione":"80310247","timeStamp":1718611207819,"report":[{"codiceTransazione":"A"}],"mac":"3343ce76bdea20089cddb0d81c58c2e7990f1d05"} {}`,
		`{"esito":"OK","idOperazione":"80310247","timeStamp":1718611207819,"REPORT":[{}],"report":[],"mac":"3343ce76bdea20089cddb0d81c58c2e7990f1d05"}`,
		`{"esito":"OK","idOperazione":"80310247","timeStamp":1718611207819,"report":[{},1],"mac":"3343ce76bdea20089cddb0d81c58c2e7990f1d05","esito":"KO"}`,
		`{"report":{"importo":"1"},"x":[1,{"a":"è"}],"report":null}`,
	} {
		f.Add([]byte(s), 200)
	}
	f.Add([]byte(`<html>502</html>`), 502)
	c := fuzzClient(f)
	req := &ListOrdersRequest{Period: DateRange{From: Date{2024, 6, 1}, To: Date{2024, 6, 17}}, Channel: ChannelAll}
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if status < 200 || status > 599 || status/100 == 3 {
			status = 200
		}
		c := *c
		c.http = &http.Client{Transport: bodyTransport{status, body}}
		whole, bufErr := c.ListOrders(context.Background(), req)
		var orders []Order
		var seqErr error
		for o, err := range c.Orders(context.Background(), req) {
			if err != nil {
				seqErr = err
				break
			}
			orders = append(orders, o)
		}
		if errors.Is(bufErr, lenient.ErrMemoryBudget) || errors.Is(seqErr, lenient.ErrMemoryBudget) {
			return
		}
		if (bufErr == nil) != (seqErr == nil) {
			t.Fatalf("ListOrders: %v; Orders: %v; body %q", bufErr, seqErr, body)
		}
		if bufErr != nil {
			var a1, a2 *APIError
			if errors.As(bufErr, &a1) != errors.As(seqErr, &a2) || errors.Is(bufErr, ErrInvalidMAC) != errors.Is(seqErr, ErrInvalidMAC) {
				t.Fatalf("different errors: ListOrders: %v; Orders: %v; body %q", bufErr, seqErr, body)
			}
			return
		}
		if !reflect.DeepEqual(whole.Orders, orders) && (len(whole.Orders) != 0 || len(orders) != 0) {
			t.Fatalf("different orders:\n%+v\n%+v\nbody %q", whole.Orders, orders, body)
		}
	})
}

// bodyTransport answers every request with one status and body.
type bodyTransport struct {
	status int
	body   []byte
}

func (b bodyTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: b.status, Body: io.NopCloser(bytes.NewReader(b.body)), ContentLength: -1, Header: http.Header{}}, nil
}

// FuzzDecodeLists decodes any body as every response type: no panic, and
// what decodes into a known field also survives a re-encode.
func FuzzDecodeLists(f *testing.F) {
	addFixtureSeeds(f)
	f.Add([]byte(`{"report":{"dettaglio":{"operazioni":{"importo":"1"}}}}`))
	f.Add([]byte(`{"blacklist":true,"cfpan":null,"contratti":[1,"a",{}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{
			&GetOrderResponse{}, &ListOrdersResponse{}, &ListWarningsResponse{}, &CreatePayByLinkResponse{},
			&RegeneratePayByLinkResponse{}, &ListPayByLinksResponse{}, &ListReportsResponse{},
			&ContractsResponse{}, &BlacklistResponse{}, &CFPANResponse{}, &RefundResponse{},
		}
		for _, v := range targets {
			if err := lenient.Unmarshal(body, v); err != nil {
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

// The decoder reads an Amount field by its own integer rule, not through
// UnmarshalJSON: the two must agree on every value.
func FuzzAmountFieldMatchesUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`5000`, `"5000"`, `" 12 "`, `""`, `null`, `"null"`, `-1`, `50.00`, `"+5"`, `1e3`, `"0x10"`, `true`, `"9223372036854775808"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var op Operation
		if err := lenient.Unmarshal(append(append([]byte(`{"importo":`), b...), '}'), &op); err != nil {
			return // not JSON, or not one value
		}
		var a Amount
		if err := a.UnmarshalJSON(b); err != nil {
			if _, kept := op.Extra["importo"]; !kept || op.Amount != 0 {
				t.Fatalf("%q: UnmarshalJSON refuses it (%v), the decoder read %d", b, err, op.Amount)
			}
			return
		}
		if _, kept := op.Extra["importo"]; kept || op.Amount != a {
			t.Fatalf("%q: UnmarshalJSON reads %d, the decoder %d (kept in Extra: %v)", b, a, op.Amount, kept)
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

// FuzzParseAmount: an amount a person typed that parses formats back to
// text that parses to the same amount, never negative, and nothing
// panics; any amount formats to text that parses back to it.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"20", "20.00", "20,00", "0.05", "-1", "1e3", "92233720368547758.07", "92233720368547758.08", ".5", "1.234,56", "007"} {
		f.Add(s, "978", int64(2000))
	}
	f.Add("500", "392", int64(500))
	f.Add("1.234", "414", int64(-1))
	f.Fuzz(func(t *testing.T, s, cur string, n int64) {
		c := Currency(cur)
		if a, err := ParseAmount(s, c); err == nil {
			if a < 0 {
				t.Fatalf("%q parsed to a negative %d", s, a)
			}
			if back, err := ParseAmount(a.Decimal(c), c); err != nil || back != a {
				t.Fatalf("%q parsed to %d, formatted %q, parsed back to %d (%v)", s, a, a.Decimal(c), back, err)
			}
		}
		if n >= 0 {
			if back, err := ParseAmount(Amount(n).Decimal(c), c); err != nil || back != Amount(n) {
				t.Fatalf("%d formatted %q parsed back to %d (%v)", n, Amount(n).Decimal(c), back, err)
			}
		}
	})
}
