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

// ErrSettleAmbiguous means that Settle cannot tell whether the write took
// effect: the order shows a row of the write's type and amount that may
// be another one's (two such rows appeared, or none was read before the
// write and a matching row may be older), or a row it cannot read. No
// read will tell: a person has to look at the order. Until then, do not
// send the write again.
var ErrSettleAmbiguous = errors.New("xpay: Settle: cannot tell whether the write happened")

// PendingWrite is a write whose outcome is unknown: what an
// *OutcomeUnknownError carries, and what Settle takes. It encodes with
// encoding/json, field for field, so that it can be stored (a database
// row, a file) and settled by another process, after a restart, with a
// Client of its own for the same alias.
type PendingWrite struct {
	// Operation is the Client method that was called: "Capture",
	// "Refund", "CreatePayByLink", ...
	Operation string `json:"operation"`
	// TransactionCode, Amount and Currency are the request's, for the
	// writes that have them.
	TransactionCode string   `json:"transactionCode,omitempty"`
	Amount          Amount   `json:"amount,omitempty"`
	Currency        Currency `json:"currency,omitempty"`
	// Sent is the request's timeStamp: XPay can carry the write out until
	// SettleWindow after it.
	Sent time.Time `json:"sent"`
	// Before are the order's operation rows as read before the write (the
	// request's Before), or nil when they were not read. An empty list
	// means the order had none; nil means nobody knows.
	Before []Operation `json:"before"`
}

// Settle finds out whether a capture or a refund whose outcome is unknown
// (the Write of an *OutcomeUnknownError, possibly stored and loaded back)
// took effect. It is the only safe way to decide whether to send it
// again.
//
// It reads the order (GetOrder) and looks for the operation row this
// write produced: a row of its type (CONTAB. for a capture, STORNO for a
// refund) and amount that was not there before. When it finds one it
// returns true: do not send the write again. A write still in flight when
// its answer was lost can land seconds or minutes later, so Settle reads
// again, waiting longer each time (from half a second to 15 s), until
// SettleWindow has passed since w.Sent, measured with the Client's clock;
// only a verified, fresh read after that which still shows no such row
// returns false: the write did not happen and no longer can, and it is
// safe to send it again. A read that cannot be trusted (a wrong or missing
// MAC, a stale or unsigned answer, a page that is not XPay's) never counts
// as a read that shows nothing.
//
// Other writers on the same order do not fool it: a capture of another
// amount, or a refund, is another row. When it cannot tell (two rows of
// the write's type and amount appeared, or w.Before is nil and a matching
// row may be older than the write, or a row older than the write is
// missing from w.Before, or a row cannot be read) it returns an error
// matching ErrSettleAmbiguous at once. Without w.Before, rows dated
// well before w.Sent are known to be older: only rows that may be this
// write's make it ambiguous.
//
// Any error means the outcome is still unknown: ctx ended, the order
// could not be read after the window (the last error is wrapped), the
// rows are ambiguous, or w is not a capture or refund to settle (a
// *ValidationError; look other writes up as their documentation says).
// Keep w, and settle again later.
//
// It is a read: it only calls GetOrder, and takes up to SettleWindow.
func (c *Client) Settle(ctx context.Context, w *PendingWrite) (bool, error) {
	if err := c.usable("Settle"); err != nil {
		return false, err
	}
	rowType, verr := w.settleable()
	if verr != nil {
		return false, verr
	}
	deadline := w.Sent.Add(SettleWindow)
	wait := 500 * time.Millisecond
	for {
		over := !c.now().Before(deadline) // decided before the read: only a read after the window is final
		res, err := c.GetOrder(ctx, &GetOrderRequest{TransactionCode: w.TransactionCode})
		var order *Order
		if err == nil {
			if order = res.Order(); order == nil {
				err = errors.New("the answer holds no order")
			}
		}
		var apiErr *APIError
		switch {
		case err == nil:
			happened, findErr := w.find(order, rowType, c.freshness)
			switch {
			case findErr != nil:
				return false, findErr
			case happened:
				return true, nil
			case over:
				return false, nil
			}
		case errors.As(err, &apiErr) && apiErr.Code == CodeNotFound:
			if over { // XPay does not know the order: nothing can have happened to it
				return false, nil
			}
		case ctx.Err() != nil:
			return false, ctx.Err()
		case over:
			return false, fmt.Errorf("xpay: Settle: the order cannot be read, the outcome is still unknown: %w", err)
		}
		if perr := c.pause(ctx, wait); perr != nil {
			return false, perr
		}
		wait = min(2*wait, 15*time.Second)
	}
}

