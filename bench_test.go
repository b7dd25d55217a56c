package xpay_test

// Benchmarks. scripts/bench.sh runs them and writes BENCHMARKS.md; no test
// asserts a time.
//
//	BenchmarkCall/<op>/{xpay,baseline}         per call, in-memory transport
//	BenchmarkLoopback/workers=N/{xpay,raw}      against the sandbox, on loopback
//	BenchmarkListOrders100k/{full,stream}       peak heap of a 100k-order answer

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// memTransport answers every request with body, without a network. It
// reads the request, as a server would, and announces the body's length
// when it is known (length > 0), as a server sending JSON does.
type memTransport struct {
	body   func() io.Reader
	length int64
}

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(m.body()),
		ContentLength: cmp.Or(m.length, -1),
		Request:       r,
	}, nil
}

func fixedBody(b []byte) func() io.Reader { return func() io.Reader { return bytes.NewReader(b) } }

// realisticOrder is a situazioneOrdine answer with several operations.
func realisticOrder(tb testing.TB) []byte {
	var ops []any
	for i := range 6 {
		typ, state := "CONTAB.", "Contabilizzato"
		if i%3 == 2 {
			typ, state = "STORNO", "Rimborsato"
		}
		ops = append(ops, map[string]any{"tipoOperazione": typ, "importo": 1000 + i*250, "divisa": "EUR", "stato": state,
			"dataOperazione": fmt.Sprintf("2024-06-%02d 10:15:42", 17+i), "utente": "operatore.bo"})
	}
	order := map[string]any{
		"numeroMerchant": "0000000012345678", "codiceTransazione": "ORD-2024-000123", "importo": 12000, "divisa": "EUR",
		"codiceAutorizzazione": "A1B2C3", "brand": "VISA", "tipoPagamento": "3D-Secure", "tipoTransazione": "3DS_FULL",
		"nazione": "ITA", "tipoProdotto": "VISA CLASSIC - CREDIT - N", "pan": "453997******0006", "scadenza": "203012",
		"parametri": "", "stato": "Rimborsato Parz.", "dataTransazione": "2024-06-17 10:15:42", "mail": "mario.rossi@example.com",
		"dettaglio": []any{map[string]any{"nome": "Mario", "cognome": "Rossi", "mail": "mario.rossi@example.com", "importo": 12000,
			"importoRifiutato": 0, "divisa": "EUR", "stato": "Rimborsato Parz.", "codiceTransazione": "ORD-2024-000123",
			"parametriAggiuntivi": "", "operazioni": ops}},
	}
	return signedBody(tbT(tb), "80310245", map[string]any{"report": []any{order}})
}

// tbT adapts a benchmark to helpers written for tests.
func tbT(tb testing.TB) *testing.T {
	if t, ok := tb.(*testing.T); ok {
		return t
	}
	return &testing.T{}
}

// baseline makes a signed call the way XPay's official samples do: a map,
// a SHA-1 over concatenated strings, encoding/json both ways, and the
// response MAC check of the PHP samples.
func baseline(hc *http.Client, url, alias, secret string, fields [][2]string) (map[string]any, error) {
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	req := map[string]any{"apiKey": alias, "timeStamp": ts}
	mac := "apiKey=" + alias
	for _, f := range fields {
		req[f[0]] = f[1]
		mac += f[0] + "=" + f[1]
	}
	mac += "timeStamp=" + ts
	sum := sha1.Sum([]byte(mac + secret))
	req["mac"] = hex.EncodeToString(sum[:])
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	esito, _ := out["esito"].(string)
	id, _ := out["idOperazione"].(string)
	var respTS string
	switch v := out["timeStamp"].(type) {
	case float64:
		respTS = strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		respTS = v
	}
	check := sha1.Sum([]byte("esito=" + esito + "idOperazione=" + id + "timeStamp=" + respTS + secret))
	if hex.EncodeToString(check[:]) != out["mac"] {
		return nil, errors.New("wrong response MAC")
	}
	if esito != "OK" {
		return nil, fmt.Errorf("KO: %v", out["errore"])
	}
	return out, nil
}

