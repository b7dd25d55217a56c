package xpay

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDateRendering(t *testing.T) {
	t.Parallel()
	d := Date{2024, time.June, 1}
	assert.Equal(t, "01/06/2024", d.String())
	assert.Equal(t, "", Date{}.String())
	assert.True(t, d.valid())
	assert.False(t, Date{2024, time.February, 30}.valid())
	assert.False(t, Date{24, time.June, 1}.valid(), "the year must have four digits")
	assert.Equal(t, d, DateOf(time.Date(2024, 6, 1, 23, 59, 0, 0, Rome())))
	assert.Equal(t, Date{2024, time.June, 2}, DateOf(time.Date(2024, 6, 1, 23, 59, 0, 0, time.UTC)), "the day in Italy")

	dt := DateTime{2024, time.June, 16, 9, 5, 7}
	assert.Equal(t, "16/06/2024 09:05:07", dt.String())
	assert.True(t, dt.valid())
	assert.False(t, DateTime{2024, time.June, 16, 24, 0, 0}.valid())
	assert.Equal(t, dt, DateTimeOf(time.Date(2024, 6, 16, 9, 5, 7, 999, Rome())))
	assert.Equal(t, dt, DateTimeOf(time.Date(2024, 6, 16, 7, 5, 7, 999, time.UTC)), "the clock in Italy")

	r := DateRange{From: d, To: Date{2024, time.June, 17}}
	assert.Equal(t, "01/06/2024 - 17/06/2024", r.String())

	b, err := json.Marshal(struct {
		R  DateRange `json:"periodo"`
		D  Date      `json:"refDate,omitzero"`
		DT DateTime  `json:"da"`
		Z  DateTime  `json:"a"`
	}{R: r, DT: dt})
	require.NoError(t, err)
	assert.JSONEq(t, `{"periodo":"01/06/2024 - 17/06/2024","da":"16/06/2024 09:05:07","a":""}`, string(b))
}

// The embedded Europe/Rome zone, used where the system has none, agrees
// with the EU rule: summer time from the last Sunday of March, 01:00 UTC,
// to the last Sunday of October, 01:00 UTC, in years past and to come.
func TestEmbeddedRomeZone(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocationFromTZData("Europe/Rome", romeTZif)
	require.NoError(t, err)
	lastSunday := func(year int, month time.Month) time.Time {
		d := time.Date(year, month+1, 1, 1, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
		return d.AddDate(0, 0, -int(d.Weekday()))
	}
	for year := 2000; year <= 2060; year++ {
		for _, change := range []struct {
			at            time.Time
			before, after int
		}{{lastSunday(year, time.March), 3600, 7200}, {lastSunday(year, time.October), 7200, 3600}} {
			_, off := change.at.Add(-time.Second).In(loc).Zone()
			assert.Equal(t, change.before, off, "%v", change.at)
			_, off = change.at.In(loc).Zone()
			assert.Equal(t, change.after, off, "%v", change.at)
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	d, err := ParseDate("17/06/2024")
	require.NoError(t, err)
	assert.Equal(t, Date{Year: 2024, Month: time.June, Day: 17}, d)
	assert.Equal(t, "17/06/2024", d.String())
	d, err = ParseDate("29/02/2024")
	require.NoError(t, err, "a leap day")
	assert.Equal(t, 29, d.Day)
	for s, msg := range map[string]string{
		"31/02/2026": `date "31/02/2026": no such day`,
		"29/02/2026": `date "29/02/2026": no such day`,
		"00/01/2026": "no such day",
		"17/13/2026": "no such day",
		"2026-02-01": "want dd/mm/yyyy",
		"1/2/2026":   "want dd/mm/yyyy",
		"17/06/20x4": "want dd/mm/yyyy",
		"":           "want dd/mm/yyyy",
	} {
		_, err := ParseDate(s)
		assert.ErrorContains(t, err, msg, s)
	}
}
