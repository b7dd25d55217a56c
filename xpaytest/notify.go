package xpaytest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// NotificationFault makes the Server's notifications to a link's urlPost
// misbehave, to test how a merchant's handler copes. Delay may go with
// any of the others, and so may the retry schedule.
type NotificationFault struct {
	Drop     bool          // do not deliver it
	Twice    bool          // deliver it twice
	WrongMAC bool          // deliver it with a MAC that does not verify
	Delay    time.Duration // deliver it this much later, after the customer is back on the merchant's url

	// Retries replaces the schedule of the attempts that follow one the
	// merchant did not answer with HTTP 200: each is the wait after the
	// attempt before it, by the Server's clock (which MoveClock moves).
	// Nil keeps the Server's own schedule: 1m, 5m and 30m. NoRetries
	// makes one attempt only.
	Retries   []time.Duration
	NoRetries bool

	// Times is how many notifications the fault affects; zero means every
	// one until ClearFaults.
	Times int
}

// defaultRetries is when the Server notifies again after an attempt that
// did not get HTTP 200. XPay publishes only that a notification counts as
// received on HTTP 200 and that nothing can be done on the transaction
// until then; when it tries again is not published, so these waits are
// the sandbox's own (EVIDENCE.md).
var defaultRetries = [...]time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute}

// InjectNotificationFault makes the following notifications misbehave as
// f says.
func (s *Server) InjectNotificationFault(f NotificationFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifyFault = &f
}

// Notification is one attempt to deliver a payment notification to a
// urlPost.
type Notification struct {
	URL  string
	Form url.Values // what was POSTed, signed (or, with WrongMAC, not)
	// Attempt is 1 for the first delivery of a payment's notification,
	// and counts the attempts that follow one that failed.
	Attempt int
	// Status is the merchant's HTTP status; 0 when no HTTP answer could
	// be read.
	Status int
	// Answer is what the merchant's server sent back, as it came: status
	// line, headers and the start of the body, at most 1 KiB.
	Answer string
	// Err says why the attempt counted as failed: an answer other than
	// HTTP 200, no HTTP answer, or one that is not HTTP (the header line
	// that breaks it is quoted). It is nil when the merchant answered
	// HTTP 200.
	Err error
}

// answerCap is how much of a merchant's answer to a notification the
// Server keeps.
const answerCap = 1 << 10

// Notifications returns the attempts to deliver notifications so far, in
// order.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.notified...)
}

// notice is a notification to deliver.
type notice struct {
	url     string
	form    url.Values
	fault   NotificationFault
	attempt int // the attempt it is about to make, from 1
}

// notification prepares the notification of a payment on l, with the
// payment's outcome parameters, or nil when l has no urlPost. s.mu must
// be held.
func (s *Server) notification(l *link, result url.Values) *notice {
	if l.notifyURL == "" {
		return nil
	}
	n := &notice{url: l.notifyURL, form: result, attempt: 1}
	if f := s.notifyFault; f != nil {
		n.fault = *f
		if f.Times > 0 {
			if f.Times--; f.Times == 0 {
				s.notifyFault = nil
			}
		}
	}
	if n.fault.WrongMAC {
		n.form = url.Values{}
		for k, v := range result {
			n.form[k] = v
		}
		n.form.Set("mac", strings.Repeat("0", 40))
	}
	return n
}

// deliver posts n, now or, with a Delay, later. s.mu must not be held:
// the merchant's handler may call the Server.
func (s *Server) deliver(n *notice) {
	if n == nil || n.fault.Drop {
		return
	}
	if !s.notifyAnyHost && !loopbackURL(n.url) {
		s.record(Notification{URL: n.url, Form: n.form, Attempt: n.attempt,
			Err: errors.New("not delivered: urlPost is not a loopback address (see WithNotifyAnyHost)")})
		return
	}
	if n.fault.Delay <= 0 {
		s.send(n)
		return
	}
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		select {
		case <-time.After(n.fault.Delay):
			s.send(n)
		case <-s.closed:
		}
	}()
}

// record keeps one attempt, within the Server's bound.
func (s *Server) record(rec Notification) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notified = bound(append(s.notified, rec), s.maxItems, nil)
}

// send makes an attempt (the first, with Twice, two), records it, and
// schedules the next when none got HTTP 200.
func (s *Server) send(n *notice) {
	times := 1
	if n.fault.Twice && n.attempt == 1 {
		times = 2
	}
	delivered := false
	for range times {
		rec := s.retries.post(n.url, n.form)
		rec.Attempt = n.attempt
		delivered = delivered || rec.Err == nil
		s.record(rec)
	}
	if delivered || n.fault.NoRetries {
		return
	}
	schedule := n.fault.Retries
	if schedule == nil {
		schedule = defaultRetries[:]
	}
	if n.attempt > len(schedule) {
		return // XPay gives up; so does the sandbox
	}
	next := *n
	next.attempt++
	s.retries.add(&next, s.now().Add(schedule[n.attempt-1]))
}

