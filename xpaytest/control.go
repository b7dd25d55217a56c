package xpaytest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xpaygo/xpay"
)

// ControlPrefix is the path under which WithControlAPI serves the control
// API: JSON over HTTP, for tests in any language. Every call answers
// JSON; a refused one answers 400 (404 for an unknown order or link) with
// {"error": "..."} saying why. Times are answered in Italian time, and
// read as XPay writes them (dd/mm/yyyy, dd/mm/yyyy hh:mm:ss, yyyy-mm-dd
// hh:mm:ss, Italian time) or in RFC 3339.
//
//	GET    /_sandbox/                    the Server: baseUrl, alias, group, operations, now
//	POST   /_sandbox/orders              seed an order: Order's fields, as named in its json tags
//	GET    /_sandbox/orders/{code}       an order as the Server holds it
//	POST   /_sandbox/links               seed a link (Link) → {"payMailUrl"}
//	GET    /_sandbox/links/{code}        a link as the Server holds it
//	POST   /_sandbox/contracts           seed a contract (Contract)
//	POST   /_sandbox/blacklist           seed an entry: {"type", "value", "description"}
//	POST   /_sandbox/cfpan               seed a pair: {"taxCode", "hashPan", "expiry"}
//	POST   /_sandbox/warnings            seed a warning: {"transactionCode", "message"}
//	POST   /_sandbox/reports             seed a report: {"name", "processed"} → {"idReport"}
//	POST   /_sandbox/faults              inject {"fault": "Capture:reset,processed,times=1"} (ParseFault),
//	                                     or {"fault": "Notification:twice,times=1"} (ParseNotificationFault)
//	DELETE /_sandbox/faults              clear every fault
//	GET    /_sandbox/requests            the last 1,000 requests that arrived, with the answers they got (Received);
//	                                     ?operation=Capture keeps one operation's
//	GET    /_sandbox/notifications       every attempt to notify a urlPost: the merchant's answer, and why it failed
//	POST   /_sandbox/links/{code}/pay    pay a link: {"approve": true} pays, {"approve": false} declines → {"returnUrl"}
//	POST   /_sandbox/links/{code}/cancel the customer cancels: → {"backUrl"}
//	POST   /_sandbox/checkouts/{code}/pay     pay the payment page's checkout of codTrans: {"approve": true} pays,
//	                                     {"approve": false} declines → {"returnUrl"}
//	POST   /_sandbox/checkouts/{code}/cancel  the customer cancels it: → {"backUrl"}
//	POST   /_sandbox/nonces              issue an XPay Build nonce: {"transactionCode", "amount", "approve"}
//	                                     → {"xpayNonce", "esito", "idOperazione", "timeStamp", "mac"} (IssueNonce)
//	POST   /_sandbox/clock               move the clock: {"advance": "2h"} → {"now"}
//	POST   /_sandbox/reset               forget everything (the demo data comes back if the Server had it)
//
// It answers only requests whose Host is localhost, a loopback address,
// the address the Server listens on, or a name WithControlHosts adds; it
// refuses a request with an Origin of another origin (a page of another host
// or port, unless a name WithControlHosts gave; 403), and a write
// whose body is not application/json (415), so that no web page can drive
// it from the developer's browser.
const ControlPrefix = "/_sandbox/"

// Received is a request that reached an XPay route, and what it got.
type Received struct {
	Operation string    `json:"operation"` // the xpay.Client method, e.g. "Capture"
	At        time.Time `json:"at"`        // in Italian time
	Request   string    `json:"request"`   // the body (the query of a GET), at most 4 KiB
	Status    int       `json:"status"`    // the HTTP status answered; 0 when the connection was cut (or the answer is on its way)
	Answer    string    `json:"answer"`    // the answer's body, at most 4 KiB
}

// receivedCap is how much of a request and of its answer Received keeps.
const receivedCap = 4 << 10

// MaxReceived is how many requests Received keeps, the last ones: enough
// for a test to look back on, few enough that keeping them costs a busy
// Server nothing it would notice.
const MaxReceived = 1000

