package xpay

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xpaygo/xpay/internal/lenient"
)

// Amount is a sum of money in the currency's minor unit: Amount(5000) is
// €50.00. XPay never sees a decimal point, and neither does this package:
// there is no float anywhere between your code and the wire.
//
// The request MAC and the JSON body format an Amount through the same
// function, so the signature cannot drift from the payload. When decoding,
// an Amount accepts a JSON number or a string of digits.
type Amount int64

// String returns the amount as XPay writes it: the decimal integer of minor
// units, with no separators ("5000").
func (a Amount) String() string { return string(a.appendTo(nil)) }

// appendTo is the one formatter of an Amount on the wire.
func (a Amount) appendTo(b []byte) []byte { return strconv.AppendInt(b, int64(a), 10) }

// MarshalJSON writes the amount as a JSON number of minor units.
func (a Amount) MarshalJSON() ([]byte, error) { return a.appendTo(nil), nil }

// UnmarshalJSON reads a JSON number or a string of digits ("5000", 5000).
// An empty string or null leaves the amount at zero. Fractions and
// exponents are rejected: they are not minor units.
func (a *Amount) UnmarshalJSON(b []byte) error {
	digits, ok := lenient.Number(b)
	if !ok {
		return fmt.Errorf("xpay: amount: want an integer of minor units, got %.40s", b)
	}
	if len(digits) == 0 {
		*a = 0
		return nil
	}
	n, err := strconv.ParseInt(string(digits), 10, 64)
	if err != nil {
		return fmt.Errorf("xpay: amount: want an integer of minor units, got %.40s", b)
	}
	*a = Amount(n)
	return nil
}

// Currency is the ISO 4217 numeric code XPay expects in requests, such as
// "978" for euro. Responses name currencies with the alphabetic code
// instead ("EUR"), and keep it as a plain string.
type Currency string

// Currencies the official XPay plugins send. Any other 3-digit ISO 4217
// code your terminal accepts can be used as Currency("...").
const (
	CurrencyEUR Currency = "978"
	CurrencyCZK Currency = "203"
	CurrencyPLN Currency = "985"
	CurrencyAUD Currency = "036"
	CurrencyNZD Currency = "554"
)

// Decimals returns how many digits after the decimal point the currency
// has (ISO 4217 minor units): 2 for the euro and most others, 0 for the
// yen, 3 for the dinars of Bahrain, Kuwait and the like. A code this
// package does not list has 2.
func (c Currency) Decimals() int {
	switch c {
	case "108", "152", "174", "262", "324", "352", "392", "410", "548", "600", "646", "704", "800", "940", "950", "952", "953":
		return 0 // BIF CLP KMF DJF GNF ISK JPY KRW VUV PYG RWF VND UGX UYI XAF XOF XPF
	case "048", "368", "400", "414", "434", "512", "788":
		return 3 // BHD IQD JOD KWD LYD OMR TND
	case "927", "990":
		return 4 // UYW CLF
	}
	return 2
}

// alphabetic names the currencies of the constants above.
var alphabetic = map[Currency]string{CurrencyEUR: "EUR", CurrencyCZK: "CZK", CurrencyPLN: "PLN", CurrencyAUD: "AUD", CurrencyNZD: "NZD"}

// Decimal returns a in major units, with as many decimals as the
// currency has and a point: Amount(12345).Decimal(CurrencyEUR) is
// "123.45". It is for people; the wire takes String, in minor units.
func (a Amount) Decimal(c Currency) string {
	n := c.Decimals()
	s := strconv.FormatInt(int64(a), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if n > 0 {
		if len(s) <= n {
			s = strings.Repeat("0", n-len(s)+1) + s
		}
		s = s[:len(s)-n] + "." + s[len(s)-n:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Format returns a in major units followed by the currency's alphabetic
// code: Amount(12345).Format(CurrencyEUR) is "123.45 EUR". A currency
// without a known code shows its numeric one.
func (a Amount) Format(c Currency) string {
	code, ok := alphabetic[c]
	if !ok {
		code = string(c)
	}
	return a.Decimal(c) + " " + code
}

// ParseAmount reads an amount a person typed, in major units of the
// currency, with a point or a comma before the decimals: "20", "20.5",
// "20.00" and "20,00" are all Amount(2000) in euro. It refuses a sign,
// thousands separators, more decimals than the currency has, and values
// that do not fit an Amount.
func ParseAmount(s string, c Currency) (Amount, error) {
	fail := func(rule string, args ...any) (Amount, error) {
		return 0, fmt.Errorf("xpay: amount %q: %s", s, fmt.Sprintf(rule, args...))
	}
	whole, frac, _ := strings.Cut(s, ".")
	if w, f, found := strings.Cut(s, ","); found {
		if strings.Contains(s, ".") {
			return fail("use either a point or a comma, once")
		}
		whole, frac = w, f
	}
	n := c.Decimals()
	switch {
	case strings.HasPrefix(s, "-"):
		return fail("must not be negative")
	case whole == "" || !isDigits(whole) || frac != "" && !isDigits(frac) || strings.HasSuffix(s, ".") || strings.HasSuffix(s, ","):
		return fail("want digits, with at most one point or comma before the decimals, such as 20.00")
	case len(frac) > n:
		return fail("has %d decimals; the currency has %d", len(frac), n)
	}
	digits := strings.TrimLeft(whole, "0") + frac + strings.Repeat("0", n-len(frac))
	if digits == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return fail("too large")
		}
		return fail("%v", err)
	}
	return Amount(v), nil
}

// checkAmount checks an importo: a positive number of minor units.
func checkAmount(field string, a Amount) error {
	if a <= 0 {
		return invalid(field, "importo", "must be a positive number of minor units (cents), got %d", int64(a))
	}
	return nil
}

// checkCurrency checks a divisa: an ISO 4217 numeric code of 3 digits.
func checkCurrency(field string, c Currency) error {
	if len(c) != 3 || !isDigits(string(c)) {
		return invalid(field, "divisa", "must be a 3-digit ISO 4217 numeric code such as CurrencyEUR (978), got %q", string(c))
	}
	return nil
}

// moneyMACFields is the MAC input of contabilizza and storna: apiKey,
// codiceTransazione, divisa, importo, timeStamp. divisa comes before
// importo.
func moneyMACFields(apiKey, timeStamp Field, code string, cur Currency, amount Amount) []Field {
	return []Field{
		apiKey,
		{"codiceTransazione", code},
		{"divisa", string(cur)},
		{"importo", amount.String()},
		timeStamp,
	}
}
