package xpay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"
)

// service is the data that tells one back-office service from another.
// Its request type declares the MAC fields, next to its definition.
type service struct {
	name  string // the Client method, for errors and logs
	path  string // relative to the base URL
	write bool   // changes state at XPay: never retried, lost answers are ErrOutcomeUnknown

	macOptional   bool // XPay may send the answer unsigned; a MAC present is still verified
	notFoundEmpty bool // KO CodeNotFound means an empty result, not an error
}

// request is implemented by every <Method>Request.
type request interface {
	// validate checks the rules XPay documents, returning a
	// *ValidationError with Field, WireName and Rule set.
	validate() error
	// macFields returns the request MAC input, in the order XPay uses.
	// The request supplies apiKey and timeStamp, which every MAC includes.
	macFields(apiKey, timeStamp Field) []Field
}

// The request pipeline. Every call goes
//
//	invoke → call → run → attempt → send → a body reader → decode → judge
//
// and differs from another only in its body reader: buffered (every
// operation), walked (Orders, streamList) or copied
// (DownloadReport, stream). run is the one place that decides whether to
// try again, and outcome the one that decides whether a write's outcome
// is unknown; attempt is the one that signs and sends; decode and judge
// the one step that decides what an answer is worth. The exchange (send)
// owns the call's timers.

// invoke runs op and returns its typed response: every operation method is
// one call to it.
func invoke[T any, PT interface {
	*T
	envelope
}](ctx context.Context, c *Client, op *service, req request) (*T, error) {
	out, err := c.call(ctx, op, req, func() envelope { return PT(new(T)) })
	if err != nil {
		return nil, err
	}
	return out.(PT), nil
}

// call is the one request path of a buffered call: it validates req,
// then, once or more for retried reads, stamps and signs it, POSTs it,
// reads a capped body, decodes it into a fresh result, verifies the
// response MAC and turns esito KO into an *APIError.
func (c *Client) call(ctx context.Context, op *service, req request, fresh func() envelope) (envelope, error) {
	if err := c.prepare(ctx, op, req); err != nil {
		return nil, err
	}
	if op.write && c.journal != nil {
		return c.journaled(ctx, op, req, fresh)
	}
	return c.exchange(ctx, op, req, fresh, time.Time{})
}

// exchange sends req, stamped at (now, when at is zero), and reads its
// answer into a fresh result, once or more for retried reads.
func (c *Client) exchange(ctx context.Context, op *service, req request, fresh func() envelope, at time.Time) (envelope, error) {
	var out envelope
	err := c.run(ctx, op, req, func() (int, *Response, time.Time, error) {
		out = fresh() // nothing from an earlier attempt survives
		status, sent, err := c.attempt(ctx, op, c.post(op, req, at), c.buffered(op, out))
		return status, out.response(), sent, err
	}, nil)
	return out, err
}

// prepare checks, before anything is sent, that c can call and that req
// follows XPay's rules. A failure is logged as the call's outcome.
func (c *Client) prepare(ctx context.Context, op *service, req request) error {
	if err := c.usable(op.name); err != nil {
		return err
	}
	err := check(op, req)
	if err != nil {
		c.log(ctx, op, 0, nil, err, 0)
	}
	return err
}

// run runs try, once, and again for a read while it fails in a way
// WithRetry allows and nothing of the answer has reached the caller yet
// (delivered, when not nil, tells). try returns when its request was
// signed. It decides the outcome of a write (see outcome) and logs it.
func (c *Client) run(ctx context.Context, op *service, req request, try func() (status int, r *Response, sent time.Time, err error), delivered func() bool) error {
	start := time.Now()
	var (
		status int
		r      *Response
		sent   time.Time
		err    error
	)
	for retry := 0; ; retry++ {
		status, r, sent, err = try()
		if err == nil || retry >= c.retry.max || delivered != nil && delivered() || !c.retryable(ctx, op, err) {
			if err != nil && retry > 0 {
				err = fmt.Errorf("%w (after %d attempts)", err, retry+1)
			}
			break
		}
		wait := c.retry.delay(retry)
		c.logRetry(ctx, op, retry+1, wait, err)
		if err = sleep(ctx, wait); err != nil {
			break
		}
	}
	err = c.outcome(op, req, sent, err)
	c.log(ctx, op, status, r, err, time.Since(start))
	return err
}

// outcome is the one place that decides whether the outcome of a call is
// unknown. Writes fail closed: a write that failed in any way but a
// verified, fresh refusal (an *APIError) or before its request could
// leave (notSent) may have been carried out, and is an
// *OutcomeUnknownError.
func (c *Client) outcome(op *service, req request, sent time.Time, err error) error {
	if err == nil {
		return nil
	}
	var ns notSent
	var apiErr *APIError
	switch {
	case errors.As(err, &ns):
		return ns.error
	case !op.write, errors.As(err, &apiErr):
		return err
	}
	return &OutcomeUnknownError{Write: c.pendingWrite(op, req, sent), Err: err}
}

