// Package xpaytest runs an XPay back-office API in process, for tests and
// demos, the way net/http/httptest runs an HTTP server.
//
// The Server verifies requests as XPay does (URI, JSON, alias, request MAC
// in each service's field order, timestamp freshness), keeps state (orders
// and their life cycle, Pay-by-Link links, contracts, blacklist, CF/PAN
// pairs, warnings, scheduled reports) and signs every answer with the
// response MAC. Faults can be injected per operation to test how code
// copes with a misbehaving network or server. WithControlAPI serves the
// same controls over HTTP (ControlPrefix), for tests in other languages;
// cmd/xpay-sandbox runs the Server as a program.
//
//	srv := xpaytest.NewServer()
//	defer srv.Close()
//	if err := srv.AddOrder(xpaytest.Order{Code: "ORD-1", Amount: 5000}); err != nil { ... }
//	client := srv.Client()
//	_, err := client.Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 5000, Currency: xpay.CurrencyEUR})
package xpaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/internal/lenient"
)

// The credentials a Server uses unless WithCredentials says otherwise.
// They are for the sandbox only.
const (
	DefaultAlias  = "ALIAS_SANDBOX_00000001"
	DefaultSecret = "SANDBOX_SECRET_NOT_FOR_PRODUCTION"
	// DefaultGroup is the codiceGruppo the Server accepts for CF/PAN calls.
	DefaultGroup = "GRP_SANDBOX"
	// MerchantNumber is the numeroMerchant of every order and contract.
	MerchantNumber = "0000000099999999"
)

// Server is an XPay back-office API on a loopback address. Its methods are
// safe for concurrent use.
type Server struct {
	URL string // base URL, without a trailing slash

	// Set when the Server starts and never changed: read without the lock.
	alias, secret, group string

	http     *httptest.Server
	now      func() time.Time // the Server's clock: base, moved by MoveClock
	base     func() time.Time // WithClock's, or time.Now: the clock of envelopes
	clockSet bool             // WithClock was given
	offset   atomic.Int64     // how far MoveClock moved the clock, in nanoseconds
	loc      *time.Location

	notifyAnyHost bool     // WithNotifyAnyHost
	maxItems      int      // WithMaxItems
	demo          bool     // WithDemoData: Reset seeds again
	listenIP      net.IP   // the address it listens on, unless it listens on every one
	controlHosts  []string // WithControlHosts

	opSeq atomic.Int64
	conns atomic.Int64

	mu          sync.Mutex
	state       state
	faults      map[string]*Fault
	counts      map[string]int
	notifyFault *NotificationFault
	notified    []Notification
	received    []*received
	held        []heldRequest // LandAfter faults: requests still on their way
	holding     atomic.Bool   // held is not empty: checked without s.mu by every request

	pending   sync.WaitGroup // delayed notifications, and the retrier
	closed    chan struct{}
	closeOnce sync.Once

	retries *retries // notifications to send again (see notify.go)
}

// Option configures a Server.
type Option func(*config)

type config struct {
	alias, secret     string
	group             string
	now               func() time.Time
	clockSet          bool
	demo              bool
	readHeaderTimeout time.Duration
	notifyAnyHost     bool
	maxItems          int
	control           bool
	controlHosts      []string
}

// WithControlAPI serves the control API beside the XPay routes, under
// /_sandbox/, so that tests in any language can seed state, inject
// faults, pay links, move the clock and read what happened over HTTP (see
// ControlPrefix). It answers only requests addressed to this machine (a
// Host of localhost, a loopback address or the address the Server listens
// on; see WithControlHosts), refuses those a web page sends from another
// origin, and takes writes only as JSON, so that a page the developer
// visits cannot drive it.
func WithControlAPI() Option {
	return func(c *config) { c.control = true }
}

// WithControlHosts adds names by which the control API may be reached,
// besides localhost, loopback addresses and the address the Server listens
// on: the name of its container, or of the machine on a test network.
func WithControlHosts(hosts ...string) Option {
	return func(c *config) { c.controlHosts = append(c.controlHosts, hosts...) }
}

// WithMaxItems sets how many of each kind of thing the Server holds
// before the oldest go (DefaultMaxItems by default); n is at least 10.
func WithMaxItems(n int) Option {
	return func(c *config) { c.maxItems = max(n, 10) }
}

// DefaultReadHeaderTimeout is how long the Server waits for a request's
// headers before it closes the connection, unless WithReadHeaderTimeout
// says otherwise.
const DefaultReadHeaderTimeout = 5 * time.Second

