package xpaytest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xpaygo/xpay"
)

// state is everything the Server remembers. It is guarded by Server.mu.
type state struct {
	orders      map[string]*order
	orderList   []*order
	ordersByDay index[int, *order] // by the Italian day they were created on (dayKey)

	links      map[string]*link  // by current code
	tokens     map[string]*link  // by URL token
	linkList   []*link           // in order of creation
	linksByDay index[int, *link] // by the Italian day they were created on

	contracts      map[string]*contract
	contractsByTax index[string, *contract]
	contractList   []*contract

	blacklist   []*blackEntry
	blackByKey  map[string]*blackEntry // by blackKey
	cfpan       []*cfpanPair
	cfpanByKey  map[[2]string]*cfpanPair  // by tax code and hashPan
	cfpanByCode index[string, *cfpanPair] // by tax code
	warnings    []*warning
	warningsOf  index[string, *warning] // by transaction code
	reports     []*report

	pay        payments // the payment page's checkouts and XPay Build's nonces
	lastReport int      // the last idReport given: ids are never given twice
}

// dayKey is the Italian day of t, as yyyymmdd.
func dayKey(t time.Time) int {
	y, m, d := t.In(xpay.Rome()).Date()
	return y*10000 + int(m)*100 + d
}

// without returns list without x, in order.
func without[T comparable](list []T, x T) []T {
	for i, y := range list {
		if y == x {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// index holds things by a key that several may share: a day (dayKey), a
// tax code, a transaction code.
type index[K comparable, T comparable] map[K][]T

func (ix index[K, T]) add(k K, x T) { ix[k] = append(ix[k], x) }

func (ix index[K, T]) remove(k K, x T) {
	if ix[k] = without(ix[k], x); len(ix[k]) == 0 {
		delete(ix, k)
	}
}

// DefaultMaxItems is how many of each kind of thing (orders, links,
// contracts, blacklist entries, CF/PAN pairs, warnings, reports and
// notifications) a Server holds unless WithMaxItems says
// otherwise: past it, the oldest go. With the size caps on what one
// request may store, it bounds the memory of a Server left running with
// its public default credentials.
//
// Orders go only when no client may still settle a write on them (see
// xpay.Client.Settle), so that no signed answer says that a capture did
// not happen: an order with operation rows (a capture or a refund) stays,
// and so does one that a capture or refund reached within
// xpay.SettleWindow, by the Server's clock. When every order held is such
// an order, a new one is refused, with an error, until Reset.
const DefaultMaxItems = 20_000

// bound keeps list at most max long: when it is over, its oldest tenth
// goes, each through drop, into a new array, so that the old one is freed.
func bound[T any](list []T, max int, drop func(T)) []T {
	if len(list) <= max {
		return list
	}
	return evict(list, len(list)-max+max/10, func(T) bool { return false }, drop)
}

// makeRoom makes room in list for one more item, if it must: the oldest
// items that keep does not hold go, as bound lets them, each through drop.
// It reports whether there is room: there is none when keep holds every
// item.
func makeRoom[T any](list []T, max int, keep func(T) bool, drop func(T)) ([]T, bool) {
	if len(list) < max {
		return list, true
	}
	if !slices.ContainsFunc(list, func(x T) bool { return !keep(x) }) {
		return list, false
	}
	kept := evict(list, len(list)-(max-max/10), keep, drop)
	return kept, len(kept) < max
}

// evict returns list without its n oldest items that keep does not hold,
// each forgotten by drop (if not nil), in a new array so that the old one
// is freed.
func evict[T any](list []T, n int, keep func(T) bool, drop func(T)) []T {
	kept := make([]T, 0, len(list))
	for _, x := range list {
		if n == 0 || keep(x) {
			kept = append(kept, x)
			continue
		}
		n--
		if drop != nil {
			drop(x)
		}
	}
	return kept
}

func newState() state {
	return state{
		orders:         map[string]*order{},
		ordersByDay:    index[int, *order]{},
		blackByKey:     map[string]*blackEntry{},
		cfpanByKey:     map[[2]string]*cfpanPair{},
		cfpanByCode:    index[string, *cfpanPair]{},
		links:          map[string]*link{},
		linksByDay:     index[int, *link]{},
		warningsOf:     index[string, *warning]{},
		contractsByTax: index[string, *contract]{},
		tokens:         map[string]*link{},
		contracts:      map[string]*contract{},
		pay:            newPayments(),
	}
}

type order struct {
	code                       string
	amount, captured, refunded xpay.Amount
	state                      xpay.OrderState
	created                    time.Time
	channel                    string // canale: CartaCredito, PayPal, ...
	brand, pan, expiry, auth   string
	product                    string
	firstName, lastName, email string
	contract                   string // num_contratto the payment registered, if any
	written                    bool   // made by a client's write (a charge), which a client may settle at any time
	ops                        []orderOp
	history                    []stateChange // every state it has been in, from the first
	lastWrite                  time.Time     // when a capture or refund last reached it
}

// settleable reports whether a client may still settle a write on o: a
// row a write made, an order a charge made, or a write that may yet land,
// is there to be read.
func (o *order) settleable(now time.Time) bool {
	return len(o.ops) > 0 || o.written || now.Sub(o.lastWrite) < xpay.SettleWindow
}

// stateChange is an order's state from a moment on.
type stateChange struct {
	at    time.Time
	state xpay.OrderState
}

// setState moves o to st, at the Server's now.
func (s *Server) setState(o *order, st xpay.OrderState) {
	o.state = st
	o.history = append(o.history, stateChange{s.now(), st})
}

// stateAt returns the state o was in at t: its first state if t is
// earlier.
func (o *order) stateAt(t time.Time) xpay.OrderState {
	st := o.history[0].state
	for _, h := range o.history[1:] {
		if h.at.After(t) {
			break
		}
		st = h.state
	}
	return st
}

type orderOp struct {
	typ    xpay.OperationType
	amount xpay.Amount
	state  xpay.OrderState
	at     time.Time
	user   string
}

// Order seeds an order, as if a customer had paid.
type Order struct {
	Code   string      `json:"code"`   // codiceTransazione, 2 to 30 characters
	Amount xpay.Amount `json:"amount"` // authorized amount, in cents
	// State is OrderStateAuthorized (the default), OrderStateDenied,
	// OrderStateNotCreated or OrderStateCaptured (captured in full).
	State xpay.OrderState `json:"state,omitempty"`
	// CreatedAt defaults to the Server's clock.
	CreatedAt time.Time `json:"createdAt,omitzero"`
	// Brand defaults to VISA; PayPal orders are on the PayPal channel.
	Brand     string `json:"brand,omitempty"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	Email     string `json:"email,omitempty"`
}

// AddOrder seeds an order. Capture, Refund, GetOrder and ListOrders then
// see it as any other.
func (s *Server) AddOrder(o Order) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addOrder(o)
}

func (s *Server) addOrder(o Order) error {
	if len(o.Code) < 2 || len(o.Code) > 30 {
		return fmt.Errorf("xpaytest: order code %q: want 2 to 30 characters", o.Code)
	}
	if _, dup := s.state.orders[o.Code]; dup {
		return fmt.Errorf("xpaytest: order %s exists", o.Code)
	}
	if o.Amount <= 0 {
		return fmt.Errorf("xpaytest: order %s: amount must be positive", o.Code)
	}
	// The lengths of XPay's payment page (nome, cognome, mail: 150).
	if err := longest("order "+o.Code, map[string]string{"firstName": o.FirstName, "lastName": o.LastName, "email": o.Email}, 150); err != nil {
		return err
	}
	if err := longest("order "+o.Code, map[string]string{"brand": o.Brand}, 30); err != nil {
		return err
	}
	if !s.roomForOrder() {
		return fmt.Errorf("xpaytest: order %s: the sandbox holds %d orders and a client may still settle a write on each "+
			"(it has captures or refunds, a charge made it, or a write reached it within %v): none can go without a signed answer saying it never was; "+
			"Reset, or hold more with WithMaxItems (xpay-sandbox -max-items)", o.Code, len(s.state.orderList), xpay.SettleWindow)
	}
	if o.CreatedAt.IsZero() {
		o.CreatedAt = s.now()
	}
	if o.State == "" {
		o.State = xpay.OrderStateAuthorized
	}
	if o.Brand == "" {
		o.Brand = "VISA"
	}
	// Copies: a request's values are pieces of its whole body.
	ord := &order{
		code: strings.Clone(o.Code), amount: o.Amount, state: o.State, created: o.CreatedAt.In(s.loc),
		channel: "CartaCredito", brand: strings.Clone(o.Brand), pan: "453997******0006", expiry: s.cardExpiry(),
		product: "VISA CLASSIC - CREDIT - N", firstName: strings.Clone(o.FirstName), lastName: strings.Clone(o.LastName), email: strings.Clone(o.Email),
	}
	if strings.EqualFold(o.Brand, "PAYPAL") {
		ord.channel, ord.pan, ord.expiry, ord.product = "PayPal", "", "", ""
	}
	switch o.State {
	case xpay.OrderStateAuthorized:
		ord.auth = authCode(o.Code)
	case xpay.OrderStateCaptured:
		ord.auth = authCode(o.Code)
		ord.captured = o.Amount
		ord.ops = append(ord.ops, orderOp{xpay.OperationTypeCapture, o.Amount, xpay.OrderStateCaptured, ord.created, ""})
	case xpay.OrderStateDenied, xpay.OrderStateNotCreated:
	default:
		return fmt.Errorf("xpaytest: order %s: cannot seed state %q; reach it through Capture and Refund", o.Code, o.State)
	}
	ord.history = []stateChange{{ord.created, ord.state}}
	s.state.orders[ord.code] = ord
	s.state.ordersByDay.add(dayKey(ord.created), ord)
	s.state.orderList = append(s.state.orderList, ord)
	return nil
}

// roomForOrder makes room for one more order, if it must (see makeRoom):
// an order a client may still settle a write on stays.
func (s *Server) roomForOrder() bool {
	now := s.now()
	var ok bool
	s.state.orderList, ok = makeRoom(s.state.orderList, s.maxItems, func(o *order) bool { return o.settleable(now) }, func(o *order) {
		if s.state.orders[o.code] == o {
			delete(s.state.orders, o.code)
		}
		s.state.ordersByDay.remove(dayKey(o.created), o)
	})
	return ok
}

// fullError is the error of a Server that holds max items of kind, each
// of which a client wrote (and may still settle): none can go without a
// signed answer saying the write never happened.
func fullError(kind string, max int) error {
	return fmt.Errorf("xpaytest: the sandbox holds %d %s, each written by a client that may still settle it: none can go "+
		"without a signed answer saying the write never happened; Reset, or hold more with WithMaxItems (xpay-sandbox -max-items)", max, kind)
}

// maxText caps a free text the Server keeps (a blacklist entry's
// descrizione, a warning's message): the length of the payment page's
// descrizione, the only one XPay publishes.
const maxText = 2000

// longest checks that each of fields is at most n bytes long.
func longest(what string, fields map[string]string, n int) error {
	for name, v := range fields {
		if len(v) > n {
			return fmt.Errorf("xpaytest: %s: %s has %d bytes, at most %d", what, name, len(v), n)
		}
	}
	return nil
}

// authCode makes a stable six-character authorization code.
func authCode(code string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(code); i++ {
		h = (h ^ uint32(code[i])) * 16777619
	}
	return fmt.Sprintf("%06X", h&0xFFFFFF)
}

// money checks the fields of a capture or refund and finds the order.
func (s *Server) money(r *request) (*order, xpay.Amount, *apiError) {
	code, e := r.transactionCode("codiceTransazione")
	if e != nil {
		return nil, 0, e
	}
	amount, e := r.amount("importo")
	if e != nil {
		return nil, 0, e
	}
	if r.get("divisa") != string(xpay.CurrencyEUR) {
		return nil, 0, ko(xpay.CodeInvalidParameter, "divisa: la sandbox accetta solo 978 (EUR)")
	}
	o := s.state.orders[code]
	if o == nil {
		return nil, 0, ko(xpay.CodeNotFound, "ordine %s", code)
	}
	o.lastWrite = s.now()
	return o, amount, nil
}

// capture: allowed from Autorizzato and Contabilizzato Parz., up to what
// is authorized and not yet captured.
func (s *Server) capture(r *request) (map[string]any, *apiError) {
	o, amount, e := s.money(r)
	if e != nil {
		return nil, e
	}
	if o.state != xpay.OrderStateAuthorized && o.state != xpay.OrderStatePartiallyCaptured {
		return nil, ko(xpay.CodeInvalidState, "stato %s", o.state)
	}
	if amount > o.amount-o.captured {
		return nil, ko(xpay.CodeAmountTooHigh, "contabilizzabili %d", o.amount-o.captured)
	}
	o.captured += amount
	if o.captured == o.amount {
		s.setState(o, xpay.OrderStateCaptured)
	} else {
		s.setState(o, xpay.OrderStatePartiallyCaptured)
	}
	o.ops = append(o.ops, orderOp{xpay.OperationTypeCapture, amount, xpay.OrderStateCaptured, s.now(), "api"})
	return nil, nil
}

// refund voids an authorization not yet captured (Annullato), or refunds
// captured money up to what was captured (Rimborsato, Rimborsato Parz.).
func (s *Server) refund(r *request) (map[string]any, *apiError) {
	o, amount, e := s.money(r)
	if e != nil {
		return nil, e
	}
	switch o.state {
	case xpay.OrderStateAuthorized:
		if amount > o.amount {
			return nil, ko(xpay.CodeAmountTooHigh, "autorizzati %d", o.amount)
		}
		s.setState(o, xpay.OrderStateCancelled)
		o.ops = append(o.ops, orderOp{xpay.OperationTypeRefund, amount, xpay.OrderStateCancelled, s.now(), "api"})
	case xpay.OrderStateCaptured, xpay.OrderStatePartiallyCaptured, xpay.OrderStatePartiallyRefunded:
		if amount > o.captured-o.refunded {
			return nil, ko(xpay.CodeAmountTooHigh, "rimborsabili %d", o.captured-o.refunded)
		}
		o.refunded += amount
		if o.refunded == o.captured {
			s.setState(o, xpay.OrderStateRefunded)
		} else {
			s.setState(o, xpay.OrderStatePartiallyRefunded)
		}
		o.ops = append(o.ops, orderOp{xpay.OperationTypeRefund, amount, xpay.OrderStateRefunded, s.now(), "api"})
	default:
		return nil, ko(xpay.CodeInvalidState, "stato %s", o.state)
	}
	return nil, nil
}

func (s *Server) getOrder(r *request) (map[string]any, *apiError) {
	code, e := r.transactionCode("codiceTransazione")
	if e != nil {
		return nil, e
	}
	o := s.state.orders[code]
	if o == nil {
		return nil, ko(xpay.CodeNotFound, "ordine %s", code)
	}
	return map[string]any{"report": []orderDetailJSON{s.orderDetail(o)}}, nil
}

// Orders as the answers carry them: structs, encoded in their fields'
// order, not maps encoded with their keys sorted; amounts as plain
// integers, which encoding/json writes without calling a marshaler.
type (
	orderJSON struct {
		MerchantNumber  string          `json:"numeroMerchant"`
		Code            string          `json:"codiceTransazione"`
		Amount          int64           `json:"importo"`
		Currency        string          `json:"divisa"`
		Auth            string          `json:"codiceAutorizzazione"`
		Brand           string          `json:"brand"`
		PaymentType     string          `json:"tipoPagamento"`
		TransactionType string          `json:"tipoTransazione"`
		Country         string          `json:"nazione"`
		Product         string          `json:"tipoProdotto"`
		PAN             string          `json:"pan"`
		Parameters      string          `json:"parametri"`
		State           xpay.OrderState `json:"stato"`
		TransactionDate string          `json:"dataTransazione"`
		Email           string          `json:"mail"`
	}
	// orderSummaryJSON is an order of reportOrdini.
	orderSummaryJSON struct {
		orderJSON
		TransactionTypeExtended string `json:"transactionTypeExtended"`
		OperationDate           string `json:"dataOperazione"`
		ServiceType             string `json:"tipoServizio"`
		FirstName               string `json:"nome"`
		LastName                string `json:"cognome"`
	}
	// orderDetailJSON is the order of situazioneOrdine.
	orderDetailJSON struct {
		orderJSON
		Expiry  string       `json:"scadenza"`
		Details []detailJSON `json:"dettaglio"`
	}
	detailJSON struct {
		FirstName  string          `json:"nome"`
		LastName   string          `json:"cognome"`
		Email      string          `json:"mail"`
		Amount     int64           `json:"importo"`
		Rejected   int64           `json:"importoRifiutato"`
		Currency   string          `json:"divisa"`
		State      xpay.OrderState `json:"stato"`
		Code       string          `json:"codiceTransazione"`
		Parameters string          `json:"parametriAggiuntivi"`
		Operations []operationJSON `json:"operazioni"`
	}
	operationJSON struct {
		Type     xpay.OperationType `json:"tipoOperazione"`
		Amount   int64              `json:"importo"`
		Currency string             `json:"divisa"`
		State    xpay.OrderState    `json:"stato"`
		Date     string             `json:"dataOperazione"`
		User     string             `json:"utente"`
	}
)

func (s *Server) orderJSON(o *order) orderJSON {
	return orderJSON{
		MerchantNumber: MerchantNumber, Code: o.code, Amount: int64(o.amount), Currency: "EUR", Auth: o.auth, Brand: o.brand,
		PaymentType: "3D-Secure", TransactionType: "3DS_FULL", Country: "ITA", Product: o.product, PAN: o.pan,
		State: o.state, TransactionDate: o.created.Format(layoutReport), Email: o.email,
	}
}

func (s *Server) orderDetail(o *order) orderDetailJSON {
	ops := make([]operationJSON, len(o.ops))
	for i, op := range o.ops {
		ops[i] = operationJSON{op.typ, int64(op.amount), "EUR", op.state, javaTimestamp(op.at.In(s.loc)), op.user}
	}
	rejected := xpay.Amount(0)
	if o.state == xpay.OrderStateDenied {
		rejected = o.amount
	}
	return orderDetailJSON{orderJSON: s.orderJSON(o), Expiry: o.expiry, Details: []detailJSON{{
		FirstName: o.firstName, LastName: o.lastName, Email: o.email, Amount: int64(o.amount), Rejected: int64(rejected), Currency: "EUR",
		State: o.state, Code: o.code, Operations: ops,
	}}}
}

// javaTimestamp writes t as XPay writes dataOperazione: to the second,
// the way Java's Timestamp prints a time with no fraction,
// "2024-07-25 12:41:47.0" (pretix-xpay's utils.py:71-72 shows it, and
// parses it with %Y-%m-%d %H:%M:%S.%f, which takes at most six digits).
// dataTransazione has no fraction.
func javaTimestamp(t time.Time) string {
	var b [32]byte
	return string(append(t.AppendFormat(b[:0], layoutReport), ".0"...))
}

// orderSummary is an order as reportOrdini lists it.
func (s *Server) orderSummary(o *order) orderSummaryJSON {
	last := o.created
	if n := len(o.ops); n > 0 {
		last = o.ops[n-1].at
	}
	return orderSummaryJSON{orderJSON: s.orderJSON(o), OperationDate: javaTimestamp(last.In(s.loc)), FirstName: o.firstName, LastName: o.lastName}
}

func (s *Server) listOrders(r *request) (map[string]any, *apiError) {
	from, to, ok := s.period(r.get("periodo"))
	if !ok {
		return nil, ko(xpay.CodeInvalidParameter, "periodo: gg/mm/aaaa - gg/mm/aaaa")
	}
	if to.After(from.AddDate(0, 0, xpay.MaxOrderPeriodDays)) {
		return nil, ko(xpay.CodeInvalidParameter, "periodo: al massimo %d giorni", xpay.MaxOrderPeriodDays)
	}
	channel := r.get("canale")
	if channel == "" {
		return nil, ko(xpay.CodeInvalidParameter, "canale")
	}
	code := r.get("codiceTransazione")
	if r.has("stato") || r.objects["stato"] != nil {
		// One state as a string (what org.json makes of a Java array), or
		// an object: not a filter XPay can read, and not one to ignore
		// silently.
		return nil, ko(xpay.CodeInvalidParameter, "stato: un array di stati, come [\"Autorizzato\"]")
	}
	states := r.arrays["stato"]
	report := []orderSummaryJSON{}
	for _, o := range s.ordersIn(code, from, to) {
		switch {
		case code != "" && o.code != code,
			!inRange(o.created, from, to),
			channel != "All" && !strings.EqualFold(channel, o.channel),
			len(states) > 0 && !slices.ContainsFunc(states, func(st string) bool { return strings.EqualFold(st, string(o.state)) }):
			continue
		}
		report = append(report, s.orderSummary(o))
	}
	return map[string]any{"report": report}, nil
}

// ordersIn returns the orders that may match: the order of code, when one
// is asked for, or those created on the days of [from, to], by day. A
// call costs what it finds, not what the Server holds.
func (s *Server) ordersIn(code string, from, to time.Time) []*order {
	if code != "" {
		if o := s.state.orders[code]; o != nil {
			return []*order{o}
		}
		return nil
	}
	var list []*order
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		list = append(list, s.state.ordersByDay[dayKey(d)]...)
	}
	return list
}

// period parses "dd/mm/yyyy - dd/mm/yyyy" into the first and last instant.
func (s *Server) period(v string) (from, to time.Time, ok bool) {
	a, b, found := strings.Cut(v, " - ")
	if !found {
		return from, to, false
	}
	from, setA, okA := s.date(a)
	to, setB, okB := s.date(b)
	if !setA || !setB || !okA || !okB || to.Before(from) {
		return from, to, false
	}
	return from, to.AddDate(0, 0, 1).Add(-time.Nanosecond), true
}

type warning struct {
	code    string
	at      time.Time
	message string
}

// AddWarning seeds a warning about a transaction: a code of 2 to 30
// characters and a message.
func (s *Server) AddWarning(transactionCode, message string) error {
	if len(transactionCode) < 2 || len(transactionCode) > 30 {
		return fmt.Errorf("xpaytest: warning code %q: want 2 to 30 characters", transactionCode)
	}
	if message == "" {
		return errors.New("xpaytest: a warning needs a message")
	}
	if err := longest("warning "+transactionCode, map[string]string{"message": message}, maxText); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w := &warning{transactionCode, s.now().In(s.loc), message}
	s.state.warningsOf.add(w.code, w)
	s.state.warnings = bound(append(s.state.warnings, w), s.maxItems, func(w *warning) { s.state.warningsOf.remove(w.code, w) })
	return nil
}

// listWarnings answers "nothing found" (error 2) when no warning matches,
// as XPay does.
func (s *Server) listWarnings(r *request) (map[string]any, *apiError) {
	from, _, okA := s.dateTime(r.get("dataTransazioneDal"))
	to, _, okB := s.dateTime(r.get("dataTransazioneAl"))
	if !okA || !okB {
		return nil, ko(xpay.CodeInvalidParameter, "date: gg/mm/aaaa hh:mm:ss")
	}
	code := r.get("codiceTransazione")
	type warningJSON struct {
		Code    string `json:"codiceTransazione"`
		Date    string `json:"dataTransazione"`
		Message string `json:"messaggio"`
	}
	candidates := s.state.warnings
	if code != "" {
		candidates = s.state.warningsOf[code]
	}
	var list []warningJSON
	for _, w := range candidates {
		if (code == "" || w.code == code) && inRange(w.at, from, to) {
			list = append(list, warningJSON{w.code, w.at.Format(layoutDateTime), w.message})
		}
	}
	if len(list) == 0 {
		return nil, ko(xpay.CodeNotFound, "")
	}
	return map[string]any{"warnings": list}, nil
}

// profileInfo answers with the payment methods of the sandbox's alias, as
// mlocati/nexi-xpay and Nexi's plugins read them: a card circuit, and
// PayPal, whose orders the sandbox keeps on its own channel.
func (s *Server) profileInfo(*request) (map[string]any, *apiError) {
	method := func(code, description, kind, recurring string) map[string]any {
		return map[string]any{"code": code, "description": description, "selectedcard": code,
			"image": s.URL + "/img/" + strings.ToLower(code) + ".png", "type": kind, "recurring": recurring}
	}
	return map[string]any{
		"availableMethods": []any{method("VISA", "Visa", "CC", "Y"), method("MC", "Mastercard", "CC", "Y"), method("PAYPAL", "PayPal", "APM", "N")},
		"urlLogoNexiSmall": s.URL + "/img/logo_nexi_240x60.png",
		"urlLogoNexiLarge": s.URL + "/img/logo_nexi_480x120.png",
	}, nil
}

// orderView is an order as the control API shows it.
type orderView struct {
	Code       string          `json:"code"`
	Amount     int64           `json:"amount"`
	State      xpay.OrderState `json:"state"`
	CreatedAt  time.Time       `json:"createdAt"`
	Channel    string          `json:"channel"`
	Brand      string          `json:"brand"`
	Captured   int64           `json:"captured"`
	Refunded   int64           `json:"refunded"`
	FirstName  string          `json:"firstName,omitempty"`
	LastName   string          `json:"lastName,omitempty"`
	Email      string          `json:"email,omitempty"`
	Contract   string          `json:"contract,omitempty"`
	Operations []opView        `json:"operations"`
}

type opView struct {
	Type   xpay.OperationType `json:"type"`
	Amount int64              `json:"amount"`
	At     time.Time          `json:"at"`
}

// orderView shows o, in Italian time. s.mu must be held.
func (s *Server) orderView(o *order) orderView {
	v := orderView{Code: o.code, Amount: int64(o.amount), State: o.state, CreatedAt: o.created.In(s.loc), Channel: o.channel, Brand: o.brand,
		Captured: int64(o.captured), Refunded: int64(o.refunded), FirstName: o.firstName, LastName: o.lastName, Email: o.email,
		Contract: o.contract, Operations: []opView{}}
	for _, op := range o.ops {
		v.Operations = append(v.Operations, opView{op.typ, int64(op.amount), op.at.In(s.loc)})
	}
	return v
}
