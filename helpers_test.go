package xpay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// The example credentials of XPay's API reference: testdata is signed with this secret.
const (
	testAlias  = "ALIAS_WEB_00000000"
	testSecret = "CHIAVE_SEGRETA_DI_ESEMPIO_NON_VALIDA"
	testBase   = "https://int-ecommerce.nexi.it/"
)

// fixedClock is the timeStamp of the reference's MAC test vectors, 1718611200000.
func fixedClock() time.Time { return time.UnixMilli(1718611200000) }

// newTestClient returns a Client with a fixed clock whose requests go to
// a mock transport of its own, so tests can run in parallel.
func newTestClient(t *testing.T, opts ...xpay.Option) (*xpay.Client, *httpmock.MockTransport) {
	t.Helper()
	mock := httpmock.NewMockTransport()
	opts = append([]xpay.Option{
		xpay.WithHTTPClient(&http.Client{Transport: mock}),
		xpay.WithClock(fixedClock),
	}, opts...)
	c, err := xpay.NewClient(testAlias, testSecret, opts...)
	require.NoError(t, err)
	return c, mock
}

// fixture returns the bytes of testdata/name.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// editJSON decodes body, lets edit change it, and encodes it again.
func editJSON(t *testing.T, body []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.UseNumber()
	require.NoError(t, d.Decode(&m))
	edit(m)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// extraKeys walks v and returns the path of every key that landed in an
// Extra map: the keys the types do not model.
func extraKeys(v any) []string {
	var found []string
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				return
			}
			for i := range v.Len() {
				walk(path+"[]", v.Index(i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if !f.IsExported() {
					continue
				}
				if f.Name == "Extra" && f.Type.Kind() == reflect.Map {
					for _, k := range v.Field(i).MapKeys() {
						found = append(found, path+"."+k.String())
					}
					continue
				}
				walk(path+"."+f.Name, v.Field(i))
			}
		}
	}
	walk("", reflect.ValueOf(v))
	return found
}

// recordBody answers POSTs to uri (relative to the base URL) with the
// fixture file, and returns where the last request body is kept.
func recordBody(t *testing.T, mock *httpmock.MockTransport, uri, file string) *[]byte {
	t.Helper()
	answer := fixture(t, file)
	var got []byte
	mock.RegisterResponder(http.MethodPost, testBase+uri, func(r *http.Request) (*http.Response, error) {
		got, _ = io.ReadAll(r.Body)
		return httpmock.NewBytesResponse(http.StatusOK, answer), nil
	})
	return &got
}

// captured returns the order's captures, failing the test when they
// cannot be read.
func captured(t *testing.T, o *xpay.Order) xpay.Amount {
	t.Helper()
	require.NotNil(t, o)
	a, err := o.Captured()
	require.NoError(t, err)
	return a
}

// envelopeJSON returns the members of an envelope signed with the test
// secret, for a body written by hand: `"esito":"OK","idOperazione":...`.
func envelopeJSON(esito, opID string, ts int64) string {
	s := strconv.FormatInt(ts, 10)
	mac := xpay.Sign(testSecret, xpay.Field{Name: "esito", Value: esito}, xpay.Field{Name: "idOperazione", Value: opID}, xpay.Field{Name: "timeStamp", Value: s})
	return fmt.Sprintf(`"esito":%q,"idOperazione":%q,"timeStamp":%s,"mac":%q`, esito, opID, s, mac)
}

// nowMS is the fixed clock of newTestClient, in epoch milliseconds.
var nowMS = fixedClock().UnixMilli()

// roundTrip adapts a function to an http.RoundTripper.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// serveBody returns a Client whose every request is answered with status
// and the body that body() returns, read as it is streamed.
func serveBody(t *testing.T, status int, body func() io.Reader, opts ...xpay.Option) *xpay.Client {
	t.Helper()
	rt := roundTrip(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(body()), ContentLength: -1, Request: r}, nil
	})
	opts = append([]xpay.Option{xpay.WithHTTPClient(&http.Client{Transport: rt}), xpay.WithClock(fixedClock)}, opts...)
	c, err := xpay.NewClient(testAlias, testSecret, opts...)
	require.NoError(t, err)
	return c
}

func stringBody(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }

