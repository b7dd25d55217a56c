// Package journaltest checks that an xpay.Journal keeps the contract the
// Client relies on: one writer per object, an idempotency key done once,
// changes only by the owner of an open entry, and claims that never give
// one entry to two replicas. Run it on your own store:
//
//	func TestMyJournal(t *testing.T) {
//		journaltest.Run(t, func(t *testing.T) func() xpay.Journal {
//			db := newEmptyDatabase(t)
//			return func() xpay.Journal { return myjournal.New(connect(t, db)) }
//		})
//	}
package journaltest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/xpaygo/xpay"
)

// Store makes a fresh, empty store for one test, and returns a func that
// opens a handle on it: each call another handle (a connection pool of
// its own, or the view of another process), all on the same store.
type Store func(t *testing.T) func() xpay.Journal

var t0 = time.Date(2026, 6, 17, 10, 0, 0, 0, time.UTC)

// Entry returns an open entry of alias "A", as a Client begins one: id,
// on the object key, with the idempotency key idem (id when empty),
// held by owner "r1" until SettleWindow after t0.
func Entry(id, key, idem string) *xpay.JournalEntry {
	if idem == "" {
		idem = id
	}
	return &xpay.JournalEntry{
		ID: id, IdempotencyKey: idem, Alias: "A", Key: key, Operation: "Capture", Sent: t0,
		Write: xpay.PendingWrite{Operation: "Capture", AliasFingerprint: "A", TransactionCode: "ORD-1", Amount: 2000, Currency: "978", Sent: t0, Before: []xpay.Operation{}},
		State: xpay.JournalOpen, Owner: "r1", LeaseUntil: t0.Add(xpay.SettleWindow), Updated: t0,
	}
}

// Run runs every check on journals of store.
func Run(t *testing.T, store Store) {
	for _, c := range []struct {
		name string
		f    func(t *testing.T, open func() xpay.Journal)
	}{
		{"OneWriterPerObject", oneWriterPerObject},
		{"IdempotencyKeyDoneOnce", idempotencyKeyDoneOnce},
		{"UpdateNeedsTheOwnerAndAnOpenEntry", updateNeedsTheOwner},
		{"ClaimTakesExpiredOpenEntriesOfTheAlias", claimTakesExpired},
		{"ConcurrentReplicas", concurrentReplicas},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.f(t, store(t))
		})
	}
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func mustIs(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got %v, want an error matching %v", what, err, target)
	}
}

func states(t *testing.T, j xpay.Journal, alias string) map[string]xpay.JournalState {
	t.Helper()
	es, err := j.Entries(context.Background(), alias)
	must(t, err, "Entries")
	m := map[string]xpay.JournalState{}
	for _, e := range es {
		m[e.ID] = e.State
	}
	return m
}

func oneWriterPerObject(t *testing.T, open func() xpay.Journal) {
	ctx := context.Background()
	j := open()
	must(t, j.Begin(ctx, Entry("1", "order:ORD-1", "")), "the first write")
	mustIs(t, j.Begin(ctx, Entry("2", "order:ORD-1", "")), xpay.ErrWriteInFlight, "a second write on the order")
	must(t, j.Begin(ctx, Entry("3", "order:ORD-2", "")), "another order does not wait")
	must(t, j.Update(ctx, "1", "r1", xpay.JournalUpdate{State: xpay.JournalAttention, Detail: "look", Now: t0}), "attention")
	mustIs(t, j.Begin(ctx, Entry("5", "order:ORD-1", "")), xpay.ErrWriteInFlight, "one waiting for a person holds the order too")
	must(t, j.Update(ctx, "1", "r1", xpay.JournalUpdate{State: xpay.JournalDone, Now: t0}), "done")
	must(t, j.Begin(ctx, Entry("6", "order:ORD-1", "")), "once closed, the order is free")

	got := states(t, j, "A")
	want := map[string]xpay.JournalState{"1": xpay.JournalDone, "3": xpay.JournalOpen, "6": xpay.JournalOpen}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("entries: got %v, want %v: a refused Begin records nothing", got, want)
	}
	if other := states(t, j, "B"); len(other) != 0 {
		t.Fatalf("entries of another alias: %v", other)
	}
}

