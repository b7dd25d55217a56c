package xpay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// A Journal is where a Client records its writes, in the merchant's own
// database, so that they happen at most once across crashes, redeploys
// and replicas: XPay has no idempotency key, so the merchant's record of
// what it sent is the only place exactly-once can live. Give one to
// WithJournal, and every write (Capture, Refund, CreatePayByLink, the
// contract, blacklist and CF/PAN changes, ...) goes through it:
//
//  1. Before any byte leaves, the write is recorded open (Begin), with the
//     timeStamp its request will carry. If that fails, nothing is sent.
//  2. It is sent only while XPay can still accept that timeStamp (within
//     SendWindow of it); past that it is closed JournalNotSent.
//  3. Its outcome closes it (Update): JournalDone, JournalRefused with
//     XPay's verified code, or JournalNotSent. An unknown outcome leaves
//     it open, for Client.Recover.
//
// At most one write per object (an order, a contract, a blacklist entry)
// is open among all the Clients of an alias that share the journal, and
// an IdempotencyKey of the caller's is done at most once. Reads are never
// journaled.
//
// Because the request carries the recorded timeStamp and XPay refuses one
// more than 5 minutes old, a write that has not landed SettleWindow after
// it never will, whoever stalls where: so an open write needs no owner
// that lives. Its lease lasts until then, and after it Client.Recover, in
// any replica, claims it and settles it with a single read.
//
// The package sqljournal implements it on database/sql, for PostgreSQL
// and SQLite. Another store can implement it: each method is one atomic
// step, and the rules each must keep are written on it.
type Journal interface {
	// Begin records e, whose State is JournalOpen. It records nothing and
	// returns an error matching ErrWriteInFlight when an entry of
	// e.Alias is open or needs attention for e.Key, or is open, needs
	// attention or is done for e.IdempotencyKey, and one matching
	// ErrWriteDone when that entry is done. The check and the insert are
	// one atomic step (a unique index on each, limited to those states,
	// does it): two Begins for the same object, whichever replicas run
	// them, never both succeed. Begin returns nil only once the entry is
	// durable: committed so that it survives a crash of the process and
	// of the machine (on SQLite, synchronous=FULL; WAL with NORMAL may lose
	// the last commits when the power fails, and with them the record of a
	// write that was sent). When Begin fails, the Client sends nothing and
	// says so; if the entry was in fact committed (an answer of the
	// database lost on its way), it stays open, holding its object, and
	// Recover settles it as not done once its lease ends.
	Begin(ctx context.Context, e *JournalEntry) error
	// Update changes the entry id, if it is open, needs attention or is
	// not done, and is held by owner, in one atomic step; otherwise it
	// changes nothing and returns an error matching ErrLeaseLost.
	Update(ctx context.Context, id, owner string, u JournalUpdate) error
	// Claim gives owner, until until, up to limit open entries of alias
	// whose lease ends at now or before, oldest lease first, and returns them
	// as they are after the claim. An entry is given to one claimer only,
	// however many claim at once.
	Claim(ctx context.Context, alias, owner string, now, until time.Time, limit int) ([]JournalEntry, error)
	// Entries returns the entries of alias in the given states, oldest
	// first: every state when none is given.
	Entries(ctx context.Context, alias string, states ...JournalState) ([]JournalEntry, error)
}

// JournalState is where a journaled write stands.
type JournalState string

// The states of a journaled write. Only JournalOpen and JournalAttention
// hold the object: a new write on it can begin once the entry is in any
// other.
const (
	JournalOpen      JournalState = "open"      // recorded; sending, or its outcome is unknown
	JournalDone      JournalState = "done"      // XPay carried it out
	JournalRefused   JournalState = "refused"   // XPay refused it (verified): nothing happened
	JournalNotSent   JournalState = "not_sent"  // it never left: nothing happened
	JournalNotDone   JournalState = "not_done"  // settled: it did not happen, and no longer can
	JournalAttention JournalState = "attention" // no read can tell: a person must look (Detail says at what)
	JournalDropped   JournalState = "dropped"   // not done, and a person decided not to send it again (Drop)
)

// JournalEntry is one write in a Journal.
type JournalEntry struct {
	ID string // unique to this attempt
	// IdempotencyKey is the request's, or ID when it gave none: among the
	// entries of an alias, one at most is open, needs attention or is
	// done for a key.
	IdempotencyKey string
	Alias          string // the AliasFingerprint of the Client that sent it
	// Key names the object the write changes ("order:ORD-1",
	// "contract:C-1", ...): among the entries of an alias, one at most is
	// open or needs attention for a key.
	Key        string
	Operation  string       // the Client method
	Sent       time.Time    // the timeStamp its request carries
	Write      PendingWrite // what settling it, or sending it again, takes
	State      JournalState
	Owner      string    // the Client that holds it: the one that sent it, or the one recovering it
	LeaseUntil time.Time // no one else may claim it before
	Detail     string    // the outcome in words: XPay's code and message, or why a person must look
	Updated    time.Time
}

// JournalUpdate is a change to an entry: its state, lease and detail.
type JournalUpdate struct {
	State      JournalState
	LeaseUntil time.Time
	Detail     string
	Now        time.Time // when the change is made, for Updated
}

