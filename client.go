// Package xpay is a client for the Nexi XPay back-office API: capture,
// refund, order detail and every other post-sale service, as typed Go
// methods that sign each request with the MAC XPay requires and verify the
// MAC of each answer.
//
// A Client is safe for concurrent use by many goroutines. Create one per
// alias and reuse it:
//
//	client, err := xpay.NewClient(alias, secretKey, xpay.WithEnvironment(xpay.EnvironmentProduction))
//	res, err := client.Capture(ctx, &xpay.CaptureRequest{
//		TransactionCode: "ORD-2024-000123",
//		Amount:          5000, // €50.00, in cents
//		Currency:        xpay.CurrencyEUR,
//	})
//
// Money is an Amount of minor units, never a float. Writes are never
// retried by this package; see ErrOutcomeUnknown for what to do when the
// answer to one is lost.
package xpay

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

const (
	version = "0.1.0"

	// DefaultTimeout bounds each call, from sending the request to reading
	// the whole answer, unless WithTimeout says otherwise.
	DefaultTimeout = 30 * time.Second

	// DefaultMaxResponseSize caps the body of an answer, streamed or not,
	// so that a runaway server or proxy cannot exhaust memory.
	DefaultMaxResponseSize = 32 << 20

	// DefaultFreshness is how far a signed answer's timeStamp may stand
	// from the request's, unless WithFreshness says otherwise. XPay refuses
	// requests more than 5 minutes old, so the clocks already agree that
	// closely.
	DefaultFreshness = 5 * time.Minute
)

// Environment is an XPay installation.
type Environment int

// XPay's environments. EnvironmentTest is the default.
const (
	EnvironmentTest       Environment = iota // https://int-ecommerce.nexi.it/
	EnvironmentProduction                    // https://ecommerce.nexi.it/
)

// BaseURL returns the environment's base URL, ending in a slash.
func (e Environment) BaseURL() string {
	switch e {
	case EnvironmentTest:
		return "https://int-ecommerce.nexi.it/"
	case EnvironmentProduction:
		return "https://ecommerce.nexi.it/"
	}
	return ""
}

// Client calls the XPay back-office API for one alias. It is safe for
// concurrent use, and holds no state that changes after NewClient. Create
// it with NewClient: the zero Client fails every call.
type Client struct {
	// creds is a func so that nothing that prints values field by field
	// (fmt, which cannot ask an unexported field how to print itself, or a
	// diff in a test) can reach the alias or the key: a func prints as an
	// address, whatever the verb, inside a Client value or anything
	// holding one.
	creds     func() *credentials
	baseURL   string
	http      *http.Client
	timeout   time.Duration
	freshness time.Duration
	retry     retryPolicy
	maxBody   int64
	userAgent string
	logger    *slog.Logger
	now       func() time.Time
}

// credentials are the alias and the MAC key.
type credentials struct {
	alias     string
	aliasJSON []byte // the alias as a JSON string, for the request body
	secret    secret
}

// secret holds the MAC key. It prints as a mask whatever the verb, so that
// no fmt call, log or panic shows it.
type secret string

const redacted = "[redacted]"

