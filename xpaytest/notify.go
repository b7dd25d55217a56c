package xpaytest

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// NotificationFault makes the Server's notifications to a link's urlPost
// misbehave, to test how a merchant's handler copes. Delay may go with
// any of the others.
type NotificationFault struct {
	Drop     bool          // do not deliver it
	Twice    bool          // deliver it twice
	WrongMAC bool          // deliver it with a MAC that does not verify
	Delay    time.Duration // deliver it this much later, after the customer is back on the merchant's url

	// Times is how many notifications the fault affects; zero means every
	// one until ClearFaults.
	Times int
}

// InjectNotificationFault makes the following notifications misbehave as
// f says.
func (s *Server) InjectNotificationFault(f NotificationFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifyFault = &f
}

// Notification is one delivery of a payment notification to a urlPost.
type Notification struct {
	URL    string
	Form   url.Values // what was POSTed, signed (or, with WrongMAC, not)
	Status int        // the merchant's HTTP status; 0 if the request failed
	Err    error      // why the request failed, if it did
}

// Notifications returns the notifications delivered so far, in order.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.notified...)
}

// notice is a notification to deliver.
type notice struct {
	url   string
	form  url.Values
	fault NotificationFault
}

// notification prepares the notification of a payment on l, with the
// payment's outcome parameters, or nil when l has no urlPost. s.mu must
// be held.
func (s *Server) notification(l *link, result url.Values) *notice {
	if l.notifyURL == "" {
		return nil
	}
	n := &notice{url: l.notifyURL, form: result}
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

// notifier posts notifications; it follows no redirects, as XPay.
var notifier = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// deliver posts n, now or, with a Delay, later. s.mu must not be held:
// the merchant's handler may call the Server.
func (s *Server) deliver(n *notice) {
	if n == nil || n.fault.Drop {
		return
	}
	if !s.notifyAnyHost && !loopbackURL(n.url) {
		s.mu.Lock()
		s.notified = bound(append(s.notified, Notification{URL: n.url, Form: n.form,
			Err: errors.New("not delivered: urlPost is not a loopback address (see WithNotifyAnyHost)")}), s.maxItems, nil)
		s.mu.Unlock()
		return
	}
	send := func() {
		times := 1
		if n.fault.Twice {
			times = 2
		}
		for range times {
			rec := Notification{URL: n.url, Form: n.form}
			resp, err := notifier.PostForm(n.url, n.form)
			if err != nil {
				rec.Err = err
			} else {
				rec.Status = resp.StatusCode
				resp.Body.Close()
			}
			s.mu.Lock()
			s.notified = bound(append(s.notified, rec), s.maxItems, nil)
			s.mu.Unlock()
		}
	}
	if n.fault.Delay <= 0 {
		send()
		return
	}
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		select {
		case <-time.After(n.fault.Delay):
			send()
		case <-s.closed:
		}
	}()
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