// Received returns the requests that have reached the XPay routes, oldest
// first: the last MaxReceived of them.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]Received, len(s.received))
	for i, r := range s.received {
		list[i] = Received{r.operation, r.at.In(s.loc), string(r.request), r.status, string(r.answer)}
	}
	return list
}

// received is a Received as the Server keeps it: the bytes as they were,
// made text only when asked for.
type received struct {
	operation       string
	at              time.Time
	request, answer []byte
	status          int
}

// recorder keeps the status and the start of an answer, for Received.
type recorder struct {
	http.ResponseWriter
	status   int
	body     []byte
	owned    bool // body is the answer's own buffer, handed over by own
	hijacked bool
}

// own hands over b, the whole answer about to be written, to be kept as
// it is when it is small: no later Write copies. The start of a larger one
// is copied, so that the log does not hold the whole answer.
func (r *recorder) own(b []byte) {
	r.body, r.owned = capped(b), true
}

// capped returns the first receivedCap bytes of b, copied when b's array
// is larger: what the log keeps holds nothing more alive.
func capped(b []byte) []byte {
	if cap(b) <= receivedCap {
		return b
	}
	return append([]byte(nil), b[:min(len(b), receivedCap)]...)
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if !r.owned {
		r.body = append(r.body, b[:min(len(b), receivedCap-len(r.body))]...)
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() { _ = http.NewResponseController(r.ResponseWriter).Flush() }

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.hijacked = true
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// admit counts a request that reached an XPay route, takes the fault it
// meets, and records it before anything is answered (a fault may cut the
// connection); answered records the answer. One lock for the three.
func (s *Server) admit(rt *route, request []byte, rec *recorder) (f *Fault, answered func()) {
	// request is the Server's own copy of the body, never written to.
	r := &received{operation: rt.method, at: s.base(), request: capped(request)}
	s.mu.Lock()
	s.counts[rt.method]++
	f = s.takeFault(rt.method)
	s.received = bound(append(s.received, r), MaxReceived, nil)
	s.mu.Unlock()
	return f, func() {
		if rec.hijacked {
			return // cut: no status
		}
		s.mu.Lock()
		r.status, r.answer = rec.status, rec.body
		s.mu.Unlock()
	}
}

// MoveClock moves the Server's clock by d: links expire, dates are
// written, reports are scoped and notifications are sent again by it; the
// notifications it brings due are sent before it returns. The timeStamps
// of answers, and the freshness check of requests, stay on the clock the
// Server started with, so that clients keep working.
func (s *Server) MoveClock(d time.Duration) {
	s.offset.Add(int64(d))
	s.sendDue()
}

// Reset forgets every order, link, contract, entry, pair, warning and
// report, every fault, count, recorded request and notification (those
// still to be sent again too), and where MoveClock moved the clock; a
// Server started WithDemoData is seeded again.
func (s *Server) Reset() error {
	s.mu.Lock()
	s.state = newState()
	clear(s.faults)
	clear(s.counts)
	s.notifyFault = nil
	s.notified, s.received, s.held = nil, nil, nil
	s.holding.Store(false)
	s.offset.Store(0)
	s.mu.Unlock()
	s.retries.clear()
	if s.demo {
		return s.Seed()
	}
	return nil
}

// ParseNotificationFault reads a notification fault written as
// KIND[=VALUE],..., as ParseFault reads an operation's: drop, twice,
// wrongmac, delay=DURATION, retries=D/D/... (or retries=none) and
// times=N. Drop, Twice and WrongMAC are one misbehaviour each; Delay and
// Retries may go with any.
func ParseNotificationFault(s string) (NotificationFault, error) {
	var f NotificationFault
	fail := func(format string, args ...any) (NotificationFault, error) {
		return NotificationFault{}, fmt.Errorf("xpaytest: notification fault %q: %s", s, fmt.Sprintf(format, args...))
	}
	kinds := 0
	for _, kv := range strings.Split(s, ",") {
		k, v, hasValue := strings.Cut(kv, "=")
		flag := map[string]*bool{"drop": &f.Drop, "twice": &f.Twice, "wrongmac": &f.WrongMAC}[strings.ToLower(k)]
		switch lk := strings.ToLower(k); {
		case flag != nil && hasValue:
			return fail("%s takes no value", k)
		case flag != nil:
			*flag = true
			kinds++
		case lk == "retries" && hasValue:
			if strings.EqualFold(v, "none") {
				f.NoRetries = true
				continue
			}
			f.Retries = []time.Duration{}
			for _, w := range strings.Split(v, "/") {
				d, err := time.ParseDuration(w)
				if err != nil || d < 0 {
					return fail("retries has a bad value %q: the waits between attempts, as retries=30s/5m, or retries=none", w)
				}
				f.Retries = append(f.Retries, d)
			}
		case lk == "delay" || lk == "times" || lk == "retries":
			if !hasValue {
				return fail("%s needs a value, as %s=...", k, k)
			}
			var err error
			if lk == "delay" {
				f.Delay, err = time.ParseDuration(v)
			} else {
				f.Times, err = strconv.Atoi(v)
			}
			if err != nil {
				return fail("%s has a bad value: %v", k, err)
			}
		default:
			return fail("%s is not a notification fault kind: want drop, twice, wrongmac, delay=D, retries=D/D/... or times=N", k)
		}
	}
	if kinds > 1 {
		return fail("a fault misbehaves in one way: drop, twice or wrongmac")
	}
	return f, nil
}

// notificationFaultPrefix is how ParseFault's text names notification
// faults, where an operation would stand: "Notification:twice".
const notificationFaultPrefix = "Notification:"

// InjectFaultText injects a fault written as text, as cmd/xpay-sandbox's
// -fault and the control API take it: "Capture:reset,processed,times=1"
// (ParseFault), or "Notification:twice,times=1" (ParseNotificationFault).
func (s *Server) InjectFaultText(text string) error {
	if kinds, ok := strings.CutPrefix(text, notificationFaultPrefix); ok {
		f, err := ParseNotificationFault(kinds)
		if err != nil {
			return err
		}
		s.InjectNotificationFault(f)
		return nil
	}
	op, f, err := ParseFault(text)
	if err != nil {
		return err
	}
	s.InjectFault(op, f)
	return nil
}

// controlRoutes serves the control API on mux.
func (s *Server) controlRoutes(mux *http.ServeMux) {
	p := strings.TrimSuffix(ControlPrefix, "/")
	for _, rt := range []struct {
		method, path string
		call         controlCall
	}{
		{"GET", "/{$}", s.controlInfo},
		{"POST", "/orders", withBody(s.controlAddOrder)},
		{"GET", "/orders/{code}", s.controlOrder},
		{"POST", "/links", withBody(s.controlAddLink)},
		{"GET", "/links/{code}", s.controlLink},
		{"POST", "/contracts", withBody(s.controlAddContract)},
		{"POST", "/blacklist", withBody(s.controlAddToBlacklist)},
		{"POST", "/cfpan", withBody(s.controlAddCFPAN)},
		{"POST", "/warnings", withBody(s.controlAddWarning)},
		{"POST", "/reports", withBody(s.controlAddReport)},
		{"POST", "/faults", withBody(s.controlInjectFault)},
		{"DELETE", "/faults", func(*http.Request) (any, error) { s.ClearFaults(); return nil, nil }},
		{"GET", "/requests", s.controlRequests},
		{"GET", "/notifications", s.controlNotifications},
		{"POST", "/links/{code}/pay", withBody(s.controlPayLink)},
		{"POST", "/links/{code}/cancel", s.controlCancelLink},
		{"POST", "/checkouts/{code}/pay", withBody(s.controlPayCheckout)},
		{"POST", "/checkouts/{code}/cancel", s.controlCancelCheckout},
		{"POST", "/nonces", withBody(s.controlIssueNonce)},
		{"POST", "/clock", withBody(s.controlMoveClock)},
		{"POST", "/reset", func(*http.Request) (any, error) { return nil, s.Reset() }},
	} {
		mux.HandleFunc(rt.method+" "+p+rt.path, s.controlHandler(rt.call))
	}
	mux.HandleFunc(p+"/", s.controlHandler(func(r *http.Request) (any, error) {
		return nil, controlError{http.StatusNotFound, fmt.Errorf("no control call %s %s: see GET %s", r.Method, r.URL.Path, ControlPrefix)}
	}))
}

// controlCall is a control call: what it answers, as JSON, or why not.
type controlCall func(r *http.Request) (any, error)

// withBody is the control call that decodes its JSON body into a T and
// passes it to f.
func withBody[T any](f func(r *http.Request, body T) (any, error)) controlCall {
	return func(r *http.Request) (any, error) {
		var body T
		if err := decode(r.Body, &body); err != nil {
			return nil, err
		}
		return f(r, body)
	}
}

// controlHandler serves call, once controlAllowed lets it: its answer as
// JSON, {} for none, and {"error": "..."} with 400, or the status of a
// controlError.
func (s *Server) controlHandler(call controlCall) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		status := http.StatusOK
		out, err := any(nil), s.controlAllowed(r)
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
			out, err = call(r)
		}
		var ce controlError
		switch {
		case errors.As(err, &ce):
			status, out = ce.status, map[string]string{"error": err.Error()}
		case err != nil:
			status, out = http.StatusBadRequest, map[string]string{"error": err.Error()}
		case out == nil:
			out = struct{}{}
		}
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(out)
	}
}

