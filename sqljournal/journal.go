// Package sqljournal keeps an xpay.Journal in a database/sql database:
// PostgreSQL or SQLite (3.35 or newer). It takes the merchant's *sql.DB,
// opens no connection pool of its own and registers no driver: import the
// driver you already use (pgx's stdlib, lib/pq, modernc.org/sqlite, ...).
//
//	j := sqljournal.New(db, sqljournal.PostgreSQL)
//	if err := j.Migrate(ctx); err != nil { ... } // or apply Schema with your own migrations
//	client, err := xpay.NewClient(alias, secret, xpay.WithJournal(j, hostname))
//
// The table, xpay_journal, holds one row per write attempt (Schema). Each
// method of the xpay.Journal contract is one SQL statement, and that is
// what makes it atomic:
//
//   - Begin is one INSERT ... ON CONFLICT DO NOTHING. Two partial unique
//     indexes make the check and the insert one step: one on (alias,
//     write_key) over the open and attention rows (one writer per
//     object), one on (alias, idempotency_key) over the open, attention
//     and done rows (a key is done once). Only when nothing was inserted
//     does a SELECT tell ErrWriteDone from ErrWriteInFlight.
//   - Update is one UPDATE whose WHERE holds the id, the owner and an
//     open, attention or not_done state.
//   - Claim is one UPDATE ... RETURNING of the rows a sub-select picks; on
//     PostgreSQL the sub-select (a CTE, run once) locks them FOR UPDATE
//     SKIP LOCKED, so that claimers never wait for each other nor get the
//     same row, and the UPDATE checks again that each is open with its
//     lease ended; SQLite runs one writing statement at a time.
//
// A journaled write costs two statements: Begin, and the Update that
// closes it. No statement locks the table: writes on different objects
// never wait for each other.
//
// With SQLite shared by several processes, open the database with a busy
// timeout, write-ahead logging and synchronous=FULL, so that a write's
// record survives a power failure too (modernc.org/sqlite:
// "file:journal.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)").
// On PostgreSQL, keep fsync and synchronous_commit on (the defaults).
package sqljournal

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xpaygo/xpay"
)

// Schema is the SQL that creates the journal's table and indexes, for
// PostgreSQL and SQLite alike. Every statement is idempotent (IF NOT
// EXISTS), so that it can run at every start.
//
//go:embed schema.sql
var Schema string

// Dialect is the SQL engine behind the *sql.DB.
type Dialect int

// The engines sqljournal speaks to.
const (
	PostgreSQL Dialect = iota
	SQLite
)

