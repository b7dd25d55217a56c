package xpay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"time"

	"github.com/xpaygo/xpay/internal/lenient"
)

// streamList sends req and decodes the answer as it arrives: every element
// of the list field named key goes to each, as raw JSON, one at a time,
// without holding the whole answer. The rest of the answer is decoded into
// a fresh result, and the envelope (esito, idOperazione, timeStamp, mac,
// errore) is judged once the answer ends, since XPay writes the MAC after
// the list: a bad MAC or a KO is the error returned then. If each returns
// errStop, streamList stops and returns nil; any other error ends the
// answer as one that cannot be used.
//
// It reads every answer as the buffered path (call) would: one JSON object
// and nothing after it, whatever the HTTP status, with the same decoder
// and the same judgement, and the size cap holds for the whole answer.
// Only memory differs: each element is decoded on its own, so the memory
// budget of decoding applies to each instead of to the answer. Under
// WithRetry it is tried again, as call is, until the first element has
// reached each.
//
// The client timeout bounds the wait for the answer to start and then how
// long it may stall (see WithTimeout); ctx bounds the rest.
func (c *Client) streamList(ctx context.Context, op *service, req request, fresh func() envelope, key string, each func(raw []byte) error) error {
	if err := c.prepare(ctx, op, req); err != nil {
		return err
	}
	delivered := false
	return c.run(ctx, op, req, func() (int, *Response, time.Time, error) {
		out := fresh()
		status, sent, err := c.streamAttempt(ctx, op, req, out, key, func(raw []byte) error {
			delivered = true
			return each(raw)
		})
		return status, out.response(), sent, err
	}, func() bool { return delivered })
}

// streamAttempt sends req once, with a fresh timestamp and MAC, and walks
// the answer.
func (c *Client) streamAttempt(ctx context.Context, op *service, req request, out envelope, key string, each func(raw []byte) error) (int, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return 0, time.Time{}, notSent{err}
	}
	body, sent, err := c.signedBody(op, req)
	if err != nil {
		return 0, sent, notSent{err}
	}
	status, err := c.walk(ctx, op, body, sent, out, key, each)
	return status, sent, err
}

// walk posts body and walks the answer.
func (c *Client) walk(ctx context.Context, op *service, body []byte, sent time.Time, out envelope, key string, each func(raw []byte) error) (int, error) {
	x, err := c.send(ctx, op, http.MethodPost, c.baseURL+op.path, body)
	if err != nil {
		return 0, err
	}
	defer x.end()
	status := x.resp.StatusCode
	var raw []byte // the body, when it is held: for an error status, to keep in the error
	var src io.Reader
	if status/100 != 2 {
		if raw, _, err = c.readBody(ctx, op, x); err != nil {
			return status, err
		}
		src = bytes.NewReader(raw)
	} else {
		defer x.resp.Body.Close()
		src = x.body()
	}

	t := reflect.TypeOf(out).Elem()
	list, _ := lenient.FieldOf(t, []byte(key))
	isList := func(k []byte) bool {
		f, ok := lenient.FieldOf(t, k)
		return ok && f == list
	}
	env, err := lenient.Walk(src, c.maxBody, isList, each)
	var elemErr lenient.ElementError
	switch {
	case err == nil:
	case errors.Is(err, lenient.ErrStop):
		return status, nil
	case ctx.Err() != nil:
		return status, ctx.Err()
	case errors.Is(err, lenient.ErrTooLarge):
		return status, c.untrusted(op, status, raw, c.tooLarge())
	case errors.As(err, &elemErr):
		return status, c.untrusted(op, status, raw, decodeFailure(elemErr.Err))
	case errors.Is(err, lenient.ErrSyntax):
		return status, c.untrusted(op, status, raw, fmt.Errorf("%w: %w", errNotEnvelope, err))
	default:
		return status, c.lost(ctx, op, x.cause(fmt.Errorf("reading response: %w", err)), true)
	}
	if err := lenient.Unmarshal(env, out); err != nil {
		return status, c.untrusted(op, status, raw, decodeFailure(err))
	}
	r := out.response()
	r.HTTPStatus, r.RawBody = status, raw
	return status, c.judge(op, status, raw, r, sent)
}
