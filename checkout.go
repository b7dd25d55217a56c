package xpay

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// The first half of a hosted payment: the merchant sends the customer's
// browser to XPay's payment page (ecomm/ecomm/DispatcherServlet) with a
// signed request, by an auto-submitted POST form or by a GET redirect;
// XPay then reports the outcome as payment.go reads it.

// PagePath is the payment page's path, relative to the base URL.
const PagePath = "ecomm/ecomm/DispatcherServlet"

// PageKind is what a payment page request asks of XPay's page.
type PageKind int

// The kinds of payment page request.
const (
	// PagePayment is a payment, with no card kept.
	PagePayment PageKind = iota
	// PageRecurringFirst is the first payment of a recurring contract
	// (tipo_servizio=paga_multi, tipo_richiesta=PP): XPay keeps the card
	// under ContractNumber, for Charge to charge later.
	PageRecurringFirst
	// PageOneClickFirst is the first payment of a one-click contract
	// (tipo_servizio=paga_1click): XPay keeps the card under
	// ContractNumber, and shows it to the customer next time. Its MAC
	// adds gruppo and num_contratto.
	PageOneClickFirst
	// PageCardCheck checks the card without a payment (tipo_richiesta=VC):
	// Amount must be 0, and nothing is kept.
	PageCardCheck
)

// CaptureMode is TCONTAB: whether an authorized payment is captured at
// once or left for the merchant to capture.
type CaptureMode string

// The capture modes. The zero value sends nothing: the terminal's profile
// decides.
const (
	CaptureImmediate CaptureMode = "C" // captured at once
	CaptureDeferred  CaptureMode = "D" // authorized only: capture it with Capture
)

// PageCurrencyEUR is the page's code for euro. The page takes the
// alphabetic ISO 4217 code, where the JSON APIs take the numeric one
// (CurrencyEUR, "978").
const PageCurrencyEUR = "EUR"

// PaymentPageRequest is a request for XPay's payment page: what
// SignPaymentPage turns into signed form fields. Limits are XPay's, as
// mlocati/nexi-xpay quotes its documentation.
type PaymentPageRequest struct {
	// Kind is what the page is asked to do; the zero value is a payment.
	Kind PageKind
	// TransactionCode (codTrans) is the order code: 2 to 30 characters,
	// not #, ' or ". XPay takes a code once; after a refusal, twice more.
	TransactionCode string
	// Amount (importo) in minor units, at most 99999999; 0 for
	// PageCardCheck, and only there.
	Amount Amount
	// Currency (divisa) is the alphabetic code; empty means
	// PageCurrencyEUR. Not the JSON APIs' numeric code.
	Currency string
	// ReturnURL (url) is where the customer comes back with the outcome,
	// paid or not: at most 500 characters, port 80 or 443.
	ReturnURL string
	// CancelURL (url_back) is where the customer lands on cancelling, and
	// on a request XPay finds malformed (esito ERRORE): at most 200
	// characters, port 80 or 443.
	CancelURL string
	// NotifyURL (urlpost), optional, receives XPay's server-to-server
	// outcome (see PaymentNotificationHandler): at most 500 characters,
	// port 80 or 443.
	NotifyURL string

	// ContractNumber (num_contratto) names the contract that
	// PageRecurringFirst and PageOneClickFirst register: 5 to 30
	// characters, not +, ' or ". Keep it with the customer: Charge and
	// the contract services name the card by it.
	ContractNumber string
	// Group (gruppo) is the group code Nexi assigned, for
	// PageRecurringFirst and PageOneClickFirst. A one-click request signs
	// it even when it is empty (then it is not sent), as Nexi's plugin
	// does.
	Group string

	Email       string      // mail, optional: where XPay sends the receipt; at most 150 characters
	Language    string      // languageId, optional: the page's language, as ITA or ENG; at most 7 characters
	Description string      // descrizione, optional: at most 2000 characters, not #, ' or "
	Capture     CaptureMode // TCONTAB, optional
	Note1       string      // optional, at most 200 characters
	Note2       string      // optional, at most 200 characters
	Note3       string      // optional, at most 200 characters

	// AdditionalFields are further fields for the page, sent as given
	// and not signed: selectedcard, nome, cognome, OPTION_CF,
	// 3dsDinamico, xpayTimeout... A name this request sets itself is
	// refused.
	AdditionalFields map[string]string
}

// PaymentPage is a signed request for XPay's payment page, in both forms
// integrations use: Fields for an auto-submitted POST form to Action, and
// URL for a redirect. ServeHTTP writes the form.
type PaymentPage struct {
	// Action is the page's address, where the form goes.
	Action string
	// Fields are the form's fields, mac among them, in the order Nexi's
	// samples send them.
	Fields []Field
}

// Values returns the fields as url.Values.
func (p *PaymentPage) Values() url.Values {
	v := make(url.Values, len(p.Fields))
	for _, f := range p.Fields {
		v.Add(f.Name, f.Value)
	}
	return v
}

// URL returns the redirect to the page that is equivalent to the form:
// Action with the fields in its query string. XPay takes both; the form
// keeps the fields out of logs that record URLs.
func (p *PaymentPage) URL() string {
	return p.Action + "?" + p.Values().Encode()
}