// pendingWrite is what settling req, a write stamped sent, takes.
func (c *Client) pendingWrite(op *service, req request, sent time.Time) PendingWrite {
	w := PendingWrite{Operation: op.name, AliasFingerprint: c.creds().fingerprint, Sent: sent}
	if p, ok := req.(interface{ pending(*PendingWrite) }); ok {
		p.pending(&w)
	}
	if req != nil {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if enc.Encode(req) == nil {
			w.Request = json.RawMessage(bytes.TrimRight(b.Bytes(), "\n"))
		}
	}
	return w
}

// check validates req, before anything is sent.
func check(op *service, req request) error {
	if v := reflect.ValueOf(req); v.Kind() == reflect.Pointer && v.IsNil() {
		return &ValidationError{Operation: op.name, Field: "request", WireName: "-", Rule: "must not be nil"}
	}
	err := req.validate()
	if ve, ok := err.(*ValidationError); ok {
		ve.Operation = op.name
	}
	return err
}

// retryable reports whether a failed read may be tried again: the network
// failed or timed out, or a proxy answered 5xx or 429 with no envelope.
func (c *Client) retryable(ctx context.Context, op *service, err error) bool {
	if op.write || ctx.Err() != nil {
		return false
	}
	var apiErr *APIError
	var respErr *ResponseError
	switch {
	case errors.As(err, &apiErr):
		return false
	case errors.As(err, &respErr):
		s := respErr.HTTPStatus
		return errors.Is(respErr.Err, errNotEnvelope) && (s >= 500 || s == http.StatusTooManyRequests)
	}
	return true
}

// sleep waits d, or returns the context's error as soon as it is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// outgoing is the request of one attempt, signed for it.
type outgoing struct {
	method, url string
	body        []byte
	sent        time.Time // the timeStamp signed, which the answer's must stand near
}

// bodyReader reads the answer of one attempt into its result, whatever
// its status, and judges it. x's body is closed after it.
type bodyReader func(ctx context.Context, x *exchange, sent time.Time) error

