// Command paybylink creates, regenerates and lists Pay-by-Link links, and
// checks what the payment page reports after the payment:
//
//	go run ./examples/paybylink create -code PBL-1 -amount 120.00 -hours 48 -url https://shop.example/esito
//	go run ./examples/paybylink regenerate -code PBL-1 -hours 24
//	go run ./examples/paybylink report -from 01/06/2024 -to 30/06/2024
//	go run ./examples/paybylink verify -url 'https://shop.example/esito?codTrans=PBL-1&esito=OK&...'
//	go run ./examples/paybylink loop -code PBL-1 -amount 120.00
//	go run ./examples/paybylink methods
//
// Amounts are in euro, with the cents. Without XPAY_ALIAS and XPAY_SECRET
// it runs against an in-process sandbox; loop runs only there: it creates
// a link whose notifications go to a shop endpoint it serves itself, pays
// it in the sandbox, has the endpoint verify XPay's notification, verifies
// the customer's return URL, and captures the order. methods lists the
// payment methods the alias has enabled (profileInfo), with the
// selectedcard that opens each directly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
)

func main() {
	cli.Commands("paybylink create|regenerate|report|verify|loop|methods [flags]", map[string]cli.Command{
		"methods":    &methods{},
		"create":     &create{},
		"regenerate": &regenerate{},
		"report":     &report{from: cli.DateFlag{Date: xpay.Today().AddDays(-30)}, to: cli.DateFlag{Date: xpay.Today()}},
		"verify":     &verify{},
		"loop":       &loopCmd{amount: cli.AmountFlag{Amount: 12000}},
	})
}

type create struct {
	code, returnURL, notifyURL string
	amount                     cli.AmountFlag
	hours                      int
}

func (c *create) Flags(fs *flag.FlagSet) []string {
	fs.StringVar(&c.code, "code", "", "new order code")
	fs.Var(&c.amount, "amount", "amount in euro, with the cents: 120.00")
	fs.IntVar(&c.hours, "hours", 24, "link lifetime in hours")
	fs.StringVar(&c.returnURL, "url", "https://shop.example.com/esito", "where the customer returns")
	fs.StringVar(&c.notifyURL, "notify", "", "server-to-server notification URL (optional)")
	return []string{"code", "amount"}
}

func (c *create) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := t.Client.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: c.code, Amount: c.amount.Amount, TimeoutHours: c.hours,
		ReturnURL: c.returnURL, NotifyURL: c.notifyURL,
	})
	return cli.Result{Value: res, Human: func(w io.Writer) { fmt.Fprintf(w, "link for %s: %s\n", c.code, res.URL) }}, err
}

type regenerate struct {
	code, newCode string
	hours         int
}

func (c *regenerate) Flags(fs *flag.FlagSet) []string {
	fs.StringVar(&c.code, "code", "", "the link's current order code")
	fs.StringVar(&c.newCode, "new-code", "", "code for the new link, if the old one was refused (optional)")
	fs.IntVar(&c.hours, "hours", 24, "new lifetime in hours")
	return []string{"code"}
}

func (c *regenerate) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := t.Client.RegeneratePayByLink(ctx, &xpay.RegeneratePayByLinkRequest{
		TransactionCode: c.code, NewTransactionCode: c.newCode, TimeoutHours: c.hours,
	})
	return cli.Result{Value: res, Human: func(w io.Writer) {
		fmt.Fprintf(w, "link for %s: %s\n", res.TransactionCode, res.URL)
		if res.TransactionCode != c.code {
			fmt.Fprintf(w, "the order code is now %s: use it from here on\n", res.TransactionCode)
		}
	}}, err
}

type report struct{ from, to cli.DateFlag }

func (c *report) Flags(fs *flag.FlagSet) []string {
	fs.Var(&c.from, "from", "first creation day, dd/mm/yyyy")
	fs.Var(&c.to, "to", "last creation day, dd/mm/yyyy")
	return nil
}

func (c *report) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	var links []xpay.PayByLink
	for l, err := range t.Client.PayByLinks(ctx, &xpay.ListPayByLinksRequest{CreatedFrom: c.from.Date, CreatedTo: c.to.Date}) {
		if err != nil {
			return cli.Result{}, err
		}
		links = append(links, l)
	}
	return cli.Result{Value: links, Human: func(w io.Writer) {
		fmt.Fprintf(w, "%d links\n", len(links))
		for _, l := range links {
			fmt.Fprintf(w, "%s  %s  %s  %s\n", l.CreatedAt, l.TransactionCode, cli.Money(l.Amount), l.Status)
		}
	}}, nil
}

type verify struct{ back string }

func (c *verify) Flags(fs *flag.FlagSet) []string {
	fs.StringVar(&c.back, "url", "", "the URL the customer came back to, with XPay's parameters")
	return []string{"url"}
}