// allocatedBy returns what the heap allocated while f ran: an upper bound
// on how much the heap grew. Tests that use it do not run in parallel, so
// that only f allocates meanwhile.
func allocatedBy(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// The stated bound: an answer may make the Client allocate at most this
// many times its size: the decoder's budget of 16 times, and reading a
// body of unknown length (io.ReadAll grows its buffer: up to 4 times).
const memoryMultiple = 24

// repeated returns head, then part n times joined by sep (with # in part
// replaced by the part's number), then tail, as a reader that never holds
// more than one part, so that serving a body allocates next to nothing.
func repeated(head, part, sep, tail string, n int) io.Reader {
	return &repeater{next: []byte(head), part: part, sep: sep, tail: tail, left: n}
}

type repeater struct {
	next            []byte // what is left of the current piece
	buf, num        []byte
	part, sep, tail string
	left, i         int
}

func (r *repeater) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.next) == 0 {
			switch {
			case r.left > 0:
				r.buf = r.buf[:0]
				if r.i > 0 {
					r.buf = append(r.buf, r.sep...)
				}
				r.buf = append(r.buf, r.part...)
				if j := bytes.IndexByte(r.buf, '#'); j >= 0 {
					r.num = append(strconv.AppendInt(r.num[:0], int64(r.i), 10), r.buf[j+1:]...)
					r.buf = append(r.buf[:j], r.num...)
				}
				r.next = r.buf
				r.i++
			case r.left == 0:
				r.next = []byte(r.tail)
			default:
				if n == 0 {
					return 0, io.EOF
				}
				return n, nil
			}
			r.left--
		}
		m := copy(p[n:], r.next)
		r.next = r.next[m:]
		n += m
	}
	return n, nil
}

// ordersBody is a signed reportOrdini answer with n orders, MAC last.
func ordersBody(t testing.TB, n int) []byte {
	t.Helper()
	b, err := io.ReadAll(newOrdersReader(n))
	require.NoError(t, err)
	return b
}

// The benchmarks read their answers from ordersReader. It is kept here,
// out of the benchmark files, which scripts/bench.sh copies into the tree
// of an older revision.

// ordersReader produces a signed reportOrdini answer with n orders as it is
// read, without holding it: the MAC comes last, as XPay writes it. It is
// cheap (well under a tenth of what decoding an order costs), so that a
// benchmark reading from it measures the decoder.
type ordersReader struct {
	n, i    int
	buf     []byte // what next made
	pending []byte // what of buf is not yet read
	done    bool
}

func newOrdersReader(n int) *ordersReader {
	r := &ordersReader{n: n}
	r.buf = append(r.buf, `{"esito":"OK","idOperazione":"80310247","timeStamp":1718611207819,"report":[`...)
	r.pending = r.buf
	return r
}

// An order of the answer, around its code's number and its amount.
const (
	orderHead = `{"numeroMerchant":"0000000012345678","codiceTransazione":"ORD-100K-`
	orderMid  = `","importo":`
	orderTail = `,"divisa":"EUR",` +
		`"codiceAutorizzazione":"A1B2C3","brand":"MasterCard","tipoPagamento":"3D-Secure","tipoTransazione":"3DS_FULL",` +
		`"transactionTypeExtended":"","nazione":"ITA","tipoProdotto":"MASTERCARD STANDARD - DEBIT - N","pan":"525599******1234",` +
		`"parametri":"","stato":"Autorizzato","dataTransazione":"2024-06-16 09:01:10","operationDate":"2024-06-16 09:01:10",` +
		`"serviceType":"","name":"Giulia","surname":"Bianchi","mail":"giulia.bianchi@example.com"}`
)

// next makes the next order, or the end of the answer, in buf.
func (r *ordersReader) next() bool {
	b := r.buf[:0]
	switch {
	case r.done:
		return false
	case r.i < r.n:
		if r.i > 0 {
			b = append(b, ',')
		}
		b = append(b, orderHead...)
		var digits [20]byte
		code := strconv.AppendInt(digits[:0], int64(r.i), 10)
		for range 7 - len(code) {
			b = append(b, '0')
		}
		b = append(append(b, code...), orderMid...)
		b = append(strconv.AppendInt(b, int64(1000+r.i%9000), 10), orderTail...)
		r.i++
	default:
		b = append(b, `],"mac":"3343ce76bdea20089cddb0d81c58c2e7990f1d05"}`...)
		r.done = true
	}
	r.buf, r.pending = b, b
	return true
}