func (secret) String() string                 { return redacted }
func (secret) GoString() string               { return redacted }
func (secret) Format(f fmt.State, _ rune)     { _, _ = io.WriteString(f, redacted) }
func (s secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Option configures a Client. An Option that is given a bad value makes
// NewClient fail.
type Option func(*Client) error

// NewClient returns a Client for the alias (apiKey) and secret key (chiave
// segreta, the MAC key) Nexi assigned to the terminal. Back-office calls
// must use the alias that processed the transaction: recurring payments
// have an alias of their own.
func NewClient(alias, secretKey string, opts ...Option) (*Client, error) {
	switch {
	case alias == "":
		return nil, errors.New("xpay: NewClient: alias is empty")
	case len(alias) > 30:
		return nil, errors.New("xpay: NewClient: alias is longer than 30 characters")
	case secretKey == "":
		return nil, errors.New("xpay: NewClient: secret key is empty")
	}
	aliasJSON, _ := json.Marshal(alias)
	c := &Client{
		creds:     sealed(&credentials{alias: alias, aliasJSON: aliasJSON, secret: secret(secretKey)}),
		baseURL:   EnvironmentTest.BaseURL(),
		timeout:   DefaultTimeout,
		freshness: DefaultFreshness,
		maxBody:   DefaultMaxResponseSize,
		userAgent: "xpay-go/" + version,
		now:       time.Now,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, fmt.Errorf("xpay: NewClient: %w", err)
		}
	}
	if c.http == nil {
		c.http = &http.Client{Transport: newTransport()}
	}
	// XPay never redirects. Following one would resend a signed write, to
	// another host or in clear, or take an old answer from elsewhere as
	// this call's. c.http is the Client's own copy, so the caller's
	// *http.Client keeps its policy.
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// sealed returns a func that returns k.
func sealed(k *credentials) func() *credentials { return func() *credentials { return k } }

// errUnusable is the error of every call on a nil or zero Client.
var errUnusable = errors.New("the Client is nil or was not made by NewClient")

// usable reports an error unless c was made by NewClient.
func (c *Client) usable(op string) error {
	if c == nil || c.creds == nil {
		return fmt.Errorf("xpay: %s: %w", op, errUnusable)
	}
	return nil
}

// newTransport is the default transport: TLS 1.2 or newer with certificate
// checks, and enough idle connections per host that concurrent callers
// reuse them instead of opening new ones.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// WithEnvironment selects XPay's test or production installation.
func WithEnvironment(env Environment) Option {
	return func(c *Client) error {
		u := env.BaseURL()
		if u == "" {
			return fmt.Errorf("unknown environment %d", int(env))
		}
		c.baseURL = u
		return nil
	}
}

// WithBaseURL sends requests to rawURL instead of an XPay environment, for
// example to an xpaytest sandbox. It must be an absolute http or https URL.
func WithBaseURL(rawURL string) Option {
	return func(c *Client) error {
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("base URL %q: want an absolute http or https URL without query", rawURL)
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		c.baseURL = u.String()
		return nil
	}
}

// WithHTTPClient makes the Client send requests through a copy of hc, for
// a proxy, custom TLS or instrumentation. hc itself is never changed, and
// neither is http.DefaultClient. The copy follows no redirects, whatever
// hc.CheckRedirect says: a redirect answer is a *ResponseError.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("HTTP client is nil")
		}
		cp := *hc
		c.http = &cp
		return nil
	}
}

// WithTimeout bounds each call (DefaultTimeout unless set): from sending
// the request to reading the whole answer or, for the calls that stream
// (ListOrdersSeq, DownloadReport), to the answer's headers; after those,
// a stream ends with an error once it has kept the Client waiting for d
// without delivering 32 KiB, so that it can stall or crawl for no longer
// than d per 32 KiB, while a fast transfer goes on as long as it lasts.
// Time the caller spends with a streamed item does not count. Zero leaves
// the bound to the caller's context; a negative duration is an error.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d < 0 {
			return fmt.Errorf("timeout %v is negative", d)
		}
		c.timeout = d
		return nil
	}
}

// retryPolicy says how reads are retried. The zero value never retries.
type retryPolicy struct {
	max       int
	base, cap time.Duration
}

// WithRetry retries operations that change nothing at XPay (order detail
// and list, reports, Pay-by-Link report, contract queries, blacklist and
// CF/PAN checks and lists, warnings) up to maxRetries more times when the
// network fails, the client timeout expires, or a proxy answers 5xx or 429
// without an XPay envelope. The n-th retry waits a random time between half
// and all of min(baseDelay·2ⁿ, maxDelay), and stops at once if the
// context ends. Every attempt has a fresh timeStamp and MAC.
//
// Writes (capture, refund, Pay-by-Link creation and regeneration, contract
// and blacklist changes) are never retried, and neither are KO answers,
// answers with a bad MAC, or DownloadReport. Retries are off by default.
func WithRetry(maxRetries int, baseDelay, maxDelay time.Duration) Option {
	return func(c *Client) error {
		if maxRetries < 0 || baseDelay <= 0 || maxDelay < baseDelay {
			return fmt.Errorf("retry: want maxRetries >= 0 and 0 < baseDelay <= maxDelay, got %d, %v, %v", maxRetries, baseDelay, maxDelay)
		}
		c.retry = retryPolicy{max: maxRetries, base: baseDelay, cap: maxDelay}
		return nil
	}
}

