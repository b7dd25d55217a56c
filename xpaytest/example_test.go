package xpaytest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// A sandbox for one test: an order, a client for it, and the order's life
// cycle as XPay runs it.
func ExampleNewServer() {
	srv := xpaytest.NewServer()
	defer srv.Close()
	if err := srv.AddOrder(xpaytest.Order{Code: "ORD-1", Amount: 5000}); err != nil { // Autorizzato, as if the customer paid
		log.Fatal(err)
	}
	client := srv.Client() // an *xpay.Client for the sandbox's alias, key and URL
	ctx := context.Background()

	_, err := client.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 5000, Currency: xpay.CurrencyEUR})
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 1, Currency: xpay.CurrencyEUR})
	var apiErr *xpay.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("KO", apiErr.Code, apiErr.Message)
	}
	fmt.Println(srv.Requests("Capture"), "captures reached the sandbox")
	// Output:
	// KO 16 Valore non valido nello stato corrente (stato Contabilizzato)
	// 2 captures reached the sandbox
}

// Faults make the sandbox misbehave, to test how code copes: here the
// capture is carried out and its answer lost.
func ExampleServer_InjectFault() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()
	srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: true, Times: 1})

	_, err := client.Capture(context.Background(), &xpay.CaptureRequest{
		TransactionCode: xpaytest.DemoAuthorized, Amount: 5000, Currency: xpay.CurrencyEUR,
	})
	fmt.Println(errors.Is(err, xpay.ErrOutcomeUnknown))
	// Output: true
}

// ParseFault reads faults written as text, as cmd/xpay-sandbox's -fault
// flag does.
func ExampleParseFault() {
	op, f, err := xpaytest.ParseFault("GetOrder:latency=2s,times=1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(op, f.Latency, f.Times)
	// Output: GetOrder 2s 1
}

// Notification faults test the shop's urlPost endpoint: here XPay's
// notification arrives with a MAC that does not verify, and the handler
// refuses it.
func ExampleServer_InjectNotificationFault() {
	srv := xpaytest.NewServer()
	defer srv.Close()
	client := srv.Client()
	shop := httptest.NewServer(client.PaymentNotificationHandler(func(context.Context, *xpay.PaymentResult) error {
		fmt.Println("recorded as paid") // never reached: the notification is forged
		return nil
	}))
	defer shop.Close()

	srv.InjectNotificationFault(xpaytest.NotificationFault{WrongMAC: true, Times: 1})
	_, err := client.CreatePayByLink(context.Background(), &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-1", Amount: 5000, TimeoutHours: 24, ReturnURL: "https://shop.example/esito", NotifyURL: shop.URL,
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := srv.PayLink("PBL-1", true); err != nil { // delivers the notification before it returns
		log.Fatal(err)
	}
	for _, n := range srv.Notifications() {
		fmt.Println("the shop answered", n.Status)
	}
	// Output: the shop answered 403
}
