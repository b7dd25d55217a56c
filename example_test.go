package xpay_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

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
		xpay.WithHTTPClient(&http.Client{Transport: mock}),
		// The recordings are from 17 June 2024: answers are checked
		// against the request's time.
		xpay.WithClock(func() time.Time { return time.UnixMilli(1718611200000) }))
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

func ExampleClient_ListOrders() {
	client := exampleClient(map[string]string{"ecomm/api/bo/reportOrdini": "reportOrdini-ok.json"})

	res, err := client.ListOrders(context.Background(), &xpay.ListOrdersRequest{
		Period:  xpay.DateRange{From: xpay.Date{Year: 2024, Month: 6, Day: 1}, To: xpay.Date{Year: 2024, Month: 6, Day: 17}},
		Channel: xpay.ChannelAll,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range res.Orders {
		fmt.Println(o.TransactionCode, o.State, o.Amount)
	}
	// Output:
	// ORD-2024-000124 Autorizzato 1999
	// ORD-2024-000125 Negato 7450
}

func ExampleClient_CreatePayByLink() {
	client := exampleClient(map[string]string{"ecomm/api/bo/richiestaPayMail": "richiestaPayMail-ok.json"})

	res, err := client.CreatePayByLink(context.Background(), &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-2024-000777",
		Amount:          12000,
		TimeoutHours:    48,
		ReturnURL:       "https://shop.example.com/pagamento/esito",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.URL)
	// Output: https://int-ecommerce.nexi.it/ecomm/EXAMPLE-PAYMAIL-LINK/7f3c9a1e
}

func ExampleClient_RegeneratePayByLink() {
	client := exampleClient(map[string]string{"ecomm/api/bo/rigeneraPayMail": "rigeneraPayMail-ok.json"})

	res, err := client.RegeneratePayByLink(context.Background(), &xpay.RegeneratePayByLinkRequest{
		TransactionCode: "PBL-2024-000777",
		TimeoutHours:    24,
	})
	if err != nil {
		log.Fatal(err)
	}
	// The link may now carry a new order code: use it from here on.
	fmt.Println(res.TransactionCode)
	// Output: PBL-2024-000777-1
}

func ExampleClient_ListReports() {
	client := exampleClient(map[string]string{"ecomm/api/bo/elencoReport": "elencoReport-ok.json"})

	res, err := client.ListReports(context.Background(), &xpay.ListReportsRequest{})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res.Reports {
		fmt.Println(r.ID, r.Name, r.Format)
		// client.DownloadReport(ctx, r.ID, file) streams it to a file.
	}
	// Output: 1045 Transazioni giornaliere CSV
}

func ExampleClient_ContractDetails() {
	client := exampleClient(map[string]string{"ecomm/api/contratti/dettagliContratto": "dettagliContratto-ok.json"})

	res, err := client.ContractDetails(context.Background(), &xpay.ContractDetailsRequest{ContractNumber: "CNT-0001-ROSSI"})
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range res.Contracts {
		fmt.Println(k.ContractNumber, k.CardType, k.FirstPaymentStatus)
	}
	// Output: CNT-0001-ROSSI VISA OK
}

func ExampleClient_CheckBlacklist() {
	client := exampleClient(map[string]string{"ecomm/api/blacklist/controlla": "blacklist-controlla-ok.json"})

	res, err := client.CheckBlacklist(context.Background(), &xpay.CheckBlacklistRequest{
		Type:  xpay.ValueTypeTaxCode,
		Value: "RSSMRA80A01H501U",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Listed(), res.Entries[0].Description)
	// Output: true Chargeback ripetuti
}

func ExampleClient_Warnings() {
	client := exampleClient(map[string]string{"ecomm/api/bo/warning": "warning-ko.json"})

	// XPay answers "nothing found" with a KO; Warnings makes it an empty list.
	res, err := client.Warnings(context.Background(), &xpay.WarningsRequest{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(res.Warnings), "warnings")
	// Output: 0 warnings
}