func (s *Server) controlInfo(*http.Request) (any, error) {
	return map[string]any{"baseUrl": s.URL, "alias": s.alias, "group": s.group, "operations": Operations(), "now": s.now().In(s.loc)}, nil
}

// The bodies of the control calls that seed state.
type (
	orderBody struct {
		Order
		CreatedAt string `json:"createdAt"` // in XPay's formats, not only Go's
	}
	contractBody struct {
		Contract
		CreatedAt string `json:"createdAt"`
	}
	entryBody struct {
		Type        xpay.ValueType `json:"type"`
		Value       string         `json:"value"`
		Description string         `json:"description"`
	}
	pairBody struct {
		TaxCode string `json:"taxCode"`
		HashPAN string `json:"hashPan"`
		Expiry  string `json:"expiry"`
	}
	warningBody struct {
		TransactionCode string `json:"transactionCode"`
		Message         string `json:"message"`
	}
	reportBody struct {
		Name      string `json:"name"`
		Processed string `json:"processed"`
	}
	faultBody struct {
		Fault string `json:"fault"`
	}
	// payBody is the customer's choice on a page: required, since paying
	// and declining are both outcomes to test and neither is assumed.
	payBody struct {
		Approve *bool `json:"approve"`
	}
	nonceBody struct {
		TransactionCode string      `json:"transactionCode"`
		Amount          xpay.Amount `json:"amount"`
		Approve         bool        `json:"approve"`
	}
	clockBody struct {
		Advance string `json:"advance"`
	}
)

