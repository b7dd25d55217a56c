package xpay

import (
	_ "embed"
	"errors"
	"fmt"
	"strconv"
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

// timeLayouts are the layouts XPay writes dates in, most common first.
var timeLayouts = []string{
	"2006-01-02 15:04:05",
	"02/01/2006 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05.000",
	"02/01/2006",
	"2006-01-02",
}

// ParseTime parses a date or date-time as XPay writes it in responses
// (dataTransazione, dataOperazione, ...): "2006-01-02 15:04:05",
// "02/01/2006 15:04:05", "02/01/2006" and a few close variants. XPay writes
// Italian local time without a zone: nil loc means Rome(), which is right
// for XPay's answers; pass another location only for text you know was
// written in it. In the hour that repeats when summer time ends, the
// earlier instant is taken. Responses keep dates as the strings received,
// so a layout this function does not know never loses data.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = Rome()
	}
	for _, layout := range timeLayouts {
		if t, err := parseEarlier(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("xpay: unrecognised date " + strconv.Quote(s))
}

// parseEarlier is time.ParseInLocation, which leaves open which of a
// repeated hour's two instants it returns, taking the earlier: the one
// rule of this package for a clock reading in the hour that repeats when
// summer time ends.
func parseEarlier(layout, s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		return t, err
	}
	if earlier := t.Add(-time.Hour); sameClock(earlier, t) {
		return earlier, nil
	}
	return t, nil
}

// sameClock reports whether a and b show the same date and time on their
// location's clock.
func sameClock(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd && a.Hour() == b.Hour() && a.Minute() == b.Minute() && a.Second() == b.Second()
}

// Date is a calendar day in a request, written dd/mm/yyyy, which XPay
// reads as a day in Italy. The zero Date means "not set". Use DateOf to
// take the day of a time.Time, and Today or Yesterday for the days a job
// usually needs.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day in Italy at the instant t, whatever
// t's location: DateOf(time.Now()) on a UTC server at 23:30 in June is
// already tomorrow, as it is for XPay.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Rome()).Date()
	return Date{y, m, d}
}

// ParseDate reads a day written dd/mm/yyyy, as XPay's requests write it
// and as Date's String prints it ("17/06/2024"). A day that does not exist
// (31/02/2026) is an error that says so.
func ParseDate(s string) (Date, error) {
	var d Date
	var month int
	if len(s) != len("02/01/2006") || s[2] != '/' || s[5] != '/' || !isDigits(s[:2]+s[3:5]+s[6:]) {
		return Date{}, fmt.Errorf("xpay: date %q: want dd/mm/yyyy", s)
	}
	d.Day, _ = strconv.Atoi(s[:2])
	month, _ = strconv.Atoi(s[3:5])
	d.Year, _ = strconv.Atoi(s[6:])
	d.Month = time.Month(month)
	if !d.valid() {
		return Date{}, fmt.Errorf("xpay: date %q: no such day", s)
	}
	return d, nil
}

// AddDays returns the calendar day n days after d (before, for negative
// n).
func (d Date) AddDays(n int) Date {
	y, m, day := d.time().AddDate(0, 0, n).Date()
	return Date{y, m, day}
}

// in returns the midnight that starts d in loc.
func (d Date) in(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String returns d as dd/mm/yyyy, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}

// MarshalJSON writes d as a dd/mm/yyyy string ("" when zero).
func (d Date) MarshalJSON() ([]byte, error) { return strconv.AppendQuote(nil, d.String()), nil }

// time returns d at midnight UTC, for comparing and counting days.
func (d Date) time() time.Time { return d.in(time.UTC) }

// valid reports whether d is a real day with a four-digit year.
func (d Date) valid() bool {
	y, m, day := d.time().Date()
	return d.Year >= 1000 && d.Year <= 9999 && (Date{y, m, day}) == d
}

// DateTime is a date and time in a request, written dd/mm/yyyy hh:mm:ss.
// XPay reads it as Italian local time. The zero DateTime means "not set".
type DateTime struct {
	Year                 int
	Month                time.Month
	Day                  int
	Hour, Minute, Second int
}

// DateTimeOf returns the date and time on an Italian clock at the
// instant t, whatever t's location, as XPay reads a DateTime.
func DateTimeOf(t time.Time) DateTime {
	t = t.In(Rome())
	y, m, d := t.Date()
	return DateTime{y, m, d, t.Hour(), t.Minute(), t.Second()}
}

// IsZero reports whether dt is the zero DateTime.
func (dt DateTime) IsZero() bool { return dt == DateTime{} }

// String returns dt as dd/mm/yyyy hh:mm:ss, or "" for the zero DateTime.
func (dt DateTime) String() string {
	if dt.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d %02d:%02d:%02d", dt.Day, int(dt.Month), dt.Year, dt.Hour, dt.Minute, dt.Second)
}

// MarshalJSON writes dt as a dd/mm/yyyy hh:mm:ss string ("" when zero).
func (dt DateTime) MarshalJSON() ([]byte, error) { return strconv.AppendQuote(nil, dt.String()), nil }

func (dt DateTime) time() time.Time {
	return time.Date(dt.Year, dt.Month, dt.Day, dt.Hour, dt.Minute, dt.Second, 0, time.UTC)
}

func (dt DateTime) valid() bool {
	t := dt.time()
	y, m, d := t.Date()
	return dt.Year >= 1000 && dt.Year <= 9999 && (DateTime{y, m, d, t.Hour(), t.Minute(), t.Second()}) == dt
}

// DateRange is an inclusive range of days, written
// "dd/mm/yyyy - dd/mm/yyyy".
type DateRange struct {
	From, To Date
}

// String returns the range as XPay expects it.
func (r DateRange) String() string { return r.From.String() + " - " + r.To.String() }

// MarshalJSON writes the range as a string.
func (r DateRange) MarshalJSON() ([]byte, error) { return strconv.AppendQuote(nil, r.String()), nil }

// checkDate checks a Date; the zero Date passes unless required.
func checkDate(field, wire string, d Date, required bool) error {
	switch {
	case d.IsZero() && required:
		return invalid(field, wire, "is required")
	case !d.IsZero() && !d.valid():
		return invalid(field, wire, "is not a calendar day: %d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	return nil
}

// checkDateTime checks an optional DateTime.
func checkDateTime(field, wire string, dt DateTime) error {
	if !dt.IsZero() && !dt.valid() {
		return invalid(field, wire, "is not a valid date and time: %d-%02d-%02d %02d:%02d:%02d",
			dt.Year, int(dt.Month), dt.Day, dt.Hour, dt.Minute, dt.Second)
	}
	return nil
}

// checkOrder checks that an optional range does not end before it starts.
func checkOrder(field, wire string, from, to DateTime) error {
	if !from.IsZero() && !to.IsZero() && to.time().Before(from.time()) {
		return invalid(field, wire, "ends before it starts")
	}
	return nil
}
