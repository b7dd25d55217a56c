package xpaytest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault makes the Server misbehave for one operation, to test how code
// copes. Set one misbehaviour; Latency may go with any of them.
type Fault struct {
	// Latency delays the answer: the request is read, then carried out
	// once the delay has passed or the client has hung up, whichever comes
	// first, as a slow XPay would finish a request whose client gave up.
	Latency time.Duration
	// Processed carries the request out before misbehaving, as when a
	// server does the work and the answer is lost on the way back. Without
	// it, a misbehaving answer changes nothing at the Server. Latency alone
	// is not a misbehaviour: the request is carried out after it.
	Processed bool

	HTTPStatus    int    // answer with this status and an HTML page, as a proxy would
	Reset         bool   // close the connection without answering
	MalformedJSON bool   // answer with JSON cut short, declared whole
	TruncatedBody bool   // announce a longer body than is sent, then close
	WrongMAC      bool   // answer with a response MAC that does not verify
	MissingMAC    bool   // answer with no response MAC
	UnsignedKO    int    // answer KO with this code (50 or 99) and no MAC
	Outcome       string // answer with this esito (not OK or KO), correctly signed

	Redirect int           // answer with this 3xx status, pointing back at the same URL
	Stale    time.Duration // answer correctly signed, with a timeStamp this much in the past
	Stall    bool          // send the headers and half the answer, then nothing until the client gives up

	// LandAfter holds the request up on its way, as a proxy or a queue
	// would, and closes the client's connection without an answer: the
	// Server carries the request out LandAfter later by its clock, once
	// the client has long given up. It lands at the first request the
	// Server handles from then on (nobody can see it before), and is
	// checked then as on arrival: a timeStamp more than 5 minutes old by
	// then is refused, as XPay refuses it, and nothing happens.
	LandAfter time.Duration

	// Times is how many requests the fault affects; zero means every one
	// until ClearFaults.
	Times int
}

// An operation has one fault at a time: InjectFault replaces the one
// before, it does not add to it.

func (f *Fault) misbehaves() bool { return len(f.kinds()) > 0 }

// kinds names the misbehaviours f sets, as ParseFault spells them: a
// fault has one at most.
func (f *Fault) kinds() []string {
	var ks []string
	for _, k := range []struct {
		set  bool
		name string
	}{
		{f.HTTPStatus != 0, "status"}, {f.Reset, "reset"}, {f.MalformedJSON, "malformedjson"}, {f.TruncatedBody, "truncatedbody"},
		{f.WrongMAC, "wrongmac"}, {f.MissingMAC, "missingmac"}, {f.UnsignedKO != 0, "unsignedko"}, {f.Outcome != "", "outcome"},
		{f.Redirect != 0, "redirect"}, {f.Stale != 0, "stale"}, {f.Stall, "stall"}, {f.LandAfter != 0, "landafter"},
	} {
		if k.set {
			ks = append(ks, k.name)
		}
	}
	return ks
}

// check reports a fault that sets more than one misbehaviour: only one
// could happen, and which would be a guess.
func (f *Fault) check() error {
	if ks := f.kinds(); len(ks) > 1 {
		return fmt.Errorf("a fault misbehaves in one way, not %s: inject one fault per operation", strings.Join(ks, " and "))
	}
	if f.LandAfter != 0 && (f.Processed || f.LandAfter < 0) {
		return errors.New("landafter is a positive delay, and carries the request out itself: it does not go with processed")
	}
	return nil
}