// maxRequestBody caps a request body; XPay's are a few hundred bytes.
const maxRequestBody = 1 << 20

// WithNotifyAnyHost lets the Server deliver payment notifications to a
// urlPost on any host. By default it delivers them only to loopback
// addresses (localhost, 127.0.0.0/8, ::1): its credentials are public, and
// a sandbox left running must not POST wherever anyone asks it to.
func WithNotifyAnyHost() Option {
	return func(c *config) { c.notifyAnyHost = true }
}

// WithReadHeaderTimeout sets how long the Server waits for a request's
// headers, so that connections that never finish them do not stay open.
func WithReadHeaderTimeout(d time.Duration) Option {
	return func(c *config) { c.readHeaderTimeout = d }
}

// WithGroup sets the group code (codiceGruppo) the Server accepts in
// CF/PAN calls, instead of DefaultGroup.
func WithGroup(group string) Option {
	return func(c *config) { c.group = group }
}

// WithCredentials sets the alias and secret key the Server accepts.
func WithCredentials(alias, secret string) Option {
	return func(c *config) { c.alias, c.secret = alias, secret }
}

// WithClock replaces time.Now for the Server's timestamps, link expiry
// and request freshness checks, and for the Client that Server.Client
// returns. MoveClock moves the Server's clock from it. The Server calls
// now from the goroutines that serve requests, and from the one that
// sends notifications again while any is waiting to be.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now, c.clockSet = now, true }
}

// WithDemoData seeds the Server with a few orders, a contract, a blacklist
// entry, a CF/PAN pair, a warning and a report (see Seed).
func WithDemoData() Option {
	return func(c *config) { c.demo = true }
}

// NewServer starts a Server on a random loopback port. It panics if no
// port can be had, as httptest.NewServer does.
func NewServer(opts ...Option) *Server {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("xpaytest: cannot listen on loopback: " + err.Error())
	}
	return start(l, opts)
}

// Listen starts a Server on addr, such as "127.0.0.1:8080".
func Listen(addr string, opts ...Option) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("xpaytest: %w", err)
	}
	return start(l, opts), nil
}

func start(l net.Listener, opts []Option) *Server {
	cfg := config{alias: DefaultAlias, secret: DefaultSecret, group: DefaultGroup, now: time.Now, readHeaderTimeout: DefaultReadHeaderTimeout, maxItems: DefaultMaxItems}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		alias:    cfg.alias,
		secret:   cfg.secret,
		group:    cfg.group,
		base:     cfg.now,
		clockSet: cfg.clockSet,
		demo:     cfg.demo,

		notifyAnyHost: cfg.notifyAnyHost,
		maxItems:      cfg.maxItems,
		controlHosts:  cfg.controlHosts,
		loc:           xpay.Rome(), // the zone xpay embeds: the same rules with or without the system's tzdata
		state:         newState(),
		faults:        map[string]*Fault{},
		counts:        map[string]int{},
		closed:        make(chan struct{}),
		retries:       newRetries(),
	}
	if a, ok := l.Addr().(*net.TCPAddr); ok && !a.IP.IsUnspecified() {
		s.listenIP = a.IP
	}
	s.now = func() time.Time { return s.base().Add(time.Duration(s.offset.Load())) }
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle("/"+rt.path, s.api(rt))
	}
	if cfg.control {
		s.controlRoutes(mux)
	}
	mux.HandleFunc("/paybylink/", s.payPage)
	mux.HandleFunc("/"+xpay.PagePath, s.checkoutPage)
	mux.HandleFunc("/img/", s.image)
	mux.HandleFunc("/{$}", s.index)
	s.http = httptest.NewUnstartedServer(mux)
	// A server anyone can reach (see cmd/xpay-sandbox) must not let idle,
	// slow or oversized requests hold it: the latency fault waits in the
	// handler, so there is no write timeout.
	s.http.Config.ReadHeaderTimeout = cfg.readHeaderTimeout
	s.http.Config.ReadTimeout = cfg.readHeaderTimeout + 10*time.Second
	s.http.Config.IdleTimeout = time.Minute
	s.http.Config.MaxHeaderBytes = 64 << 10
	s.http.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.http.Listener.Close()
	s.http.Listener = l
	s.http.Start()
	s.URL = s.http.URL
	if cfg.demo {
		if err := s.Seed(); err != nil {
			panic(err) // a new Server holds nothing the demo data could clash with
		}
	}
	s.pending.Add(1)
	go s.retrier()
	return s
}

