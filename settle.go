package xpay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrSettleAmbiguous means that Settle cannot tell whether the write took
// effect: the order shows a row of the write's type and amount that may
// be another one's (two such rows appeared, or none was read before the
// write and a matching row may be older), a row it cannot read, or a
// reading from before the write (PendingWrite.Before) that is not one of
// this order. No read will tell: a person has to look at the order. Until
// then, do not send the write again.
var ErrSettleAmbiguous = errors.New("xpay: Settle: cannot tell whether the write happened")

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
//   - CreatePayByLink: the link of the code exists: Settle asks XPay to
//     regenerate it with the same timeout, which for a link never used
//     only moves its expiry and returns it as it is (for one paid, XPay
//     refuses, which says it exists; for one paid with a negative outcome
//     XPay makes a new link under a new code, which is that link's usual
//     course), and which XPay refuses for a code it does not know.
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
// is behind this Client's. It never sends a write but the regeneration
// of a link, which leaves an unused link as it was.
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

// settleRule is how one kind of write is settled.
type settleRule struct {
	// check reports what w lacks for read, as a *ValidationError.
	check func(w *PendingWrite) error
	// read reads, once, whether w took effect. r is the answer when it
	// was verified, for its signed timeStamp, nil otherwise. err matches
	// ErrSettleAmbiguous when no read will tell, and errNoReading (with a
	// verified r) for an answer that is no reading of the object.
	read func(ctx context.Context, c *Client, w *PendingWrite) (happened bool, r *Response, err error)
}

// settleRules are the rules of every write but RegeneratePayByLink, by
// operation.
var settleRules = map[string]settleRule{
	opCapture.name:               moneyRule(OperationTypeCapture),
	opRefund.name:                moneyRule(OperationTypeRefund),
	opCharge.name:                chargeRule,
	opPayNonce.name:              chargeRule,
	opCreatePayByLink.name:       linkRule,
	opCreateContractFromPOS.name: contractRule(func(k *Contract) bool { return k != nil }),
	opDeleteContract.name:        contractRule(func(k *Contract) bool { return k == nil }),
	opEnableContract.name:        contractRule(func(k *Contract) bool { return k != nil && k.UpdateStatus == contractEnabled }),
	opDisableContract.name:       contractRule(func(k *Contract) bool { return k != nil && k.UpdateStatus == contractDisabled }),
	opAddToBlacklist.name:        blacklistRule(true),
	opRemoveFromBlacklist.name:   blacklistRule(false),
	opDeleteCFPAN.name:           cfpanRule,
}

// readOrder reads an order for Settle: the answer, verified and fresh,
// comes back with XPay's verified refusal (an *APIError) too, for its
// signed timeStamp.
func (c *Client) readOrder(ctx context.Context, code string) (*GetOrderResponse, error) {
	out, err := c.call(ctx, &opGetOrder, &GetOrderRequest{TransactionCode: code}, func() envelope { return new(GetOrderResponse) })
	res, _ := out.(*GetOrderResponse)
	return res, err
}

// verified returns the envelope of an answer that was verified: one with
// a nil error, or XPay's refusal.
func verified(r *Response, err error) *Response {
	var apiErr *APIError
	if r != nil && (err == nil || errors.As(err, &apiErr)) {
		return r
	}
	return nil
}

// refusedWith reports whether err is XPay's verified refusal with one of
// codes.
func refusedWith(err error, codes ...int) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && slices.Contains(codes, apiErr.Code)
}

// checkMoneyWrite checks what a rule that reads an order needs of w.
func checkMoneyWrite(w *PendingWrite) error {
	return firstError(checkTransactionCode("TransactionCode", w.TransactionCode), checkAmount("Amount", w.Amount))
}

// moneyRule settles a capture or a refund: its row, of type t, on the
// order.
func moneyRule(t OperationType) settleRule {
	return settleRule{
		check: checkMoneyWrite,
		read: func(ctx context.Context, c *Client, w *PendingWrite) (bool, *Response, error) {
			res, err := c.readOrder(ctx, w.TransactionCode)
			if res == nil {
				return false, nil, err
			}
			r := verified(&res.Response, err)
			switch {
			case err == nil:
				happened, err := w.find(res.Orders, t, c.freshness)
				return happened, r, err
			case refusedWith(err, CodeNotFound) && w.AliasFingerprint == "":
				return false, r, fmt.Errorf("%w: the order is unknown to this Client's alias, and the pending write does not record the alias that sent it "+
					"(it was stored by an older version); set AliasFingerprint to the sending Client's AliasFingerprint once you know it, and settle it again: %w", errNoReading, err)
			case refusedWith(err, CodeNotFound): // XPay does not know the order: nothing happened to it
				return false, r, nil
			}
			return false, r, err
		},
	}
}