func (r *ordersReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && (len(r.pending) > 0 || r.next()) {
		c := copy(p[n:], r.pending)
		n += c
		r.pending = r.pending[c:]
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func newSandbox(t *testing.T, opts ...xpaytest.Option) (*xpaytest.Server, *xpay.Client) {
	t.Helper()
	srv := xpaytest.NewServer(append([]xpaytest.Option{xpaytest.WithDemoData(), xpaytest.WithClock(e2eNow)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv, srv.Client()
}

func requireCode(t *testing.T, err error, code int) {
	t.Helper()
	var apiErr *xpay.APIError
	require.ErrorAs(t, err, &apiErr, "want KO %d", code)
	assert.Equal(t, code, apiErr.Code, apiErr.Message)
}

// The sandboxes of newSandbox start at noon in Italy on a fixed day, and
// their clock runs from there: "today" is one day for the whole run,
// whatever the hour the tests run at. Clients that srv.Client makes share
// the clock; one made otherwise must take WithClock(e2eNow).
var (
	e2eAnchor = time.Date(2026, 6, 17, 12, 0, 0, 0, xpay.Rome())
	e2eBoot   = time.Now()
)

func e2eNow() time.Time { return e2eAnchor.Add(time.Since(e2eBoot)) }

var (
	today    = xpay.DateOf(e2eAnchor)
	weekAgo  = today.AddDays(-7)
	thisWeek = xpay.DateRange{From: weekAgo, To: today.AddDays(1)}
	eur      = xpay.CurrencyEUR
)

// call adapts a Client method and a request to the table's signature.
func call[Req, Res any](m func(*xpay.Client, context.Context, *Req) (*Res, error), req Req) func(context.Context, *xpay.Client) (any, error) {
	return func(ctx context.Context, c *xpay.Client) (any, error) {
		res, err := m(c, ctx, &req)
		if res == nil {
			return nil, err
		}
		return res, err
	}
}

// body is the request body under fixedClock: the envelope, then fields.
func body(mac, fields string) string {
	s := `{"apiKey":"ALIAS_WEB_00000000","timeStamp":1718611200000,"mac":"` + mac + `"`
	if fields != "" {
		s += "," + fields
	}
	return s + "}"
}

// XPay's messages, the request MACs of the reference's test vectors, and
// the values they sign.
const (
	msgParameter = "Uno dei valori dei parametri del json in input non è corretto"
	msgNotFound  = "Non è possibile trovare l’informazione richiesta"
	macNoFields  = "8fa1a5fc7542e80312fc95e61abe1abb704086b0" // apiKey, timeStamp
	taxCode      = "RSSMRA80A01H501U"
	hashPAN      = "EXAMPLEHASHPAN000000000000000000000000"
)

var (
	june1  = xpay.Date{Year: 2024, Month: time.June, Day: 1}
	june17 = xpay.Date{Year: 2024, Month: time.June, Day: 17}
)

// capture20 is a capture of €20 on the order code, with the reading of
// the order from before it.
func capture20(code string, before *xpay.Order) *xpay.CaptureRequest {
	return &xpay.CaptureRequest{TransactionCode: code, Amount: 2000, Currency: eur, Before: before}
}

// field is a MAC field.
func field(name, value string) xpay.Field { return xpay.Field{Name: name, Value: value} }

var listReq = &xpay.ListOrdersRequest{Period: xpay.DateRange{From: june1, To: june17}, Channel: xpay.ChannelAll}

func listed(t *testing.T, res *xpay.BlacklistResponse) bool {
	t.Helper()
	l, err := res.Listed()
	require.NoError(t, err)
	return l
}

// money is the capture and refund of the API reference's test vectors.
var (
	money     = xpay.CaptureRequest{TransactionCode: "ORD-2024-000123", Amount: 5000, Currency: xpay.CurrencyEUR}
	moneyBody = `{"apiKey":"ALIAS_WEB_00000000","timeStamp":1718611200000,"mac":"d2d3e0a8945a1d760c36a423d7c1875a8887b76f",
		"codiceTransazione":"ORD-2024-000123","importo":5000,"divisa":"978"}`
)

// signedBody returns an OK answer carrying payload, signed like XPay's.
func signedBody(t *testing.T, opID string, payload map[string]any) []byte {
	t.Helper()
	ts := "1718611299000"
	m := map[string]any{"esito": "OK", "idOperazione": opID, "timeStamp": json.Number(ts),
		"mac": xpay.Sign(testSecret, xpay.Field{Name: "esito", Value: "OK"}, xpay.Field{Name: "idOperazione", Value: opID}, xpay.Field{Name: "timeStamp", Value: ts})}
	for k, v := range payload {
		m[k] = v
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

var chargeRequest = xpay.ChargeRequest{
	ContractNumber: "CNT-0001-ROSSI", TransactionCode: "REC-2024-000001", Amount: 1999, Currency: xpay.CurrencyEUR, CardExpiry: "203012",
}