// settleable checks that Settle can settle w, and returns the type of the
// row w makes.
func (w *PendingWrite) settleable() (t OperationType, err error) {
	defer func() {
		if ve, ok := err.(*ValidationError); ok {
			ve.Operation = "Settle"
		}
	}()
	switch {
	case w == nil:
		return "", invalid("PendingWrite", "-", "must not be nil")
	case w.Operation == svcCapture.name:
		t = OperationTypeCapture
	case w.Operation == svcRefund.name:
		t = OperationTypeRefund
	default:
		return "", invalid("Operation", "-", "is %q: Settle settles Capture and Refund; look other writes up as their documentation says", printable(w.Operation))
	}
	if err := firstError(checkTransactionCode("TransactionCode", w.TransactionCode), checkAmount("Amount", w.Amount)); err != nil {
		return "", err
	}
	if w.Sent.IsZero() {
		return "", invalid("Sent", "-", "is zero: the request's timeStamp, which tells how long XPay may still carry the write out")
	}
	return t, nil
}

// find looks in order for the row w made. It fails with ErrSettleAmbiguous
// when the rows cannot tell.
func (w *PendingWrite) find(order *Order, t OperationType, freshness time.Duration) (bool, error) {
	if len(order.Details) == 0 {
		return false, fmt.Errorf("%w: the order holds no operation rows (dettaglio)", ErrSettleAmbiguous)
	}
	// XPay's clock stands within freshness of this Client's (every
	// verified read says so), and XPay dates a row when it carries the
	// write out, after w.Sent: a row dated before this is older than w.
	older := w.Sent.Add(-freshness - time.Minute)
	type row struct {
		t OperationType
		a Amount
	}
	before := map[row]int{}
	for _, op := range w.Before {
		before[row{op.Type, op.Amount}]++
	}
	known := func(t OperationType) bool { return t == OperationTypeCapture || t == OperationTypeRefund }
	matching := 0
	for i, op := range order.Operations() {
		r := row{op.Type, op.Amount}
		switch {
		case op.Type != t && known(op.Type): // another kind of write
		case unreadableAmount(op):
			return false, fmt.Errorf("%w: the amount of row %d (%s) cannot be read: %.40s", ErrSettleAmbiguous, i+1, printable(string(op.Type)), op.Extra["importo"])
		case op.Amount != w.Amount:
		case before[r] > 0:
			before[r]-- // there before the write
		case w.Before == nil && rowBefore(op.Date, older):
		case rowBefore(op.Date, older):
			return false, fmt.Errorf("%w: a %s row of %s dated %q, older than the write, is not in PendingWrite.Before: that is no reading of this order from just before the write",
				ErrSettleAmbiguous, printable(string(op.Type)), w.Amount, printable(op.Date))
		case w.Before == nil:
			return false, fmt.Errorf("%w: a %s row of %s dated %q may be older than the write, and no reading from before it was kept (PendingWrite.Before)",
				ErrSettleAmbiguous, printable(string(op.Type)), w.Amount, printable(op.Date))
		case op.Type != t:
			return false, fmt.Errorf("%w: row %d, of %s, is of a type this package does not know (%q)", ErrSettleAmbiguous, i+1, w.Amount, printable(string(op.Type)))
		default:
			matching++
		}
	}
	if matching > 1 {
		return false, fmt.Errorf("%w: %d new %s rows of %s: another writer made the same write", ErrSettleAmbiguous, matching, t, w.Amount)
	}
	return matching == 1, nil
}

// rowBefore reports whether a row dated date is known to be older than
// t: its date parses, and the whole of it (a day, for a date alone) lies
// before t.
func rowBefore(date string, t time.Time) bool {
	at, err := ParseTime(date, nil)
	if err != nil {
		return false
	}
	if len(date) <= len("02/01/2006") {
		at = at.AddDate(0, 0, 1)
	}
	return at.Before(t)
}

// unreadableAmount reports whether op's importo did not decode: it is
// then kept in Extra, and Amount reads zero.
func unreadableAmount(op Operation) bool {
	_, ok := op.Extra["importo"]
	return ok
}

// pause waits d between Settle's reads, or returns ctx's error as soon as
// it is done.
func (c *Client) pause(ctx context.Context, d time.Duration) error {
	if c.pauseHook != nil {
		return c.pauseHook(ctx, d)
	}
	return sleep(ctx, d)
}