// chargeRule settles a charge, on a contract or a nonce: the order of its
// code, authorized.
var chargeRule = settleRule{
	check: checkMoneyWrite,
	read: func(ctx context.Context, c *Client, w *PendingWrite) (bool, *Response, error) {
		res, err := c.readOrder(ctx, w.TransactionCode)
		if res == nil {
			return false, nil, err
		}
		r := verified(&res.Response, err)
		switch {
		case refusedWith(err, CodeNotFound):
			return false, r, nil
		case err != nil:
			return false, r, err
		}
		var found *Order
		for i := range res.Orders {
			if o := &res.Orders[i]; o.TransactionCode == w.TransactionCode {
				if found != nil {
					return false, r, fmt.Errorf("%w: the answer lists the order %q twice", ErrSettleAmbiguous, printable(w.TransactionCode))
				}
				found = o
			}
		}
		switch {
		case found == nil:
			return false, r, fmt.Errorf("%w %q", errNoReading, printable(w.TransactionCode))
		case found.Amount != w.Amount:
			return false, r, fmt.Errorf("%w: the order %q is of %s, the charge of %s: it is another payment's", ErrSettleAmbiguous, printable(w.TransactionCode), found.Amount, w.Amount)
		case slices.Contains(chargedStates, found.State):
			return true, r, nil
		case slices.Contains(unchargedStates, found.State):
			return false, r, nil
		}
		return false, r, fmt.Errorf("%w: the order %q is %q, a state that does not say whether it was charged", ErrSettleAmbiguous, printable(w.TransactionCode), printable(string(found.State)))
	},
}

// The states of an order that say whether a charge was authorized: the
// money was taken (and may since have been given back), or it never was.
var (
	chargedStates = []OrderState{
		OrderStateAuthorized, OrderStateCaptured, OrderStatePartiallyCaptured, OrderStateCapturePending,
		OrderStateRefunded, OrderStatePartiallyRefunded, OrderStateRefundPending, OrderStateReversed, OrderStateCancelled,
	}
	unchargedStates = []OrderState{OrderStateDenied, OrderStateAuthDenied, OrderStateNotCreated, OrderStateNotGenerated, OrderStateInvalid}
)

// linkRule settles CreatePayByLink: the link of its code exists. It
// searches the days the link can have been made on (ReportPaymail, a
// read); only when that search cannot tell (more links than one search
// returns, or links listed without their code) does it ask XPay to
// regenerate the link, whose answer tells however many links the day
// holds, and which changes the link: an unused one gets a new expiry, one
// paid with a negative outcome is replaced by a new one.
var linkRule = settleRule{
	check: func(w *PendingWrite) error {
		var req CreatePayByLinkRequest
		if err := decodeRequest(w, &req); err != nil {
			return err
		}
		return checkHours("Request.timeout", req.TimeoutHours)
	},
	read: func(ctx context.Context, c *Client, w *PendingWrite) (bool, *Response, error) {
		if found, r, told, err := c.searchLink(ctx, w); told || err != nil {
			return found, r, err
		}
		var req CreatePayByLinkRequest
		_ = decodeRequest(w, &req) // checked
		regen := &RegeneratePayByLinkRequest{TransactionCode: w.TransactionCode, TimeoutHours: req.TimeoutHours}
		out, err := c.exchange(ctx, &opRegeneratePayByLink, regen, func() envelope { return new(RegeneratePayByLinkResponse) }, time.Time{})
		res, _ := out.(*RegeneratePayByLinkResponse)
		if res == nil {
			return false, nil, err
		}
		r := verified(&res.Response, err)
		switch {
		case err == nil, refusedWith(err, CodeInvalidState): // regenerated, or paid: it exists
			return true, r, nil
		case refusedWith(err, CodeTransactionNotFound, CodeNotFound):
			return false, r, nil
		}
		return false, r, err
	},
}

// searchLink looks for the link of w's code among those made on the days
// it can have been made on: from w.Sent, less the clocks' skew, to when
// it can last have landed. told reports whether the search can tell: the
// link is listed, or the whole of those days' links is, each with its code.
func (c *Client) searchLink(ctx context.Context, w *PendingWrite) (found bool, r *Response, told bool, err error) {
	res, err := c.ListPayByLinks(ctx, &ListPayByLinksRequest{
		CreatedFrom: DateOf(w.Sent.Add(-c.freshness)), CreatedTo: DateOf(w.Sent.Add(SettleWindow + c.freshness)),
	})
	if err != nil {
		return false, nil, false, err
	}
	whole := !res.Truncated()
	for _, l := range res.Links {
		switch l.TransactionCode {
		case w.TransactionCode:
			return true, &res.Response, true, nil
		case "":
			whole = false // a link listed without its code may be this one
		}
	}
	return false, &res.Response, whole, nil
}

