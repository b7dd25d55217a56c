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

// The rules by which Settle reads whether each kind of write happened.

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