// Close shuts the Server down, ending any request in flight and dropping
// notifications still waiting for their Delay or to be sent again.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed); s.retries.cancel() })
	s.pending.Wait()
	s.http.CloseClientConnections()
	s.http.Close()
}

// Alias returns the alias (apiKey) the Server accepts.
func (s *Server) Alias() string { return s.alias }

// Secret returns the secret key the Server signs with and checks MACs
// with.
func (s *Server) Secret() string { return s.secret }

// Group returns the group code (codiceGruppo) the Server accepts in CF/PAN
// calls.
func (s *Server) Group() string { return s.group }

// Client returns an xpay.Client for the Server's alias and URL, and, if
// the Server was given WithClock, the same clock, so that their timestamps
// agree; opts come after those. It panics if an option is invalid.
func (s *Server) Client(opts ...xpay.Option) *xpay.Client {
	base := []xpay.Option{xpay.WithBaseURL(s.URL)}
	if s.clockSet {
		base = append(base, xpay.WithClock(s.base))
	}
	c, err := xpay.NewClient(s.alias, s.secret, append(base, opts...)...)
	if err != nil {
		panic(err)
	}
	return c
}

// Requests returns how many requests reached an operation, faulted ones
// included. op is the xpay.Client method ("Capture") or XPay's service
// name ("contabilizza"). It panics on an unknown op, as InjectFault does,
// so that a misspelt name cannot read as "no requests".
func (s *Server) Requests(op string) int {
	rt := mustRoute(op)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[rt.method]
}

// Connections returns how many TCP connections clients have opened to the
// Server since it started.
func (s *Server) Connections() int { return int(s.conns.Load()) }

// index describes the Server to a browser.
func (s *Server) index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "XPay back-office sandbox\nalias: %s\n\nservices:\n", s.alias)
	for _, rt := range routes {
		fmt.Fprintf(w, "  %-6s /%s\n", rt.httpMethod(), rt.path)
	}
}

// Messages of XPay's error codes, as its API sends them.
var messages = map[int]string{
	xpay.CodeInvalidParameter:    "Uno dei valori dei parametri del json in input non è corretto",
	xpay.CodeNotFound:            "Non è possibile trovare l’informazione richiesta",
	xpay.CodeInvalidMAC:          "Mac errato",
	xpay.CodeMissingMAC:          "Mac non presente nella richiesta json",
	xpay.CodeTimestampExpired:    "Sono passati più di 5 minuti da quando è stato generato il timeStamp",
	xpay.CodeInvalidAlias:        "apiKey non contiene un alias valido",
	xpay.CodeInvalidAlias2:       "apiKey non contiene un alias valido",
	xpay.CodeInvalidContract:     "Contratto non valido",
	xpay.CodeDuplicate:           "Transazione già presente",
	xpay.CodeInvalidGroup:        "Gruppo non valido",
	xpay.CodeTransactionNotFound: "La transazione non è stata trovata",
	xpay.CodeInvalidState:        "Valore non valido nello stato corrente",
	xpay.CodeAmountTooHigh:       "Importo operazione troppo alto",
	xpay.CodeMACNotComputable:    "Impossibile calcolare il mac: alias non valido o json non conforme",
	xpay.CodeNotAllowed:          "Operazione non consentita: l'esercente non ha i requisiti",
}

// apiError is a KO answer.
type apiError struct {
	code   int
	detail string // appended to the standard message, to help the developer
	text   string // the whole message, where XPay's own is known, instead
}

func ko(code int, detail string, args ...any) *apiError {
	return &apiError{code: code, detail: fmt.Sprintf(detail, args...)}
}

func (e *apiError) message() string {
	if e.text != "" {
		return e.text
	}
	if e.detail == "" {
		return messages[e.code]
	}
	return messages[e.code] + " (" + e.detail + ")"
}

// answer is what a route produces: a JSON envelope, or a file.
type answer struct {
	body     map[string]any // the envelope's fields, signed by seal
	file     []byte
	fileName string
}

// envelope returns a signed answer: OK with payload, or KO.
func (s *Server) envelope(payload map[string]any, e *apiError) *answer {
	id := strconv.FormatInt(90000000+s.opSeq.Add(1), 10)
	body := map[string]any{"idOperazione": id, "timeStamp": s.base().UnixMilli()}
	if e != nil {
		body["esito"] = "KO"
		body["errore"] = map[string]any{"codice": e.code, "messaggio": e.message()}
	} else {
		body["esito"] = "OK"
		for k, v := range payload {
			body[k] = v
		}
	}
	if e == nil || e.code != xpay.CodeMACNotComputable {
		s.seal(body)
	}
	return &answer{body: body}
}