func (s *Server) controlAddOrder(_ *http.Request, c orderBody) (any, error) {
	o := c.Order
	var err error
	if o.CreatedAt, err = s.parseTime("createdAt", c.CreatedAt); err != nil {
		return nil, err
	}
	return nil, s.AddOrder(o)
}

func (s *Server) controlOrder(r *http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.state.orders[r.PathValue("code")]
	if o == nil {
		return nil, controlError{http.StatusNotFound, fmt.Errorf("no order with code %s", r.PathValue("code"))}
	}
	return s.orderView(o), nil
}

func (s *Server) controlAddLink(_ *http.Request, l Link) (any, error) {
	u, err := s.AddLink(l)
	if err != nil {
		return nil, err
	}
	return map[string]string{"payMailUrl": u}, nil
}

func (s *Server) controlLink(r *http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.state.links[r.PathValue("code")]
	if l == nil {
		return nil, controlError{http.StatusNotFound, fmt.Errorf("no link with code %s", r.PathValue("code"))}
	}
	return s.linkView(l), nil
}

func (s *Server) controlAddContract(_ *http.Request, c contractBody) (any, error) {
	k := c.Contract
	var err error
	if k.CreatedAt, err = s.parseTime("createdAt", c.CreatedAt); err != nil {
		return nil, err
	}
	return nil, s.AddContract(k)
}

