package xpay

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Settle finds out whether a write whose outcome is unknown (the Write of
// an *OutcomeUnknownError, possibly stored and loaded back) took effect.
// It is the only safe way to decide whether to send it again.
//
// For a capture or a refund it reads the order (GetOrder) and looks for
// the operation row this write produced: a row of its type (CONTAB. for a
// capture, STORNO for a refund) and amount that was not there before.
// When it finds one it returns true: do not send the write again. A write
// still in flight when its answer was lost can land seconds or minutes
// later, so Settle reads again, waiting longer each time (from half a
// second to 15 s), until the window has passed. The other writes have
// rules of their own, each a read of the object the write changes:
//
//   - Charge and PayNonce: the order of the charge's code exists and was
//     authorized (one denied, or never created, did not happen).
//   - CreatePayByLink: the link of the code exists: Settle searches the
//     links of the days it can have been made on (ListPayByLinks). Only
//     when that search cannot tell (more links than one search returns,
//     or links listed without their code) does it ask XPay to regenerate
//     the link with the same timeout, which XPay refuses for a code it
//     does not know: for a link never used that moves its expiry to
//     timeout hours from then; for one paid, XPay refuses, which says it
//     exists; for one paid with a negative outcome XPay makes a new link
//     under a new code.
//   - CreateContractFromPOS and DeleteContract: the contract is listed,
//     or not (ListContractStatuses); EnableContract and DisableContract:
//     its statoAggiornamento is ABILITATO, or DISABILITATO.
//   - AddToBlacklist and RemoveFromBlacklist: the value is listed, or not
//     (CheckBlacklist); DeleteCFPAN: the pair is no longer there
//     (CheckCFPAN).
//
// The state a write sets may have been set by another writer too: these
// rules answer whether the object is as the write leaves it, which is what
// decides whether to send it again. No read tells whether a
// RegeneratePayByLink happened: Settle refuses it (a *ValidationError),
// and the journal leaves it for a person.
//
// (false, nil) means the write did not happen and no longer can: it is
// safe to send it again. Settle answers it only from a verified, fresh
// read (or XPay's verified "unknown", such as KO 2 for an order), by the
// alias that sent the write, that XPay signed at least SettleWindow after
// w.Sent by XPay's own clock (the answer's signed timeStamp) and that this
// Client started at least SettleWindow after w.Sent by its clock too. XPay
// refuses a request whose timeStamp is more than 5 minutes old by its
// clock, so no skew between the clocks, and no stall of the request on
// its way, can make a write land after such a read. It assumes that XPay
// dates its answers with the clock it checks timeStamps against, and
// carries out within a minute a request it accepted. A read that cannot be
// trusted (a wrong or missing MAC, a stale or unsigned answer, a page that
// is not XPay's, an answer that does not hold this order alone and whole)
// never counts as a read that shows nothing.
//
// Other writers on the same order do not fool it: a capture of another
// amount, or a refund, is another row. When it cannot tell (two rows of
// the write's type and amount appeared; w.Before is nil and a matching
// row may be older than the write; a row older than the write is missing
// from w.Before, or a row of w.Before from the order; a row cannot be
// read; an order or a contract in a state this package does not know) it
// returns an error matching ErrSettleAmbiguous at once. Without w.Before,
// rows dated well before w.Sent (even read as the later instant, in the
// hour that repeats when summer time ends) are known to be older: only
// rows that may be this write's make it ambiguous.
//
// Any error means the outcome is still unknown: ctx ended, the object
// could not be read after the window (the last error is wrapped), the
// rows are ambiguous, or w cannot be settled by this Client (a
// *ValidationError: no rule for its operation, written by another alias,
// or sent at a time that cannot be true). Keep w, and settle again later.
//
// It takes SettleWindow after w.Sent, or a little more when XPay's clock
// is behind this Client's. It never sends a write but, as above, the
// regeneration of a link the search could not tell about.
func (c *Client) Settle(ctx context.Context, w *PendingWrite) (bool, error) {
	if err := c.usable("Settle"); err != nil {
		return false, err
	}
	rule, err := c.settleable(w)
	if err != nil {
		return false, err
	}
	deadline := w.Sent.Add(SettleWindow)
	wait := 500 * time.Millisecond
	for {
		started := c.now() // only a read started after the window is final
		happened, r, err := rule.read(ctx, c, w)
		over := !started.Before(deadline)
		if r != nil { // a verified answer, fresh: r.Timestamp parses
			at, _ := r.Timestamp.Time()
			if w.Sent.After(at.Add(c.freshness)) {
				return false, settleInvalid("Sent", "is %v after XPay's clock (%s, signed): no request is sent that far ahead of the clocks; it cannot be this write's timeStamp",
					w.Sent.Sub(at).Round(time.Second), at.In(Rome()).Format(time.DateTime))
			}
			over = over && !at.Before(deadline)
		}
		switch {
		case err == nil && happened:
			return true, nil
		case err == nil:
			if over {
				return false, nil
			}
		case errors.Is(err, ErrSettleAmbiguous):
			return false, err
		case ctx.Err() != nil:
			return false, ctx.Err()
		case r != nil && errors.Is(err, errNoReading):
			if over {
				return false, fmt.Errorf("xpay: Settle: the outcome is still unknown: %w", err)
			}
		case !started.Before(deadline):
			return false, fmt.Errorf("xpay: Settle: the object cannot be read, the outcome is still unknown: %w", err)
		}
		if perr := c.pause(ctx, wait); perr != nil {
			return false, perr
		}
		wait = min(2*wait, 15*time.Second)
	}
}

// settleable checks that c can settle w, and returns the rule that does.
func (c *Client) settleable(w *PendingWrite) (settleRule, error) {
	if w == nil {
		return settleRule{}, settleInvalid("PendingWrite", "must not be nil")
	}
	rule, ok := settleRules[w.Operation]
	switch {
	case w.Operation == opRegeneratePayByLink.name:
		return rule, settleInvalid("Operation", "is RegeneratePayByLink, which no read can tell happened: a person must look at the link; regenerating it again is harmless for a link never used")
	case !ok:
		return rule, settleInvalid("Operation", "is %q, which is not a write of this package", printable(w.Operation))
	}
	if err := rule.check(w); err != nil {
		if ve, ok := err.(*ValidationError); ok {
			ve.Operation = "Settle"
		}
		return rule, err
	}
	switch fp := c.AliasFingerprint(); {
	case w.AliasFingerprint != "" && w.AliasFingerprint != fp:
		return rule, settleInvalid("AliasFingerprint", "is %q, and this Client's alias is %q: the write was sent with another alias, to which alone its object is known; settle it with a Client of that alias",
			printable(w.AliasFingerprint), fp)
	case w.Sent.IsZero():
		return rule, settleInvalid("Sent", "is zero: the request's timeStamp, which tells how long XPay may still carry the write out")
	case w.Sent.After(c.now().Add(c.freshness)):
		return rule, settleInvalid("Sent", "is %v after this Client's clock: no request is sent that far ahead of it; it cannot be this write's timeStamp",
			w.Sent.Sub(c.now()).Round(time.Second))
	}
	return rule, nil
}

// pause waits d between Settle's reads, or returns ctx's error as soon as
// it is done.
func (c *Client) pause(ctx context.Context, d time.Duration) error {
	if c.pauseHook != nil {
		return c.pauseHook(ctx, d)
	}
	return sleep(ctx, d)
}
