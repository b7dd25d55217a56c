package xpaytest_test

// BenchmarkLookup measures what one call costs the sandbox with few and
// with many things held: each call finds one thing (an order, an entry, a
// pair), so that only what the Server holds differs. No test asserts a
// time; scripts/bench.sh reports the ratio.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

func BenchmarkLookup(b *testing.B) {
	ctx := context.Background()
	day := time.Date(2024, 6, 17, 12, 0, 0, 0, xpay.Rome())
	target := xpay.DateOf(day)
	for _, held := range []int{10, 100_000} {
		srv := xpaytest.NewServer(xpaytest.WithMaxItems(held + 10))
		for i := range held {
			// Every other order on other days: the day asked for holds one.
			at := day.AddDate(0, 0, -1-i%300)
			if err := srv.AddOrder(xpaytest.Order{Code: fmt.Sprintf("ORD-%07d", i), Amount: 100, CreatedAt: at}); err != nil {
				b.Fatal(err)
			}
			if err := srv.AddToBlacklist(xpay.ValueTypeTaxCode, fmt.Sprintf("CF%014d", i), ""); err != nil {
				b.Fatal(err)
			}
			if err := srv.AddCFPAN(fmt.Sprintf("CF%014d", i), fmt.Sprintf("HASH%d", i), "203012"); err != nil {
				b.Fatal(err)
			}
			if err := srv.AddContract(xpaytest.Contract{Number: fmt.Sprintf("CNT-%07d", i), TaxCode: fmt.Sprintf("CF%014d", i), CreatedAt: at}); err != nil {
				b.Fatal(err)
			}
			if err := srv.AddWarning(fmt.Sprintf("ORD-%07d", i), "Notifica non consegnata"); err != nil {
				b.Fatal(err)
			}
			srv.AddLinkAt(fmt.Sprintf("PBL-%07d", i), at)
		}
		if err := srv.AddOrder(xpaytest.Order{Code: "ORD-TARGET", Amount: 100, CreatedAt: day}); err != nil {
			b.Fatal(err)
		}
		srv.AddLinkAt("PBL-TARGET", day)
		report, err := srv.AddReport("Giornaliero", day.AddDate(0, 0, 1).Add(-6*time.Hour)) // the next morning: it covers day
		if err != nil {
			b.Fatal(err)
		}
		c := srv.Client()
		last := fmt.Sprintf("CF%014d", held-1)
		calls := []struct {
			name string
			call func() error
		}{
			{"GetOrder", func() error {
				_, err := c.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-TARGET"})
				return err
			}},
			{"ListOrders/code", func() error {
				_, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{TransactionCode: "ORD-TARGET", Period: xpay.DateRange{From: target.AddDays(-365), To: target}, Channel: xpay.ChannelAll})
				return err
			}},
			{"ListOrders/day", func() error {
				res, err := c.ListOrders(ctx, &xpay.ListOrdersRequest{Period: xpay.DateRange{From: target, To: target}, Channel: xpay.ChannelAll})
				if err == nil && len(res.Orders) != 1 {
					err = fmt.Errorf("%d orders", len(res.Orders))
				}
				return err
			}},
			{"CheckBlacklist", func() error {
				_, err := c.CheckBlacklist(ctx, &xpay.BlacklistRequest{Type: xpay.ValueTypeTaxCode, Value: last})
				return err
			}},
			{"CheckCFPAN", func() error {
				_, err := c.CheckCFPAN(ctx, &xpay.CFPANRequest{TaxCode: last, HashPAN: fmt.Sprintf("HASH%d", held-1), GroupCode: xpaytest.DefaultGroup})
				return err
			}},
			{"ListPayByLinks/day", func() error {
				res, err := c.ListPayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: target, CreatedTo: target})
				if err == nil && len(res.Links) != 1 {
					err = fmt.Errorf("%d links", len(res.Links))
				}
				return err
			}},
			{"ListContracts/number", func() error {
				_, err := c.ListContracts(ctx, &xpay.ContractFilter{ContractNumber: fmt.Sprintf("CNT-%07d", held-1)})
				return err
			}},
			{"ListContractDetails/taxcode", func() error {
				_, err := c.ListContractDetails(ctx, &xpay.ContractFilter{TaxCode: last})
				return err
			}},
			{"ListWarnings/code", func() error {
				_, err := c.ListWarnings(ctx, &xpay.ListWarningsRequest{TransactionCode: fmt.Sprintf("ORD-%07d", held-1)})
				return err
			}},
			{"DownloadReport", func() error {
				_, err := c.DownloadReport(ctx, report, io.Discard)
				return err
			}},
			{"ListCFPAN", func() error {
				_, err := c.ListCFPAN(ctx, &xpay.ListCFPANRequest{Type: xpay.ValueTypeTaxCode, Value: last, GroupCode: xpaytest.DefaultGroup})
				return err
			}},
		}
		for _, tc := range calls {
			b.Run(fmt.Sprintf("%s/held=%d", tc.name, held), func(b *testing.B) {
				for b.Loop() {
					if err := tc.call(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		c.CloseIdleConnections()
		srv.Close()
	}
}

// BenchmarkThroughput serves GetOrder to 8 workers, next to a static
// net/http server answering the same bytes: what the sandbox costs over
// serving its answer.
func BenchmarkThroughput(b *testing.B) {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10) // fresh for the sandbox's five minutes
	mac := xpay.Sign(srv.Secret(), xpay.Field{Name: "apiKey", Value: srv.Alias()},
		xpay.Field{Name: "codiceTransazione", Value: xpaytest.DemoCaptured}, xpay.Field{Name: "timeStamp", Value: ts})
	body := []byte(`{"apiKey":"` + srv.Alias() + `","codiceTransazione":"` + xpaytest.DemoCaptured + `","timeStamp":` + ts + `,"mac":"` + mac + `"}`)
	url := srv.URL + "/ecomm/api/bo/situazioneOrdine"
	answer, err := post(http.DefaultClient, url, body)
	if err != nil {
		b.Fatal(err)
	}
	static := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	defer static.Close()
	for _, side := range []struct{ name, url string }{{"sandbox", url}, {"static", static.URL + "/ecomm/api/bo/situazioneOrdine"}} {
		b.Run(side.name+"/workers=8", func(b *testing.B) {
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
			defer hc.CloseIdleConnections()
			b.SetParallelism(4) // 8 workers on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := post(hc, side.url, body); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// post sends body and returns the answer, which must be XPay's OK.
func post(hc *http.Client, url string, body []byte) ([]byte, error) {
	resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && !bytes.Contains(b, []byte(`"esito":"OK"`)) {
		err = fmt.Errorf("not OK: %.200s", b)
	}
	return b, err
}
