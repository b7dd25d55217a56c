package xpaytest

import (
	"crypto/rand"
	"encoding/hex"
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

// Link states, as statoEsteso reports them.
const (
	linkUnpaid = "Da pagare"
	linkPaid   = "Pagato"
	linkDenied = "Negato"
	linkExpiry = "Scaduto"
)

type link struct {
	code        string // the code now tied to the link
	origin      string // the code of the first link of its family
	regenerated int    // regenerations after a negative outcome, in the family
	amount      xpay.Amount
	returnURL   string
	cancelURL   string
	notifyURL   string
	params      map[string]string
	token       string
	created     time.Time
	expires     time.Time
	outcome     string // "", linkPaid or linkDenied
	replaced    bool   // regenerated under a new code
	retries     int    // of the payment page: forms taken again after a negative outcome, for its code
}

func (l *link) status(now time.Time) string {
	switch {
	case l.outcome != "":
		return l.outcome
	case now.After(l.expires):
		return linkExpiry
	}
	return linkUnpaid
}

func (s *Server) linkURL(l *link) string { return s.URL + "/paybylink/" + l.token }

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// checkURL checks a link's URL as XPay's payment page takes it: http or
// https, at most longest bytes (500 for url and urlpost, 200 for url_back).
func checkURL(name, v string, required bool, longest int) *apiError {
	if v == "" && !required {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(v) > longest {
		return ko(xpay.CodeInvalidParameter, "%s: URL http:// o https://, al massimo %d caratteri", name, longest)
	}
	return nil
}

func (s *Server) codeInUse(code string) bool {
	_, order := s.state.orders[code]
	_, link := s.state.links[code]
	return order || link
}

func (s *Server) createLink(r *request) (map[string]any, *apiError) {
	code, e := r.transactionCode("codiceTransazione")
	if e != nil {
		return nil, e
	}
	amount, e := r.amount("importo")
	if e != nil {
		return nil, e
	}
	hours, e := r.positive("timeout")
	if e != nil {
		return nil, e
	}
	u, e := s.addLink(Link{Code: code, Amount: amount, Hours: hours, ReturnURL: r.get("url"), CancelURL: r.get("urlBack"),
		NotifyURL: r.get("urlPost"), Parameters: r.objects["parametriAggiuntivi"]})
	if e != nil {
		return nil, e
	}
	return map[string]any{"payMailUrl": u}, nil
}

// Link seeds a Pay-by-Link link, as richiestaPayMail makes one.
type Link struct {
	Code       string            `json:"code"`              // codiceTransazione, 2 to 30 characters, not in use
	Amount     xpay.Amount       `json:"amount"`            // importo, in cents
	Hours      int               `json:"hours"`             // timeout: how long the link can be paid, 1 to 1,000,000
	ReturnURL  string            `json:"url"`               // url, required
	CancelURL  string            `json:"urlBack,omitempty"` // urlBack
	NotifyURL  string            `json:"urlPost,omitempty"` // urlPost
	Parameters map[string]string `json:"parameters,omitempty"`
}

// AddLink seeds a link, as if richiestaPayMail had asked for it, with
// XPay's checks, and returns its payMailUrl. PayLink, CancelLink and the
// payment page then see it as any other.
func (s *Server) AddLink(l Link) (payMailURL string, err error) {
	if len(l.Code) < 2 || len(l.Code) > 30 {
		return "", fmt.Errorf("xpaytest: link code %q: want 2 to 30 characters", l.Code)
	}
	if l.Amount <= 0 || l.Hours <= 0 || l.Hours > 1_000_000 {
		return "", fmt.Errorf("xpaytest: link %s: amount and hours must be positive (hours at most 1,000,000)", l.Code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, e := s.addLink(l)
	if e != nil {
		return "", fmt.Errorf("xpaytest: link %s: %s", l.Code, e.message())
	}
	return u, nil
}

// addLink checks l's URLs, parameters and code, and holds a copy of it.
// s.mu must be held.
func (s *Server) addLink(l Link) (string, *apiError) {
	for _, u := range []struct {
		name, value string
		required    bool
		longest     int
	}{{"url", l.ReturnURL, true, 500}, {"urlBack", l.CancelURL, false, 200}, {"urlPost", l.NotifyURL, false, 500}} {
		if e := checkURL(u.name, u.value, u.required, u.longest); e != nil {
			return "", e
		}
	}
	if size := paramsSize(l.Parameters); size > MaxLinkParameters {
		return "", ko(xpay.CodeInvalidParameter, "parametriAggiuntivi: %d byte, al massimo %d", size, MaxLinkParameters)
	}
	if s.codeInUse(l.Code) {
		return "", ko(xpay.CodeDuplicate, "%s", l.Code)
	}
	// Copies: a request's values are pieces of its whole body, which the
	// link must not keep alive.
	var params map[string]string
	if l.Parameters != nil {
		params = make(map[string]string, len(l.Parameters))
		for k, v := range l.Parameters {
			params[strings.Clone(k)] = strings.Clone(v)
		}
	}
	code := strings.Clone(l.Code)
	k := &link{code: code, origin: code, amount: l.Amount, token: newToken(), params: params,
		returnURL: strings.Clone(l.ReturnURL), cancelURL: strings.Clone(l.CancelURL), notifyURL: strings.Clone(l.NotifyURL)}
	k.created = s.now()
	k.expires = k.created.Add(time.Duration(l.Hours) * time.Hour)
	s.holdLink(k)
	return s.linkURL(k), nil
}

// MaxLinkParameters is the most bytes of parametriAggiuntivi (names and
// values) a link may keep: a Server left running keeps links until they
// are pushed out by newer ones (see DefaultMaxItems).
const MaxLinkParameters = 4 << 10

func paramsSize(params map[string]string) int {
	n := 0
	for k, v := range params {
		n += len(k) + len(v)
	}
	return n
}

// holdLink holds l, within the Server's bound.
func (s *Server) holdLink(l *link) {
	s.state.links[l.code] = l
	s.state.tokens[l.token] = l
	s.state.linksByDay.add(dayKey(l.created), l)
	s.state.linkList = bound(append(s.state.linkList, l), s.maxItems, func(l *link) {
		if s.state.links[l.code] == l {
			delete(s.state.links, l.code)
		}
		delete(s.state.tokens, l.token)
		s.state.linksByDay.remove(dayKey(l.created), l)
	})
}

// regenerateLink follows XPay's rules: an unused link keeps its URL and
// gets a new expiry; a link paid with a negative outcome is replaced by a
// new one whose code is nuovoCodiceTransazione or the first code plus a
// counter ("-1", "-2"...) which, to stay within 30 characters, replaces
// at most the code's last two characters (see counted).
func (s *Server) regenerateLink(r *request) (map[string]any, *apiError) {
	code, e := r.transactionCode("codiceTransazione")
	if e != nil {
		return nil, e
	}
	hours, e := r.positive("timeout")
	if e != nil {
		return nil, e
	}
	l := s.state.links[code]
	if l == nil {
		return nil, ko(xpay.CodeTransactionNotFound, "link %s", code)
	}
	now := s.now()
	switch l.outcome {
	case linkPaid:
		return nil, ko(xpay.CodeInvalidState, "link già pagato")
	case "":
		l.expires = now.Add(time.Duration(hours) * time.Hour)
		return map[string]any{"payMailUrl": s.linkURL(l), "codiceTransazione": l.code}, nil
	}
	newCode := r.get("nuovoCodiceTransazione")
	n := l.regenerated
	if newCode == "" {
		for {
			n++
			newCode = counted(l.origin, n)
			if newCode == "" {
				return nil, ko(xpay.CodeRetriesExhausted, "nessun nuovo codice per %s", l.origin)
			}
			if !s.codeInUse(newCode) {
				break
			}
		}
	} else if len(newCode) < 2 || len(newCode) > 30 {
		return nil, ko(xpay.CodeInvalidParameter, "nuovoCodiceTransazione: da 2 a 30 caratteri")
	} else if s.codeInUse(newCode) {
		return nil, ko(xpay.CodeDuplicate, "%s", newCode)
	} else {
		newCode = strings.Clone(newCode) // not a piece of the request's body
	}
	next := *l
	next.code, next.regenerated, next.token, next.outcome = newCode, n, newToken(), ""
	next.created, next.expires = now, now.Add(time.Duration(hours)*time.Hour)
	l.replaced = true
	delete(s.state.links, l.code)
	s.holdLink(&next)
	return map[string]any{"payMailUrl": s.linkURL(&next), "codiceTransazione": next.code}, nil
}

// linkJSON is a link as ReportPaymail lists it.
type linkJSON struct {
	Code    string `json:"codiceTransazione"`
	Amount  int64  `json:"importo"`
	Created string `json:"dataCreazioneLink"`
	State   string `json:"statoEsteso"`
	Circuit string `json:"circuito"`
}

func (s *Server) linkReport(r *request) (map[string]any, *apiError) {
	from, setA, okA := s.date(r.get("linkCreatiDal"))
	to, setB, okB := s.date(r.get("linkCreatiAl"))
	if !setA || !setB || !okA || !okB {
		return nil, ko(xpay.CodeInvalidParameter, "linkCreatiDal, linkCreatiAl: gg/mm/aaaa")
	}
	to = to.AddDate(0, 0, 1).Add(-time.Nanosecond)
	now := s.now()
	list := []linkJSON{}
	links := s.state.linkList // all of them, when that is cheaper than the days asked for
	if days := int(to.Sub(from).Hours()/24) + 1; days < len(links) {
		links = nil // by day: a call costs what it finds
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			links = append(links, s.state.linksByDay[dayKey(d)]...)
		}
	}
	for _, l := range links {
		if len(list) == xpay.MaxPayByLinkResults {
			break
		}
		if !inRange(l.created, from, to) {
			continue
		}
		circuit := ""
		if o := s.state.orders[l.code]; o != nil {
			circuit = o.brand
		}
		list = append(list, linkJSON{l.code, int64(l.amount), l.created.In(s.loc).Format(layoutDateTime), l.status(now), circuit})
	}
	return map[string]any{"paymail": list}, nil
}

// counted is code with the counter n: "-n" appended when it fits in 30
// characters, or in place of the code's last two characters when it is
// two characters long; past 9, the digits of n in place of the last two.
// It is "" when n needs more.
func counted(code string, n int) string {
	suffix := "-" + strconv.Itoa(n)
	switch {
	case len(code)+len(suffix) <= 30:
		return code + suffix
	case len(suffix) <= 2:
		return code[:30-len(suffix)] + suffix
	case n <= 99:
		return code[:28] + strconv.Itoa(n)
	}
	return ""
}

// PayLink completes the payment of the link now tied to code, as a
// customer on the payment page would: approved, the order is Autorizzato;
// declined, it is Negato. It returns the signed return URL the customer's
// browser is sent back to, for testing how a merchant reads it (see
// xpay.Client.VerifyPaymentResult). When the link has a urlPost, the
// notification is delivered before PayLink returns, unless a
// NotificationFault delays or drops it.
func (s *Server) PayLink(code string, approve bool) (returnURL string, err error) {
	s.mu.Lock()
	l := s.state.links[code]
	if l == nil {
		s.mu.Unlock()
		return "", fmt.Errorf("xpaytest: no link with code %s", code)
	}
	return s.payAndUnlock(l, approve)
}

// payAndUnlock pays l as the customer on the page does, releases s.mu,
// which the caller holds, then delivers the notification, and returns
// the signed return URL.
func (s *Server) payAndUnlock(l *link, approve bool) (returnURL string, err error) {
	o, err := s.pay(l, approve)
	if err != nil {
		s.mu.Unlock()
		return "", err
	}
	result := s.outcome(l, o)
	n := s.notification(l, result)
	s.mu.Unlock()
	s.deliver(n)
	return withQuery(l.returnURL, result), nil
}

// CancelLink gives up the payment of the link now tied to code, as a
// customer pressing the payment page's cancel button: nothing is paid, the
// link stays usable, and the customer's browser is sent to the link's
// urlBack with esito ANNULLO, signed as every outcome is. It returns that
// URL. A link without a urlBack has no cancel button: an error.
func (s *Server) CancelLink(code string) (backURL string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.state.links[code]
	if l == nil {
		return "", fmt.Errorf("xpaytest: no link with code %s", code)
	}
	return s.cancel(l)
}

var errNoCancel = errors.New("this link has no urlBack: its page offers no cancel")

// cancel is the customer's cancellation of l, from its page: the signed
// urlBack to send them to. s.mu must be held.
func (s *Server) cancel(l *link) (string, error) {
	switch {
	case l.cancelURL == "":
		return "", errNoCancel
	case l.replaced:
		return "", errLinkReplaced
	case l.outcome != "":
		return "", errLinkUsed
	case s.now().After(l.expires):
		return "", errLinkExpired
	}
	return withQuery(l.cancelURL, s.outcome(l, nil)), nil
}

var (
	errLinkUsed     = errors.New("this link has already been used")
	errLinkExpired  = errors.New("this link has expired")
	errLinkReplaced = errors.New("this link was replaced by a newer one")
)

// pay records the customer's payment on l and returns the order.
func (s *Server) pay(l *link, approve bool) (*order, error) {
	switch {
	case l.replaced:
		return nil, errLinkReplaced
	case l.outcome != "":
		return nil, errLinkUsed
	case s.now().After(l.expires):
		return nil, errLinkExpired
	}
	if l.amount == 0 { // a card check (tipo_richiesta=VC): the card is checked, nothing is kept
		return s.checkCard(l, approve), nil
	}
	o := Order{Code: l.code, Amount: l.amount, State: xpay.OrderStateDenied, Email: l.params["mail"]}
	l.outcome = linkDenied
	if approve {
		o.State, l.outcome = xpay.OrderStateAuthorized, linkPaid
	}
	ord := s.state.orders[l.code]
	switch {
	case l.retries > 0 && ord != nil && ord.state == xpay.OrderStateDenied:
		// A new try on the page after a refusal: the same order, refused again or now authorized.
		ord.amount, ord.email = l.amount, l.params["mail"]
		if approve {
			ord.auth = authCode(l.code)
			s.setState(ord, xpay.OrderStateAuthorized)
		} else {
			s.setState(ord, xpay.OrderStateDenied)
		}
	default:
		if err := s.addOrder(o); err != nil {
			return nil, err
		}
		ord = s.state.orders[l.code]
	}
	// A link that asks for a contract (num_contratto among its
	// parametriAggiuntivi) registers the card under it when paid, as a
	// first recurring payment does; the outcome then carries it.
	if number := l.params["num_contratto"]; approve && number != "" && s.state.contracts[number] == nil {
		if err := s.addContract(Contract{Number: number, TransactionCode: l.code, HashPAN: "HASH-" + l.code, CreatedAt: s.now()}); err == nil {
			ord.contract = number
		}
	}
	return ord, nil
}

// The payment page. Its form, for programs driving it: POST to the link's
// URL, application/x-www-form-urlencoded, outcome=approve (paid),
// outcome=decline (refused) or outcome=cancel (the customer gives up: to
// urlBack, when the link has one).
var payTemplate = template.Must(template.New("pay").Parse(`<!doctype html>
<html lang="it"><head><meta charset="utf-8"><title>XPay sandbox: pagamento {{.Code}}</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto">
<h1>XPay sandbox</h1>
{{if .Problem}}<p><strong>{{.Problem}}</strong></p>{{else}}
<p>Ordine <strong>{{.Code}}</strong>: <strong>{{.Amount}} EUR</strong></p>
<p>Scadenza del link: {{.Expires}}</p>
<form method="post">
<button name="outcome" value="approve">Paga (carta di test)</button>
<button name="outcome" value="decline">Simula un pagamento rifiutato</button>
{{if .Cancel}}<button name="outcome" value="cancel">Annulla e torna al negozio</button>{{end}}
</form>{{end}}
</body></html>
`))

// maxPageForm caps the payment page's form: one field, outcome.
const maxPageForm = 16 << 10

// payPage serves a link: GET shows the payment page, POST pays, notifies
// the link's urlPost and sends the customer back to the merchant's url
// with XPay's outcome parameters.
func (s *Server) payPage(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimPrefix(r.URL.Path, "/paybylink/")
	// The form is read whole before the Server's lock is taken, so that a
	// peer that sends it slowly holds no other request; and it is small.
	var approve, cancel bool
	if r.Method == http.MethodPost {
		if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); !strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded") {
			http.Error(w, "the payment form is application/x-www-form-urlencoded", http.StatusUnsupportedMediaType)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxPageForm)
		if err := r.ParseForm(); err != nil {
			status := http.StatusBadRequest
			if errors.As(err, new(*http.MaxBytesError)) {
				status = http.StatusRequestEntityTooLarge
			}
			http.Error(w, http.StatusText(status), status)
			return
		}
		approve = r.PostForm.Get("outcome") == "approve"
		cancel = r.PostForm.Get("outcome") == "cancel"
	}
	s.mu.Lock()
	l := s.state.tokens[token]
	if l == nil {
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	page := map[string]any{
		"Code": l.code, "Amount": l.amount.Decimal(xpay.CurrencyEUR),
		"Expires": l.expires.In(s.loc).Format(layoutDateTime), "Cancel": l.cancelURL != "",
	}
	problem := func(status int, err error) {
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		page["Problem"] = err.Error()
		_ = payTemplate.Execute(w, page)
	}
	switch r.Method {
	case http.MethodGet:
		switch {
		case l.replaced:
			problem(http.StatusGone, errLinkReplaced)
		case l.outcome != "":
			problem(http.StatusConflict, errLinkUsed)
		case s.now().After(l.expires):
			problem(http.StatusGone, errLinkExpired)
		default:
			s.mu.Unlock()
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = payTemplate.Execute(w, page)
		}
		return
	case http.MethodPost:
	default:
		s.mu.Unlock()
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if cancel {
		back, err := s.cancel(l)
		if err != nil {
			problem(http.StatusConflict, err)
			return
		}
		s.mu.Unlock()
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	o, err := s.pay(l, approve)
	if err != nil {
		problem(http.StatusConflict, err)
		return
	}
	result := s.outcome(l, o)
	n := s.notification(l, result)
	s.mu.Unlock()
	s.deliver(n) // outside the lock: the merchant's handler may call back
	http.Redirect(w, r, withQuery(l.returnURL, result), http.StatusSeeOther)
}

// outcome is the payment page's outcome parameters for l, with their MAC
// (codTrans, esito, importo, divisa, data, orario, codAut), and the
// unsigned ones XPay adds: o is the order the payment made, nil when the
// customer cancelled (esito ANNULLO).
func (s *Server) outcome(l *link, o *order) url.Values {
	now := s.now().In(s.loc)
	esito, auth := "ANNULLO", ""
	switch {
	case o == nil:
	case o.state == xpay.OrderStateDenied:
		esito = "KO"
	default:
		esito, auth = "OK", o.auth
	}
	fields := []xpay.Field{
		{Name: "codTrans", Value: l.code}, {Name: "esito", Value: esito}, {Name: "importo", Value: l.amount.String()},
		{Name: "divisa", Value: "EUR"}, {Name: "data", Value: now.Format("20060102")}, {Name: "orario", Value: now.Format("150405")},
		{Name: "codAut", Value: auth},
	}
	q := url.Values{}
	for _, f := range fields {
		q.Set(f.Name, f.Value)
	}
	q.Set("mac", xpay.Sign(s.secret, fields...))
	switch esito {
	case "KO":
		q.Set("messaggio", "Autorizzazione negata")
	case "ANNULLO":
		q.Set("messaggio", "Pagamento annullato dall'utente")
	}
	q.Set("alias", s.alias)
	if o == nil {
		return q
	}
	for k, v := range map[string]string{"brand": o.brand, "mail": o.email, "pan": o.pan, "scadenza_pan": o.expiry, "num_contratto": o.contract} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// withQuery returns base with q added to its query string.
func withQuery(base string, q url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + q.Encode()
}

// linkView is a link as the control API shows it.
type linkView struct {
	Code       string            `json:"code"`
	Amount     int64             `json:"amount"`
	State      string            `json:"state"` // statoEsteso: Da pagare, Pagato, Negato, Scaduto
	PayMailURL string            `json:"payMailUrl"`
	CreatedAt  time.Time         `json:"createdAt"`
	ExpiresAt  time.Time         `json:"expiresAt"`
	ReturnURL  string            `json:"url"`
	CancelURL  string            `json:"urlBack,omitempty"`
	NotifyURL  string            `json:"urlPost,omitempty"`
	Parameters map[string]string `json:"parameters,omitempty"`
}

// linkView shows l, in Italian time. s.mu must be held.
func (s *Server) linkView(l *link) linkView {
	return linkView{Code: l.code, Amount: int64(l.amount), State: l.status(s.now()), PayMailURL: s.linkURL(l),
		CreatedAt: l.created.In(s.loc), ExpiresAt: l.expires.In(s.loc), ReturnURL: l.returnURL, CancelURL: l.cancelURL,
		NotifyURL: l.notifyURL, Parameters: l.params}
}
