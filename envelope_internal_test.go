package xpay

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay/internal/lenient"
)

func TestTimestamp(t *testing.T) {
	t.Parallel()
	var ts Timestamp
	require.NoError(t, json.Unmarshal([]byte(`"1718611201117"`), &ts))
	assert.Equal(t, Timestamp("1718611201117"), ts)
	require.NoError(t, json.Unmarshal([]byte(`1718611201117`), &ts))
	when, err := ts.Time()
	require.NoError(t, err)
	assert.Equal(t, int64(1718611201117), when.UnixMilli())
	assert.Error(t, json.Unmarshal([]byte(`{}`), &ts))
	_, err = Timestamp("oggi").Time()
	assert.Error(t, err)
}

// FuzzDecodeEnvelope feeds any body to the response path of a read, a
// write and the one service whose MAC is optional. It must not panic, and
// must never return data, or a trusted KO, whose MAC does not verify.
func FuzzDecodeEnvelope(f *testing.F) {
	addFixtureSeeds(f)
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, op := range []*operation{&opGetOrder, &opCapture, &opListWarnings} {
			var out GetOrderResponse
			err := c.outcome(op, nil, fuzzSent, c.decodeAll(op, 200, RawBody(body), &out, fuzzSent)) // as run decides it
			signed := verifyResponseMAC(testSecret, out.Outcome, out.OperationID, string(out.Timestamp), out.MAC)
			unsigned := out.MAC == ""
			var apiErr *APIError
			switch {
			case err == nil && !signed && !(op.macOptional && unsigned):
				t.Fatalf("%s accepted an answer whose MAC does not verify: %q", op.name, body)
			case err == nil && out.Outcome != "OK" && !op.notFoundEmpty:
				t.Fatalf("%s accepted esito %q", op.name, out.Outcome)
			case errors.As(err, &apiErr) && !signed:
				t.Fatalf("%s trusted a KO whose MAC does not verify: %q", op.name, body)
			case err != nil && op.write && (apiErr == nil || !signed) && !errors.Is(err, ErrOutcomeUnknown):
				t.Fatalf("%s: an untrusted answer to a write is not ErrOutcomeUnknown: %v", op.name, err)
			case (err == nil || apiErr != nil) && signed && !fresh(out.Timestamp):
				t.Fatalf("%s accepted a stale answer: %q", op.name, body)
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

func fresh(ts Timestamp) bool {
	at, err := ts.Time()
	return err == nil && at.Sub(fuzzSent).Abs() <= DefaultFreshness
}
