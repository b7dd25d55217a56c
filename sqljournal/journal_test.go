package sqljournal_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/sqljournal"
)

var t0 = time.Date(2026, 6, 17, 10, 0, 0, 0, time.UTC)

// entry is an open entry of alias A on key, as a Client begins it.
func entry(id, key, idem string) *xpay.JournalEntry {
	if idem == "" {
		idem = id
	}
	return &xpay.JournalEntry{
		ID: id, IdempotencyKey: idem, Alias: "A", Key: key, Operation: "Capture", Sent: t0,
		Write: xpay.PendingWrite{Operation: "Capture", AliasFingerprint: "A", TransactionCode: "ORD-1", Amount: 2000, Currency: "978", Sent: t0, Before: []xpay.Operation{}},
		State: xpay.JournalOpen, Owner: "r1", LeaseUntil: t0.Add(xpay.SettleWindow), Updated: t0,
	}
}

func journal(t *testing.T, e engine, dsn string) *sqljournal.Journal {
	return sqljournal.New(openDB(t, e.dialect, dsn), e.dialect)
}

func TestOneWriterPerObject(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		ctx := context.Background()
		j := journal(t, e, dsn)
		require.NoError(t, j.Begin(ctx, entry("1", "order:ORD-1", "")))
		assert.ErrorIs(t, j.Begin(ctx, entry("2", "order:ORD-1", "")), xpay.ErrWriteInFlight, "a second write on the order")
		require.NoError(t, j.Begin(ctx, entry("3", "order:ORD-2", "")), "another order does not wait")

		require.NoError(t, j.Update(ctx, "1", "r1", xpay.JournalUpdate{State: xpay.JournalAttention, Detail: "look", Now: t0}))
		assert.ErrorIs(t, j.Begin(ctx, entry("5", "order:ORD-1", "")), xpay.ErrWriteInFlight, "one waiting for a person holds it too")
		require.NoError(t, j.Update(ctx, "1", "r1", xpay.JournalUpdate{State: xpay.JournalDone, Now: t0}))
		require.NoError(t, j.Begin(ctx, entry("6", "order:ORD-1", "")), "once closed, the order is free")

		all, err := j.Entries(ctx, "A")
		require.NoError(t, err)
		assert.Len(t, all, 3, "the refused Begins recorded nothing")
		other, err := j.Entries(ctx, "B")
		require.NoError(t, err)
		assert.Empty(t, other)
	})
}

func TestIdempotencyKeyDoneOnce(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		ctx := context.Background()
		j := journal(t, e, dsn)
		require.NoError(t, j.Begin(ctx, entry("1", "order:ORD-1", "capture/ORD-1")))
		assert.ErrorIs(t, j.Begin(ctx, entry("2", "order:ORD-9", "capture/ORD-1")), xpay.ErrWriteInFlight, "the key is open")
		require.NoError(t, j.Update(ctx, "1", "r1", xpay.JournalUpdate{State: xpay.JournalNotDone, Now: t0}))
		require.NoError(t, j.Begin(ctx, entry("3", "order:ORD-1", "capture/ORD-1")), "not done: it may be sent again")
		require.NoError(t, j.Update(ctx, "3", "r1", xpay.JournalUpdate{State: xpay.JournalDone, Now: t0}))
		err := j.Begin(ctx, entry("4", "order:ORD-1", "capture/ORD-1"))
		assert.ErrorIs(t, err, xpay.ErrWriteDone)
		assert.NotErrorIs(t, err, xpay.ErrWriteInFlight)
		require.NoError(t, j.Begin(ctx, entry("5", "order:ORD-1", "refund/ORD-1")), "another key on the order")

		states := map[string]xpay.JournalState{}
		all, err := j.Entries(ctx, "A")
		require.NoError(t, err)
		for _, e := range all {
			states[e.ID] = e.State
		}
		assert.Equal(t, map[string]xpay.JournalState{"1": xpay.JournalNotDone, "3": xpay.JournalDone, "5": xpay.JournalOpen}, states)
	})
}

func TestUpdateNeedsTheOwnerAndAnOpenEntry(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		ctx := context.Background()
		j := journal(t, e, dsn)
		require.NoError(t, j.Begin(ctx, entry("1", "order:ORD-1", "")))
		assert.ErrorIs(t, j.Update(ctx, "1", "r2", xpay.JournalUpdate{State: xpay.JournalDone, Now: t0}), xpay.ErrLeaseLost, "another owner")
		assert.ErrorIs(t, j.Update(ctx, "9", "r1", xpay.JournalUpdate{State: xpay.JournalDone, Now: t0}), xpay.ErrLeaseLost, "no such entry")
		require.NoError(t, j.Update(ctx, "1", "r1", xpay.JournalUpdate{State: xpay.JournalRefused, Detail: "KO 16", Now: t0.Add(time.Second), LeaseUntil: t0}))
		assert.ErrorIs(t, j.Update(ctx, "1", "r1", xpay.JournalUpdate{State: xpay.JournalDone, Now: t0}), xpay.ErrLeaseLost, "closed")

		all, err := j.Entries(ctx, "A", xpay.JournalRefused)
		require.NoError(t, err)
		require.Len(t, all, 1)
		got := all[0]
		assert.Equal(t, "KO 16", got.Detail)
		assert.True(t, got.Updated.Equal(t0.Add(time.Second)))
		assert.True(t, got.Sent.Equal(t0))
		assert.Equal(t, entry("1", "order:ORD-1", "").Write, got.Write, "the pending write round-trips")
		assert.Equal(t, "order:ORD-1", got.Key)
		assert.Equal(t, "Capture", got.Operation)
	})
}