// delay is the wait before retry n (0 for the first retry).
func (p retryPolicy) delay(n int) time.Duration {
	d := p.cap
	if n < 30 && p.base<<n < p.cap {
		d = p.base << n
	}
	return d/2 + rand.N(d/2+1)
}

// WithMaxResponseSize caps the size of an answer's body in bytes
// (DefaultMaxResponseSize unless set), streamed or not: ListOrdersSeq
// holds one order at a time, but refuses, like ListOrders, an answer over
// the cap. A larger answer fails with a *ResponseError. DownloadReport
// streams a report file of any size; the cap applies to an envelope in
// its place.
func WithMaxResponseSize(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return fmt.Errorf("max response size %d is not positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		if ua == "" {
			return errors.New("user agent is empty")
		}
		c.userAgent = ua
		return nil
	}
}

// WithLogger logs one line per call to l: the operation, the masked alias,
// the HTTP status, esito, idOperazione and the duration at Debug level,
// failures at Warn. The secret key, the MAC and request bodies are never
// logged. Without this option the Client is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		c.logger = l
		return nil
	}
}

// WithFreshness sets how far the timeStamp of a signed answer may stand
// from the request's (DefaultFreshness unless set): an answer stamped more
// than d before the request was signed, or more than d after the Client
// reads it, is refused as a replay with an error matching
// ErrStaleResponse. It must be positive.
func WithFreshness(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("freshness %v is not positive", d)
		}
		c.freshness = d
		return nil
	}
}

// WithClock replaces time.Now as the source of request timestamps, and of
// the time that answers' timestamps are checked against, for tests that
// need fixed MACs.
func WithClock(now func() time.Time) Option {
	return func(c *Client) error {
		if now == nil {
			return errors.New("clock is nil")
		}
		c.now = now
		return nil
	}
}

// String describes the Client with its alias masked and without the key.
func (c *Client) String() string {
	if c.usable("") != nil {
		return "xpay.Client{unusable: not made by NewClient}"
	}
	return fmt.Sprintf("xpay.Client{alias: %s, baseURL: %s}", maskAlias(c.creds().alias), c.baseURL)
}

// GoString is String, so that %#v shows no secret either.
func (c *Client) GoString() string { return c.String() }

// maskAlias keeps only the ends of an alias, enough to tell terminals apart.
func maskAlias(a string) string {
	if len(a) <= 8 {
		return strings.Repeat("*", len(a))
	}
	return a[:4] + strings.Repeat("*", len(a)-8) + a[len(a)-4:]
}

// Response is what every XPay answer carries. Every <Method>Response type
// embeds it; a Response returned with a nil error has esito OK and a
// verified MAC.
type Response struct {
	Outcome     string       `json:"esito"`        // "OK"
	OperationID string       `json:"idOperazione"` // Nexi's reference for this call
	Timestamp   Timestamp    `json:"timeStamp"`    // server time, epoch milliseconds
	MAC         string       `json:"mac"`          // response MAC, already verified
	Error       *ErrorDetail `json:"errore,omitempty"`

	HTTPStatus int    `json:"-"`
	RawBody    []byte `json:"-"` // the body exactly as received

	// Extra keeps the top-level keys that this package does not model.
	Extra map[string]json.RawMessage `json:"-"`
}

func (r *Response) response() *Response { return r }

// ErrorDetail is the errore object of a KO answer. Callers normally see it
// as an *APIError instead.
type ErrorDetail struct {
	Code    int    `json:"codice"`
	Message string `json:"messaggio"`
}

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

type envelope interface{ response() *Response }

// invoke runs op and returns its typed response: every operation method is
// one call to it.
func invoke[T any, PT interface {
	*T
	envelope
}](ctx context.Context, c *Client, op *service, req request) (*T, error) {
	res := PT(new(T))
	if err := c.call(ctx, op, req, res); err != nil {
		return nil, err
	}
	return res, nil
}

