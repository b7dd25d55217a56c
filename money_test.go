package xpay_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

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
