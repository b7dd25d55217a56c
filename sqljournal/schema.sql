-- The journal of xpay's writes (package sqljournal), for PostgreSQL and for SQLite
-- (3.35 or newer). One row per write attempt. Times are milliseconds since the
-- Unix epoch.
CREATE TABLE IF NOT EXISTS xpay_journal (
	id              TEXT PRIMARY KEY,
	idempotency_key TEXT NOT NULL,
	alias           TEXT NOT NULL,
	write_key       TEXT NOT NULL,
	operation       TEXT NOT NULL,
	sent_ms         BIGINT NOT NULL,
	state           TEXT NOT NULL,
	owner           TEXT NOT NULL,
	lease_ms        BIGINT NOT NULL,
	pending         TEXT NOT NULL,
	detail          TEXT NOT NULL DEFAULT '',
	updated_ms      BIGINT NOT NULL
);

-- One writer per object: at most one open write, or one waiting for a
-- person, per alias and object. Begin's insert relies on it.
CREATE UNIQUE INDEX IF NOT EXISTS xpay_journal_one_writer
	ON xpay_journal (alias, write_key) WHERE state IN ('open', 'attention');

-- An idempotency key is open, waiting or done once at most.
CREATE UNIQUE INDEX IF NOT EXISTS xpay_journal_once
	ON xpay_journal (alias, idempotency_key) WHERE state IN ('open', 'attention', 'done');

-- What Claim looks for: open writes whose lease has ended.
CREATE INDEX IF NOT EXISTS xpay_journal_claimable
	ON xpay_journal (alias, lease_ms) WHERE state = 'open';