func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	capture := &xpay.CaptureRequest{TransactionCode: "ORD-2024-000123", Amount: 5000, Currency: xpay.CurrencyEUR}
	getOrder := &xpay.GetOrderRequest{TransactionCode: "ORD-2024-000123"}
	cases := []struct {
		name     string
		body     []byte
		path     string
		fields   [][2]string
		xpayCall func(c *xpay.Client) error
	}{
		{"Capture", fixture(tbT(b), "contabilizza-ok.json"), "ecomm/api/bo/contabilizza",
			[][2]string{{"codiceTransazione", "ORD-2024-000123"}, {"divisa", "978"}, {"importo", "5000"}},
			func(c *xpay.Client) error { _, err := c.Capture(ctx, capture); return err }},
		{"GetOrder", realisticOrder(b), "ecomm/api/bo/situazioneOrdine",
			[][2]string{{"codiceTransazione", "ORD-2024-000123"}},
			func(c *xpay.Client) error { _, err := c.GetOrder(ctx, getOrder); return err }},
		{"ListOrders1k", ordersBody(b, 1000), "ecomm/api/bo/reportOrdini",
			[][2]string{{"codiceTransazione", ""}, {"periodo", "01/06/2024 - 17/06/2024"}, {"canale", "All"}},
			func(c *xpay.Client) error { _, err := c.ListOrders(ctx, listReq); return err }},
	}
	for _, tc := range cases {
		hc := &http.Client{Transport: memTransport{fixedBody(tc.body), int64(len(tc.body))}}
		b.Run(tc.name+"/xpay", func(b *testing.B) {
			c, err := xpay.NewClient(testAlias, testSecret, xpay.WithHTTPClient(hc), xpay.WithClock(fixedClock))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := tc.xpayCall(c); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/baseline", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := baseline(hc, testBase+tc.path, testAlias, testSecret, tc.fields); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoopback measures throughput against the sandbox on loopback,
// next to a raw net/http client making the same signed calls with Go's
// default transport settings. It reports the connections each opened.
//
// Both clients start with an untimed round of one call per worker, held at
// the server until all are in flight, so that each pool fills without the
// cold-start race in which net/http keeps a connection it dialed for a
// request that an idle one then served (see TestConnectionsAreReused).
func BenchmarkLoopback(b *testing.B) {
	for _, workers := range []int{1, 8, 32} {
		for _, side := range []string{"xpay", "raw"} {
			b.Run(fmt.Sprintf("workers=%d/%s", workers, side), func(b *testing.B) {
				srv := xpaytest.NewServer(xpaytest.WithDemoData())
				defer srv.Close()
				var call func() error
				if side == "xpay" {
					c := srv.Client()
					defer c.CloseIdleConnections()
					req := &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoCaptured}
					call = func() error { _, err := c.GetOrder(context.Background(), req); return err }
				} else {
					hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
					defer hc.CloseIdleConnections()
					fields := [][2]string{{"codiceTransazione", xpaytest.DemoCaptured}}
					call = func() error {
						_, err := baseline(hc, srv.URL+"/ecomm/api/bo/situazioneOrdine", xpaytest.DefaultAlias, xpaytest.DefaultSecret, fields)
						return err
					}
				}
				srv.InjectFault("GetOrder", xpaytest.Fault{Latency: 100 * time.Millisecond, Times: workers})
				warm := make(chan error, workers)
				for range workers {
					go func() { warm <- call() }()
				}
				for range workers {
					if err := <-warm; err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				runWorkers(b, workers, call)
				b.ReportMetric(float64(srv.Connections()), "conns")
			})
		}
	}
}

// runWorkers makes b.N calls spread over workers goroutines.
func runWorkers(b *testing.B, workers int, call func() error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := call(); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkListOrders100k decodes a 100,000-order answer (about 54 MB)
// whole and as a stream, next to encoding/json doing the same into plain
// structs, and reports per run the CPU time of the whole process (GC
// included), the allocations per order, and the peak heap above what was
// live before. The body is generated as it is read, cheaply, so that
// nothing but the decode holds memory and every side pays the same for
// the body.
//
//	full/xpay       ListOrders
//	full/json       json.Unmarshal of the whole body
//	stream/xpay     Orders
//	stream/json     a json.Decoder walking the list, Decode per order
//	stream/jsontext encoding/json/jsontext (bench_jsontext_test.go, -tags jsontext)
func BenchmarkListOrders100k(b *testing.B) {
	const n = 100_000
	size, err := io.Copy(io.Discard, newOrdersReader(n))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	hc := &http.Client{Transport: memTransport{func() io.Reader { return newOrdersReader(n) }, size}}
	// The whole answer needs a cap above it; the stream runs with the
	// defaults, the cap bounding each order and the timeout armed.
	whole, err := xpay.NewClient(testAlias, testSecret, xpay.WithHTTPClient(hc), xpay.WithMaxResponseSize(1<<30), xpay.WithClock(fixedClock))
	if err != nil {
		b.Fatal(err)
	}
	c, err := xpay.NewClient(testAlias, testSecret, xpay.WithHTTPClient(hc), xpay.WithClock(fixedClock))
	if err != nil {
		b.Fatal(err)
	}
	modes := []struct {
		name   string
		decode func() (int, error)
	}{
		{"full/xpay", func() (int, error) {
			res, err := whole.ListOrders(ctx, listReq)
			if err != nil {
				return 0, err
			}
			return len(res.Orders), nil
		}},
		{"full/json", func() (int, error) {
			body, err := io.ReadAll(newOrdersReader(n))
			if err != nil {
				return 0, err
			}
			var res plainOrders
			err = json.Unmarshal(body, &res)
			return len(res.Report), err
		}},
		{"stream/xpay", func() (int, error) {
			count := 0
			for _, err := range c.Orders(ctx, listReq) {
				if err != nil {
					return 0, err
				}
				count++
			}
			return count, nil
		}},
		{"stream/json", func() (int, error) { return streamJSON(newOrdersReader(n)) }},
	}
	if streamJSONText != nil {
		modes = append(modes, struct {
			name   string
			decode func() (int, error)
		}{"stream/jsontext", func() (int, error) { return streamJSONText(newOrdersReader(n)) }})
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			var peak, mallocs uint64
			var cpu time.Duration
			runs := 0
			var ms runtime.MemStats
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&ms)
				before := ms.Mallocs
				stop := watchHeap()
				start := cpuTime()
				b.StartTimer()
				got, err := m.decode()
				b.StopTimer()
				cpu += cpuTime() - start
				peak = max(peak, stop())
				runtime.ReadMemStats(&ms)
				mallocs += ms.Mallocs - before
				b.StartTimer()
				if err != nil || got != n {
					b.Fatalf("%d orders: %v", got, err)
				}
				runs++
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
			b.ReportMetric(float64(peak)/float64(size), "peak/body")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(runs), "cpu-ns/op")
			b.ReportMetric(float64(mallocs)/float64(runs*n), "allocs/order")
		})
	}
}

