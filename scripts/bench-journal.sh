#!/usr/bin/env bash
# Runs the journal's benchmarks (sqljournal/bench_test.go) in paired rounds
# and prints the section "The journal" of BENCHMARKS.md: a journaled Capture
# next to a plain one on SQLite and on PostgreSQL, and captures per second
# with 1 and 4 replicas on PostgreSQL.
#
#   scripts/bench-journal.sh                 # ROUNDS=6, CAPTURES=5000
#   ROUNDS=10 scripts/bench-journal.sh > journal.md
#
# Each round is one run of the test binary, which runs every benchmark
# once, a plain side right before its journaled one, so that a ratio is
# taken between two runs under the same load. PostgreSQL is a throwaway
# server started from the binaries installed (internal/pgtest), one a
# round, or the server of XPAY_TEST_POSTGRES; without either its rows are
# left out, and the rounds' log says why.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-6}
captures=${CAPTURES:-5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building the benchmarks..." >&2
go test -c -o "$work/sqljournal.test" ./sqljournal

for round in $(seq "$rounds"); do
	load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
	echo "$load" >> "$work/loads"
	echo "round $round of $rounds (load $load)..." >&2
	"$work/sqljournal.test" -test.run '^$' -test.bench '^BenchmarkJournal' -test.benchtime "${captures}x" -test.count 1 -test.v \
		> "$work/round.log" 2>&1 || { cat "$work/round.log" >&2; exit 1; }
	grep '^Benchmark.* ns/op' "$work/round.log" >> "$work/journal.txt"
	grep -h 'SKIPPED' "$work/round.log" | sed 's/^ *//' | sort -u >&2 || true
done

loads=$(sort -g "$work/loads" | awk '{ v[NR] = $1 } END { printf "%s to %s, median %.2f", v[1], v[NR], (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
if [ -n "${XPAY_TEST_POSTGRES:-}" ]; then
	postgres="the server of XPAY_TEST_POSTGRES"
	if command -v psql >/dev/null; then
		show() { psql "$XPAY_TEST_POSTGRES" -Atc "SHOW $1" 2>/dev/null || echo "?"; }
		postgres="$(show server_version), the server of XPAY_TEST_POSTGRES: fsync $(show fsync), synchronous_commit $(show synchronous_commit)"
	fi
else
	pgctl=${PG_BIN:+$PG_BIN/pg_ctl}
	pgctl=${pgctl:-$(command -v pg_ctl || ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1 || true)}
	version=$("$pgctl" --version 2>/dev/null | awk '{ print $3 }' || true)
	postgres="${version:+$version, }a throwaway server on loopback started by \`internal/pgtest\`, as the tests start it: fsync, synchronous_commit and full_page_writes off, so that a commit waits for no disk"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
go run ./scripts/benchreport -journal "$work/journal.txt" -rounds "$rounds" -captures "$captures" -load "$loads" -postgres "$postgres" \
	-machine "$(go version | cut -d' ' -f3-); $(uname -srm); ${cpu:-unknown CPU}; $(nproc) cores, shared"