func (d Dialect) String() string {
	switch d {
	case PostgreSQL:
		return "PostgreSQL"
	case SQLite:
		return "SQLite"
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

// Journal is an xpay.Journal in a database/sql database. It is safe for
// concurrent use, as the *sql.DB is.
type Journal struct {
	db      *sql.DB
	dialect Dialect
	claim   string // the dialect's Claim statement
}

var _ xpay.Journal = (*Journal)(nil)

// New returns the Journal kept in db, whose engine is d. Create its table
// with Migrate, or by applying Schema.
func New(db *sql.DB, d Dialect) *Journal {
	const pick = `SELECT id FROM xpay_journal WHERE alias = $4 AND state = 'open' AND lease_ms <= $3 ORDER BY lease_ms LIMIT $5`
	if d == PostgreSQL {
		// A CTE, which PostgreSQL runs once: a sub-select under IN may be
		// run again, and give more rows than the limit.
		return &Journal{db: db, dialect: d, claim: `WITH picked AS (` + pick + ` FOR UPDATE SKIP LOCKED)
			UPDATE xpay_journal SET owner = $1, lease_ms = $2, updated_ms = $3 FROM picked
			WHERE xpay_journal.id = picked.id AND state = 'open' AND lease_ms <= $3
			RETURNING xpay_journal.` + strings.ReplaceAll(columns, ", ", ", xpay_journal.")}
	}
	return &Journal{db: db, dialect: d, claim: `UPDATE xpay_journal SET owner = $1, lease_ms = $2, updated_ms = $3
		WHERE id IN (` + pick + `) AND state = 'open' AND lease_ms <= $3
		RETURNING ` + columns}
}

// Migrate creates the journal's table and indexes if they do not exist,
// in one transaction. Replicas may run it at once: on PostgreSQL, where
// two CREATE ... IF NOT EXISTS at once can both try to create, it takes a
// transaction-scoped advisory lock first; on SQLite the transaction takes
// the write lock as it begins (BEGIN IMMEDIATE), since one that began to
// read could not take it later without failing at once. On SQLite a new
// database file can also answer "database is locked" at once, whatever
// the busy timeout, while another connection switches it to write-ahead
// logging: Migrate then tries again, until ctx ends or 30 s have passed.
func (j *Journal) Migrate(ctx context.Context) error {
	wait, deadline := 10*time.Millisecond, time.Now().Add(30*time.Second)
	for {
		err := j.migrate(ctx)
		if err == nil || j.dialect != SQLite || !locked(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// locked reports whether err is SQLite's "database is locked"
// (SQLITE_BUSY), as the drivers spell it.
func locked(err error) bool {
	return strings.Contains(err.Error(), "database is locked") || strings.Contains(err.Error(), "SQLITE_BUSY")
}

func (j *Journal) migrate(ctx context.Context) (err error) {
	conn, err := j.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqljournal: Migrate: %w", err)
	}
	defer conn.Close()
	begin, lock := "BEGIN", `SELECT pg_advisory_xact_lock(`+strconv.FormatInt(migrateLock, 10)+`)`
	if j.dialect == SQLite {
		begin, lock = "BEGIN IMMEDIATE", ""
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return fmt.Errorf("sqljournal: Migrate: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	stmts := strings.Split(Schema, ";")
	if lock != "" {
		stmts = append([]string{lock}, stmts...)
	}
	for _, stmt := range stmts {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("sqljournal: Migrate: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("sqljournal: Migrate: %w", err)
	}
	return nil
}

// migrateLock is the advisory lock Migrate takes on PostgreSQL: "xpay
// journal" as a number.
const migrateLock int64 = 0x7870_6179_6a6e_6c00

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
		}
	}
	return b.String()
}

const columns = `id, idempotency_key, alias, write_key, operation, sent_ms, state, owner, lease_ms, pending, detail, updated_ms`

// Begin records e, open: see xpay.Journal.
func (j *Journal) Begin(ctx context.Context, e *xpay.JournalEntry) error {
	pending, err := json.Marshal(e.Write)
	if err != nil {
		return fmt.Errorf("sqljournal: Begin: %w", err)
	}
	res, err := j.db.ExecContext(ctx, `INSERT INTO xpay_journal (`+columns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
		e.ID, e.IdempotencyKey, e.Alias, e.Key, e.Operation, e.Sent.UnixMilli(), string(e.State), e.Owner,
		e.LeaseUntil.UnixMilli(), string(pending), e.Detail, e.Updated.UnixMilli())
	if err != nil {
		return fmt.Errorf("sqljournal: Begin: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var state string
	err = j.db.QueryRowContext(ctx, `SELECT state FROM xpay_journal WHERE alias = $1
		AND ((idempotency_key = $2 AND state IN ('open', 'attention', 'done')) OR (write_key = $3 AND state IN ('open', 'attention')))
		ORDER BY CASE state WHEN 'done' THEN 0 ELSE 1 END LIMIT 1`, e.Alias, e.IdempotencyKey, e.Key).Scan(&state)
	switch {
	case err == nil && state == string(xpay.JournalDone):
		return fmt.Errorf("%w (idempotency key %q)", xpay.ErrWriteDone, e.IdempotencyKey)
	case err == nil || errors.Is(err, sql.ErrNoRows): // closed since: the caller may try again
		return fmt.Errorf("%w (%s)", xpay.ErrWriteInFlight, e.Key)
	}
	return fmt.Errorf("sqljournal: Begin: %w", err)
}

// Update changes the entry id held by owner: see xpay.Journal.
func (j *Journal) Update(ctx context.Context, id, owner string, u xpay.JournalUpdate) error {
	res, err := j.db.ExecContext(ctx, `UPDATE xpay_journal SET state = $1, lease_ms = $2, detail = $3, updated_ms = $4
		WHERE id = $5 AND owner = $6 AND state IN ('open', 'attention', 'not_done')`,
		string(u.State), u.LeaseUntil.UnixMilli(), u.Detail, u.Now.UnixMilli(), id, owner)
	if err != nil {
		return fmt.Errorf("sqljournal: Update: %w", err)
	}
	n, err := res.RowsAffected()
	switch {
	case err != nil:
		return fmt.Errorf("sqljournal: Update: %w", err)
	case n == 0:
		return fmt.Errorf("%w: %s", xpay.ErrLeaseLost, id)
	}
	return nil
}

// Claim gives owner the open entries of alias whose lease has ended: see
// xpay.Journal.
func (j *Journal) Claim(ctx context.Context, alias, owner string, now, until time.Time, limit int) ([]xpay.JournalEntry, error) {
	rows, err := j.db.QueryContext(ctx, j.claim, owner, until.UnixMilli(), now.UnixMilli(), alias, limit)
	if err != nil {
		return nil, fmt.Errorf("sqljournal: Claim: %w", err)
	}
	return scan(rows, "Claim")
}

// Entries returns the entries of alias in states, oldest first: see
// xpay.Journal.
func (j *Journal) Entries(ctx context.Context, alias string, states ...xpay.JournalState) ([]xpay.JournalEntry, error) {
	q := `SELECT ` + columns + ` FROM xpay_journal WHERE alias = $1`
	args := []any{alias}
	if len(states) > 0 {
		marks := make([]string, len(states))
		for i, s := range states {
			args = append(args, string(s))
			marks[i] = fmt.Sprintf("$%d", i+2)
		}
		q += ` AND state IN (` + strings.Join(marks, ", ") + `)`
	}
	rows, err := j.db.QueryContext(ctx, q+` ORDER BY sent_ms, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqljournal: Entries: %w", err)
	}
	return scan(rows, "Entries")
}

func scan(rows *sql.Rows, op string) ([]xpay.JournalEntry, error) {
	defer rows.Close()
	var out []xpay.JournalEntry
	for rows.Next() {
		var e xpay.JournalEntry
		var state, pending string
		var sent, lease, updated int64
		if err := rows.Scan(&e.ID, &e.IdempotencyKey, &e.Alias, &e.Key, &e.Operation, &sent, &state, &e.Owner, &lease, &pending, &e.Detail, &updated); err != nil {
			return nil, fmt.Errorf("sqljournal: %s: %w", op, err)
		}
		if err := json.Unmarshal([]byte(pending), &e.Write); err != nil {
			return nil, fmt.Errorf("sqljournal: %s: entry %s: %w", op, e.ID, err)
		}
		e.State, e.Sent, e.LeaseUntil, e.Updated = xpay.JournalState(state), time.UnixMilli(sent), time.UnixMilli(lease), time.UnixMilli(updated)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqljournal: %s: %w", op, err)
	}
	return out, nil
}