func idempotencyKeyDoneOnce(t *testing.T, open func() xpay.Journal) {
	ctx := context.Background()
	j := open()
	must(t, j.Begin(ctx, Entry("1", "order:ORD-1", "capture/ORD-1")), "first")
	mustIs(t, j.Begin(ctx, Entry("2", "order:ORD-9", "capture/ORD-1")), xpay.ErrWriteInFlight, "the key is open")
	must(t, j.Update(ctx, "1", "r1", xpay.JournalUpdate{State: xpay.JournalNotDone, Now: t0}), "not done")
	must(t, j.Begin(ctx, Entry("3", "order:ORD-1", "capture/ORD-1")), "not done: it may be sent again")
	must(t, j.Update(ctx, "3", "r1", xpay.JournalUpdate{State: xpay.JournalDone, Now: t0}), "done")
	err := j.Begin(ctx, Entry("4", "order:ORD-1", "capture/ORD-1"))
	mustIs(t, err, xpay.ErrWriteDone, "a key done")
	if errors.Is(err, xpay.ErrWriteInFlight) {
		t.Fatalf("a key done is not in flight: %v", err)
	}
	must(t, j.Begin(ctx, Entry("5", "order:ORD-1", "refund/ORD-1")), "another key on the order")
	got := states(t, j, "A")
	want := map[string]xpay.JournalState{"1": xpay.JournalNotDone, "3": xpay.JournalDone, "5": xpay.JournalOpen}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("entries: got %v, want %v", got, want)
	}
}

func updateNeedsTheOwner(t *testing.T, open func() xpay.Journal) {
	ctx := context.Background()
	j := open()
	must(t, j.Begin(ctx, Entry("1", "order:ORD-1", "")), "Begin")
	mustIs(t, j.Update(ctx, "1", "r2", xpay.JournalUpdate{State: xpay.JournalDone, Now: t0}), xpay.ErrLeaseLost, "another owner")
	mustIs(t, j.Update(ctx, "9", "r1", xpay.JournalUpdate{State: xpay.JournalDone, Now: t0}), xpay.ErrLeaseLost, "no such entry")
	must(t, j.Update(ctx, "1", "r1", xpay.JournalUpdate{State: xpay.JournalRefused, Detail: "KO 16", Now: t0.Add(time.Second), LeaseUntil: t0}), "refused")
	mustIs(t, j.Update(ctx, "1", "r1", xpay.JournalUpdate{State: xpay.JournalDone, Now: t0}), xpay.ErrLeaseLost, "closed")

	must(t, j.Begin(ctx, Entry("2", "order:ORD-2", "")), "Begin")
	must(t, j.Update(ctx, "2", "r1", xpay.JournalUpdate{State: xpay.JournalNotDone, Now: t0}), "not done")
	must(t, j.Update(ctx, "2", "r1", xpay.JournalUpdate{State: xpay.JournalDropped, Now: t0}), "a write not done may be dropped")
	mustIs(t, j.Update(ctx, "2", "r1", xpay.JournalUpdate{State: xpay.JournalNotDone, Now: t0}), xpay.ErrLeaseLost, "dropped is closed")

	es, err := j.Entries(ctx, "A", xpay.JournalRefused)
	must(t, err, "Entries")
	if len(es) != 1 {
		t.Fatalf("refused entries: %v", es)
	}
	got, want := es[0], Entry("1", "order:ORD-1", "")
	switch {
	case got.Detail != "KO 16", !got.Updated.Equal(t0.Add(time.Second)), !got.Sent.Equal(t0), got.Key != want.Key, got.Operation != want.Operation,
		got.IdempotencyKey != want.IdempotencyKey, got.Owner != "r1":
		t.Fatalf("the entry read back: %+v", got)
	case fmt.Sprint(got.Write) != fmt.Sprint(want.Write) || !got.Write.Sent.Equal(want.Write.Sent):
		t.Fatalf("the pending write read back: %+v, want %+v", got.Write, want.Write)
	}
}

