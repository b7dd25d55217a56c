package xpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// The request pipeline. Every call goes
//
//	invoke → call → run → attempt → send → a body reader → decode → judge
//
// and differs from another only in its body reader: buffered (every
// operation), walked (Orders, streamList) or copied (DownloadReport,
// stream). This file runs a call: run is the one place that decides
// whether to try again, and outcome the one that decides whether a
// write's outcome is unknown. operation.go checks, stamps and signs a
// request; exchange.go sends it (attempt, send) and owns the call's
// timers; body.go holds the body readers; envelope.go decodes and judges
// an answer, the one step that decides what an answer is worth.

// invoke runs op and returns its typed response: every operation method is
// one call to it.
func invoke[T any, PT interface {
	*T
	envelope
}](ctx context.Context, c *Client, op *operation, req request) (*T, error) {
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
func (c *Client) call(ctx context.Context, op *operation, req request, newResult func() envelope) (envelope, error) {
	if err := c.prepare(ctx, op, req); err != nil {
		return nil, err
	}
	if op.write && c.journal != nil {
		return c.journaled(ctx, op, req, newResult)
	}
	return c.exchange(ctx, op, req, newResult, time.Time{})
}

// exchange sends req, stamped at (now, when at is zero), and reads its
// answer into a fresh result, once or more for retried reads.
func (c *Client) exchange(ctx context.Context, op *operation, req request, newResult func() envelope, at time.Time) (envelope, error) {
	var out envelope
	err := c.run(ctx, op, req, func() (int, *Response, time.Time, error) {
		out = newResult() // nothing from an earlier attempt survives
		status, sent, err := c.attempt(ctx, op, c.post(op, req, at), c.buffered(op, out))
		return status, out.response(), sent, err
	}, nil)
	return out, err
}

// prepare checks, before anything is sent, that c can call and that req
// follows XPay's rules. A failure is logged as the call's outcome.
func (c *Client) prepare(ctx context.Context, op *operation, req request) error {
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
func (c *Client) run(ctx context.Context, op *operation, req request, try func() (status int, r *Response, sent time.Time, err error), delivered func() bool) error {
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
func (c *Client) outcome(op *operation, req request, sent time.Time, err error) error {
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
func (c *Client) pendingWrite(op *operation, req request, sent time.Time) PendingWrite {
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

// retryable reports whether a failed read may be tried again: the network
// failed or timed out, or a proxy answered 5xx or 429 with no envelope.
func (c *Client) retryable(ctx context.Context, op *operation, err error) bool {
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

// stream GETs the file that url returns and copies it to w as it arrives,
// without holding it; url signs a fresh URL for each attempt. A read is
// tried again, under WithRetry, until its first byte reaches w. An answer
// that is an XPay envelope, or any JSON object with esito, is an error and
// nothing is written: a verified KO is an *APIError, anything else a
// *ResponseError.
func (c *Client) stream(ctx context.Context, op *operation, url func() (string, time.Time, error), w io.Writer) (int64, error) {
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

// streamList sends req and decodes the answer as it arrives: every element
// of the list whose key isList names (lenient.KeyOf) goes to each, as raw JSON, one at a time,
// without holding the whole answer. The rest of the answer is decoded into
// a fresh result, and the envelope (esito, idOperazione, timeStamp, mac,
// errore) is judged once the answer ends, since XPay writes the MAC after
// the list: a bad MAC or a KO is the error returned then. If each returns
// errStop, streamList stops and returns nil; any other error ends the
// answer as one that cannot be used.
//
// It reads every answer as the buffered path (call) would: one JSON object
// and nothing after it, whatever the HTTP status, with the same decoder
// and the same judgement. Only size and memory differ: the size cap holds
// for each element, and for all that is outside the elements together,
// not for the list; and each element is decoded on its own, so the memory
// budget of decoding applies to each instead of to the answer. Under
// WithRetry it is tried again, as call is, until the first element has
// reached each.
//
// The client timeout bounds the wait for the answer to start and then how
// long it may stall (see WithTimeout); ctx bounds the rest.
func (c *Client) streamList(ctx context.Context, op *operation, req request, newResult func() envelope, isList func(key []byte) bool, each func(raw []byte) error) error {
	if err := c.prepare(ctx, op, req); err != nil {
		return err
	}
	delivered := false
	return c.run(ctx, op, req, func() (int, *Response, time.Time, error) {
		out := newResult()
		status, sent, err := c.attempt(ctx, op, c.post(op, req, time.Time{}), c.walked(op, out, isList, func(raw []byte) error {
			delivered = true
			return each(raw)
		}))
		return status, out.response(), sent, err
	}, func() bool { return delivered })
}