// formScript submits the form as soon as the page is read; the page's
// Content-Security-Policy allows this script alone, by its hash.
const formScript = `document.getElementById("xpay").submit();`

var (
	formCSP = "default-src 'none'; base-uri 'none'; script-src 'sha256-" + scriptHash(formScript) + "'"

	formTemplate = template.Must(template.New("xpay").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>XPay</title></head>
<body>
<form id="xpay" method="post" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<noscript><button type="submit">Continue to payment</button></noscript>
</form>
<script>` + formScript + `</script>
</body></html>
`))
)

func scriptHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(h[:])
}

// ServeHTTP answers with a page that posts the form to XPay at once (a
// button does it where scripts do not run), whatever the request. Every
// value is escaped by html/template, the page runs no script but its own,
// and it is not cached: it holds a signed request.
func (p *PaymentPage) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", formCSP)
	_ = formTemplate.Execute(w, p) // an error is the client's connection: nothing to tell it
}

const opSignPaymentPage = "SignPaymentPage"

// SignPaymentPage checks req and returns the signed request for XPay's
// payment page, with the Client's alias and secret key, on the Client's
// base URL. It sends nothing. The MAC is SHA-1 over codTrans, divisa and
// importo and the key; for PageOneClickFirst over gruppo and
// num_contratto too. A value that breaks one of XPay's limits is a
// *ValidationError naming it, and nothing is built.
//
// Send the customer there: page.ServeHTTP(w, r) writes a page that posts
// the form, http.Redirect(w, r, page.URL(), http.StatusSeeOther) redirects.
// XPay reports the outcome to ReturnURL and NotifyURL (read them with
// VerifyPaymentResult and PaymentNotificationHandler), and sends the
// customer to CancelURL on cancelling or when it finds the request
// malformed (esito ERRORE, unsigned).
func (c *Client) SignPaymentPage(req *PaymentPageRequest) (*PaymentPage, error) {
	if err := c.usable(opSignPaymentPage); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, &ValidationError{Operation: opSignPaymentPage, Field: "request", WireName: "-", Rule: "must not be nil"}
	}
	if err := req.validate(); err != nil {
		if ve, ok := err.(*ValidationError); ok {
			ve.Operation = opSignPaymentPage
		}
		return nil, err
	}
	cur := req.currency()
	signed := []Field{{"codTrans", req.TransactionCode}, {"divisa", cur}, {"importo", req.Amount.String()}}
	if req.Kind == PageOneClickFirst {
		signed = append(signed, Field{"gruppo", req.Group}, Field{"num_contratto", req.ContractNumber})
	}
	mac := macHex(string(c.creds().secret), signed)
	fields := []Field{
		{"alias", c.creds().alias},
		{"importo", req.Amount.String()},
		{"divisa", cur},
		{"codTrans", req.TransactionCode},
		{"url", req.ReturnURL},
		{"url_back", req.CancelURL},
		{"mac", string(mac[:])},
	}
	add := func(name, value string) {
		if value != "" {
			fields = append(fields, Field{name, value})
		}
	}
	add("urlpost", req.NotifyURL)
	switch req.Kind {
	case PageRecurringFirst:
		fields = append(fields, Field{"num_contratto", req.ContractNumber}, Field{"tipo_servizio", "paga_multi"}, Field{"tipo_richiesta", "PP"})
	case PageOneClickFirst:
		fields = append(fields, Field{"num_contratto", req.ContractNumber}, Field{"tipo_servizio", "paga_1click"})
	case PageCardCheck:
		fields = append(fields, Field{"tipo_richiesta", "VC"})
	}
	add("gruppo", req.Group)
	add("mail", req.Email)
	add("languageId", req.Language)
	add("descrizione", req.Description)
	add("TCONTAB", string(req.Capture))
	add("Note1", req.Note1)
	add("Note2", req.Note2)
	add("Note3", req.Note3)
	for _, name := range sortedKeys(req.AdditionalFields) {
		fields = append(fields, Field{name, req.AdditionalFields[name]})
	}
	return &PaymentPage{Action: c.baseURL + PagePath, Fields: fields}, nil
}

func (r *PaymentPageRequest) currency() string {
	if r.Currency == "" {
		return PageCurrencyEUR
	}
	return r.Currency
}

// pageFields are the names a PaymentPageRequest sets itself, which
// AdditionalFields may not.
var pageFields = []string{
	"alias", "importo", "divisa", "codTrans", "url", "url_back", "mac", "urlpost", "num_contratto", "tipo_servizio",
	"tipo_richiesta", "gruppo", "mail", "languageId", "descrizione", "TCONTAB", "Note1", "Note2", "Note3",
}

func (r *PaymentPageRequest) validate() error {
	contract := r.Kind == PageRecurringFirst || r.Kind == PageOneClickFirst
	err := firstError(
		checkPageKind(r.Kind),
		checkPageCode("TransactionCode", "codTrans", r.TransactionCode, 2, 30, `#'"=`),
		checkPageAmount(r.Kind, r.Amount),
		checkPageCurrency(r.Currency),
		checkPageURL("ReturnURL", "url", r.ReturnURL, 500, true),
		checkPageURL("CancelURL", "url_back", r.CancelURL, 200, true),
		checkPageURL("NotifyURL", "urlpost", r.NotifyURL, 500, false),
		checkContractFields(contract, r.ContractNumber, r.Group),
		checkEmail("Email", "mail", r.Email),
		checkOptionalCode("Language", "languageId", r.Language, 7),
		checkText("Description", "descrizione", r.Description, 2000),
		checkExcluded("Description", "descrizione", r.Description, `#'"`),
		checkCaptureMode(r.Capture),
		checkText("Note1", "Note1", r.Note1, 200),
		checkText("Note2", "Note2", r.Note2, 200),
		checkText("Note3", "Note3", r.Note3, 200),
	)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(r.AdditionalFields) {
		switch {
		case name == "" || len(name) > 50 || checkPrintable("AdditionalFields", "-", name) != nil || strings.ContainsAny(name, "=&"):
			return invalid("AdditionalFields", printable(name), "names must be 1 to 50 printable ASCII characters without = or &")
		case containsFold(pageFields, name):
			return invalid("AdditionalFields", name, "is set by its own field of PaymentPageRequest (or by SignPaymentPage): set it there")
		}
		if err := checkText("AdditionalFields["+name+"]", name, r.AdditionalFields[name], 2000); err != nil {
			return err
		}
	}
	return nil
}