func (s *Server) controlAddToBlacklist(_ *http.Request, e entryBody) (any, error) {
	return nil, s.AddToBlacklist(e.Type, e.Value, e.Description)
}

func (s *Server) controlAddCFPAN(_ *http.Request, c pairBody) (any, error) {
	return nil, s.AddCFPAN(c.TaxCode, c.HashPAN, c.Expiry)
}

func (s *Server) controlAddWarning(_ *http.Request, c warningBody) (any, error) {
	return nil, s.AddWarning(c.TransactionCode, c.Message)
}

func (s *Server) controlAddReport(_ *http.Request, c reportBody) (any, error) {
	processed, err := s.parseTime("processed", c.Processed)
	if err != nil {
		return nil, err
	}
	id, err := s.AddReport(c.Name, processed)
	return map[string]string{"idReport": id}, err
}

func (s *Server) controlInjectFault(_ *http.Request, c faultBody) (any, error) {
	return nil, s.InjectFaultText(c.Fault)
}

func (s *Server) controlRequests(r *http.Request) (any, error) {
	op := r.URL.Query().Get("operation")
	if op != "" && findRoute(op) == nil {
		return nil, fmt.Errorf("unknown operation %q; want one of %s", op, strings.Join(Operations(), ", "))
	}
	list := []Received{}
	for _, rec := range s.Received() {
		if op == "" || findRoute(op).method == rec.Operation {
			list = append(list, rec)
		}
	}
	return list, nil
}

// notificationView is an attempt to notify, as the control API shows it.
type notificationView struct {
	URL     string              `json:"url"`
	Form    map[string][]string `json:"form"`
	Attempt int                 `json:"attempt"`
	Status  int                 `json:"status"`
	Answer  string              `json:"answer"`
	Error   string              `json:"error,omitempty"` // why it counted as failed
}

func (s *Server) controlNotifications(*http.Request) (any, error) {
	list := []notificationView{}
	for _, n := range s.Notifications() {
		v := notificationView{URL: n.URL, Form: n.Form, Attempt: n.Attempt, Status: n.Status, Answer: n.Answer}
		if n.Err != nil {
			v.Error = n.Err.Error()
		}
		list = append(list, v)
	}
	return list, nil
}

// approve reads the choice of c for the page of code, once known(code)
// has found it.
func (c payBody) approve(code string, known func(string) error) (bool, error) {
	if err := known(code); err != nil {
		return false, err
	}
	if c.Approve == nil {
		return false, errors.New(`approve: required: {"approve": true} pays, {"approve": false} declines the payment`)
	}
	return *c.Approve, nil
}

func (s *Server) controlPayLink(r *http.Request, c payBody) (any, error) {
	approve, err := c.approve(r.PathValue("code"), s.knownLink)
	if err != nil {
		return nil, err
	}
	u, err := s.PayLink(r.PathValue("code"), approve)
	return map[string]string{"returnUrl": u}, err
}

func (s *Server) controlCancelLink(r *http.Request) (any, error) {
	if err := s.knownLink(r.PathValue("code")); err != nil {
		return nil, err
	}
	u, err := s.CancelLink(r.PathValue("code"))
	return map[string]string{"backUrl": u}, err
}

func (s *Server) controlPayCheckout(r *http.Request, c payBody) (any, error) {
	approve, err := c.approve(r.PathValue("code"), s.knownCheckout)
	if err != nil {
		return nil, err
	}
	u, err := s.PayCheckout(r.PathValue("code"), approve)
	return map[string]string{"returnUrl": u}, err
}