// call is the one request path: it validates req, then, once or more for
// retried reads, stamps and signs it, POSTs it, reads a capped body,
// decodes it into out, verifies the response MAC and turns esito KO into
// an *APIError.
func (c *Client) call(ctx context.Context, op *service, req request, out envelope) error {
	if err := c.usable(op.name); err != nil {
		return err
	}
	start := time.Now()
	err := check(op, req)
	status := 0
	for retry := 0; err == nil; retry++ {
		status, err = c.attempt(ctx, op, req, out)
		if err == nil || retry >= c.retry.max || !c.retryable(ctx, op, err) {
			break
		}
		wait := c.retry.delay(retry)
		c.logRetry(ctx, op, retry+1, wait, err)
		if err = sleep(ctx, wait); err != nil {
			break
		}
	}
	c.log(ctx, op, status, out.response(), err, time.Since(start))
	return err
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

// attempt sends req once, with a fresh timestamp and MAC.
func (c *Client) attempt(ctx context.Context, op *service, req request, out envelope) (status int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	reflect.ValueOf(out).Elem().SetZero() // nothing from an earlier attempt survives
	body, sent, err := c.signedBody(op, req)
	if err != nil {
		return 0, err
	}
	raw, status, err := c.post(ctx, op, body)
	if err == nil {
		err = c.decode(op, status, raw, out, sent)
	}
	if unknown := (*outcomeUnknownError)(nil); err != nil && errors.As(err, &unknown) {
		unknown.sent = sent // Settle waits for what XPay may still do with it
	}
	return status, err
}

// signedBody stamps req with a fresh timeStamp, signs it and encodes it.
// sent is the timeStamp, which the answer's must stand near.
func (c *Client) signedBody(op *service, req request) (body []byte, sent time.Time, err error) {
	sent = c.now()
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
	timer     *time.Timer // the client timeout, nil if there is none
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
	start := time.Now()
	n, err := w.x.resp.Body.Read(p)
	w.x.timer.Stop()
	w.left -= time.Since(start)
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
	x := &exchange{timeout: c.timeout}
	x.ctx, x.cancel = context.WithCancelCause(ctx)
	if c.timeout > 0 {
		x.timer = time.AfterFunc(c.timeout, x.expire)
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
		return nil, fmt.Errorf("xpay: %s: %w", op.name, err)
	}
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", c.userAgent)

	x.resp, err = c.http.Do(hreq)
	if err != nil {
		x.end()
		mayHaveSent := !gotConnAsked.Load() || wroteHeaders.Load()
		return nil, c.lost(ctx, op, x.cause(err), mayHaveSent)
	}
	if s := x.resp.StatusCode; s >= 300 && s < 400 {
		defer x.end()
		raw, _, err := c.readBody(ctx, op, x)
		if err != nil {
			return nil, err
		}
		return nil, c.untrusted(op, s, raw, errRedirect)
	}
	return x, nil
}

var errRedirect = errors.New("a redirect, which XPay never sends: not followed")

// post sends body and returns the answer's status and capped body.
func (c *Client) post(ctx context.Context, op *service, body []byte) ([]byte, int, error) {
	x, err := c.send(ctx, op, http.MethodPost, c.baseURL+op.path, body)
	if err != nil {
		return nil, 0, err
	}
	defer x.end()
	return c.readBody(ctx, op, x)
}

// readBody reads the whole body of x, up to the size cap.
func (c *Client) readBody(ctx context.Context, op *service, x *exchange) ([]byte, int, error) {
	defer x.resp.Body.Close()
	status := x.resp.StatusCode
	raw, err := readAll(x.resp.Body, x.resp.ContentLength, c.maxBody+1)
	if err != nil {
		return nil, status, c.lost(ctx, op, x.cause(fmt.Errorf("reading response: %w", err)), true)
	}
	if int64(len(raw)) > c.maxBody {
		return nil, status, c.untrusted(op, status, nil, c.tooLarge())
	}
	return raw, status, nil
}

func (c *Client) tooLarge() error {
	return fmt.Errorf("response body exceeds the %d-byte limit (see WithMaxResponseSize)", c.maxBody)
}

// stream GETs url and copies the report file it answers to w as it
// arrives, without holding it. An answer that is an XPay envelope, or any
// JSON object with esito, is an error and nothing is written: a verified
// KO is an *APIError, anything else a *ResponseError.
func (c *Client) stream(ctx context.Context, op *service, url string, w io.Writer, sent time.Time) (int64, error) {
	start := time.Now()
	var r Response
	n, status, err := c.doStream(ctx, op, url, w, &r, sent)
	c.log(ctx, op, status, &r, err, time.Since(start))
	return n, err
}

func (c *Client) doStream(ctx context.Context, op *service, url string, w io.Writer, r *Response, sent time.Time) (int64, int, error) {
	x, err := c.send(ctx, op, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	defer x.end()
	defer x.resp.Body.Close()
	status := x.resp.StatusCode
	body := bufio.NewReaderSize(x.body(), 4096)
	// A file that starts like a JSON object may be an envelope in the
	// report's place, whatever its Content-Type says: read it whole, up to
	// the size cap, to tell.
	var head []byte
	if lead, _ := body.Peek(64); status/100 != 2 || firstByte(lead) == '{' {
		head, err = readAll(body, -1, c.maxBody+1)
		if err != nil {
			return 0, status, c.lost(ctx, op, x.cause(fmt.Errorf("reading response: %w", err)), false)
		}
		switch {
		case int64(len(head)) > c.maxBody && status/100 != 2:
			return 0, status, c.untrusted(op, status, nil, c.tooLarge())
		case int64(len(head)) <= c.maxBody:
			switch err := c.decode(op, status, head, r, sent); {
			case err == nil:
				return 0, status, c.untrusted(op, status, head, errors.New("an XPay envelope instead of the file"))
			case status/100 != 2 || !errors.Is(err, errNotEnvelope):
				return 0, status, err
			}
		}
	}
	n, err := io.Copy(w, io.MultiReader(bytes.NewReader(head), body))
	if err != nil {
		return n, status, c.lost(ctx, op, x.cause(fmt.Errorf("after %d bytes: %w", n, err)), false)
	}
	return n, status, nil
}

// firstByte returns the first byte of b that is not JSON white space, or 0.
func firstByte(b []byte) byte {
	if i := skipSpace(b, 0); i < len(b) {
		return b[i]
	}
	return 0
}

// readAll reads r up to limit bytes, in one allocation when the length is
// announced.
func readAll(r io.Reader, length, limit int64) ([]byte, error) {
	if length <= 0 || length >= limit {
		return io.ReadAll(io.LimitReader(r, limit))
	}
	b := make([]byte, length)
	n, err := io.ReadFull(r, b)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) && n < len(b) {
		err = io.ErrUnexpectedEOF
	}
	return b[:n], err
}

// lost builds the error for an answer that never arrived whole. The
// caller's context comes first; a write that may have been sent is
// ErrOutcomeUnknown.
func (c *Client) lost(ctx context.Context, op *service, cause error, mayHaveSent bool) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if op.write && mayHaveSent {
			return &outcomeUnknownError{cause: fmt.Errorf("%w: xpay: %s", ctxErr, op.name)}
		}
		return ctxErr
	}
	var ue *url.Error
	if errors.As(cause, &ue) {
		cause = ue.Err // its text repeats the method and URL
	}
	err := fmt.Errorf("xpay: %s: %w", op.name, cause)
	if op.write && mayHaveSent {
		return &outcomeUnknownError{cause: err}
	}
	return err
}

