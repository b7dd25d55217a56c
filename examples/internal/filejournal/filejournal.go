// Package filejournal keeps an xpay.Journal in a file, for the example
// programs: one JSON file in a directory, read and rewritten whole under
// an exclusive lock, so that every program run on this machine shares it,
// and written to disk (fsync, then an atomic rename) before a write is
// sent. A program killed at any moment, by SIGKILL too, loses nothing.
// Services with replicas keep theirs in their database: see sqljournal.
package filejournal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/xpaygo/xpay"
)

// Journal is the journal in one directory.
type Journal struct{ dir string }

var _ xpay.Journal = (*Journal)(nil)

// Open returns the journal in dir, creating dir if need be.
func Open(dir string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &Journal{dir: dir}, nil
}

// Dir returns the journal's directory.
func (j *Journal) Dir() string { return j.dir }

// change runs f on the entries under the lock, and writes them back when
// f says they changed.
func (j *Journal) change(f func(es *[]xpay.JournalEntry) (bool, error)) error {
	unlock, err := lock(filepath.Join(j.dir, "lock"))
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer unlock()
	path := filepath.Join(j.dir, "journal.json")
	var es []xpay.JournalEntry
	switch b, err := os.ReadFile(path); {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("journal: %w", err)
	default:
		if err := json.Unmarshal(b, &es); err != nil {
			return fmt.Errorf("journal: %s: %w", path, err)
		}
	}
	changed, err := f(&es)
	if err != nil || !changed {
		return err
	}
	b, err := json.MarshalIndent(es, "", "  ")
	if err != nil {
		return err
	}
	return writeDurably(path, b)
}

// writeDurably writes b to path through a temporary file, on disk before
// it takes path's place.
func writeDurably(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("journal: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("journal: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func holds(s xpay.JournalState) bool { return s == xpay.JournalOpen || s == xpay.JournalAttention }

// Begin records e: see xpay.Journal.
func (j *Journal) Begin(_ context.Context, e *xpay.JournalEntry) error {
	return j.change(func(es *[]xpay.JournalEntry) (bool, error) {
		for _, o := range *es {
			switch {
			case o.Alias != e.Alias:
			case o.IdempotencyKey == e.IdempotencyKey && o.State == xpay.JournalDone:
				return false, fmt.Errorf("%w (idempotency key %q)", xpay.ErrWriteDone, e.IdempotencyKey)
			case holds(o.State) && (o.Key == e.Key || o.IdempotencyKey == e.IdempotencyKey):
				return false, fmt.Errorf("%w (%s, entry %s)", xpay.ErrWriteInFlight, o.Key, o.ID)
			}
		}
		*es = append(*es, *e)
		return true, nil
	})
}

// Update changes the entry id held by owner: see xpay.Journal.
func (j *Journal) Update(_ context.Context, id, owner string, u xpay.JournalUpdate) error {
	return j.change(func(es *[]xpay.JournalEntry) (bool, error) {
		for i := range *es {
			e := &(*es)[i]
			if e.ID != id || e.Owner != owner || !(holds(e.State) || e.State == xpay.JournalNotDone) {
				continue
			}
			e.State, e.LeaseUntil, e.Detail, e.Updated = u.State, u.LeaseUntil, u.Detail, u.Now
			return true, nil
		}
		return false, fmt.Errorf("%w: %s", xpay.ErrLeaseLost, id)
	})
}

// Claim gives owner the open entries of alias whose lease has ended: see
// xpay.Journal.
func (j *Journal) Claim(_ context.Context, alias, owner string, now, until time.Time, limit int) ([]xpay.JournalEntry, error) {
	var claimed []xpay.JournalEntry
	err := j.change(func(es *[]xpay.JournalEntry) (bool, error) {
		var due []int
		for i, e := range *es {
			if e.Alias == alias && e.State == xpay.JournalOpen && !e.LeaseUntil.After(now) {
				due = append(due, i)
			}
		}
		slices.SortStableFunc(due, func(a, b int) int { return (*es)[a].LeaseUntil.Compare((*es)[b].LeaseUntil) })
		for _, i := range due[:min(len(due), limit)] {
			e := &(*es)[i]
			e.Owner, e.LeaseUntil, e.Updated = owner, until, now
			claimed = append(claimed, *e)
		}
		return len(claimed) > 0, nil
	})
	return claimed, err
}

// Entries returns the entries of alias in states, oldest first: see
// xpay.Journal.
func (j *Journal) Entries(_ context.Context, alias string, states ...xpay.JournalState) ([]xpay.JournalEntry, error) {
	var out []xpay.JournalEntry
	err := j.change(func(es *[]xpay.JournalEntry) (bool, error) {
		for _, e := range *es {
			if e.Alias == alias && (len(states) == 0 || slices.Contains(states, e.State)) {
				out = append(out, e)
			}
		}
		return false, nil
	})
	slices.SortStableFunc(out, func(a, b xpay.JournalEntry) int { return a.Sent.Compare(b.Sent) })
	return out, err
}
