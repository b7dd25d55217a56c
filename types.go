package xpay

import (
	"errors"
	"fmt"
	"strconv"
	"time"

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

// Timestamp is XPay's timeStamp: milliseconds since the Unix epoch. It keeps
// the digits exactly as the server sent them, JSON number or string, because
// the response MAC is computed over that text.
type Timestamp string

// UnmarshalJSON accepts a JSON number or a string of digits.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	digits, ok := lenient.Number(b)
	if !ok {
		return fmt.Errorf("xpay: timeStamp: want epoch milliseconds, got %.40s", b)
	}
	*t = Timestamp(digits)
	return nil
}

// Time returns the timestamp as a time.Time.
func (t Timestamp) Time() (time.Time, error) {
	ms, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("xpay: timeStamp %q is not epoch milliseconds", string(t))
	}
	return time.UnixMilli(ms), nil
}

// OrderState is the state (stato) of an order or of one of its operations.
// XPay may add states: values not listed here are kept as received.
type OrderState string

// The order states XPay documents: the core of the set.
const (
	OrderStateAuthorized        OrderState = "Autorizzato"          // authorized, not yet captured
	OrderStateDenied            OrderState = "Negato"               // not authorized; will not be captured
	OrderStateCancelled         OrderState = "Annullato"            // authorized, then voided
	OrderStateCaptured          OrderState = "Contabilizzato"       // captured
	OrderStateRefunded          OrderState = "Rimborsato"           // captured, then fully refunded
	OrderStateNotCreated        OrderState = "Non Creato"           // never reached authorization
	OrderStatePartiallyCaptured OrderState = "Contabilizzato Parz." // partly captured
	OrderStatePartiallyRefunded OrderState = "Rimborsato Parz."     // partly refunded
)

// More states XPay reports, as a production integration lists them
// (APSfurizon/pretix-xpay, pretix_xpay/constants.py, XPAY_RESULT_*), with
// the group that integration files each under.
const (
	OrderStateCapturePending  OrderState = "In attesa di contab." // captured: the capture is on its way
	OrderStateInProgress      OrderState = "In Corso"             // pending
	OrderStatePending         OrderState = "Pendente"             // pending
	OrderStateRefundPending   OrderState = "In attesa di storno"  // refunded: the refund is on its way
	OrderStateReversed        OrderState = "Stornato"             // refunded
	OrderStateAuthDenied      OrderState = "Autor. Negata"        // cancelled: authorization denied
	OrderStateInvalid         OrderState = "Non valido"           // cancelled
	OrderStateNotGenerated    OrderState = "Non generato"         // cancelled
	OrderStateClosedByOffice  OrderState = "Chiuso da backoffice" // cancelled: closed in the back office
	OrderStateSuspended       OrderState = "Sospeso"              // cancelled
	OrderStateRefundDenied    OrderState = "Storno Negato"        // cancelled: a refund refused
	OrderStateRefundCancelled OrderState = "Storno Annullato"     // cancelled: a refund cancelled
)

// OperationType is the kind of an operation row (tipoOperazione) of an
// order. Values not listed here are kept as received.
type OperationType string

// The operation types XPay documents.
const (
	OperationTypeCapture OperationType = "CONTAB." // a capture (contabilizzazione)
	OperationTypeRefund  OperationType = "STORNO"  // a refund or a void (storno)
)

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
