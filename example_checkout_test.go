package xpay_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// The shop signs a request for XPay's payment page and sends the customer
// there; the customer comes back with the outcome, which the shop
// verifies.
func ExampleClient_SignPaymentPage() {
	srv := xpaytest.NewServer()
	defer srv.Close()
	client := srv.Client()

	page, err := client.SignPaymentPage(&xpay.PaymentPageRequest{
		TransactionCode: "ORD-2024-000123",
		Amount:          5000, // €50.00
		ReturnURL:       "https://shop.example/esito",
		CancelURL:       "https://shop.example/annullo",
		Language:        "ITA",
	})
	if err != nil {
		log.Fatal(err)
	}
	// In the shop's handler: page.ServeHTTP(w, r) writes a form that posts
	// itself to XPay, or http.Redirect(w, r, page.URL(), http.StatusSeeOther).
	var names []string
	for _, f := range page.Fields {
		names = append(names, f.Name)
	}
	fmt.Println(strings.Join(names, " "))
	fmt.Println("divisa:", page.Values().Get("divisa"))

	// The customer's browser posts the form, and pays on the sandbox's page.
	resp, err := http.PostForm(page.Action, page.Values())
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	back, err := srv.PayCheckout("ORD-2024-000123", true)
	if err != nil {
		log.Fatal(err)
	}

	u, _ := url.Parse(back) // in the shop: r.URL, in the handler for /esito
	res, err := client.VerifyPaymentResult(u.Query())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.TransactionCode, res.Outcome, res.Amount.Format(xpay.CurrencyEUR))
	// Output:
	// alias importo divisa codTrans url url_back mac languageId
	// divisa: EUR
	// ORD-2024-000123 OK 50.00 EUR
}

// A subscription's monthly charge on the card its first payment kept.
// Recurring charges have an alias and key of their own: the Client that
// charges is that alias's.
func ExampleClient_Charge() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData()) // holds contract CNT-DEMO-0001
	defer srv.Close()
	recurring := srv.Client() // in production: xpay.NewClient(recurringAlias, recurringKey)
	ctx := context.Background()

	req := &xpay.ChargeRequest{
		ContractNumber:  xpaytest.DemoContract,
		TransactionCode: "SUB-2024-07-000042", // new for every charge
		Amount:          1999,
		Currency:        xpay.CurrencyEUR, // 978: the JSON APIs' code
		// CardExpiry, optional: the first payment's scadenza_pan (yyyymm), to update the card's.
	}
	res, err := recurring.Charge(ctx, req)
	if err != nil {
		log.Fatal(err) // an *xpay.OutcomeUnknownError: the card may have been charged; read the order first
	}
	fmt.Println("charged:", res.Brand, res.AuthorizationCode)

	_, err = recurring.Charge(ctx, req) // the same code again
	var apiErr *xpay.APIError
	if errors.As(err, &apiErr) && apiErr.Code == xpay.CodeDuplicate {
		fmt.Println("refused: KO", apiErr.Code)
	}
	// Output:
	// charged: VISA 284A2B
	// refused: KO 9
}