var (
	// ErrWriteInFlight means a journaled write was not sent because
	// another write on the same object (an order, a contract, ...), or
	// the same IdempotencyKey, is open or waits for a person: only one
	// writer at a time. Nothing was sent; try again once it is closed
	// (Client.Recover closes an unknown one after SettleWindow).
	ErrWriteInFlight = errors.New("xpay: another write on the same object is in flight")

	// ErrWriteDone means a journaled write was not sent because the
	// journal holds its IdempotencyKey as done: it happened already.
	ErrWriteDone = errors.New("xpay: a write with this idempotency key is already done")

	// ErrLeaseLost is a Journal's error for a change to an entry that is
	// closed, or held by another owner: another replica recovered it.
	ErrLeaseLost = errors.New("xpay: the journal entry is closed or held by another owner")
)

// SendWindow is how long after its timeStamp a journaled write may still
// be sent: past it, it is closed JournalNotSent without being sent. It
// leaves XPay's 5 minutes room for the clocks to disagree and the request
// to travel.
const SendWindow = time.Minute

// WithJournal makes the Client record every write in j before sending it
// (see Journal), and lets Recover settle the writes of any Client of its
// alias whose outcome stayed unknown. owner names this Client among those
// sharing j (a replica's host name and process id, say); empty means a
// random name.
func WithJournal(j Journal, owner string) Option {
	return func(c *Client) error {
		if j == nil {
			return errors.New("journal is nil")
		}
		if owner == "" {
			owner = "client-" + newID()[:12]
		}
		c.journal, c.owner = j, owner
		return nil
	}
}

// newID returns 32 random hexadecimal digits.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// journaledRequest is implemented by every write's request.
type journaledRequest interface {
	// journalKey names the object the write changes.
	journalKey() string
	// idempotency returns the request's IdempotencyKey.
	idempotency() string
}

// journalTimeout bounds the journal's closing of an entry, which runs
// whether or not the caller's context has ended: a write that was sent
// must have its outcome recorded if at all possible.
const journalTimeout = 10 * time.Second

// journaled runs a write through the journal: recorded, sent only while
// XPay can accept its timeStamp, closed with its outcome.
func (c *Client) journaled(ctx context.Context, op *operation, req request, newResult func() envelope) (envelope, error) {
	sent := c.now()
	jr, ok := req.(journaledRequest)
	if !ok { // every write's request is one: a test fails for one that is not
		return nil, fmt.Errorf("xpay: %s: not sent: the request has no journal key", op.name)
	}
	e := &JournalEntry{
		ID: newID(), IdempotencyKey: jr.idempotency(), Alias: c.creds().fingerprint, Key: jr.journalKey(),
		Operation: op.name, Sent: sent, Write: c.pendingWrite(op, req, sent),
		State: JournalOpen, Owner: c.owner, LeaseUntil: sent.Add(SettleWindow), Updated: sent,
	}
	if e.IdempotencyKey == "" {
		e.IdempotencyKey = e.ID
	}
	if err := c.journal.Begin(ctx, e); err != nil {
		if errors.Is(err, ErrWriteInFlight) || errors.Is(err, ErrWriteDone) {
			err = fmt.Errorf("xpay: %s: not sent: %w", op.name, err)
		} else {
			err = fmt.Errorf("xpay: %s: not sent: the journal could not record the write, which is safe to try again: %w", op.name, err)
		}
		c.log(ctx, op, 0, nil, err, 0)
		return nil, err
	}
	var out envelope
	var err error
	if late := c.now().Sub(sent); late >= SendWindow {
		err = fmt.Errorf("xpay: %s: not sent: the journal took %v to record it, and its timeStamp is now too old to send (SendWindow is %v)", op.name, late.Round(time.Millisecond), SendWindow)
		c.log(ctx, op, 0, nil, err, 0)
	} else {
		out, err = c.exchange(ctx, op, req, newResult, sent)
	}
	var unknown *OutcomeUnknownError
	if errors.As(err, &unknown) {
		unknown.Entry = e.ID
	}
	c.closeEntry(ctx, op, e, err)
	return out, err
}

// closeEntry records the outcome of the journaled write e, err being its
// error. An unknown outcome leaves it open until its lease ends, for
// Recover.
func (c *Client) closeEntry(ctx context.Context, op *operation, e *JournalEntry, err error) {
	u := JournalUpdate{Now: c.now()}
	u.LeaseUntil = u.Now
	var apiErr *APIError
	switch {
	case err == nil:
		u.State = JournalDone
	case errors.As(err, &apiErr):
		u.State, u.Detail = JournalRefused, apiErr.Error()
	case errors.Is(err, ErrOutcomeUnknown):
		return
	default: // a write that fails in any other way never left
		u.State, u.Detail = JournalNotSent, err.Error()
	}
	jctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), journalTimeout)
	defer cancel()
	if uerr := c.journal.Update(jctx, e.ID, e.Owner, u); uerr != nil && c.logger != nil {
		c.logger.WarnContext(ctx, "xpay: the journal could not record the outcome of a write: it stays open, and Recover will settle it",
			"op", op.name, "entry", e.ID, "outcome", string(u.State), "error", uerr.Error())
	}
}