// seal signs body with the response MAC.
func (s *Server) seal(body map[string]any) {
	body["mac"] = xpay.Sign(s.secret,
		xpay.Field{Name: "esito", Value: text(body["esito"])},
		xpay.Field{Name: "idOperazione", Value: text(body["idOperazione"])},
		xpay.Field{Name: "timeStamp", Value: text(body["timeStamp"])},
	)
}

func (a *answer) write(w http.ResponseWriter) {
	if a.body == nil {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+a.fileName+`"`)
		_, _ = w.Write(a.file)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	body := a.json()
	if rec, ok := w.(*recorder); ok {
		rec.own(body) // the answer's own buffer: kept without a copy
	}
	_, _ = w.Write(body)
}

// json encodes the envelope: its few keys in order, each value as
// encoding/json writes it (the records are structs), HTML not escaped.
func (a *answer) json() []byte {
	keys := make([]string, 0, len(a.body))
	for k := range a.body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf := encodeBuffers.Get().(*bytes.Buffer)
	defer encodeBuffers.Put(buf)
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(strconv.Quote(k)) // the envelope's keys are ASCII names
		buf.WriteByte(':')
		_ = enc.Encode(a.body[k])
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	buf.WriteString("}\n")
	return bytes.Clone(buf.Bytes()) // its own, of its size: the pooled buffer goes back
}

// encodeBuffers are the buffers answers are encoded in.
var encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// api serves one route: it counts the request, applies any fault, checks
// the envelope and runs the route's handler.
func (s *Server) api(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the request first: only then does net/http watch the
		// connection, so that r.Context() ends when the client hangs up
		// and a latency below does not outlive it.
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
		s.land()
		rec := &recorder{ResponseWriter: w}
		w = rec
		request := raw
		if r.Method == http.MethodGet {
			request = []byte(r.URL.RawQuery)
		}
		f, answered := s.admit(rt, request, rec)
		defer answered()
		if err != nil {
			s.envelope(nil, ko(xpay.CodeMACNotComputable, "il corpo non è leggibile: %v", err)).write(w)
			return
		}
		if f != nil && f.Latency > 0 {
			sleep(r.Context(), f.Latency)
		}
		if f != nil && f.LandAfter > 0 {
			s.hold(rt, r, raw, f.LandAfter)
			reset(w)
			return
		}
		if f != nil && f.misbehaves() && !f.Processed {
			s.misbehave(w, r, f, s.envelope(nil, nil))
			return
		}
		a := s.serve(rt, r, raw)
		if f != nil && f.misbehaves() {
			s.misbehave(w, r, f, a)
			return
		}
		a.write(w)
	})
}

// heldRequest is a request a LandAfter fault holds up on its way.
type heldRequest struct {
	rt   *route
	r    *http.Request // its method and URL, for serve
	raw  []byte
	land time.Time // on the clock of envelopes, as XPay's own
}

