// Command checkout runs a shop's checkout on XPay's payment page, from
// start to finish:
//
//  1. the shop signs the request for the page (SignPaymentPage) and
//     answers the customer with a form that posts itself there
//     (PaymentPage.ServeHTTP);
//
//  2. the customer's browser posts it, and XPay shows its page;
//
//  3. the customer pays, refuses or cancels; XPay notifies the shop's
//     urlpost (PaymentNotificationHandler);
//
//  4. the browser comes back to the shop's url, and the shop verifies the
//     outcome (VerifyPaymentResult) before it ships anything.
//
//     go run ./examples/checkout
//     go run ./examples/checkout -amount 120.00 -refuse
//     go run ./examples/checkout -cancel
//
// Without XPAY_ALIAS and XPAY_SECRET it runs against an in-process sandbox,
// with the shop on a loopback port and a simulated browser. With them it
// prints the signed request for that host's page (its URL, to open in a
// browser, and the form's fields) and stops: XPay cannot reach a shop on
// this machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
)

func main() {
	code := flag.String("code", "CHK-"+time.Now().Format("20060102-150405"), "the order code (codTrans)")
	amount := cli.AmountFlag{Amount: 4990}
	flag.Var(&amount, "amount", "the amount, in euro with the cents")
	refuse := flag.Bool("refuse", false, "the customer's payment is refused")
	cancel := flag.Bool("cancel", false, "the customer cancels on the page")
	flag.Parse()
	if flag.NArg() > 0 {
		cli.BadUsage(fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", flag.Arg(0)))
	}
	outcome := "approve"
	switch {
	case *refuse && *cancel:
		cli.BadUsage(errors.New("-refuse or -cancel, not both"))
	case *refuse:
		outcome = "decline"
	case *cancel:
		outcome = "cancel"
	}

	t := cli.Connect()
	defer t.Close()
	var err error
	if t.Sandbox == nil {
		err = printRequest(t, *code, amount.Amount)
	} else {
		err = run(t, *code, amount.Amount, outcome)
	}
	if err != nil {
		t.Fail(err)
	}
}

// printRequest prints the signed request for a real host's page.
func printRequest(t *cli.Target, code string, amount xpay.Amount) error {
	page, err := t.Client.SignPaymentPage(&xpay.PaymentPageRequest{TransactionCode: code, Amount: amount,
		ReturnURL: "https://shop.example/esito", CancelURL: "https://shop.example/annullo"})
	if err != nil {
		return err
	}
	fmt.Printf("Running against %s.\nOpen this to pay %s with a test card:\n%s\n\nor post this form to %s:\n", t.Where, cli.Money(amount), page.URL(), page.Action)
	for _, f := range page.Fields {
		fmt.Printf("  %s=%s\n", f.Name, f.Value)
	}
	return nil
}

// shop is the merchant's web server: the checkout, the customer's return,
// the cancellation and XPay's notification.
type shop struct {
	client *xpay.Client
	url    string // where it listens
	code   string
	amount xpay.Amount

	mu       sync.Mutex
	notified map[string]bool // orders already handled: XPay may notify more than once
}

func (s *shop) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		page, err := s.client.SignPaymentPage(&xpay.PaymentPageRequest{
			TransactionCode: s.code, Amount: s.amount, Description: "Ordine " + s.code, Language: "ITA",
			ReturnURL: s.url + "/esito", CancelURL: s.url + "/annullo", NotifyURL: s.url + "/xpay/notify",
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		page.ServeHTTP(w, r) // a form that posts itself to XPay
	})
	mux.HandleFunc("GET /esito", func(w http.ResponseWriter, r *http.Request) {
		res, err := s.client.VerifyPaymentResult(r.URL.Query())
		if err != nil { // forged or damaged: show nothing as paid
			fmt.Println("   → the shop refuses the return:", err)
			http.Error(w, "payment result not valid", http.StatusBadRequest)
			return
		}
		describe("   → the shop verified the return", res)
		if res.Paid() {
			fmt.Println("   → paid: the shop ships the order")
		} else {
			fmt.Println("   → not paid: the shop offers to try again")
		}
		fmt.Fprintln(w, "Grazie!")
	})
	mux.HandleFunc("GET /annullo", func(w http.ResponseWriter, r *http.Request) {
		// Cancelled, or a request XPay found malformed (esito ERRORE, unsigned):
		// no money either way, and nothing here to trust.
		q := r.URL.Query()
		fmt.Printf("   → the customer is back on the cart: esito=%s\n", strings.TrimSpace(q.Get("esito")+" "+q.Get("warning")))
		fmt.Fprintln(w, "Pagamento annullato")
	})
	mux.Handle("POST /xpay/notify", s.client.PaymentNotificationHandler(func(_ context.Context, res *xpay.PaymentResult) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.notified[res.TransactionCode] {
			return nil // a repeated notification: already handled
		}
		s.notified[res.TransactionCode] = true
		describe("   → the shop's urlpost endpoint verified XPay's notification", res)
		return nil
	}))
	return mux
}

