package sqljournal_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/journaltest"
	"github.com/xpaygo/xpay/sqljournal"
)

func journal(t *testing.T, e engine, dsn string) *sqljournal.Journal {
	return sqljournal.New(openDB(t, e.dialect, dsn), e.dialect)
}

// The journal's contract, on every engine, each handle a connection pool
// of its own.
func TestContract(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			journaltest.Run(t, func(t *testing.T) func() xpay.Journal {
				dsn := e.dsn(t)
				require.NoError(t, journal(t, e, dsn).Migrate(context.Background()))
				return func() xpay.Journal { return journal(t, e, dsn) }
			})
		})
	}
}

// Every replica migrates at start-up, at once, and again at every start.
func TestMigrateAtOnceAndAgain(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			for range 5 { // on fresh databases: the first creation is where they collide
				dsn := e.dsn(t)
				errs := make(chan error, 16)
				start := make(chan struct{})
				for range cap(errs) {
					j := journal(t, e, dsn)
					go func() { <-start; errs <- j.Migrate(context.Background()) }()
				}
				close(start)
				for range cap(errs) {
					require.NoError(t, <-errs)
				}
				require.NoError(t, journal(t, e, dsn).Migrate(context.Background()), "again")
			}
		})
	}
}

func TestDialectNames(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "PostgreSQL", sqljournal.PostgreSQL.String())
	assert.Equal(t, "SQLite", sqljournal.SQLite.String())
	assert.Contains(t, sqljournal.Schema, "CREATE UNIQUE INDEX IF NOT EXISTS xpay_journal_one_writer")
}