// attempt makes one request, signed afresh by build, and hands its answer
// to read. It returns when the request was signed.
func (c *Client) attempt(ctx context.Context, op *service, build func() (outgoing, error), read bodyReader) (status int, sent time.Time, err error) {
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
func (c *Client) post(op *service, req request, at time.Time) func() (outgoing, error) {
	return func() (outgoing, error) {
		body, sent, err := c.signedBody(op, req, at)
		return outgoing{method: http.MethodPost, url: c.baseURL + op.path, body: body, sent: sent}, err
	}
}

// buffered is the body reader of a call: the whole answer, up to the size
// cap, decoded into out.
func (c *Client) buffered(op *service, out envelope) bodyReader {
	return func(ctx context.Context, x *exchange, sent time.Time) error {
		raw, err := c.readBody(ctx, op, x)
		if err != nil {
			return err
		}
		return c.decodeAll(op, x.resp.StatusCode, raw, out, sent)
	}
}

// signedBody stamps req with the timeStamp at, or a fresh one when at is
// zero, signs it and encodes it. sent is the timeStamp, which the answer's
// must stand near.
func (c *Client) signedBody(op *service, req request, at time.Time) (body []byte, sent time.Time, err error) {
	sent = at
	if sent.IsZero() {
		sent = c.now()
	}
	ts := strconv.FormatInt(sent.UnixMilli(), 10)
	mac := macHex(string(c.creds().secret), req.macFields(Field{"apiKey", c.creds().alias}, Field{"timeStamp", ts}))
	body, err = c.encode(req, ts, mac[:])
	if err != nil {
		return nil, sent, fmt.Errorf("xpay: %s: encoding request: %w", op.name, err)
	}
	return body, sent, nil
}

// encode writes the request body: apiKey, timeStamp and mac, then the
// fields of req.
func (c *Client) encode(req request, ts string, mac []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(256)
	buf.WriteString(`{"apiKey":`)
	buf.Write(c.creds().aliasJSON)
	buf.WriteString(`,"timeStamp":`)
	buf.WriteString(ts)
	buf.WriteString(`,"mac":"`)
	buf.Write(mac)
	buf.WriteByte('"')
	start := buf.Len()
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(req); err != nil {
		return nil, err
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	if len(b)-start == 2 { // the request's own fields are {}
		return append(b[:start], '}'), nil
	}
	b[start] = ',' // req's opening brace joins the envelope's fields
	return b, nil
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
func (c *Client) send(ctx context.Context, op *service, method, url string, body []byte) (*exchange, error) {
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

// readBody reads the whole body of x, up to the size cap.
func (c *Client) readBody(ctx context.Context, op *service, x *exchange) (RawBody, error) {
	raw, err := readAll(x.resp.Body, x.resp.ContentLength, c.maxBody+1)
	if err != nil {
		return "", c.lost(ctx, op, x.cause(fmt.Errorf("reading response: %w", err)), true)
	}
	if int64(len(raw)) > c.maxBody {
		return "", c.untrusted(op, x.resp.StatusCode, "", c.tooLarge())
	}
	return raw, nil
}

func (c *Client) tooLarge() error {
	return fmt.Errorf("response body exceeds the %d-byte limit (see WithMaxResponseSize)", c.maxBody)
}

// stream GETs the file that url returns and copies it to w as it arrives,
// without holding it; url signs a fresh URL for each attempt. A read is
// tried again, under WithRetry, until its first byte reaches w. An answer
// that is an XPay envelope, or any JSON object with esito, is an error and
// nothing is written: a verified KO is an *APIError, anything else a
// *ResponseError.
func (c *Client) stream(ctx context.Context, op *service, url func() (string, time.Time, error), w io.Writer) (int64, error) {
	out := &countingWriter{w: w}
	get := func() (outgoing, error) {
		u, sent, err := url()
		return outgoing{method: http.MethodGet, url: u, sent: sent}, err
	}
	err := c.run(ctx, op, nil, func() (int, *Response, time.Time, error) {
		var r Response
		status, sent, err := c.attempt(ctx, op, get, c.copied(op, &r, out))
		return status, &r, sent, err
	}, func() bool { return out.n > 0 })
	return out.n, err
}

// countingWriter counts what reaches w.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// copied is the body reader of a file: copied to w as it arrives, unless
// it is an envelope (decoded into r) in the file's place.
func (c *Client) copied(op *service, r *Response, w io.Writer) bodyReader {
	return func(ctx context.Context, x *exchange, sent time.Time) error {
		status := x.resp.StatusCode
		body := bufio.NewReaderSize(x.body(), 4096)
		// A file that starts like a JSON object may be an envelope in the
		// report's place, whatever its Content-Type says: read it whole,
		// up to the size cap, to tell.
		var head RawBody
		if lead, _ := body.Peek(64); status/100 != 2 || firstByte(lead) == '{' {
			var err error
			head, err = readAll(body, -1, c.maxBody+1)
			if err != nil {
				return c.lost(ctx, op, x.cause(fmt.Errorf("reading response: %w", err)), true)
			}
			switch {
			case int64(len(head)) > c.maxBody && status/100 != 2:
				return c.untrusted(op, status, "", c.tooLarge())
			case int64(len(head)) <= c.maxBody:
				switch err := c.decodeAll(op, status, RawBody(strings.TrimPrefix(string(head), bom)), r, sent); {
				case err == nil:
					return c.untrusted(op, status, head, errors.New("an XPay envelope instead of the file"))
				case status/100 != 2 || !errors.Is(err, errNotEnvelope):
					return err
				}
			}
		}
		n, err := io.Copy(w, io.MultiReader(strings.NewReader(string(head)), body))
		if err != nil {
			return c.lost(ctx, op, x.cause(fmt.Errorf("after %d bytes: %w", n, err)), true)
		}
		return nil
	}
}

// firstByte returns the first byte of b that is not JSON white space, or
// 0, after a UTF-8 byte-order mark if b starts with one.
func firstByte(b []byte) byte {
	if b = bytes.TrimLeft(bytes.TrimPrefix(b, []byte(bom)), " \t\r\n"); len(b) > 0 {
		return b[0]
	}
	return 0
}

// bom is the UTF-8 byte-order mark, which some servers write before a
// text: in a report's place it may hide an envelope.
const bom = "\uFEFF"

// readAll reads r up to limit bytes. An announced length sizes the
// buffer, up to readAhead: past that the buffer grows with what arrives,
// at most fourfold, up to the announced length, so that an answer
// announcing far more than it sends cannot make the Client allocate what
// it announced, and an honest one ends in a buffer of its size.
//
// The bytes read become the string returned without a copy: the buffer is
// readAll's own, and nothing writes to it, or holds it, after.
func readAll(r io.Reader, length, limit int64) (RawBody, error) {
	size := int64(512)
	if length > 0 {
		size = min(length+1, limit, readAhead) // +1: the read that sees the end
	}
	b := make([]byte, 0, size)
	lr := io.LimitReader(r, limit)
	for {
		if len(b) == cap(b) {
			// Double; towards an announced length, grow fourfold, or to
			// the length when that is nearer. Of an honest answer the
			// buffers cost under 2.4 times its size in all, usually
			// about 1.4; and never more than four times what arrived.
			grown := int64(2 * cap(b))
			if length > int64(len(b)) {
				grown = min(4*int64(cap(b)), length+1)
			}
			b = append(make([]byte, 0, grown), b...)
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			err = nil
			if length > 0 && int64(len(b)) < length && int64(len(b)) < limit {
				err = io.ErrUnexpectedEOF
			}
			return RawBody(unsafe.String(unsafe.SliceData(b), len(b))), err
		}
		if err != nil {
			return "", err
		}
	}
}

// readAhead is the most an announced length makes readAll allocate before
// the bytes arrive.
const readAhead = 1 << 20

// lost builds the error for an answer that never arrived whole. The
// caller's context comes first. mayHaveSent is false when the request
// cannot have reached XPay.
func (c *Client) lost(ctx context.Context, op *service, cause error, mayHaveSent bool) error {
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

// untrusted builds the error for an answer that arrived but cannot be used.
func (c *Client) untrusted(op *service, status int, raw RawBody, cause error) error {
	return &ResponseError{Operation: op.name, HTTPStatus: status, Body: raw, Err: cause}
}