// The statoAggiornamento of a contract that can be charged, and of one
// that cannot, as the sandbox writes them.
const (
	contractEnabled  = "ABILITATO"
	contractDisabled = "DISABILITATO"
)

// contractRule settles a contract change: the contract, as
// ListContractStatuses shows it (nil when not listed), is as the write
// leaves it.
func contractRule(done func(k *Contract) bool) settleRule {
	return settleRule{
		check: func(w *PendingWrite) error { _, err := contractOf(w); return err },
		read: func(ctx context.Context, c *Client, w *PendingWrite) (bool, *Response, error) {
			number, _ := contractOf(w)
			res, err := invoke[ContractsResponse](ctx, c, &opListContractStatuses, &ListContractStatusesRequest{ContractFilter: ContractFilter{ContractNumber: number}})
			if err != nil {
				return false, nil, err
			}
			var found *Contract
			for i := range res.Contracts {
				if k := &res.Contracts[i]; k.ContractNumber == number {
					if found != nil {
						return false, &res.Response, fmt.Errorf("%w: the answer lists the contract %q twice", ErrSettleAmbiguous, printable(number))
					}
					found = k
				}
			}
			if found != nil && found.UpdateStatus != contractEnabled && found.UpdateStatus != contractDisabled {
				return false, &res.Response, fmt.Errorf("%w: the contract %q is %q, a state this package does not know", ErrSettleAmbiguous, printable(number), printable(found.UpdateStatus))
			}
			return done(found), &res.Response, nil
		},
	}
}

// contractOf returns the contract number a contract write names.
func contractOf(w *PendingWrite) (string, error) {
	var req struct {
		Number   string `json:"numeroContratto"`
		Contract struct {
			Number string `json:"numeroContratto"`
		} `json:"contratto"`
	}
	if err := decodeRequest(w, &req); err != nil {
		return "", err
	}
	if req.Number == "" {
		req.Number = req.Contract.Number
	}
	if req.Number == "" {
		return "", settleInvalid("Request", "names no contract (numeroContratto)")
	}
	return req.Number, nil
}

// readBackRule settles a write by a read whose request is the one the
// write recorded (R), and read, which says whether the write shows.
func readBackRule[R any, P interface {
	*R
	validate() error
}](read func(ctx context.Context, c *Client, req P) (bool, *Response, error)) settleRule {
	return settleRule{
		check: func(w *PendingWrite) error {
			req := P(new(R))
			if err := decodeRequest(w, req); err != nil {
				return err
			}
			return req.validate()
		},
		read: func(ctx context.Context, c *Client, w *PendingWrite) (bool, *Response, error) {
			req := P(new(R))
			_ = decodeRequest(w, req) // checked
			return read(ctx, c, req)
		},
	}
}

// blacklistRule settles a blacklist change: the value is listed, or not.
func blacklistRule(listed bool) settleRule {
	return readBackRule(func(ctx context.Context, c *Client, req *BlacklistRequest) (bool, *Response, error) {
		res, err := c.CheckBlacklist(ctx, req)
		if err != nil {
			return false, nil, err
		}
		is, err := res.Listed()
		if err != nil {
			return false, &res.Response, fmt.Errorf("%w: %w", ErrSettleAmbiguous, err)
		}
		return is == listed, &res.Response, nil
	})
}

// cfpanRule settles DeleteCFPAN: the pair is no longer there.
var cfpanRule = readBackRule(func(ctx context.Context, c *Client, req *CFPANRequest) (bool, *Response, error) {
	res, err := c.CheckCFPAN(ctx, req)
	if err != nil {
		return false, nil, err
	}
	return len(res.Associations) == 0, &res.Response, nil
})

// decodeRequest decodes the request w recorded into req.
func decodeRequest(w *PendingWrite, req any) error {
	if len(w.Request) == 0 {
		return settleInvalid("Request", "is empty: settling a %s reads the object its request names", printable(w.Operation))
	}
	if err := json.Unmarshal(w.Request, req); err != nil {
		return settleInvalid("Request", "does not decode as the request of %s: %v", printable(w.Operation), err)
	}
	return nil
}

