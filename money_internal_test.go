package xpay

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay/internal/lenient"
)

func TestAmountJSON(t *testing.T) {
	t.Parallel()
	ok := map[string]Amount{`5000`: 5000, `"5000"`: 5000, `" 12 "`: 12, `0`: 0, `""`: 0, `null`: 0, `-300`: -300, `"9223372036854775807"`: 1<<63 - 1}
	for in, want := range ok {
		var a Amount
		require.NoError(t, json.Unmarshal([]byte(in), &a), in)
		assert.Equal(t, want, a, in)
	}
	for _, bad := range []string{`50.00`, `"50,00"`, `5e3`, `true`, `{}`, `"abc"`, `"9223372036854775808"`} {
		var a Amount
		assert.Error(t, json.Unmarshal([]byte(bad), &a), bad)
	}
	b, err := json.Marshal(struct {
		A Amount `json:"importo"`
	}{5000})
	require.NoError(t, err)
	assert.JSONEq(t, `{"importo":5000}`, string(b))
	assert.Equal(t, "5000", Amount(5000).String())
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