func (c *verify) Run(_ context.Context, t *cli.Target) (cli.Result, error) {
	u, err := url.Parse(c.back)
	if err != nil {
		return cli.Result{}, err
	}
	res, err := t.Client.VerifyPaymentResult(u.Query())
	return cli.Result{Value: res, Human: func(w io.Writer) { describe(w, "verified", res) }}, err
}

type loopCmd struct {
	code   string
	amount cli.AmountFlag
	refuse bool
}

func (c *loopCmd) Flags(fs *flag.FlagSet) []string {
	fs.StringVar(&c.code, "code", "PBL-LOOP-1", "new order code")
	fs.Var(&c.amount, "amount", "amount in euro, with the cents")
	fs.BoolVar(&c.refuse, "refuse", false, "the customer's payment is refused")
	return nil
}

func (c *loopCmd) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	if t.Sandbox == nil {
		return cli.Result{}, errors.New("loop needs the in-process sandbox, to pay the link: unset XPAY_ALIAS and XPAY_SECRET")
	}
	return cli.Result{}, loop(ctx, t, c.code, c.amount.Amount, !c.refuse)
}

// describe prints a payment result for people.
func describe(w io.Writer, how string, res *xpay.PaymentResult) {
	fmt.Fprintf(w, "%s: %s %s, %s %s, at %s (Italy), authorization %q\n", how, res.TransactionCode, res.Outcome,
		res.Amount.Decimal(xpay.CurrencyEUR), res.Currency, res.Time.Format("02/01/2006 15:04:05"), res.AuthorizationCode)
	if res.Message != "" {
		fmt.Fprintf(w, "  message (not signed): %s\n", res.Message)
	}
}

// shop is the merchant's side of the loop: the orders it has been told
// about, each handled once however often XPay notifies it.
type shop struct {
	mu   sync.Mutex
	paid map[string]*xpay.PaymentResult
}

// notified is the notification handler's work. XPay may notify more than
// once: it records each order once, and does nothing for a repeat.
func (s *shop) notified(_ context.Context, res *xpay.PaymentResult) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.paid[res.TransactionCode]; seen {
		fmt.Println("   (a repeated notification: already handled)")
		return nil
	}
	s.paid[res.TransactionCode] = res
	describe(os.Stdout, "   → the shop's urlPost endpoint verified XPay's notification", res)
	return nil
}

func loop(ctx context.Context, t *cli.Target, code string, amount xpay.Amount, approve bool) error {
	shop := &shop{paid: map[string]*xpay.PaymentResult{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	endpoint := &http.Server{Handler: t.Client.PaymentNotificationHandler(shop.notified),
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second, WriteTimeout: 15 * time.Second, IdleTimeout: time.Minute}
	go func() { _ = endpoint.Serve(l) }()
	defer endpoint.Close()
	notifyURL := "http://" + l.Addr().String() + "/xpay/notify"

	fmt.Printf("1. Create a link for %s, %s, notifying %s\n", code, cli.Money(amount), notifyURL)
	link, err := t.Client.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{
		TransactionCode: code, Amount: amount, TimeoutHours: 2,
		ReturnURL: "https://shop.example/esito", NotifyURL: notifyURL,
	})
	if err != nil {
		return err
	}
	fmt.Printf("   → %s\n", link.URL)
	fmt.Println("2. The customer pays on the sandbox's payment page")
	back, err := t.Sandbox.PayLink(code, approve)
	if err != nil {
		return err
	}
	fmt.Println("3. The customer comes back to the shop:", back)
	u, err := url.Parse(back)
	if err != nil {
		return err
	}
	res, err := t.Client.VerifyPaymentResult(u.Query())
	if err != nil {
		return err
	}
	describe(os.Stdout, "   → the return URL is verified", res)
	if !res.Paid() {
		fmt.Println("   not paid: nothing to capture.")
		return nil
	}
	fmt.Printf("4. Capture %s\n", cli.Money(res.Amount))
	capture, err := t.Client.Capture(ctx, &xpay.CaptureRequest{TransactionCode: res.TransactionCode, Amount: res.Amount, Currency: xpay.CurrencyEUR})
	if err != nil {
		return err
	}
	fmt.Printf("   → captured (idOperazione %s)\n", capture.OperationID)
	return nil
}

type methods struct{}

func (*methods) Flags(*flag.FlagSet) []string { return nil }

func (*methods) Run(ctx context.Context, t *cli.Target) (cli.Result, error) {
	res, err := t.Client.GetProfileInfo(ctx, &xpay.GetProfileInfoRequest{})
	return cli.Result{Value: res, Human: func(w io.Writer) {
		fmt.Fprintf(w, "%d payment methods\n", len(res.Methods))
		for _, m := range res.Methods {
			fmt.Fprintf(w, "%-4s %-12s selectedcard=%s recurring=%s\n", m.Type, m.Description, m.SelectedCard, m.Recurring)
		}
	}}, err
}
