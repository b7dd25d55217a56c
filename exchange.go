package xpay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"
)

// One attempt on the wire: the request signed for it, sent, and its
// answer handed to a body reader (body.go), under the client timeout.

// outgoing is the request of one attempt, signed for it.
type outgoing struct {
	method, url string
	body        []byte
	sent        time.Time // the timeStamp signed, which the answer's must stand near
}

// attempt makes one request, signed afresh by build, and hands its answer
// to read. It returns when the request was signed.
func (c *Client) attempt(ctx context.Context, op *operation, build func() (outgoing, error), read bodyReader) (status int, sent time.Time, err error) {
	if err := ctx.Err(); err != nil {
		return 0, sent, notSent{err}
	}
	req, err := build()
	if err != nil {
		return 0, req.sent, notSent{err}
	}
	x, err := c.send(ctx, op, req.method, req.url, req.body)
	if err != nil {
		return 0, req.sent, err
	}
	defer x.end()
	defer x.resp.Body.Close()
	return x.resp.StatusCode, req.sent, read(ctx, x, req.sent)
}

// post returns the builder of a POST of req, stamped at (now, when at is
// zero) and signed.
func (c *Client) post(op *operation, req request, at time.Time) func() (outgoing, error) {
	return func() (outgoing, error) {
		body, sent, err := c.signedBody(op, req, at)
		return outgoing{method: http.MethodPost, url: c.baseURL + op.path, body: body, sent: sent}, err
	}
}

// timer is the part of *time.Timer an exchange uses.
type timer interface {
	Reset(d time.Duration) bool
	Stop() bool
}

// timers are the clock of the client timeout: the real one, or a test's.
// (WithClock is another clock: the one of XPay's timestamps.)
type timers struct {
	now       func() time.Time
	afterFunc func(d time.Duration, f func()) timer
}

var realTimers = timers{
	now:       time.Now,
	afterFunc: func(d time.Duration, f func()) timer { return time.AfterFunc(d, f) },
}

// streamProgress is what a stream must deliver for each period of the
// client timeout that it keeps the Client waiting.
const streamProgress = 32 << 10

// exchange is one HTTP request in flight. Its timer is the client
// timeout: on the whole exchange, or, once body turns it into a stream's
// watchdog, on the time spent waiting for the server.
type exchange struct {
	resp      *http.Response
	ctx       context.Context // the call's context: the caller's, plus the client timeout
	timeout   time.Duration
	timer     timer // the client timeout, nil if there is none
	now       func() time.Time
	timedOut  atomic.Bool
	streaming atomic.Bool
	cancel    context.CancelCauseFunc
}

// end releases the exchange.
func (x *exchange) end() {
	if x.timer != nil {
		x.timer.Stop()
	}
	x.cancel(nil)
}

// cause returns err, or the client timeout if that is what ended the call.
func (x *exchange) cause(err error) error {
	if x.timedOut.Load() {
		return context.Cause(x.ctx)
	}
	return err
}

// expire ends the exchange when its timer fires.
func (x *exchange) expire() {
	x.timedOut.Store(true)
	if x.streaming.Load() {
		x.cancel(fmt.Errorf("the answer stalled: less than %d KiB in %v of waiting: %w", streamProgress>>10, x.timeout, context.DeadlineExceeded))
		return
	}
	x.cancel(fmt.Errorf("no answer within %v: %w", x.timeout, context.DeadlineExceeded))
}

// body returns the response body for reading as a stream: from now on the
// client timeout bounds the time spent waiting in Read for each
// streamProgress bytes, not the whole transfer.
func (x *exchange) body() io.Reader {
	if x.timer == nil {
		return x.resp.Body
	}
	x.timer.Stop()
	x.streaming.Store(true)
	return &watchdog{x: x, left: x.timeout}
}

// watchdog arms the exchange's timer only while Read waits for the
// server, with what is left of the timeout since the last streamProgress
// bytes.
type watchdog struct {
	x    *exchange
	left time.Duration
	got  int
}

func (w *watchdog) Read(p []byte) (int, error) {
	w.x.timer.Reset(w.left) // fires at once when nothing is left
	start := w.x.now()
	n, err := w.x.resp.Body.Read(p)
	w.x.timer.Stop()
	w.left -= w.x.now().Sub(start)
	if w.got += n; w.got >= streamProgress {
		w.got, w.left = 0, w.x.timeout
	}
	return n, err
}

// send sends one request and waits for the response headers. A failure
// after the request may have been written is, for a write,
// ErrOutcomeUnknown. A redirect is not followed: it is a *ResponseError.
// The caller must call end on the exchange.
func (c *Client) send(ctx context.Context, op *operation, method, url string, body []byte) (*exchange, error) {
	x := &exchange{timeout: c.timeout, now: c.timers.now}
	x.ctx, x.cancel = context.WithCancelCause(ctx)
	if c.timeout > 0 {
		x.timer = c.timers.afterFunc(c.timeout, x.expire)
	}
	// A request that never got a connection cannot have reached XPay; only
	// a write needs to know. Transports that do not report these events
	// count as having sent it.
	var gotConnAsked, wroteHeaders atomic.Bool
	reqCtx := x.ctx
	if op.write {
		reqCtx = httptrace.WithClientTrace(reqCtx, &httptrace.ClientTrace{
			GetConn:      func(string) { gotConnAsked.Store(true) },
			WroteHeaders: func() { wroteHeaders.Store(true) },
		})
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hreq, err := http.NewRequestWithContext(reqCtx, method, url, rd)
	if err != nil {
		x.end()
		return nil, notSent{fmt.Errorf("xpay: %s: %w", op.name, err)}
	}
	hreq.Header = http.Header{"Accept": jsonType, "User-Agent": c.userAgent}
	if body != nil {
		hreq.Header["Content-Type"] = jsonType
	}

	x.resp, err = c.http.Do(hreq)
	if err != nil {
		x.end()
		mayHaveSent := !gotConnAsked.Load() || wroteHeaders.Load()
		return nil, c.lost(ctx, op, x.cause(err), mayHaveSent)
	}
	if s := x.resp.StatusCode; s >= 300 && s < 400 {
		defer x.end()
		defer x.resp.Body.Close()
		raw, err := c.readBody(ctx, op, x)
		if err != nil {
			return nil, err
		}
		return nil, c.untrusted(op, s, raw, errRedirect)
	}
	return x, nil
}

// jsonType is the value of the Accept and Content-Type headers of every
// request: one slice, which net/http and transports only read.
var jsonType = []string{"application/json"}

var errRedirect = errors.New("a redirect, which XPay never sends: not followed")

// lost builds the error for an answer that never arrived whole. The
// caller's context comes first. mayHaveSent is false when the request
// cannot have reached XPay.
func (c *Client) lost(ctx context.Context, op *operation, cause error, mayHaveSent bool) error {
	var err error
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = fmt.Errorf("%w: xpay: %s", ctxErr, op.name)
	} else {
		var ue *url.Error
		if errors.As(cause, &ue) {
			cause = ue.Err // its text repeats the method and URL
		}
		err = fmt.Errorf("xpay: %s: %w", op.name, cause)
	}
	if !mayHaveSent {
		return notSent{err}
	}
	return err
}
