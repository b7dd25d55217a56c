package xpay_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// Every example that calls XPay runs against xpaytest, the XPay sandbox
// in this module, so that it runs offline. Real code makes its client with
// its own alias and key: see ExampleNewClient.

func ExampleClient_Capture() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	_, err := client.Capture(ctx, &xpay.CaptureRequest{
		TransactionCode: xpaytest.DemoAuthorized, // authorized for €50.00
		Amount:          2000,                    // €20.00, in cents
		Currency:        xpay.CurrencyEUR,
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
	if err != nil {
		log.Fatal(err)
	}
	captured, err := res.Order().Captured()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Order().State, captured.Format(xpay.CurrencyEUR))
	// Output: Contabilizzato Parz. 20.00 EUR
}

func ExampleClient_Refund() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()

	_, err := client.Refund(context.Background(), &xpay.RefundRequest{
		TransactionCode: xpaytest.DemoCaptured, // €19.99 captured
		Amount:          5000,
		Currency:        xpay.CurrencyEUR,
	})
	var apiErr *xpay.APIError
	if errors.As(err, &apiErr) && apiErr.Code == xpay.CodeAmountTooHigh {
		fmt.Println("refused:", apiErr.Message)
	}
	// Output: refused: Importo operazione troppo alto (rimborsabili 1999)
}

func ExampleClient_GetOrder() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()

	res, err := client.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoCaptured})
	if err != nil {
		log.Fatal(err)
	}
	order := res.Order()
	fmt.Println(order.TransactionCode, order.State, order.Amount.Format(xpay.CurrencyEUR))
	for _, op := range order.Operations() {
		fmt.Println(" ", op.Type, op.Amount.Format(xpay.CurrencyEUR))
	}
	// Output:
	// ORD-DEMO-0002 Contabilizzato 19.99 EUR
	//   CONTAB. 19.99 EUR
}

// A write whose answer is lost may have happened: settle it before trying
// again (see also Client.Settle).
func ExampleErrOutcomeUnknown() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()
	// XPay carries the capture out, and the answer is lost on its way back.
	srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: true, Times: 1})

	_, err := client.Capture(context.Background(), &xpay.CaptureRequest{
		TransactionCode: xpaytest.DemoAuthorized, Amount: 5000, Currency: xpay.CurrencyEUR,
	})
	switch {
	case errors.Is(err, xpay.ErrOutcomeUnknown):
		fmt.Println("do not capture again before settling")
	case err != nil:
		fmt.Println("nothing happened:", err)
	}
	// Output: do not capture again before settling
}

func ExampleValidationError() {
	client, err := xpay.NewClient("ALIAS_WEB_00000000", "CHIAVE_SEGRETA_DI_ESEMPIO_NON_VALIDA")
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.Capture(context.Background(), &xpay.CaptureRequest{
		TransactionCode: "ORD-2024-000123", Amount: 5000, Currency: "EUR",
	})
	fmt.Println(err) // nothing was sent
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
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()

	res, err := client.ListOrders(context.Background(), &xpay.ListOrdersRequest{
		Period:  xpay.DateRange{From: xpay.Yesterday(), To: xpay.Today()},
		Channel: xpay.ChannelAll,
		States:  []xpay.OrderState{xpay.OrderStateAuthorized, xpay.OrderStateDenied},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range res.Orders {
		fmt.Println(o.TransactionCode, o.State)
	}
	// Unordered output:
	// ORD-DEMO-0001 Autorizzato
	// ORD-DEMO-0003 Negato
}

// Orders one at a time, however many there are and however long the
// period: the answer is never held whole, and a period of more than
// MaxOrderPeriodDays (here 200 days) is walked in windows, one request
// each. An error is the last thing yielded; then discard what came before.
func ExampleClient_Orders() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()

	var total xpay.Amount
	for o, err := range client.Orders(context.Background(), &xpay.ListOrdersRequest{
		Period: xpay.DateRange{From: xpay.Today().AddDays(-199), To: xpay.Today()}, Channel: xpay.ChannelAll,
	}) {
		if err != nil {
			log.Fatal(err)
		}
		total += o.Amount
	}
	fmt.Println(total.Format(xpay.CurrencyEUR))
	// Output: 144.49 EUR
}

func ExampleClient_CreatePayByLink() {
	srv := xpaytest.NewServer()
	defer srv.Close()
	client := srv.Client()

	link, err := client.CreatePayByLink(context.Background(), &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-2024-000777",
		Amount:          12000,
		TimeoutHours:    48,
		ReturnURL:       "https://shop.example/esito",
		NotifyURL:       "https://shop.example/xpay/notify", // see PaymentNotificationHandler
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(link.URL, srv.URL+"/paybylink/"))
	// Output: true
}

// A link whose payment was refused is regenerated under a new code: use
// the code the answer gives from then on.
func ExampleClient_RegeneratePayByLink() {
	srv := xpaytest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	_, err := client.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: "PBL-2024-000777", Amount: 12000, TimeoutHours: 48, ReturnURL: "https://shop.example/esito",
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := srv.PayLink("PBL-2024-000777", false); err != nil { // the payment is refused
		log.Fatal(err)
	}
	res, err := client.RegeneratePayByLink(ctx, &xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL-2024-000777", TimeoutHours: 24})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.TransactionCode)
	// Output: PBL-2024-000777-1
}

// PayByLinks lists the links of a period however many there are: XPay
// answers at most 100 links a search, so it splits the period as needed.
func ExampleClient_PayByLinks() {
	srv := xpaytest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	for _, code := range []string{"PBL-1", "PBL-2"} {
		_, err := client.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
			TransactionCode: code, Amount: 1000, TimeoutHours: 1, ReturnURL: "https://shop.example/esito",
		})
		if err != nil {
			log.Fatal(err)
		}
	}

	for l, err := range client.PayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: xpay.Yesterday(), CreatedTo: xpay.Today()}) {
		if err != nil {
			log.Fatal(err) // errors.Is(err, xpay.ErrTooManyLinks): one day holds more than 100
		}
		fmt.Println(l.TransactionCode, l.Status)
	}
	// Unordered output:
	// PBL-1 Da pagare
	// PBL-2 Da pagare
}