// untrusted builds the error for an answer that arrived but cannot be used.
func (c *Client) untrusted(op *service, status int, raw []byte, cause error) error {
	err := &ResponseError{Operation: op.name, HTTPStatus: status, Body: raw, Err: cause}
	if op.write {
		return &outcomeUnknownError{cause: err}
	}
	return err
}

var errNotEnvelope = errors.New("body is not an XPay JSON envelope")

// decodeFailure says why a body that is valid JSON did not decode.
func decodeFailure(err error) error {
	if err == errMemoryBudget {
		return err
	}
	return fmt.Errorf("%w: %w", errNotEnvelope, err)
}

// decode reads an answer into out, whatever its HTTP status: XPay sends
// KO bodies with 200 as well as with 4xx and 5xx.
func (c *Client) decode(op *service, status int, raw []byte, out envelope, sent time.Time) error {
	if !json.Valid(raw) {
		return c.untrusted(op, status, raw, errNotEnvelope)
	}
	if err := unmarshalLenient(raw, out); err != nil {
		return c.untrusted(op, status, raw, decodeFailure(err))
	}
	r := out.response()
	r.HTTPStatus, r.RawBody = status, raw
	return c.judge(op, status, raw, r, sent)
}

// judge decides whether a decoded envelope can be trusted: a verified,
// fresh OK is nil, a verified, fresh KO an *APIError, anything else a
// *ResponseError. sent is when the request was signed.
func (c *Client) judge(op *service, status int, raw []byte, r *Response, sent time.Time) error {
	if r.Outcome == "" {
		return c.untrusted(op, status, raw, errNotEnvelope)
	}
	var detail ErrorDetail
	if r.Error != nil {
		detail = *r.Error
	}
	switch {
	case r.MAC != "" && verifyResponseMAC(string(c.creds().secret), r.Outcome, r.OperationID, string(r.Timestamp), r.MAC):
		if err := c.fresh(r.Timestamp, sent); err != nil {
			if r.Outcome == "KO" { // XPay's word, for the reader, but no *APIError: it may be a replay
				err = fmt.Errorf("%w; the answer is KO %d: %s", err, detail.Code, printable(detail.Message))
			}
			return c.untrusted(op, status, raw, err)
		}
	case r.MAC == "" && op.macOptional:
	case r.MAC == "" && r.Outcome == "KO" && (detail.Code == CodeMACNotComputable || detail.Code == CodeNotAllowed):
		// XPay may leave these two codes unsigned: it could not compute a
		// MAC. Anyone on the path can forge one, so a write that gets it
		// may still have happened.
		err := c.refusal(op, status, raw, r, detail)
		if op.write {
			return &outcomeUnknownError{cause: err}
		}
		return err
	default:
		return c.untrusted(op, status, raw, ErrInvalidMAC)
	}
	switch r.Outcome {
	case "OK":
		return nil
	case "KO":
		if op.notFoundEmpty && detail.Code == CodeNotFound {
			return nil
		}
		return c.refusal(op, status, raw, r, detail)
	}
	return c.untrusted(op, status, raw, fmt.Errorf("unexpected esito %q", r.Outcome))
}