// retries holds the notifications to send again, each when it falls due
// by the Server's clock: the retrier sends them as real time passes, and
// MoveClock as it moves the clock.
type retries struct {
	mu      sync.Mutex // guards list
	list    []retry
	sending sync.Mutex // held while due notifications are sent, so that MoveClock returns after them
	wake    chan struct{}
	ctx     context.Context // ends when the Server closes
	cancel  context.CancelFunc
}

type retry struct {
	n   *notice
	due time.Time
}

func newRetries() *retries {
	ctx, cancel := context.WithCancel(context.Background())
	return &retries{wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel}
}

// add schedules n at due.
func (r *retries) add(n *notice, due time.Time) {
	r.mu.Lock()
	r.list = append(r.list, retry{n, due})
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// clear forgets every notification still to send again.
func (r *retries) clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = nil
}

// next takes the earliest notification due by clock, or returns nil, and
// how long until the earliest that is not. It reads the clock only when a
// notification waits: a test's clock is read by the goroutines of the
// requests it makes, and by the retrier only when that test has made a
// notification fail.
func (r *retries) next(clock func() time.Time) (*notice, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.list) == 0 {
		return nil, -1
	}
	now := clock()
	first, wait := -1, time.Duration(-1)
	for i, x := range r.list {
		switch d := x.due.Sub(now); {
		case d <= 0 && (first < 0 || x.due.Before(r.list[first].due)):
			first = i
		case d > 0 && (wait < 0 || d < wait):
			wait = d
		}
	}
	if first < 0 {
		return nil, wait
	}
	n := r.list[first].n
	r.list = append(r.list[:first:first], r.list[first+1:]...)
	return n, 0
}

// sendDue sends the notifications that have fallen due, and returns how
// long until the next one will (negative: none is waiting).
func (s *Server) sendDue() time.Duration {
	s.retries.sending.Lock()
	defer s.retries.sending.Unlock()
	for {
		n, wait := s.retries.next(s.now)
		if n == nil {
			return wait
		}
		s.send(n)
	}
}

// retrier sends the notifications to send again as real time brings them
// due, until the Server closes.
func (s *Server) retrier() {
	defer s.pending.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		wait := s.sendDue()
		if wait < 0 {
			wait = time.Hour // until one is added
		}
		t.Reset(wait)
		select {
		case <-t.C:
		case <-s.retries.wake:
		case <-s.closed:
			return
		}
	}
}

// post makes one attempt to deliver form to u, as XPay does: a form POST,
// no redirect followed, ten seconds at most. It keeps what the merchant's
// server answered, as it came, and says why an attempt failed.
func (r *retries) post(u string, form url.Values) Notification {
	rec := Notification{URL: u, Form: form}
	var raw tap
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &tapConn{Conn: c, tap: &raw}, nil
		},
		DisableKeepAlives:     true,
		ResponseHeaderTimeout: 10 * time.Second,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(r.ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		rec.Err = fmt.Errorf("counted as failed: %v", err)
		return rec
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, answerCap))
		resp.Body.Close()
		rec.Status = resp.StatusCode
	}
	if req.URL.Scheme == "http" {
		rec.Answer = raw.String()
	} else if resp != nil {
		rec.Answer = fmt.Sprintf("%s %s (the rest is encrypted: not kept)", resp.Proto, resp.Status)
	}
	switch {
	case err == nil && rec.Status == http.StatusOK:
	case err == nil:
		rec.Err = fmt.Errorf("counted as failed: the answer is HTTP %d, and XPay counts a notification as received on HTTP 200 only", rec.Status)
	case notHTTP(rec.Answer) != "":
		rec.Err = fmt.Errorf("counted as failed: the answer is not HTTP: its header line %q has no colon. "+
			"PHP's header() sends a line without \"Name:\" as it is under php -S (Nexi's notifica.php does, to say OK); "+
			"Apache drops it. Send the status with http_response_code(200) instead", notHTTP(rec.Answer))
	default:
		rec.Err = fmt.Errorf("counted as failed: no HTTP answer: %v", err)
	}
	return rec
}

// notHTTP returns the first header line of answer that has no colon, or
// "" when there is none among the headers answer holds.
func notHTTP(answer string) string {
	lines := bufio.NewScanner(strings.NewReader(answer))
	lines.Scan() // the status line
	for lines.Scan() {
		line := strings.TrimRight(lines.Text(), "\r")
		if line == "" {
			return "" // the end of the headers
		}
		if !strings.Contains(line, ":") && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") {
			return line
		}
	}
	return ""
}

// tap keeps the first answerCap bytes read from a connection.
type tap struct {
	mu  sync.Mutex // the transport reads on its own goroutines
	buf []byte
}

func (t *tap) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

type tapConn struct {
	net.Conn
	tap *tap
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.tap.mu.Lock()
	c.tap.buf = append(c.tap.buf, p[:min(n, answerCap-len(c.tap.buf))]...)
	c.tap.mu.Unlock()
	return n, err
}

// loopbackURL reports whether u names this machine: localhost, or an
// address in 127.0.0.0/8 or ::1.
func loopbackURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := p.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
