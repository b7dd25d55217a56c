package xpay

import (
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// XPay reads and writes times as Italian local time, without a zone:
// dates in requests, dataTransazione and the like in answers, the data
// and orario of a payment result. Rome is that time zone.

//go:embed rome.tzif
var romeTZif []byte // Europe/Rome from the IANA tz database (947 bytes, with the current EU rule)

var rome = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Rome"); err == nil {
		return loc
	}
	loc, err := time.LoadLocationFromTZData("Europe/Rome", romeTZif)
	if err != nil {
		panic("xpay: the embedded Europe/Rome zone does not load: " + err.Error())
	}
	return loc
})

// Rome returns the Europe/Rome time zone, in which XPay keeps its clock.
// It comes from the system's zoneinfo database when there is one, and
// otherwise from a copy embedded in this package (under 1 KiB), so it
// works in containers without one.
func Rome() *time.Location { return rome() }

// Today returns the current calendar day in Italy, which is the day XPay
// files operations under: late in the evening on a server running on UTC
// it is already tomorrow.
func Today() Date { return DateOf(time.Now()) }

// Yesterday returns the calendar day before Today, in Italy: the day a
// nightly reconciliation job reads.
func Yesterday() Date { return Today().AddDays(-1) }

// AddDays returns the calendar day n days after d (before, for negative
// n).
func (d Date) AddDays(n int) Date {
	y, m, day := d.time().AddDate(0, 0, n).Date()
	return Date{y, m, day}
}

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
