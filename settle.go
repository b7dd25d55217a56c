package xpay

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SettleWindow is how long after it was sent a write can still take
// effect at XPay: XPay refuses a request whose timeStamp is more than 5
// minutes old, and a minute more is left for one it accepted just in
// time and is still carrying out.
const SettleWindow = 6 * time.Minute

// Settle finds out whether a capture or refund that failed with
// ErrOutcomeUnknown (err) took effect. It reads the order (GetOrder) until
// happened reports the write in it, waiting longer between reads each
// time, and returns true; or until SettleWindow has passed since the write
// was sent, measured with the Client's clock, and a read after that still
// does not show it: then it returns false, and only then is it safe to
// send the write again. A write still in flight when the answer was lost
// (a slow XPay, a timeout) can land seconds or minutes later, so reading
// the order once at once is not enough.
//
// happened receives the order as read, or nil if XPay does not know the
// order (yet). CaptureOf and RefundOf build it from the order as read
// before the write. If ctx ends first, Settle returns ctx's error, and the
// outcome is still unknown; so it is, with the last error, if the order
// could not be read after the window.
func (c *Client) Settle(ctx context.Context, err error, transactionCode string, happened func(*Order) bool) (bool, error) {
	if err := c.usable("Settle"); err != nil {
		return false, err
	}
	var unknown *outcomeUnknownError
	if !errors.As(err, &unknown) || unknown.sent.IsZero() {
		return false, fmt.Errorf("xpay: Settle: %v is not the ErrOutcomeUnknown of a write sent by this package", err)
	}
	deadline := unknown.sent.Add(SettleWindow)
	wait := 500 * time.Millisecond
	for {
		over := !c.now().Before(deadline) // decided before the read: a read after the window is final
		res, err := c.GetOrder(ctx, &GetOrderRequest{TransactionCode: transactionCode})
		var apiErr *APIError
		switch {
		case err == nil && happened(res.Order()):
			return true, nil
		case errors.As(err, &apiErr) && apiErr.Code == CodeNotFound && !apiErr.Unsigned && happened(nil):
			return true, nil
		case ctx.Err() != nil:
			return false, ctx.Err()
		case over && (err == nil || errors.As(err, &apiErr) && apiErr.Code == CodeNotFound && !apiErr.Unsigned):
			return false, nil
		case over:
			return false, fmt.Errorf("xpay: Settle: the order cannot be read, the outcome is still unknown: %w", err)
		}
		if err := sleep(ctx, wait); err != nil {
			return false, err
		}
		wait = min(2*wait, 15*time.Second)
	}
}

// CaptureOf returns the check Settle needs for a capture of amount: the
// order's captures (CONTAB. rows) exceed, by amount, what they were in
// before, the order as read before the capture (nil: none).
func CaptureOf(before *Order, amount Amount) func(*Order) bool {
	var was Amount
	if before != nil {
		was = before.Captured()
	}
	return func(o *Order) bool { return o != nil && o.Captured()-was >= amount }
}

// RefundOf returns the check Settle needs for a refund or void of amount:
// the order's STORNO rows exceed, by amount, what they were in before,
// the order as read before the refund (nil: none).
func RefundOf(before *Order, amount Amount) func(*Order) bool {
	var was Amount
	if before != nil {
		was = before.Refunded()
	}
	return func(o *Order) bool { return o != nil && o.Refunded()-was >= amount }
}