func checkPageKind(k PageKind) error {
	if k < PagePayment || k > PageCardCheck {
		return invalid("Kind", "tipo_servizio", "is not a PageKind: %d", int(k))
	}
	return nil
}

// checkPageCode checks a code of the page: shortest to longest printable
// ASCII characters, none of excluded.
func checkPageCode(field, wire, v string, shortest, longest int, excluded string) error {
	return firstError(checkCode(field, wire, v, shortest, longest), checkExcluded(field, wire, v, excluded))
}

func checkExcluded(field, wire, v, excluded string) error {
	if i := strings.IndexAny(v, excluded); i >= 0 {
		return invalid(field, wire, "must not contain %q (found at byte %d); none of %s", v[i], i, excluded)
	}
	return nil
}

// maxPageAmount is the largest importo the page takes.
const maxPageAmount = 99999999

func checkPageAmount(k PageKind, a Amount) error {
	switch {
	case k == PageCardCheck && a != 0:
		return invalid("Amount", "importo", "must be 0 for a card check (PageCardCheck), got %d", int64(a))
	case k != PageCardCheck && a <= 0:
		return invalid("Amount", "importo", "must be a positive number of minor units (cents), got %d; 0 is a card check (PageCardCheck)", int64(a))
	case a > maxPageAmount:
		return invalid("Amount", "importo", "must be at most %d minor units, got %d", maxPageAmount, int64(a))
	}
	return nil
}

func checkPageCurrency(c string) error {
	switch {
	case c == "":
		return nil
	case len(c) == 3 && isDigits(c):
		return invalid("Currency", "divisa", "is %q, a numeric code: the page takes the alphabetic one, such as %s (the JSON APIs take %s)", c, PageCurrencyEUR, CurrencyEUR)
	case len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "":
		return invalid("Currency", "divisa", "must be three capital letters, such as %s, got %q", PageCurrencyEUR, printable(c))
	}
	return nil
}

// checkPageURL checks a URL the page sends the customer or the outcome
// to: XPay takes ports 80 and 443 only. A loopback host may have any:
// XPay cannot reach it, so it is for a sandbox on this machine.
func checkPageURL(field, wire, v string, longest int, required bool) error {
	if err := checkURL(field, wire, v, required); err != nil || v == "" {
		return err
	}
	if len(v) > longest {
		return invalid(field, wire, "must be at most %d characters, got %d", longest, len(v))
	}
	u, _ := url.Parse(v) // checkURL parsed it
	if p := u.Port(); p != "" && p != "80" && p != "443" && !isLoopback(u.Hostname()) {
		return invalid(field, wire, "must use port 80 or 443, as XPay requires, got %s", p)
	}
	return nil
}

func checkContractFields(contract bool, number, group string) error {
	switch {
	case contract && number == "":
		return invalid("ContractNumber", "num_contratto", "is required for a first payment of a contract")
	case !contract && number != "":
		return invalid("ContractNumber", "num_contratto", "is only for PageRecurringFirst and PageOneClickFirst")
	case !contract && group != "":
		return invalid("Group", "gruppo", "is only for PageRecurringFirst and PageOneClickFirst")
	case contract:
		return firstError(
			checkPageCode("ContractNumber", "num_contratto", number, 5, maxContractLen, `+'"`),
			checkOptionalCode("Group", "gruppo", group, 30),
		)
	}
	return nil
}

func checkCaptureMode(m CaptureMode) error {
	switch m {
	case "", CaptureImmediate, CaptureDeferred:
		return nil
	}
	return invalid("Capture", "TCONTAB", "must be CaptureImmediate (C), CaptureDeferred (D) or empty, got %q", printable(string(m)))
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
