package xpay_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

// The Italian day and clock around both changes of summer time in 2024
// (31 March, 02:00 CET → 03:00 CEST; 27 October, 03:00 CEST → 02:00 CET)
// and late in the evening, whatever location the time.Time carries.
func TestItalianTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		at      time.Time
		day     xpay.Date
		clock   string
		comment string
	}{
		{utc("2024-03-31 00:59:59"), xpay.Date{Year: 2024, Month: 3, Day: 31}, "01:59:59", "last second of winter time"},
		{utc("2024-03-31 01:00:00"), xpay.Date{Year: 2024, Month: 3, Day: 31}, "03:00:00", "summer time: 02:00 does not exist"},
		{utc("2024-03-30 23:00:00"), xpay.Date{Year: 2024, Month: 3, Day: 31}, "00:00:00", "UTC is still on the 30th"},
		{utc("2024-10-27 00:30:00"), xpay.Date{Year: 2024, Month: 10, Day: 27}, "02:30:00", "first 02:30"},
		{utc("2024-10-27 01:30:00"), xpay.Date{Year: 2024, Month: 10, Day: 27}, "02:30:00", "second 02:30"},
		{utc("2024-10-26 22:00:00"), xpay.Date{Year: 2024, Month: 10, Day: 27}, "00:00:00", "midnight, summer time"},
		{utc("2024-06-17 22:30:00"), xpay.Date{Year: 2024, Month: 6, Day: 18}, "00:30:00", "a UTC server's evening is tomorrow in Italy"},
		{utc("2024-12-31 23:30:00").In(time.FixedZone("New York", -5*3600)), xpay.Date{Year: 2025, Month: 1, Day: 1}, "00:30:00", "the time's own location does not matter"},
	} {
		assert.Equal(t, tc.day, xpay.DateOf(tc.at), tc.comment)
		dt := xpay.DateTimeOf(tc.at)
		assert.Equal(t, tc.clock, fmt.Sprintf("%02d:%02d:%02d", dt.Hour, dt.Minute, dt.Second), tc.comment)
	}
}

func TestParseTimeReadsItalianTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"2024-06-17 15:22:00", "2024-06-17 13:22:00"}, // CEST, UTC+2
		{"17/01/2024 15:22:00", "2024-01-17 14:22:00"}, // CET, UTC+1
		{"2024-10-27 02:30:00", "2024-10-27 00:30:00"}, // the repeated hour: the first
		{"2024-03-31 02:30:00", "2024-03-31 01:30:00"}, // the missing hour: read as 03:30 CEST
		{"2024-03-31 03:00:00", "2024-03-31 01:00:00"}, // just after the change
		{"31/03/2024", "2024-03-30 23:00:00"},          // a day starts at midnight in Rome
	} {
		got, err := xpay.ParseTime(tc.in, nil)
		require.NoError(t, err, tc.in)
		assert.Equal(t, utc(tc.want), got.UTC(), tc.in)
	}
	got, err := xpay.ParseTime("2024-06-17 15:22:00", time.UTC)
	require.NoError(t, err)
	assert.Equal(t, utc("2024-06-17 15:22:00"), got, "an explicit location still wins")
}

func TestDays(t *testing.T) {
	t.Parallel()
	assert.Equal(t, xpay.DateOf(time.Now()), xpay.Today())
	assert.Equal(t, xpay.Today().AddDays(-1), xpay.Yesterday())
	for _, tc := range []struct {
		d    xpay.Date
		n    int
		want xpay.Date
	}{
		{xpay.Date{Year: 2024, Month: 3, Day: 31}, 1, xpay.Date{Year: 2024, Month: 4, Day: 1}},
		{xpay.Date{Year: 2024, Month: 3, Day: 1}, -1, xpay.Date{Year: 2024, Month: 2, Day: 29}},
		{xpay.Date{Year: 2024, Month: 10, Day: 27}, 1, xpay.Date{Year: 2024, Month: 10, Day: 28}},
		{xpay.Date{Year: 2025, Month: 1, Day: 1}, -1, xpay.Date{Year: 2024, Month: 12, Day: 31}},
	} {
		assert.Equal(t, tc.want, tc.d.AddDays(tc.n))
	}
	assert.Equal(t, "Europe/Rome", xpay.Rome().String())
}

func TestAmountForPeople(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a    xpay.Amount
		c    xpay.Currency
		text string
	}{
		{12345, xpay.CurrencyEUR, "123.45"}, {5, xpay.CurrencyEUR, "0.05"}, {0, xpay.CurrencyEUR, "0.00"},
		{-250, xpay.CurrencyEUR, "-2.50"}, {500, "392", "500"}, {1234, "414", "1.234"},
		{math.MaxInt64, xpay.CurrencyEUR, "92233720368547758.07"},
	} {
		assert.Equal(t, tc.text, tc.a.Decimal(tc.c))
	}
	assert.Equal(t, "123.45 EUR", xpay.Amount(12345).Format(xpay.CurrencyEUR))
	assert.Equal(t, "500 392", xpay.Amount(500).Format("392"))
	assert.Equal(t, "12345", fmt.Sprint(xpay.Amount(12345)), "String stays what the wire carries")

	for in, want := range map[string]xpay.Amount{
		"20": 2000, "20.00": 2000, "20,00": 2000, "20.5": 2050, "0.05": 5, "0,5": 50, "007.10": 710, "0": 0,
		"92233720368547758.07": math.MaxInt64,
	} {
		got, err := xpay.ParseAmount(in, xpay.CurrencyEUR)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for in, msg := range map[string]string{
		"20.001": "has 3 decimals; the currency has 2", "-1": "negative", "+1": "want digits", "": "want digits",
		"1.234,56": "either a point or a comma", "1,234,56": "want digits", "20.": "want digits", ".5": "want digits",
		"1e3": "want digits", " 20": "want digits", "€20": "want digits", "92233720368547758.08": "too large",
		"99999999999999999999": "too large",
	} {
		_, err := xpay.ParseAmount(in, xpay.CurrencyEUR)
		assert.ErrorContains(t, err, msg, "%q", in)
	}
	yen, err := xpay.ParseAmount("500", "392")
	require.NoError(t, err)
	assert.Equal(t, xpay.Amount(500), yen)
	_, err = xpay.ParseAmount("500.5", "392")
	assert.ErrorContains(t, err, "has 1 decimals; the currency has 0")
	assert.True(t, strings.HasPrefix(err.Error(), "xpay: amount"))
}