func TestClaimTakesExpiredOpenEntriesOfTheAlias(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		ctx := context.Background()
		j := journal(t, e, dsn)
		for i, lease := range []time.Duration{time.Minute, 2 * time.Minute, 10 * time.Minute} {
			en := entry(fmt.Sprint(i), fmt.Sprintf("order:%d", i), "")
			en.LeaseUntil = t0.Add(lease)
			require.NoError(t, j.Begin(ctx, en))
		}
		other := entry("B1", "order:0", "")
		other.Alias = "B"
		require.NoError(t, j.Begin(ctx, other))
		done := entry("D", "order:D", "")
		require.NoError(t, j.Begin(ctx, done))
		require.NoError(t, j.Update(ctx, "D", "r1", xpay.JournalUpdate{State: xpay.JournalDone, Now: t0}))

		now := t0.Add(5 * time.Minute)
		got, err := j.Claim(ctx, "A", "rec", now, now.Add(time.Minute), 10)
		require.NoError(t, err)
		var ids []string
		for _, e := range got {
			ids = append(ids, e.ID)
			assert.Equal(t, "rec", e.Owner)
			assert.True(t, e.LeaseUntil.Equal(now.Add(time.Minute)))
		}
		assert.ElementsMatch(t, []string{"0", "1"}, ids, "the expired ones, of alias A, open")
		again, err := j.Claim(ctx, "A", "other", now, now.Add(time.Minute), 10)
		require.NoError(t, err)
		assert.Empty(t, again, "claimed ones are held until their new lease ends")
		assert.ErrorIs(t, j.Update(ctx, "0", "r1", xpay.JournalUpdate{State: xpay.JournalDone, Now: now}), xpay.ErrLeaseLost, "the first owner lost it")
		require.NoError(t, j.Update(ctx, "0", "rec", xpay.JournalUpdate{State: xpay.JournalDone, Now: now}))

		limited, err := j.Claim(ctx, "A", "late", t0.Add(time.Hour), t0.Add(2*time.Hour), 1)
		require.NoError(t, err)
		require.Len(t, limited, 1)
		assert.Equal(t, "1", limited[0].ID, "oldest lease first, up to the limit")
	})
}

// Replicas that begin writes on the same objects, and claim the same
// entries, at the same moment, each through a connection pool of its own:
// one writer per object, one claimer per entry.
func TestConcurrentReplicas(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		ctx := context.Background()
		const replicas, objects = 6, 40
		js := make([]*sqljournal.Journal, replicas)
		for i := range js {
			js[i] = journal(t, e, dsn)
		}
		var begun [objects]atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for r := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for o := range objects {
					en := entry(fmt.Sprintf("%d-%d", r, o), fmt.Sprintf("order:%d", o), "")
					en.Owner = fmt.Sprint(r)
					switch err := js[r].Begin(ctx, en); {
					case err == nil:
						begun[o].Add(1)
					default:
						assert.ErrorIs(t, err, xpay.ErrWriteInFlight)
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		for o := range objects {
			assert.Equal(t, int32(1), begun[o].Load(), "object %d: exactly one writer", o)
		}

		claimed := make([][]xpay.JournalEntry, replicas)
		start = make(chan struct{})
		now := t0.Add(time.Hour)
		for r := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for {
					got, err := js[r].Claim(ctx, "A", fmt.Sprintf("rec%d", r), now, now.Add(time.Hour), 3)
					if !assert.NoError(t, err) || len(got) == 0 {
						return
					}
					claimed[r] = append(claimed[r], got...)
				}
			}()
		}
		close(start)
		wg.Wait()
		seen := map[string]int{}
		for r := range claimed {
			for _, e := range claimed[r] {
				seen[e.ID]++
				assert.Equal(t, fmt.Sprintf("rec%d", r), e.Owner)
			}
		}
		assert.Len(t, seen, objects, "every open entry claimed")
		for id, n := range seen {
			assert.Equal(t, 1, n, "entry %s claimed once", id)
		}
	})
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e engine, dsn string) {
		require.NoError(t, journal(t, e, dsn).Migrate(context.Background()), "the schema applies again at every start")
	})
}

func TestDialectNames(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "PostgreSQL", sqljournal.PostgreSQL.String())
	assert.Equal(t, "SQLite", sqljournal.SQLite.String())
	assert.Contains(t, sqljournal.Schema, "CREATE UNIQUE INDEX IF NOT EXISTS xpay_journal_one_writer")
}
