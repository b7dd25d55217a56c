package xpay_test

import (
	"context"
	"fmt"
	"regexp"
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

// dataOperazione is written as XPay writes it, to the second with Java's
// Timestamp's ".0" ("2024-07-25 12:41:47.0"), which pretix-xpay reads with
// Python's %f (one to six digits, pretix_xpay/utils.py:72; the rule is
// copied in xpaytest's TestOperationDatesReadAsPretixReadsThem);
// dataTransazione has no fraction. Both parse.
func TestE2EOperationDatesAsXPayWritesThem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := newSandbox(t)
	_, err := c.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-DEMO-0001", Amount: 1000, Currency: xpay.CurrencyEUR})
	require.NoError(t, err)
	res, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-DEMO-0001"})
	require.NoError(t, err)
	o := res.Order()
	ops := o.Operations()
	require.NotEmpty(t, ops)
	withFraction := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.0$`)
	assert.Regexp(t, withFraction, ops[0].Date)
	assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`, o.TransactionDate)
	for _, d := range []string{ops[0].Date, o.TransactionDate} {
		_, err := xpay.ParseTime(d, nil)
		assert.NoError(t, err, d)
	}
	list, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: today.AddDays(-1), To: today}, Channel: xpay.ChannelAll, TransactionCode: "ORD-DEMO-0001"})
	require.NoError(t, err)
	require.Len(t, list.Orders, 1)
	assert.Regexp(t, withFraction, list.Orders[0].OperationDate)
}

func TestParseTimeLayouts(t *testing.T) {
	t.Parallel()
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		rome = time.FixedZone("CEST", 2*60*60)
	}
	want := time.Date(2024, 6, 17, 10, 15, 42, 0, rome)
	for _, s := range []string{"2024-06-17 10:15:42", "17/06/2024 10:15:42", "2024-06-17T10:15:42"} {
		got, err := xpay.ParseTime(s, rome)
		require.NoError(t, err, s)
		assert.True(t, want.Equal(got), "%s: got %v", s, got)
	}
	day, err := xpay.ParseTime("17/06/2024", nil)
	require.NoError(t, err)
	assert.True(t, time.Date(2024, 6, 17, 0, 0, 0, 0, xpay.Rome()).Equal(day), "no location means Italy: %v", day)
	_, err = xpay.ParseTime("17 giugno 2024", nil)
	assert.ErrorContains(t, err, `"17 giugno 2024"`)
}