func ExampleClient_ListReports() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()

	res, err := client.ListReports(context.Background(), &xpay.ListReportsRequest{}) // the instances nearest today
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res.Reports {
		fmt.Println(r.ID, r.Name, r.Format)
	}
	// Output: 1 Transazioni giornaliere CSV
}

// DownloadReport streams the file to any io.Writer, such as an os.File,
// without holding it.
func ExampleClient_DownloadReport() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()

	var file strings.Builder
	if _, err := client.DownloadReport(context.Background(), "1", &file); err != nil {
		log.Fatal(err) // and discard what was written
	}
	header, _, _ := bufio.NewReader(strings.NewReader(file.String())).ReadLine()
	fmt.Println(string(header))
	// Output: codiceTransazione;importo;divisa;stato;dataTransazione;brand
}

func ExampleClient_ListContractDetails() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()

	res, err := client.ListContractDetails(context.Background(), &xpay.ContractFilter{ContractNumber: xpaytest.DemoContract})
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range res.Contracts {
		fmt.Println(k.ContractNumber, k.TaxCode, k.FirstPaymentStatus)
	}
	// Output: CNT-DEMO-0001 RSSMRA80A01H501U OK
}

func ExampleClient_CheckBlacklist() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()

	res, err := client.CheckBlacklist(context.Background(), &xpay.BlacklistRequest{
		Type: xpay.ValueTypeTaxCode, Value: xpaytest.DemoBlacklisted,
	})
	if err != nil {
		log.Fatal(err)
	}
	listed, err := res.Listed() // an answer of a shape it cannot read is an error, never "not listed"
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(listed, res.Entries[0].Description)
	// Output: true Chargeback ripetuti
}

func ExampleClient_ListWarnings() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client()

	res, err := client.ListWarnings(context.Background(), &xpay.ListWarningsRequest{}) // "nothing found" is an empty list
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range res.Warnings {
		fmt.Println(w.TransactionCode, w.Message)
	}
	// Output: ORD-DEMO-0003 Notifica esito non consegnata (urlpost non raggiungibile)
}

// An Amount is whole minor units: on the wire as such, for people with
// the currency's decimals.
func ExampleAmount() {
	a := xpay.Amount(12345)
	fmt.Println(a)                           // what XPay sees
	fmt.Println(a.Decimal(xpay.CurrencyEUR)) // what a person reads
	fmt.Println(a.Format(xpay.CurrencyEUR))
	// Output:
	// 12345
	// 123.45
	// 123.45 EUR
}

// A production Client: the alias and key Nexi assigned to the terminal,
// XPay's production host, a bound on every call, retries of reads (never
// of writes) and a logger that never sees the key. Nothing is sent until
// a call.
func ExampleNewClient() {
	client, err := xpay.NewClient("ALIAS_WEB_00012345", "the-secret-key",
		xpay.WithEnvironment(xpay.EnvironmentProduction),
		xpay.WithTimeout(20*time.Second),
		xpay.WithRetry(3, 200*time.Millisecond, 2*time.Second),
		xpay.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client) // the alias masked, no key
	// Output: xpay.Client{alias: ALIA**********2345, baseURL: https://ecommerce.nexi.it/}
}

// WithRetry tries a read again when a proxy answers 503 with an HTML page;
// the second attempt, signed afresh, gets XPay's answer.
func ExampleWithRetry() {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	client := srv.Client(xpay.WithRetry(2, time.Millisecond, 10*time.Millisecond))
	srv.InjectFault("GetOrder", xpaytest.Fault{HTTPStatus: http.StatusServiceUnavailable, Times: 1})

	res, err := client.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Order().State, "after", srv.Requests("GetOrder"), "attempts")
	// Output: Autorizzato after 2 attempts
}
