package xpay_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/jarcoal/httpmock"

	"github.com/xpaygo/xpay"
)

// exampleClient returns a Client whose answers are the recorded bodies in
// testdata, so that the examples run offline. Real code passes its alias
// and key: xpay.NewClient(alias, secretKey).
func exampleClient(answers map[string]string) *xpay.Client {
	mock := httpmock.NewMockTransport()
	for path, file := range answers {
		body, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			log.Fatal(err)
		}
		mock.RegisterResponder(http.MethodPost, "https://int-ecommerce.nexi.it/"+path, httpmock.NewBytesResponder(http.StatusOK, body))
	}
	c, err := xpay.NewClient("ALIAS_WEB_00000000", "CHIAVE_SEGRETA_DI_ESEMPIO_NON_VALIDA",
		xpay.WithHTTPClient(&http.Client{Transport: mock}))
	if err != nil {
		log.Fatal(err)
	}
	return c
}

func ExampleClient_Capture() {
	client := exampleClient(map[string]string{"ecomm/api/bo/contabilizza": "contabilizza-ok.json"})

	res, err := client.Capture(context.Background(), &xpay.CaptureRequest{
		TransactionCode: "ORD-2024-000123",
		Amount:          5000, // €50.00
		Currency:        xpay.CurrencyEUR,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("captured, idOperazione", res.OperationID)
	// Output: captured, idOperazione 80310241
}

func ExampleClient_Refund() {
	client := exampleClient(map[string]string{"ecomm/api/bo/storna": "storna-ko.json"})

	_, err := client.Refund(context.Background(), &xpay.RefundRequest{
		TransactionCode: "ORD-2024-000123",
		Amount:          999999,
		Currency:        xpay.CurrencyEUR,
	})
	var apiErr *xpay.APIError
	if errors.As(err, &apiErr) && apiErr.Code == xpay.CodeAmountTooHigh {
		fmt.Println("refused:", apiErr.Message)
	}
	// Output: refused: Importo operazione troppo alto
}

func ExampleClient_GetOrder() {
	client := exampleClient(map[string]string{"ecomm/api/bo/situazioneOrdine": "situazioneOrdine-ok.json"})

	res, err := client.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-2024-000123"})
	if err != nil {
		log.Fatal(err)
	}
	order := res.Order()
	fmt.Printf("%s %s %d %s\n", order.TransactionCode, order.State, order.Amount, order.Currency)
	for _, op := range order.Operations() {
		fmt.Printf("  %-8s %6d %s\n", op.Type, op.Amount, op.Date)
	}
	// Output:
	// ORD-2024-000123 Rimborsato Parz. 5000 EUR
	//   CONTAB.    5000 2024-06-17 23:59:59
	//   STORNO     2000 2024-06-18 09:12:07
}

// A write whose answer is lost may have happened: read the order before
// trying again.
func ExampleErrOutcomeUnknown() {
	mock := httpmock.NewMockTransport()
	mock.RegisterResponder(http.MethodPost, "https://int-ecommerce.nexi.it/ecomm/api/bo/contabilizza",
		httpmock.NewErrorResponder(errors.New("connection reset by peer")))
	client, _ := xpay.NewClient("ALIAS_WEB_00000000", "CHIAVE_SEGRETA_DI_ESEMPIO_NON_VALIDA",
		xpay.WithHTTPClient(&http.Client{Transport: mock}))

	_, err := client.Capture(context.Background(), &xpay.CaptureRequest{
		TransactionCode: "ORD-2024-000123", Amount: 5000, Currency: xpay.CurrencyEUR,
	})
	if errors.Is(err, xpay.ErrOutcomeUnknown) {
		fmt.Println("do not capture again before reading the order")
	}
	// Output: do not capture again before reading the order
}

func ExampleValidationError() {
	client, _ := xpay.NewClient("ALIAS_WEB_00000000", "CHIAVE_SEGRETA_DI_ESEMPIO_NON_VALIDA")
	_, err := client.Capture(context.Background(), &xpay.CaptureRequest{
		TransactionCode: "ORD-2024-000123", Amount: 5000, Currency: "EUR",
	})
	fmt.Println(err)
	// Output: xpay: Capture: invalid Currency (divisa): must be a 3-digit ISO 4217 numeric code such as CurrencyEUR (978), got "EUR"
}

func ExampleSign() {
	mac := xpay.Sign("CHIAVE_SEGRETA_DI_ESEMPIO_NON_VALIDA",
		xpay.Field{Name: "apiKey", Value: "ALIAS_WEB_00000000"},
		xpay.Field{Name: "codiceTransazione", Value: "ORD-2024-000123"},
		xpay.Field{Name: "timeStamp", Value: "1718611200000"},
	)
	fmt.Println(mac)
	// Output: 9809248dca2cb26b91daafb17a7996f99e98878a
}