// hold keeps a request to carry it out after d.
func (s *Server) hold(rt *route, r *http.Request, raw []byte, d time.Duration) {
	h := heldRequest{rt: rt, r: r.Clone(context.Background()), raw: raw, land: s.base().Add(d)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = append(s.held, h)
	s.holding.Store(true)
}

// land carries out, in the order they were due, the held requests whose
// time has come. Each is served as if it arrived now: one whose timeStamp
// has grown too old is refused, and nobody hears the answer.
func (s *Server) land() {
	if !s.holding.Load() { // no lock taken by every request for a fault seldom used
		return
	}
	s.mu.Lock()
	now := s.base()
	var due []heldRequest
	s.held = slices.DeleteFunc(s.held, func(h heldRequest) bool {
		if h.land.After(now) {
			return false
		}
		due = append(due, h)
		return true
	})
	s.holding.Store(len(s.held) > 0)
	s.mu.Unlock()
	slices.SortStableFunc(due, func(a, b heldRequest) int { return a.land.Compare(b.land) })
	for _, h := range due {
		s.serve(h.rt, h.r, h.raw)
	}
}

// serve checks a request as XPay does, in this order: method and JSON,
// alias, MAC present, MAC right, timestamp fresh; then runs the handler.
func (s *Server) serve(rt *route, r *http.Request, raw []byte) *answer {
	if r.Method != rt.httpMethod() {
		return s.envelope(nil, ko(xpay.CodeInvalidParameter, "metodo %s non supportato, usare %s", r.Method, rt.httpMethod()))
	}
	req, err := parseRequest(r, raw, rt)
	if err != nil {
		return s.envelope(nil, ko(xpay.CodeMACNotComputable, "%v", err))
	}
	if key := req.unknown; key != "" {
		// XPay's words, recorded against its test environment for a body
		// that spelt apiKey "apikey": HTTP 200, KO.
		return s.envelope(nil, &apiError{code: xpay.CodeInvalidParameter, text: fmt.Sprintf("Campo %q non riconosciuto", key)})
	}
	switch alias := req.get("apiKey"); {
	case alias == "":
		return s.envelope(nil, ko(xpay.CodeInvalidAlias2, "apiKey mancante"))
	case alias != s.alias:
		return s.envelope(nil, ko(xpay.CodeInvalidAlias, ""))
	}
	if !req.has("mac") {
		return s.envelope(nil, ko(xpay.CodeMissingMAC, ""))
	}
	fields := make([]xpay.Field, len(rt.mac))
	for i, name := range rt.mac {
		fields[i] = xpay.Field{Name: name, Value: req.get(name)}
	}
	if !strings.EqualFold(req.get("mac"), xpay.Sign(s.secret, fields...)) {
		return s.envelope(nil, ko(xpay.CodeInvalidMAC, ""))
	}
	ts, err := strconv.ParseInt(req.get("timeStamp"), 10, 64)
	if err != nil {
		return s.envelope(nil, ko(xpay.CodeInvalidParameter, "timeStamp"))
	}
	if age := s.base().Sub(time.UnixMilli(ts)); age > 5*time.Minute || age < -5*time.Minute {
		return s.envelope(nil, ko(xpay.CodeTimestampExpired, ""))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rt.file == nil {
		return s.envelope(rt.handle(s, req))
	}
	a, e := rt.file(s, req)
	if e != nil {
		return s.envelope(nil, e)
	}
	return a
}

// request is a parsed request: scalar values as text, the nested contratto
// object flattened, arrays and objects kept.
type request struct {
	unknown string // a key the service does not take, the first in order
	fields  map[string]string
	arrays  map[string][]string
	objects map[string]map[string]string
}

func (r *request) get(name string) string { return r.fields[name] }

func (r *request) has(name string) bool { _, ok := r.fields[name]; return ok }

var errNotObject = errors.New("il corpo non è un oggetto JSON")

func parseRequest(hr *http.Request, body []byte, rt *route) (*request, error) {
	req := &request{fields: make(map[string]string, 8)} // arrays and objects made when a request has them
	if hr.Method == http.MethodGet {
		for k, v := range hr.URL.Query() {
			req.fields[k] = v[0]
		}
		return req, nil
	}
	// The first unknown key in order, so that the answer does not vary.
	unknown := func(k string) {
		if req.unknown == "" || k < req.unknown {
			req.unknown = k
		}
	}
	err := lenient.Members(string(body), func(k, raw string) error {
		switch {
		case !rt.keys[k]:
			unknown(k)
		case raw[0] == '{' && k == "contratto" && rt.nested:
			return lenient.Members(raw, func(kk, vv string) error {
				if !rt.inner[kk] {
					unknown(kk)
				}
				req.fields[kk] = lenient.Text(vv)
				return nil
			})
		case raw[0] == '{':
			obj := map[string]string{}
			if req.objects == nil {
				req.objects = map[string]map[string]string{}
			}
			req.objects[k] = obj
			return lenient.Members(raw, func(kk, vv string) error { obj[kk] = lenient.Text(vv); return nil })
		case raw[0] == '[':
			if req.arrays == nil {
				req.arrays = map[string][]string{}
			}
			return lenient.Elements(raw, func(e string) error { req.arrays[k] = append(req.arrays[k], lenient.Text(e)); return nil })
		default:
			req.fields[k] = lenient.Text(raw)
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, errNotObject
	case req.unknown != "":
		return req, nil
	}
	// The CF/PAN group: Nexi's samples send codiceGruppo, but its Python
	// sample of reportAssociazioni sends gruppo, while signing
	// "codiceGruppo=" as all four do. Both keys are read, as one, and
	// signed as codiceGruppo (EVIDENCE.md).
	if g, ok := req.fields["gruppo"]; ok && !req.has("codiceGruppo") {
		req.fields["codiceGruppo"] = g
	}
	return req, nil
}

func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return fmt.Sprint(v)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