func (s *Server) controlCancelCheckout(r *http.Request) (any, error) {
	if err := s.knownCheckout(r.PathValue("code")); err != nil {
		return nil, err
	}
	u, err := s.CancelCheckout(r.PathValue("code"))
	return map[string]string{"backUrl": u}, err
}

func (s *Server) controlIssueNonce(_ *http.Request, c nonceBody) (any, error) {
	n, err := s.IssueNonce(c.TransactionCode, c.Amount, c.Approve)
	return map[string]string{"xpayNonce": n.Value, "esito": n.Outcome, "idOperazione": n.OperationID, "timeStamp": n.Timestamp, "mac": n.MAC}, err
}

func (s *Server) controlMoveClock(_ *http.Request, c clockBody) (any, error) {
	d, err := time.ParseDuration(c.Advance)
	if err != nil {
		return nil, fmt.Errorf("advance: a duration, as \"90m\" or \"-1h\": %w", err)
	}
	s.MoveClock(d)
	return map[string]any{"now": s.now().In(s.loc)}, nil
}

// controlError is a control call's error that answers status.
type controlError struct {
	status int
	error
}

func (s *Server) knownLink(code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.links[code] == nil {
		return controlError{http.StatusNotFound, fmt.Errorf("no link with code %s", code)}
	}
	return nil
}

// controlAllowed refuses a control call that a web page could have made:
// one addressed to a name that is not this machine's (DNS rebinding), one
// from another origin, and a write that is not JSON (a form, or text,
// which a page may POST anywhere without asking).
func (s *Server) controlAllowed(r *http.Request) error {
	if !s.controlHost(r.Host) {
		return controlError{http.StatusForbidden, fmt.Errorf("the control API answers requests for localhost, loopback addresses and %s, not for Host %q: "+
			"add the name with xpay-sandbox -control-host (xpaytest.WithControlHosts)", s.http.Listener.Addr(), r.Host)}
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		// A page of the Server's own origin (host and port), or of a name
		// WithControlHosts gave: another port of this machine is another
		// web server, and another origin.
		u, err := url.Parse(origin)
		if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) && !s.givenHost(u.Hostname()) {
			return controlError{http.StatusForbidden, fmt.Errorf("the control API refuses calls from web pages of another origin (Origin %q)", origin)}
		}
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Header.Get("Content-Type") == "" && r.ContentLength == 0 {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return controlError{http.StatusUnsupportedMediaType, fmt.Errorf("a control call's body is JSON: send Content-Type: application/json (curl -H 'Content-Type: application/json'), not %q", r.Header.Get("Content-Type"))}
	}
	return nil
}

// controlHost reports whether hostport names the Server: localhost, a
// loopback address, the address it listens on, or a name of
// WithControlHosts.
func (s *Server) controlHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.Equal(s.listenIP)) {
		return true
	}
	return s.givenHost(host)
}

// givenHost reports whether host is a name of WithControlHosts.
func (s *Server) givenHost(host string) bool {
	for _, h := range s.controlHosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// decode reads a control call's JSON body into v, refusing keys v does
// not have, so that a misspelt field is an error instead of a zero.
func decode(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && err != io.EOF {
		return fmt.Errorf("body: %w", err)
	}
	return nil
}

// timeLayouts are the layouts the control API reads a time in: XPay's
// own (as its requests and answers write them), in Italian time, and RFC
// 3339 with its offset.
var timeLayouts = []string{layoutDate, layoutDateTime, layoutReport, "2006-01-02", time.RFC3339Nano}

// parseTime reads a time of a control call's field name: "" is the zero
// time (the default).
func (s *Server) parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, v, s.loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf(`%s: %q: want one of dd/mm/yyyy, dd/mm/yyyy hh:mm:ss, yyyy-mm-dd hh:mm:ss (XPay's formats, Italian time) `+
		`or RFC 3339 (2024-06-17T15:00:00+02:00)`, name, v)
}
