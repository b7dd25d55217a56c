package xpay_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
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
