package xpay

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay/internal/lenient"
)

// FuzzStreamMatchesBuffered feeds one body, under any HTTP status, to
// ListOrders (which reads it whole) and to Orders (which walks it
// as it arrives). They must agree: the same orders when both accept it,
// an error from both otherwise, of the same kind. The one difference
// allowed is the memory budget, which ListOrders applies to the whole
// answer and Orders to each order.
func FuzzStreamMatchesBuffered(f *testing.F) {
	addFixtureSeeds(f, 200)
	for _, s := range []string{
		`{"esito":"OK","idOperazione":"80310247","timeStamp":1718611207819,"report":[{"codiceTransazione":"A"}],"mac":"3343ce76bdea20089cddb0d81c58c2e7990f1d05"} {}`,
		`{"esito":"OK","idOperazione":"80310247","timeStamp":1718611207819,"REPORT":[{}],"report":[],"mac":"3343ce76bdea20089cddb0d81c58c2e7990f1d05"}`,
		`{"esito":"OK","idOperazione":"80310247","timeStamp":1718611207819,"report":[{},1],"mac":"3343ce76bdea20089cddb0d81c58c2e7990f1d05","esito":"KO"}`,
		`{"report":{"importo":"1"},"x":[1,{"a":"è"}],"report":null}`,
	} {
		f.Add([]byte(s), 200)
	}
	f.Add([]byte(`<html>502</html>`), 502)
	c := fuzzClient(f)
	req := &ListOrdersRequest{Period: DateRange{From: Date{2024, 6, 1}, To: Date{2024, 6, 17}}, Channel: ChannelAll}
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if status < 200 || status > 599 || status/100 == 3 {
			status = 200
		}
		c := *c
		c.http = &http.Client{Transport: bodyTransport{status, body}}
		whole, bufErr := c.ListOrders(context.Background(), req)
		var orders []Order
		var seqErr error
		for o, err := range c.Orders(context.Background(), req) {
			if err != nil {
				seqErr = err
				break
			}
			orders = append(orders, o)
		}
		if errors.Is(bufErr, lenient.ErrMemoryBudget) || errors.Is(seqErr, lenient.ErrMemoryBudget) {
			return
		}
		if (bufErr == nil) != (seqErr == nil) {
			t.Fatalf("ListOrders: %v; Orders: %v; body %q", bufErr, seqErr, body)
		}
		if bufErr != nil {
			var a1, a2 *APIError
			if errors.As(bufErr, &a1) != errors.As(seqErr, &a2) || errors.Is(bufErr, ErrInvalidMAC) != errors.Is(seqErr, ErrInvalidMAC) {
				t.Fatalf("different errors: ListOrders: %v; Orders: %v; body %q", bufErr, seqErr, body)
			}
			return
		}
		if !reflect.DeepEqual(whole.Orders, orders) && (len(whole.Orders) != 0 || len(orders) != 0) {
			t.Fatalf("different orders:\n%+v\n%+v\nbody %q", whole.Orders, orders, body)
		}
	})
}

// bodyTransport answers every request with one status and body.
type bodyTransport struct {
	status int
	body   []byte
}

func (b bodyTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: b.status, Body: io.NopCloser(bytes.NewReader(b.body)), ContentLength: -1, Header: http.Header{}}, nil
}

// An answer whose length is announced is read into a buffer that ends at
// its size, with little on the way; one that announces more than it sends
// makes no buffer larger than four times what arrived. Not parallel: it
// measures allocation.
func TestReadAllSizesItsBuffer(t *testing.T) {
	const n = 3 << 20
	body := bytes.Repeat([]byte("x"), n)
	read := func(length int64) (RawBody, uint64) {
		var raw RawBody
		var err error
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		raw, err = readAll(bytes.NewReader(body), length, 1<<30)
		runtime.ReadMemStats(&after)
		require.NoError(t, err)
		require.Len(t, raw, n)
		return raw, after.TotalAlloc - before.TotalAlloc
	}
	_, honest := read(n)
	assert.Less(t, honest, uint64(n*3/2), "an honest 3 MiB answer: 1 MiB, then its size")
	_, unknown := read(-1)
	assert.Less(t, unknown, uint64(4*n), "an answer of unknown length")

	// An answer that announces 200 MiB and sends 3.
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	raw, err := readAll(bytes.NewReader(body), 200<<20, 1<<30)
	runtime.ReadMemStats(&after)
	assert.ErrorContains(t, err, "unexpected EOF")
	assert.Equal(t, n, len(raw), "what arrived")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4*n+readAhead), "allocated for a lying answer")
}