// InjectFault makes every following request to op misbehave as f says,
// replacing any fault op had. op is the xpay.Client method ("Capture") or
// XPay's service name ("contabilizza"). It panics on an unknown op, naming
// the known ones, and on a fault that sets more than one misbehaviour
// (Latency and Processed go with any one but LandAfter).
func (s *Server) InjectFault(op string, f Fault) {
	rt := mustRoute(op)
	if err := f.check(); err != nil {
		panic("xpaytest: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[rt.method] = &f
}

// ClearFaults removes every injected fault, notification faults too.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
	s.notifyFault = nil
}

// takeFault returns the fault for a request to method, counting it. s.mu
// must be held.
func (s *Server) takeFault(method string) *Fault {
	f := s.faults[method]
	if f == nil {
		return nil
	}
	if f.Times > 0 {
		if f.Times--; f.Times == 0 {
			delete(s.faults, method)
		}
	}
	cp := *f
	return &cp
}

// misbehave answers r as f says, instead of with a.
func (s *Server) misbehave(w http.ResponseWriter, r *http.Request, f *Fault, a *answer) {
	switch {
	case f.Redirect != 0:
		http.Redirect(w, r, r.URL.String(), f.Redirect)
	case f.HTTPStatus != 0:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.HTTPStatus)
		fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>\n",
			f.HTTPStatus, http.StatusText(f.HTTPStatus), f.HTTPStatus, http.StatusText(f.HTTPStatus))
	case f.Reset:
		reset(w)
	case f.Stall:
		body, contentType := a.json(), "application/json"
		if a.body == nil {
			body, contentType = a.file, "text/csv; charset=utf-8"
		}
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body[:len(body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		<-r.Context().Done() // Close ends it too, by closing the connection
	case f.MalformedJSON:
		body := a.json()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body[:len(body)/2])
	case f.TruncatedBody:
		body := a.json()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body[:len(body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		reset(w)
	case f.UnsignedKO != 0:
		b := s.envelope(nil, ko(f.UnsignedKO, ""))
		delete(b.body, "mac")
		b.write(w)
	case a.body == nil: // a file: the faults below are about envelopes
		a.write(w)
	case f.Stale != 0:
		ts, _ := a.body["timeStamp"].(int64)
		a.body["timeStamp"] = ts - f.Stale.Milliseconds()
		s.seal(a.body)
		a.write(w)
	case f.WrongMAC:
		a.body["mac"] = "0000000000000000000000000000000000000000"
		a.write(w)
	case f.MissingMAC:
		delete(a.body, "mac")
		a.write(w)
	case f.Outcome != "":
		a.body["esito"] = f.Outcome
		s.seal(a.body)
		a.write(w)
	}
}

// reset closes the client's connection abruptly, with a TCP reset where
// the platform allows it.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("xpaytest: connection cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// ParseFault reads a fault written as OP:KIND[=VALUE],KIND[=VALUE]..., for
// command lines and other languages' tests: for example
// "Capture:reset,processed,times=1" or "GetOrder:latency=2s". The kinds are
// the Fault's fields in lower case: latency=DURATION, processed,
// status=CODE (HTTPStatus), reset, malformedjson, truncatedbody,
// wrongmac, missingmac, unsignedko=CODE, outcome=ESITO, redirect=CODE,
// stale=DURATION, stall, landafter=DURATION and times=N. OP is checked as InjectFault checks
// it, without panicking.
func ParseFault(s string) (op string, f Fault, err error) {
	op, kinds, ok := strings.Cut(s, ":")
	if !ok || kinds == "" {
		return "", f, fmt.Errorf("xpaytest: fault %q: want OP:KIND[=VALUE],..., such as Capture:reset,processed", s)
	}
	if findRoute(op) == nil {
		return "", f, fmt.Errorf("xpaytest: fault %q: unknown operation %q; want one of %s", s, op, strings.Join(Operations(), ", "))
	}
	flags := map[string]*bool{
		"processed": &f.Processed, "reset": &f.Reset, "malformedjson": &f.MalformedJSON, "truncatedbody": &f.TruncatedBody,
		"wrongmac": &f.WrongMAC, "missingmac": &f.MissingMAC, "stall": &f.Stall,
	}
	duration := func(d *time.Duration) func(string) error {
		return func(v string) (err error) { *d, err = time.ParseDuration(v); return err }
	}
	number := func(n *int) func(string) error {
		return func(v string) (err error) { *n, err = strconv.Atoi(v); return err }
	}
	values := map[string]func(string) error{
		"latency": duration(&f.Latency), "stale": duration(&f.Stale), "landafter": duration(&f.LandAfter),
		"status": number(&f.HTTPStatus), "unsignedko": number(&f.UnsignedKO), "redirect": number(&f.Redirect), "times": number(&f.Times),
		"outcome": func(v string) error { f.Outcome = v; return nil },
	}
	for _, kv := range strings.Split(kinds, ",") {
		k, v, hasValue := strings.Cut(kv, "=")
		fail := func(want string) (string, Fault, error) {
			return "", Fault{}, fmt.Errorf("xpaytest: fault %q: %s %s", s, k, want)
		}
		if flag := flags[strings.ToLower(k)]; flag != nil {
			if hasValue {
				return fail("takes no value")
			}
			*flag = true
			continue
		}
		set := values[strings.ToLower(k)]
		switch {
		case set == nil:
			return fail("is not a fault kind")
		case !hasValue:
			return fail("needs a value, as " + k + "=...")
		}
		if err := set(v); err != nil {
			return fail("has a bad value: " + err.Error())
		}
	}
	if err := f.check(); err != nil {
		return "", Fault{}, fmt.Errorf("xpaytest: fault %q: %v", s, err)
	}
	return op, f, nil
}
