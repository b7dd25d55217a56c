package xpaytest

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xpaygo/xpay"
)

// The payment page (ecomm/ecomm/DispatcherServlet). A merchant sends the
// customer there with a signed request, by a form or a redirect; the
// Server checks it as XPay does and sends the customer on to its payment
// page, the one that serves Pay-by-Link links, with the same pay, refuse
// and cancel controls and the same outcome: to url, notified to urlpost,
// or to url_back on cancelling. A request it cannot take lands on url_back
// with esito ERRORE.

// payments is what the payment page and XPay Build keep: part of state.
type payments struct {
	checkouts    map[string]*link // the checkouts the page opened, by codTrans
	checkoutList []*link
	nonces       map[string]*nonce // by xpayNonce
	nonceList    []*nonce
}

func newPayments() payments {
	return payments{checkouts: map[string]*link{}, nonces: map[string]*nonce{}}
}

// checkoutLifetime is how long a checkout on the payment page stays open.
const checkoutLifetime = time.Hour

// pageRetries is how many times the page takes a codTrans again after a
// negative outcome: twice, XPay's default ("the same code may be sent again
// at most 2 more times", quoted by mlocati's Request.php:120-127). A code
// paid, or refused a third time, is used; one left open or cancelled on
// the page may be sent again at any time.
const pageRetries = 2

// cardExpiry is the expiry of the sandbox's test card, yyyymm: December,
// four years after the Server's clock, so that no run finds it past.
func (s *Server) cardExpiry() string { return strconv.Itoa(s.now().In(s.loc).Year()+4) + "12" }

// pageRequired are the fields every request for the page carries, with
// alias and url_back, which are checked first.
var pageRequired = []string{"importo", "divisa", "codTrans", "url", "mac"}

