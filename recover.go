package xpay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Recovery is what Recover did, and what the journal holds for people.
type Recovery struct {
	// Settled are the entries Recover claimed, each as it left it: done,
	// not done, open again (its outcome still unknown: Detail says why),
	// or needing attention.
	Settled []JournalEntry
	// Attention are every entry of the alias that needs a person, with
	// what to look at in Detail: the write holds its object until one
	// closes it with Resolve.
	Attention []JournalEntry
	// Owed are the writes of the alias settled as not done that nothing
	// has replaced: no later attempt with the same IdempotencyKey that
	// left (one closed as never sent does not count). They
	// did not happen, and may be sent again (with the same key), or
	// dropped by a person (Drop). They stay listed until one or the other.
	Owed []JournalEntry
	// Open are the entries of the alias still open after the round: sent
	// too recently to be settled yet (their lease has not ended), in
	// flight, or not settled this time (Detail says why).
	Open []JournalEntry
}

// recoverBatch is how many entries Recover claims, and settles at once.
const recoverBatch = 16

// recoverRetry is how long a write Recover could not settle waits before
// a round takes it again.
const recoverRetry = time.Minute

// Recover settles the writes of the Client's alias whose outcome stayed
// unknown, whoever sent them: a process killed before the answer, or
// before it could record it. Call it at start-up and then periodically
// (every minute, say) in every replica: each open entry whose lease has
// ended (SettleWindow after it was sent) is claimed by one replica, which
// settles it (Settle, or the rule of its operation) and closes it: done
// when it happened; not done when it did not and no longer can, which
// frees its object and its IdempotencyKey, so that the write may be sent
// again; needing attention when no read can tell. One whose outcome is
// still unknown (XPay cannot be read) is released for the next round.
//
// Recover never sends a write. It needs WithJournal.
func (c *Client) Recover(ctx context.Context) (*Recovery, error) {
	if err := c.usable("Recover"); err != nil {
		return nil, err
	}
	if c.journal == nil {
		return nil, errors.New("xpay: Recover: the Client has no journal (WithJournal)")
	}
	fp := c.creds().fingerprint
	rep := &Recovery{}
	for {
		now := c.now()
		batch, err := c.journal.Claim(ctx, fp, c.owner, now, now.Add(SettleWindow+time.Minute), recoverBatch)
		if err != nil {
			return rep, fmt.Errorf("xpay: Recover: claiming open writes: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		var wg sync.WaitGroup
		for i := range batch {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.settleEntry(ctx, &batch[i])
			}()
		}
		wg.Wait()
		rep.Settled = append(rep.Settled, batch...)
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	all, err := c.journal.Entries(ctx, fp, JournalOpen, JournalAttention, JournalNotDone, JournalDone, JournalRefused, JournalNotSent, JournalDropped)
	if err != nil {
		return rep, fmt.Errorf("xpay: Recover: listing the journal: %w", err)
	}
	// A write settled as not done is owed until it is sent again under its
	// key (whatever XPay made of it) or dropped: an attempt that never
	// left leaves it owed.
	latest := map[string]time.Time{}
	for _, e := range all {
		if e.State == JournalNotSent {
			continue
		}
		if e.Sent.After(latest[e.IdempotencyKey]) {
			latest[e.IdempotencyKey] = e.Sent
		}
	}
	for _, e := range all {
		switch {
		case e.State == JournalAttention:
			rep.Attention = append(rep.Attention, e)
		case e.State == JournalOpen:
			rep.Open = append(rep.Open, e)
		case e.State == JournalNotDone && !latest[e.IdempotencyKey].After(e.Sent):
			rep.Owed = append(rep.Owed, e)
		}
	}
	return rep, nil
}

// settleEntry settles e, claimed by c, and records the outcome in e and
// in the journal.
func (c *Client) settleEntry(ctx context.Context, e *JournalEntry) {
	sctx, cancel := context.WithTimeout(ctx, SettleWindow)
	defer cancel()
	happened, err := c.Settle(sctx, &e.Write)
	u := JournalUpdate{Now: c.now()}
	u.LeaseUntil = u.Now
	var ve *ValidationError
	switch {
	case err == nil && happened:
		u.State, u.Detail = JournalDone, "settled: it happened"
	case err == nil:
		u.State, u.Detail = JournalNotDone, "settled: it did not happen, and no longer can: it may be sent again"
	case errors.Is(err, ErrSettleAmbiguous), errors.As(err, &ve):
		u.State, u.Detail = JournalAttention, "a person must look: "+err.Error()
	default: // tried again by a later round, not at once by this one
		u.State, u.LeaseUntil, u.Detail = JournalOpen, u.Now.Add(recoverRetry), "not settled yet, to try again: "+err.Error()
	}
	jctx, jcancel := context.WithTimeout(context.WithoutCancel(ctx), journalTimeout)
	defer jcancel()
	if uerr := c.journal.Update(jctx, e.ID, c.owner, u); uerr != nil {
		e.Detail = fmt.Sprintf("%s (not recorded: %v)", u.Detail, uerr)
		return
	}
	e.State, e.LeaseUntil, e.Detail, e.Updated, e.Owner = u.State, u.LeaseUntil, u.Detail, u.Now, c.owner
}

// Resolve closes the entry id of the Client's alias that needs attention,
// or that is open and can no longer change (SettleWindow after it was
// sent) or was recorded as sent at a time that cannot be true (more than
// SettleWindow ahead of this Client's clock: Recover never claims it), as
// a person decided after looking at the object: happened closes
// it done; otherwise not done, which frees the object and lets the write
// be sent again. note says what the person saw.
func (c *Client) Resolve(ctx context.Context, id string, happened bool, note string) error {
	state := JournalNotDone
	if happened {
		state = JournalDone
	}
	return c.byHand(ctx, "Resolve", id, state, "resolved by hand: "+note, func(e *JournalEntry) bool {
		now := c.now()
		settled := !now.Before(e.Sent.Add(SettleWindow))  // it can no longer change
		impossible := e.Sent.After(now.Add(SettleWindow)) // sent at a time that cannot be true: no read will settle it
		return e.State == JournalAttention || e.State == JournalOpen && (settled || impossible)
	})
}

// Drop closes the entry id of the Client's alias that was settled as not
// done (Recovery.Owed), as a person decided not to send it again: it is
// then no longer owed. note says why.
func (c *Client) Drop(ctx context.Context, id, note string) error {
	return c.byHand(ctx, "Drop", id, JournalDropped, "dropped by hand: "+note, func(e *JournalEntry) bool { return e.State == JournalNotDone })
}

// byHand moves the entry id, when may allows it, to state: a person's
// decision.
func (c *Client) byHand(ctx context.Context, op, id string, state JournalState, detail string, may func(e *JournalEntry) bool) error {
	if err := c.usable(op); err != nil {
		return err
	}
	if c.journal == nil {
		return fmt.Errorf("xpay: %s: the Client has no journal (WithJournal)", op)
	}
	entries, err := c.journal.Entries(ctx, c.creds().fingerprint)
	if err != nil {
		return fmt.Errorf("xpay: %s: %w", op, err)
	}
	for _, e := range entries {
		if e.ID != id {
			continue
		}
		if !may(&e) {
			return fmt.Errorf("xpay: %s: the entry %s is %s, sent %s: not one a person may close so", op, printable(id), e.State, e.Sent.In(Rome()).Format(time.DateTime))
		}
		u := JournalUpdate{State: state, Detail: detail, Now: c.now()}
		u.LeaseUntil = u.Now
		if err := c.journal.Update(ctx, id, e.Owner, u); err != nil {
			return fmt.Errorf("xpay: %s: %w", op, err)
		}
		return nil
	}
	return fmt.Errorf("xpay: %s: no entry %q for this Client's alias", op, printable(id))
}
