package xpay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xpaygo/xpay/internal/lenient"
)

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
func (c *Client) streamList(ctx context.Context, op *service, req request, fresh func() envelope, isList func(key []byte) bool, each func(raw []byte) error) error {
	if err := c.prepare(ctx, op, req); err != nil {
		return err
	}
	delivered := false
	return c.run(ctx, op, req, func() (int, *Response, time.Time, error) {
		out := fresh()
		status, sent, err := c.attempt(ctx, op, c.post(op, req, time.Time{}), c.walked(op, out, isList, func(raw []byte) error {
			delivered = true
			return each(raw)
		}))
		return status, out.response(), sent, err
	}, func() bool { return delivered })
}

// walked is the body reader of a streamed list: the elements of the
// member isList names go to each as they arrive, and the rest of the
// answer is decoded into out.
func (c *Client) walked(op *service, out envelope, isList func(key []byte) bool, each func(raw []byte) error) bodyReader {
	return func(ctx context.Context, x *exchange, sent time.Time) error {
		status := x.resp.StatusCode
		var raw RawBody // the body, when it is held: for an error status, to keep in the error
		var src io.Reader
		if status/100 != 2 {
			var err error
			if raw, err = c.readBody(ctx, op, x); err != nil {
				return err
			}
			src = strings.NewReader(string(raw))
		} else {
			src = x.body()
		}
		env, err := lenient.Walk(src, c.maxBody, isList, each)
		var elemErr lenient.ElementError
		switch {
		case err == nil:
		case errors.Is(err, lenient.ErrStop):
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, lenient.ErrTooLarge):
			return c.untrusted(op, status, raw, c.tooLarge())
		case errors.As(err, &elemErr):
			return c.untrusted(op, status, raw, decodeFailure(elemErr.Err))
		case errors.Is(err, lenient.ErrSyntax):
			return c.untrusted(op, status, raw, fmt.Errorf("%w: %w", errNotEnvelope, err))
		default:
			return c.lost(ctx, op, x.cause(fmt.Errorf("reading response: %w", err)), true)
		}
		return c.decode(op, status, string(env), raw, out, sent)
	}
}