// checkoutPage serves the payment page: GET with the fields in the query
// string, POST with them as a form.
func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) {
	var params url.Values
	switch r.Method {
	case http.MethodGet:
		params = r.URL.Query()
	case http.MethodPost:
		var ok bool
		if params, ok = readPageForm(w, r); !ok {
			return
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	l, back, err := s.startCheckout(params)
	s.mu.Unlock()
	switch {
	case err != nil:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_ = errorPage.Execute(w, err.Error())
	case back != "":
		http.Redirect(w, r, back, http.StatusSeeOther)
	default:
		http.Redirect(w, r, s.linkURL(l), http.StatusSeeOther)
	}
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="it"><head><meta charset="utf-8"><title>XPay sandbox: errore</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto">
<h1>XPay sandbox</h1>
<p><strong>{{.}}</strong></p>
</body></html>
`))

// readPageForm reads a form posted to the page: urlencoded, at most
// maxPageForm bytes, read whole before the Server's lock is taken. On
// failure it has answered.
func readPageForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); !strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded") {
		http.Error(w, "the payment form is application/x-www-form-urlencoded", http.StatusUnsupportedMediaType)
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPageForm)
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		if errors.As(err, new(*http.MaxBytesError)) {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, http.StatusText(status), status)
		return nil, false
	}
	return r.PostForm, true
}

// startCheckout checks a request for the page, in XPay's order: url_back
// (without it, err: there is nowhere to send the customer), alias,
// required fields, their values, the MAC, the service. A request it
// cannot take gets back, url_back with esito ERRORE; one it takes opens a
// checkout, l. s.mu must be held.
func (s *Server) startCheckout(params url.Values) (l *link, back string, err error) {
	get := params.Get
	back = get("url_back")
	if u, perr := url.Parse(back); back == "" || perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(back) > 200 {
		return nil, "", errors.New("url_back mancante o non valido: un URL http:// o https:// di al più 200 caratteri")
	}
	fail := func(warning string, args ...any) (*link, string, error) {
		return nil, withQuery(back, pageError(params, fmt.Sprintf(warning, args...))), nil
	}
	if get("alias") != s.alias {
		return fail("alias %q non valido", get("alias"))
	}
	for _, name := range pageRequired {
		if get(name) == "" {
			return fail("Parametro %s mancante", name)
		}
	}
	code, importo, divisa, kind := get("codTrans"), get("importo"), get("divisa"), get("tipo_servizio")
	var amount xpay.Amount
	switch {
	case len(code) < 2 || len(code) > 30 || strings.ContainsAny(code, `#'"`):
		return fail("codTrans: da 2 a 30 caratteri, esclusi # ' \"")
	case len(importo) > 8 || amount.UnmarshalJSON([]byte(`"`+importo+`"`)) != nil || amount < 0:
		return fail("importo: intero in centesimi, da 0 a 99999999")
	case divisa != xpay.PageCurrencyEUR && divisa != string(xpay.CurrencyEUR):
		return fail("divisa: la sandbox accetta EUR (o 978)")
	case !pageURL(get("url"), 500) || get("urlpost") != "" && !pageURL(get("urlpost"), 500):
		return fail("url, urlpost: URL http:// o https:// di al più 500 caratteri")
	case len(get("mail")) > 150:
		return fail("mail: al più 150 caratteri")
	}
	mac := []xpay.Field{{Name: "codTrans", Value: code}, {Name: "divisa", Value: divisa}, {Name: "importo", Value: importo}}
	if kind == "paga_1click" { // the merchant's group is signed, whether or not it is sent
		mac = append(mac, xpay.Field{Name: "gruppo", Value: s.group}, xpay.Field{Name: "num_contratto", Value: get("num_contratto")})
	}
	if !strings.EqualFold(get("mac"), xpay.Sign(s.secret, mac...)) {
		return fail("MAC errato")
	}
	request, number := get("tipo_richiesta"), get("num_contratto")
	switch {
	case request == "VC" && (amount != 0 || kind != ""):
		return fail("tipo_richiesta VC: una verifica della carta, con importo 0 e senza tipo_servizio")
	case request != "VC" && amount == 0:
		return fail("importo: 0 solo per una verifica della carta (tipo_richiesta VC)")
	case kind != "" && kind != "paga_multi" && kind != "paga_1click":
		return fail("tipo_servizio %q non gestito dalla sandbox: paga_multi o paga_1click", kind)
	case kind == "paga_multi" && request != "PP" && request != "PR":
		return fail("tipo_richiesta: PP (primo pagamento) o PR per paga_multi")
	case kind != "" && (len(number) < 5 || len(number) > 30 || strings.ContainsAny(number, `+'"`)):
		return fail("num_contratto: da 5 a 30 caratteri, esclusi + ' \"")
	case kind != "" && get("gruppo") != "" && get("gruppo") != s.group:
		return fail("gruppo %q non valido", get("gruppo"))
	case kind == "paga_multi" && request == "PP" && s.state.contracts[number] != nil:
		return fail("num_contratto %s già presente", number)
	case kind == "paga_multi" && request == "PR" && s.liveContract(number) == nil:
		return fail("num_contratto %s sconosciuto", number)
	}
	retries := 0
	switch old := s.state.pay.checkouts[code]; {
	case old != nil && old.outcome == "":
		old.replaced = true // the customer came back and sent the form again: the old page is closed
		delete(s.state.tokens, old.token)
		retries = old.retries
	case old != nil && old.outcome == linkDenied && old.retries < pageRetries:
		retries = old.retries + 1 // a new try after a refusal
	case old != nil && old.outcome == linkDenied:
		return fail("codTrans %s: già rifiutato %d volte", code, pageRetries+1)
	case s.codeTaken(code):
		return fail("codTrans %s già utilizzato", code)
	}
	// Copies: the form's values are pieces of its whole body.
	now, code := s.now(), strings.Clone(code)
	l = &link{code: code, origin: code, amount: amount, returnURL: strings.Clone(get("url")), cancelURL: strings.Clone(back),
		notifyURL: strings.Clone(get("urlpost")), params: map[string]string{}, token: newToken(), created: now,
		expires: now.Add(checkoutLifetime), retries: retries}
	if m := get("mail"); m != "" {
		l.params["mail"] = strings.Clone(m)
	}
	if kind != "" && request != "PR" {
		l.params["num_contratto"] = strings.Clone(number) // pay registers it
	}
	s.holdCheckout(l)
	return l, "", nil
}

// pageURL reports whether v is an http or https URL of at most longest
// characters.
func pageURL(v string, longest int) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(v) <= longest
}