// settleInvalid is a *ValidationError of Settle.
func settleInvalid(field, rule string, args ...any) error {
	err := invalid(field, "-", rule, args...)
	err.(*ValidationError).Operation = "Settle"
	return err
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

// errNoReading is find's error for an answer that does not hold the
// order: it is no reading of it, and another read may be.
var errNoReading = errors.New("the answer does not hold the order")

// find looks for the row w made among the rows of the elements of orders
// that are w's order: all of them, since XPay may list one order more than
// once. It fails with ErrSettleAmbiguous when the rows cannot tell, and
// with errNoReading when no element is w's order.
func (w *PendingWrite) find(orders []Order, t OperationType, freshness time.Duration) (bool, error) {
	var rows []Operation
	var others []string
	mine := 0
	for i := range orders {
		o := &orders[i]
		if o.TransactionCode != w.TransactionCode {
			others = append(others, fmt.Sprintf("%q", printable(o.TransactionCode)))
			continue
		}
		if len(o.Details) == 0 {
			return false, fmt.Errorf("%w: the order holds no operation rows (dettaglio)", ErrSettleAmbiguous)
		}
		mine++
		rows = append(rows, o.Operations()...)
	}
	if mine == 0 {
		return false, fmt.Errorf("%w %q: it holds %d orders [%s]", errNoReading, printable(w.TransactionCode), len(orders), strings.Join(others, ", "))
	}
	// XPay's clock stands within freshness of this Client's (every
	// verified read says so), and XPay dates a row when it carries the
	// write out, after w.Sent: a row dated before this is older than w.
	older := w.Sent.Add(-freshness - time.Minute)
	type key struct {
		t    OperationType
		a    Amount
		date string
	}
	// A reading from before the write has no row dated after it, by any
	// clock the freshness check accepts.
	newer := w.Sent.Add(freshness + time.Minute)
	before := map[key]int{}
	for _, row := range w.Before {
		if rowAfter(row.Date, newer) {
			return false, fmt.Errorf("%w: PendingWrite.Before holds a %s row of %s dated %q, after the write was sent: it is no reading of this order from before the write",
				ErrSettleAmbiguous, printable(string(row.Type)), row.Amount, printable(row.Date))
		}
		before[key{row.Type, row.Amount, row.Date}]++
	}
	known := func(t OperationType) bool { return t == OperationTypeCapture || t == OperationTypeRefund }
	matching := 0
	for i, row := range rows {
		k := key{row.Type, row.Amount, row.Date}
		raw, unreadable := row.unreadableAmount()
		switch {
		case before[k] > 0:
			before[k]-- // there before the write
		case row.Type != t && known(row.Type): // another kind of write
		case unreadable:
			return false, fmt.Errorf("%w: the amount of row %d (%s) cannot be read: %.40s", ErrSettleAmbiguous, i+1, printable(string(row.Type)), raw)
		case row.Amount != w.Amount:
		case w.Before == nil && rowBefore(row.Date, older):
		case rowBefore(row.Date, older):
			return false, fmt.Errorf("%w: a %s row of %s dated %q, older than the write, is not in PendingWrite.Before: that is no reading of this order from just before the write",
				ErrSettleAmbiguous, printable(string(row.Type)), w.Amount, printable(row.Date))
		case w.Before == nil:
			return false, fmt.Errorf("%w: a %s row of %s dated %q may be older than the write, and no reading from before it was kept (PendingWrite.Before)",
				ErrSettleAmbiguous, printable(string(row.Type)), w.Amount, printable(row.Date))
		case row.Type != t:
			return false, fmt.Errorf("%w: row %d, of %s, is of a type this package does not know (%q)", ErrSettleAmbiguous, i+1, w.Amount, printable(string(row.Type)))
		default:
			matching++
		}
	}
	for r, n := range before {
		if n > 0 {
			return false, fmt.Errorf("%w: PendingWrite.Before holds a %s row of %s dated %q that the order does not: it is no reading of this order",
				ErrSettleAmbiguous, printable(string(r.t)), r.a, printable(r.date))
		}
	}
	if matching > 1 {
		return false, fmt.Errorf("%w: %d new %s rows of %s: another writer made the same write", ErrSettleAmbiguous, matching, t, w.Amount)
	}
	return matching == 1, nil
}

// rowBefore reports whether a row dated date is known to be older than
// t: its date parses, and the latest instant it can name lies before t.
// A date alone names its whole day, a time its whole second, and a clock
// reading in the hour that repeats when summer time ends names the later
// of its two instants too.
func rowBefore(date string, t time.Time) bool {
	at, err := ParseTime(date, nil) // the earlier instant of a repeated hour
	if err != nil {
		return false
	}
	if later := at.Add(time.Hour); sameClock(later, at) {
		at = later
	}
	if len(date) <= len("02/01/2006") {
		at = at.AddDate(0, 0, 1)
	} else {
		at = at.Add(time.Second)
	}
	return at.Add(-time.Nanosecond).Before(t)
}

// rowAfter reports whether a row dated date is known to be later than t:
// its date parses, and the earliest instant it can name lies after t.
func rowAfter(date string, t time.Time) bool {
	at, err := ParseTime(date, nil) // the earlier instant of a repeated hour; a day's start
	return err == nil && at.After(t)
}

// pause waits d between Settle's reads, or returns ctx's error as soon as
// it is done.
func (c *Client) pause(ctx context.Context, d time.Duration) error {
	if c.pauseHook != nil {
		return c.pauseHook(ctx, d)
	}
	return sleep(ctx, d)
}