func claimTakesExpired(t *testing.T, open func() xpay.Journal) {
	ctx := context.Background()
	j := open()
	for i, lease := range []time.Duration{time.Minute, 2 * time.Minute, 10 * time.Minute} {
		e := Entry(fmt.Sprint(i), fmt.Sprintf("order:%d", i), "")
		e.LeaseUntil = t0.Add(lease)
		must(t, j.Begin(ctx, e), "Begin")
	}
	other := Entry("B1", "order:0", "")
	other.Alias = "B"
	must(t, j.Begin(ctx, other), "Begin of another alias")
	must(t, j.Begin(ctx, Entry("D", "order:D", "")), "Begin")
	must(t, j.Update(ctx, "D", "r1", xpay.JournalUpdate{State: xpay.JournalDone, Now: t0}), "done")

	now := t0.Add(2 * time.Minute) // the second lease ends now
	got, err := j.Claim(ctx, "A", "rec", now, now.Add(time.Minute), 10)
	must(t, err, "Claim")
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID)
		if e.Owner != "rec" || !e.LeaseUntil.Equal(now.Add(time.Minute)) || e.State != xpay.JournalOpen {
			t.Fatalf("a claimed entry: %+v", e)
		}
	}
	slices.Sort(ids)
	if fmt.Sprint(ids) != "[0 1]" {
		t.Fatalf("claimed %v, want the open entries of alias A whose lease ended by now: [0 1]", ids)
	}
	again, err := j.Claim(ctx, "A", "other", now, now.Add(time.Minute), 10)
	must(t, err, "Claim")
	if len(again) != 0 {
		t.Fatalf("claimed again: %v", again)
	}
	mustIs(t, j.Update(ctx, "0", "r1", xpay.JournalUpdate{State: xpay.JournalDone, Now: now}), xpay.ErrLeaseLost, "the first owner lost it")
	must(t, j.Update(ctx, "0", "rec", xpay.JournalUpdate{State: xpay.JournalDone, Now: now}), "the claimer closes it")

	limited, err := j.Claim(ctx, "A", "late", t0.Add(time.Hour), t0.Add(2*time.Hour), 1)
	must(t, err, "Claim")
	if len(limited) != 1 || limited[0].ID != "1" {
		t.Fatalf("claimed %v, want entry 1 alone: the oldest lease, up to the limit", limited)
	}
}

// concurrentReplicas begins writes on the same objects, and claims the
// same entries, from several handles at once: one writer per object, one
// claimer per entry.
func concurrentReplicas(t *testing.T, open func() xpay.Journal) {
	ctx := context.Background()
	const replicas, objects = 6, 40
	js := make([]xpay.Journal, replicas)
	for i := range js {
		js[i] = open()
	}
	var mu sync.Mutex
	begun := map[int]int{}
	var errs []error
	var wg sync.WaitGroup
	start := make(chan struct{})
	for r := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for o := range objects {
				e := Entry(fmt.Sprintf("%d-%d", r, o), fmt.Sprintf("order:%d", o), "")
				e.Owner = fmt.Sprint(r)
				err := js[r].Begin(ctx, e)
				mu.Lock()
				if err == nil {
					begun[o]++
				} else if !errors.Is(err, xpay.ErrWriteInFlight) {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("Begin failed otherwise than in flight: %v", errs)
	}
	for o := range objects {
		if begun[o] != 1 {
			t.Fatalf("object %d: %d writers, want exactly one", o, begun[o])
		}
	}

	claimed := map[string][]string{}
	start = make(chan struct{})
	now := t0.Add(time.Hour)
	for r := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			owner := fmt.Sprintf("rec%d", r)
			for {
				got, err := js[r].Claim(ctx, "A", owner, now, now.Add(time.Hour), 3)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				for _, e := range got {
					claimed[e.ID] = append(claimed[e.ID], owner)
					if e.Owner != owner {
						errs = append(errs, fmt.Errorf("entry %s claimed by %s reads owner %s", e.ID, owner, e.Owner))
					}
				}
				mu.Unlock()
				if err != nil || len(got) == 0 {
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("Claim: %v", errs)
	}
	if len(claimed) != objects {
		t.Fatalf("%d entries claimed, want every open one: %d", len(claimed), objects)
	}
	for id, by := range claimed {
		if len(by) != 1 {
			t.Fatalf("entry %s claimed by %v: want one claimer", id, by)
		}
	}
}