// pageError is the outcome of a request the page cannot take, as the
// customer brings it to url_back: esito ERRORE and what is wrong in
// warning, with the request's own codTrans, importo and divisa. XPay's
// integrations read it without a MAC, and the Server sends none.
func pageError(params url.Values, warning string) url.Values {
	q := url.Values{"esito": {"ERRORE"}, "messaggio": {"Errore nei parametri della richiesta"}, "warning": {warning}}
	for _, name := range []string{"codTrans", "importo", "divisa"} {
		if v := params.Get(name); v != "" {
			q.Set(name, v)
		}
	}
	return q
}

// holdCheckout holds a checkout of the page, within the Server's bound.
func (s *Server) holdCheckout(l *link) {
	p := &s.state.pay
	p.checkouts[l.code] = l
	s.state.tokens[l.token] = l
	p.checkoutList = bound(append(p.checkoutList, l), s.maxItems, func(l *link) {
		if p.checkouts[l.code] == l {
			delete(p.checkouts, l.code)
		}
		if s.state.tokens[l.token] == l {
			delete(s.state.tokens, l.token)
		}
	})
}

// codeTaken reports whether an order, a link or a checkout of the page
// has code.
func (s *Server) codeTaken(code string) bool {
	return s.codeInUse(code) || s.state.pay.checkouts[code] != nil
}

// checkCard is a card check's outcome on the page: the card is looked
// at, nothing is kept, so the order is the outcome's alone.
func (s *Server) checkCard(l *link, approve bool) *order {
	o := &order{code: l.code, state: xpay.OrderStateDenied, brand: "VISA", pan: "453997******0006", expiry: s.cardExpiry(), email: l.params["mail"]}
	l.outcome = linkDenied
	if approve {
		o.state, o.auth, l.outcome = xpay.OrderStateAuthorized, authCode(l.code), linkPaid
	}
	return o
}

// PayCheckout completes the payment of the checkout the payment page
// opened for code, as the customer on the page would: approved or
// declined, as PayLink does for a link, notifying its urlpost before it
// returns (unless a NotificationFault says otherwise). It returns the
// signed return URL the customer's browser is sent to. A first payment of
// a recurring or one-click contract registers the contract when approved.
func (s *Server) PayCheckout(code string, approve bool) (returnURL string, err error) {
	s.mu.Lock()
	l := s.state.pay.checkouts[code]
	if l == nil {
		s.mu.Unlock()
		return "", fmt.Errorf("xpaytest: no checkout on the payment page with code %s", code)
	}
	return s.payAndUnlock(l, approve)
}

// CancelCheckout gives up the payment page's checkout for code, as the
// customer pressing cancel: it returns url_back with esito ANNULLO,
// signed.
func (s *Server) CancelCheckout(code string) (backURL string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.state.pay.checkouts[code]
	if l == nil {
		return "", fmt.Errorf("xpaytest: no checkout on the payment page with code %s", code)
	}
	return s.cancel(l)
}

// knownCheckout is a control call's 404 for an unknown checkout.
func (s *Server) knownCheckout(code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.pay.checkouts[code] == nil {
		return controlError{http.StatusNotFound, fmt.Errorf("no checkout on the payment page with code %s", code)}
	}
	return nil
}
