package sqljournal_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/xpaygo/xpay/internal/pgtest"
	"github.com/xpaygo/xpay/sqljournal"
)

// engine opens a fresh, empty database of one engine for a test.
type engine struct {
	name    string
	dialect sqljournal.Dialect
	dsn     func(t testing.TB) string // a new database's DSN
}

// engines are the engines the journal is tested on: SQLite always, and
// PostgreSQL when a server can be had (see postgresDSN).
var engines = []engine{
	{name: "SQLite", dialect: sqljournal.SQLite, dsn: sqliteDSN},
	{name: "PostgreSQL", dialect: sqljournal.PostgreSQL, dsn: postgresDatabase},
}

// openDB opens dsn with the driver of d.
func openDB(t testing.TB, d sqljournal.Dialect, dsn string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if d == sqljournal.PostgreSQL {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// sqliteDSN is a new SQLite database file, shared by processes the way
// the package documentation says.
func sqliteDSN(t testing.TB) string {
	path := filepath.Join(t.TempDir(), "journal.db")
	return "file:" + path + "?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
}

// postgresDatabase is a new database on the test server.
func postgresDatabase(t testing.TB) string {
	t.Helper()
	base := postgresDSN(t)
	admin := openDB(t, sqljournal.PostgreSQL, base)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "journal_" + hex.EncodeToString(b[:])
	_, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name)
	require.NoError(t, err)
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

// eachEngine runs f on a new journal database of every engine.
func eachEngine(t *testing.T, f func(t *testing.T, e engine, dsn string)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			dsn := e.dsn(t)
			j := sqljournal.New(openDB(t, e.dialect, dsn), e.dialect)
			require.NoError(t, j.Migrate(context.Background()))
			f(t, e, dsn)
		})
	}
}

var (
	pgOnce sync.Once
	pgDSN  string
	pgErr  error
	pgStop func()
)

// postgresDSN returns the DSN of a PostgreSQL server for the tests:
// XPAY_TEST_POSTGRES if set, or else a throwaway server started from the
// binaries installed (initdb and pg_ctl, on a temporary directory and a
// free port, stopped when the tests end). Without either, the test is
// skipped, saying why, unless XPAY_REQUIRE_POSTGRES is set (as CI sets
// it): then it fails.
func postgresDSN(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() {
		if dsn := os.Getenv("XPAY_TEST_POSTGRES"); dsn != "" {
			pgDSN = dsn
			return
		}
		pgDSN, pgStop, pgErr = pgtest.Start()
	})
	if pgErr != nil {
		if os.Getenv("XPAY_REQUIRE_POSTGRES") != "" {
			t.Fatalf("PostgreSQL is required (XPAY_REQUIRE_POSTGRES) and cannot be had: %v", pgErr)
		}
		t.Skipf("SKIPPED: PostgreSQL tests: no server (set XPAY_TEST_POSTGRES, or install PostgreSQL's initdb and pg_ctl): %v", pgErr)
	}
	return pgDSN
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pgStop != nil {
		pgStop()
	}
	if code == 0 && pgErr != nil && os.Getenv("XPAY_REQUIRE_POSTGRES") != "" {
		fmt.Fprintln(os.Stderr, "PostgreSQL tests did not run:", pgErr)
		code = 1
	}
	os.Exit(code)
}