func (c *Client) refusal(op *service, status int, raw []byte, r *Response, detail ErrorDetail) *APIError {
	return &APIError{
		Operation:   op.name,
		Code:        detail.Code,
		Message:     detail.Message,
		OperationID: r.OperationID,
		Unsigned:    r.MAC == "",
		HTTPStatus:  status,
		Body:        raw,
	}
}

// fresh checks that a signed answer's timeStamp is no further from the
// request's than the freshness window allows: an older one is a replay of
// an answer to another request.
func (c *Client) fresh(ts Timestamp, sent time.Time) error {
	at, err := ts.Time()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrStaleResponse, err)
	}
	switch now := c.now(); {
	case at.Before(sent.Add(-c.freshness)):
		return fmt.Errorf("%w: its timeStamp is %v before the request's (the window is %v; see WithFreshness): a replay, or this machine's clock is wrong",
			ErrStaleResponse, sent.Sub(at).Round(time.Second), c.freshness)
	case at.After(now.Add(c.freshness)):
		return fmt.Errorf("%w: its timeStamp is %v ahead of this machine's clock (the window is %v; see WithFreshness)",
			ErrStaleResponse, at.Sub(now).Round(time.Second), c.freshness)
	}
	return nil
}

func (c *Client) log(ctx context.Context, op *service, status int, r *Response, err error, d time.Duration) {
	if c.logger == nil {
		return
	}
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelWarn
	}
	if !c.logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("operation", op.name),
		slog.String("alias", maskAlias(c.creds().alias)),
		slog.Int("http_status", status),
		slog.String("esito", r.Outcome),
		slog.String("idOperazione", r.OperationID),
		slog.Duration("duration", d),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.logger.LogAttrs(ctx, level, "xpay call", attrs...)
}

func (c *Client) logRetry(ctx context.Context, op *service, n int, wait time.Duration, err error) {
	if c.logger == nil {
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelInfo, "xpay retry",
		slog.String("operation", op.name), slog.Int("retry", n), slog.Duration("wait", wait), slog.String("error", err.Error()))
}

// CloseIdleConnections closes the connections the Client keeps open for
// reuse. The Client stays usable. It does nothing on a nil or zero Client.
func (c *Client) CloseIdleConnections() {
	if c.usable("") == nil {
		c.http.CloseIdleConnections()
	}
}
