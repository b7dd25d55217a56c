package xpay

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unsafe"

	"github.com/xpaygo/xpay/internal/lenient"
)

// The body readers: how the answer of one attempt is read, whole
// (buffered), as a list that streams (walked) or as a file copied to the
// caller (copied). Each reads any status, and hands an envelope to decode.

// bodyReader reads the answer of one attempt into its result, whatever
// its status, and judges it. x's body is closed after it.
type bodyReader func(ctx context.Context, x *exchange, sent time.Time) error

// buffered is the body reader of a call: the whole answer, up to the size
// cap, decoded into out.
func (c *Client) buffered(op *operation, out envelope) bodyReader {
	return func(ctx context.Context, x *exchange, sent time.Time) error {
		raw, err := c.readBody(ctx, op, x)
		if err != nil {
			return err
		}
		return c.decodeAll(op, x.resp.StatusCode, raw, out, sent)
	}
}

// walked is the body reader of a streamed list: the elements of the
// member isList names go to each as they arrive, and the rest of the
// answer is decoded into out.
func (c *Client) walked(op *operation, out envelope, isList func(key []byte) bool, each func(raw []byte) error) bodyReader {
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

// copied is the body reader of a file: copied to w as it arrives, unless
// it is an envelope (decoded into r) in the file's place.
func (c *Client) copied(op *operation, r *Response, w io.Writer) bodyReader {
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

// readBody reads the whole body of x, up to the size cap.
func (c *Client) readBody(ctx context.Context, op *operation, x *exchange) (RawBody, error) {
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