// plainOrder is an order as a program using encoding/json alone would
// declare it: the same keys, plain types.
type plainOrder struct {
	MerchantNumber          string        `json:"numeroMerchant"`
	TransactionCode         string        `json:"codiceTransazione"`
	Amount                  int64         `json:"importo"`
	Currency                string        `json:"divisa"`
	AuthorizationCode       string        `json:"codiceAutorizzazione"`
	Brand                   string        `json:"brand"`
	PaymentType             string        `json:"tipoPagamento"`
	TransactionType         string        `json:"tipoTransazione"`
	Country                 string        `json:"nazione"`
	ProductType             string        `json:"tipoProdotto"`
	PAN                     string        `json:"pan"`
	CardExpiry              string        `json:"scadenza"`
	Parameters              string        `json:"parametri"`
	State                   string        `json:"stato"`
	TransactionDate         string        `json:"dataTransazione"`
	Email                   string        `json:"mail"`
	OperationDate           string        `json:"operationDate"`
	ServiceType             string        `json:"serviceType"`
	FirstName               string        `json:"name"`
	LastName                string        `json:"surname"`
	TransactionTypeExtended string        `json:"transactionTypeExtended"`
	Details                 []plainDetail `json:"dettaglio"`
}

type plainDetail struct {
	FirstName  string `json:"nome"`
	LastName   string `json:"cognome"`
	Amount     int64  `json:"importo"`
	Operations []struct {
		Type   string `json:"tipoOperazione"`
		Amount int64  `json:"importo"`
	} `json:"operazioni"`
}

type plainOrders struct {
	Outcome     string       `json:"esito"`
	OperationID string       `json:"idOperazione"`
	Timestamp   int64        `json:"timeStamp"`
	MAC         string       `json:"mac"`
	Report      []plainOrder `json:"report"`
}

// streamJSON walks the answer with a json.Decoder, decoding each order on
// its own, and returns how many it decoded.
func streamJSON(r io.Reader) (int, error) {
	dec := json.NewDecoder(r)
	if _, err := dec.Token(); err != nil { // {
		return 0, err
	}
	n := 0
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return n, err
		}
		if key != "report" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return n, err
			}
			continue
		}
		if _, err := dec.Token(); err != nil { // [
			return n, err
		}
		for dec.More() {
			var o plainOrder
			if err := dec.Decode(&o); err != nil {
				return n, err
			}
			n++
		}
		if _, err := dec.Token(); err != nil { // ]
			return n, err
		}
	}
	_, err := dec.Token() // }
	return n, err
}

// streamJSONText, when built with -tags jsontext, walks the answer with
// encoding/json/jsontext.
var streamJSONText func(r io.Reader) (int, error)

// watchHeap samples the heap until stopped, and returns the highest heap
// seen above the heap at the start.
func watchHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		if p := peak.Load(); p > base {
			return p - base
		}
		return 0
	}
}
