package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/cli"
	"github.com/xpaygo/xpay/examples/internal/filejournal"
	"github.com/xpaygo/xpay/xpaytest"
)

// A write whose lease ends after -wait is not waited for: -resume reports
// it at once, STILL UNKNOWN, and does not pause for it, however long its
// wait; one whose lease ends within -wait is waited for.
func TestSettleResumeWaitsOnlyWithinWait(t *testing.T) {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	t.Cleanup(srv.Close)
	j, err := filejournal.Open(t.TempDir())
	require.NoError(t, err)
	c := srv.Client(xpay.WithJournal(j, "test"))
	now := time.Now()
	begin := func(id string, sent time.Time) {
		t.Helper()
		w := xpay.PendingWrite{Operation: "Capture", AliasFingerprint: c.AliasFingerprint(), TransactionCode: "ORD-" + id,
			Amount: 100, Currency: xpay.CurrencyEUR, Sent: sent, Before: []xpay.Operation{}}
		require.NoError(t, j.Begin(context.Background(), &xpay.JournalEntry{ID: id, IdempotencyKey: id, Alias: c.AliasFingerprint(),
			Key: "order:ORD-" + id, Operation: "Capture", Sent: sent, Write: w, State: xpay.JournalOpen, Owner: "gone",
			LeaseUntil: sent.Add(xpay.SettleWindow), Updated: sent}))
	}
	begin("year-ahead", now.AddDate(1, 0, 0))

	pauses := 0
	never := func(context.Context, time.Duration) error { pauses++; return errors.New("paused") }
	status := settle(context.Background(), c, time.Now, time.Hour, never)
	assert.Equal(t, cli.ExitUnknown, status)
	assert.Zero(t, pauses, "a lease that ends a year ahead, past -wait: reported at once")

	begin("soon", now)
	status = settle(context.Background(), c, time.Now, time.Hour, never)
	assert.Equal(t, cli.ExitUnknown, status, "the pause failed: stopped, what is left unknown")
	assert.Equal(t, 1, pauses, "a lease that ends within -wait is waited for")
}