func describe(how string, res *xpay.PaymentResult) {
	fmt.Printf("%s: %s %s, %s %s, authorization %q\n", how, res.TransactionCode, res.Outcome,
		res.Amount.Decimal(xpay.CurrencyEUR), res.Currency, res.AuthorizationCode)
}

func run(t *cli.Target, code string, amount xpay.Amount, outcome string) error {
	fmt.Printf("Running against %s.\n", t.Where)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s := &shop{client: t.Client, url: "http://" + l.Addr().String(), code: code, amount: amount, notified: map[string]bool{}}
	server := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second, WriteTimeout: 15 * time.Second}
	go func() { _ = server.Serve(l) }()
	defer server.Close()
	fmt.Printf("The shop listens on %s.\n\n", s.url)

	b := browser{hc: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	fmt.Printf("1. The customer checks out order %s, %s: the shop answers with a form that posts itself to XPay\n", code, cli.Money(amount))
	action, form, err := b.form(s.url + "/checkout")
	if err != nil {
		return err
	}
	fmt.Printf("   → POST %s\n", action)
	for _, name := range slices.Sorted(maps.Keys(form)) {
		fmt.Printf("     %s=%s\n", name, form.Get(name))
	}

	fmt.Println("2. The browser posts the form: XPay shows its payment page")
	page, err := b.send(http.MethodPost, action, form)
	if err != nil {
		return err
	}
	fmt.Println("   →", page)

	fmt.Printf("3. On the page, the customer chooses: %s\n", outcome)
	back, err := b.send(http.MethodPost, page, url.Values{"outcome": {outcome}})
	if err != nil {
		return err
	}

	fmt.Println("4. The browser comes back to the shop:", back)
	if _, err := b.send(http.MethodGet, back, nil); err != nil && !errors.Is(err, errNoRedirect) {
		return err
	}
	fmt.Println("Done.")
	return nil
}

// browser is the customer's browser, one step at a time.
type browser struct{ hc *http.Client }

var (
	formAction  = regexp.MustCompile(`<form id="xpay" method="post" action="([^"]*)">`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// form reads the page at u and the form in it, as a browser would.
func (b browser) form(u string) (action string, form url.Values, err error) {
	resp, err := b.hc.Get(u)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", nil, err
	}
	m := formAction.FindSubmatch(body)
	if m == nil {
		return "", nil, fmt.Errorf("%s answered %s, with no form", u, resp.Status)
	}
	form = url.Values{}
	for _, in := range hiddenInput.FindAllSubmatch(body, -1) {
		form.Add(html.UnescapeString(string(in[1])), html.UnescapeString(string(in[2])))
	}
	return html.UnescapeString(string(m[1])), form, nil
}

var errNoRedirect = errors.New("no redirect")

// send sends a request and returns where the answer redirects to.
func (b browser) send(method, u string, form url.Values) (string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusSeeOther {
		if resp.StatusCode == http.StatusOK {
			return "", errNoRedirect
		}
		return "", fmt.Errorf("%s %s answered %s: %s", method, u, resp.Status, strings.TrimSpace(string(text)))
	}
	return resp.Header.Get("Location"), nil
}
