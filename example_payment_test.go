package xpay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// The customer's browser comes back to the shop's url with the payment's
// outcome: verify it before showing the order as paid.
func ExampleClient_VerifyPaymentResult() {
	srv := xpaytest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	_, err := client.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-2024-000777", Amount: 12000, TimeoutHours: 24,
		ReturnURL: "https://shop.example/esito",
	})
	if err != nil {
		log.Fatal(err)
	}
	back, err := srv.PayLink("PBL-2024-000777", true) // the customer pays
	if err != nil {
		log.Fatal(err)
	}

	u, _ := url.Parse(back) // in a real shop: r.URL, in the handler for /esito
	res, err := client.VerifyPaymentResult(u.Query())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.TransactionCode, res.Outcome, res.Amount.Format(xpay.CurrencyEUR), res.Paid())

	forged := u.Query()
	forged.Set("importo", "1")
	_, err = client.VerifyPaymentResult(forged)
	fmt.Println(errors.Is(err, xpay.ErrInvalidMAC))
	// Output:
	// PBL-2024-000777 OK 120.00 EUR true
	// true
}

// XPay notifies the shop's urlPost; the handler verifies each notification
// and calls the function once per valid one. Notifications can repeat: the
// function records each order once.
func ExampleClient_PaymentNotificationHandler() {
	srv := xpaytest.NewServer()
	defer srv.Close()
	client := srv.Client()

	var mu sync.Mutex
	paid := map[string]bool{} // the shop's records; a database in real life
	done := make(chan struct{}, 2)
	shop := httptest.NewServer(client.PaymentNotificationHandler(func(_ context.Context, res *xpay.PaymentResult) error {
		mu.Lock()
		defer mu.Unlock()
		defer func() { done <- struct{}{} }()
		if _, seen := paid[res.TransactionCode]; seen {
			return nil // a repeated notification: already handled
		}
		paid[res.TransactionCode] = res.Paid()
		fmt.Println("notified:", res.TransactionCode, res.Outcome)
		return nil
	}))
	defer shop.Close()

	srv.InjectNotificationFault(xpaytest.NotificationFault{Twice: true}) // XPay may notify twice
	_, err := client.CreatePayByLink(context.Background(), &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-2024-000778", Amount: 5000, TimeoutHours: 24,
		ReturnURL: "https://shop.example/esito", NotifyURL: shop.URL,
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := srv.PayLink("PBL-2024-000778", true); err != nil {
		log.Fatal(err)
	}
	<-done
	<-done
	for _, n := range srv.Notifications() {
		fmt.Println("delivered:", n.Status)
	}
	// Output:
	// notified: PBL-2024-000778 OK
	// delivered: 200
	// delivered: 200
}

// A capture whose answer was lost may still land: Settle reads the order
// until it shows, or until it can no longer happen.
func ExampleClient_Settle() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	code := xpaytest.DemoAuthorized

	before, err := client.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: code})
	if err != nil {
		log.Fatal(err)
	}
	srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: true, Times: 1}) // carried out, answer lost

	_, err = client.Capture(ctx, &xpay.CaptureRequest{
		TransactionCode: code, Amount: 2000, Currency: xpay.CurrencyEUR,
		Before: before.Order(), // so that Settle can tell this capture's row from older ones
	})
	var unknown *xpay.OutcomeUnknownError
	if errors.As(err, &unknown) {
		pending, _ := json.Marshal(unknown.Write) // persist it first: a restart must not lose it
		var w xpay.PendingWrite
		if err := json.Unmarshal(pending, &w); err != nil { // later, or in another process
			log.Fatal(err)
		}
		happened, err := client.Settle(ctx, &w)
		if err != nil {
			log.Fatal(err) // still unknown: settle again later, never capture blindly
		}
		fmt.Println("the capture happened:", happened)
	}
	// Output: the capture happened: true
}

// Amounts people type and read: a point or a comma, never a float.
func ExampleParseAmount() {
	for _, s := range []string{"20.00", "20,5", "20.001", "-1"} {
		a, err := xpay.ParseAmount(s, xpay.CurrencyEUR)
		if err != nil {
			fmt.Println(strings.TrimPrefix(err.Error(), "xpay: "))
			continue
		}
		fmt.Println(int64(a), a.Format(xpay.CurrencyEUR))
	}
	// Output:
	// 2000 20.00 EUR
	// 2050 20.50 EUR
	// amount "20.001": has 3 decimals; the currency has 2
	// amount "-1": must not be negative
}

// XPay counts days in Italy: late in the evening on a UTC server it is
// already tomorrow.
func ExampleDateOf() {
	evening := time.Date(2024, 6, 17, 22, 30, 0, 0, time.UTC)
	fmt.Println(xpay.DateOf(evening), xpay.DateOf(evening).AddDays(-1))
	t, _ := xpay.ParseTime("2024-06-17 15:22:00", nil) // XPay's dates are Italian time
	fmt.Println(t.UTC().Format(time.DateTime))
	// Output:
	// 18/06/2024 17/06/2024
	// 2024-06-17 13:22:00
}
