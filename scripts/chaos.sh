#!/usr/bin/env bash
# Runs the fleet's chaos drill (TestFleetChaos in examples/fleet_test.go)
# with thousands of orders, on SQLite and on PostgreSQL at once, and prints
# its figures: orders, kills by point, faults, the journal's states, the
# wall time of each engine, and any failure.
#
#   scripts/chaos.sh                         # 2,000 orders, both engines
#   ORDERS=5000 TIMEOUT=4h scripts/chaos.sh
#   ENGINE=PostgreSQL scripts/chaos.sh       # one engine
#
# PostgreSQL is a throwaway server started from the binaries installed
# (internal/pgtest), or XPAY_TEST_POSTGRES; without either its half is
# skipped, and says so, unless XPAY_REQUIRE_POSTGRES is set. The full log
# is kept in LOG (default: a file in /tmp, named at the end). Exits 1 if
# the drill failed.
set -euo pipefail
cd "$(dirname "$0")/.."

orders=${ORDERS:-2000}
timeout=${TIMEOUT:-3h}
run='^TestFleetChaos$'
[ -n "${ENGINE:-}" ] && run="^TestFleetChaos\$/^${ENGINE}\$"
log=${LOG:-$(mktemp /tmp/xpay-chaos.XXXXXX)}

echo "chaos: $orders orders, -run '$run', -timeout $timeout; $(nproc) cores, load: $(uptime | sed 's/.*load average: //')" >&2
start=$(date +%s)
status=0
XPAY_CHAOS_ORDERS=$orders go test -count=1 -v -timeout "$timeout" -run "$run" ./examples > "$log" 2>&1 || status=$?
end=$(date +%s)

echo "## $orders orders, $(date -u +%Y-%m-%d), $(go version | cut -d' ' -f3), $(nproc) cores"
echo
echo "wall time of the whole run (building the examples included): $((end - start)) s; load at the end: $(uptime | sed 's/.*load average: //')"
echo
# The drill's own lines: its figures (t.Logf, named for the engine whose
# output go test -v was printing), each engine's verdict and time, skips.
awk '/^=== (RUN|CONT|NAME|PAUSE) / { name = $3 }
	/^ +fleet_test.go:[0-9]+: [0-9]+ orders/ { sub(/^ +fleet_test.go:[0-9]+: /, ""); print name ": " $0 }
	/^ *--- (PASS|FAIL|SKIP): TestFleetChaos\// || /SKIPPED/ || /^(ok|FAIL)[ \t]/ { sub(/^ +/, ""); print }' "$log"
if [ "$status" != 0 ]; then
	echo
	echo "FAILED (exit $status): the failures, from $log:"
	grep -E -A12 '^\s+Error Trace:|^\s+fleet_test.go:[0-9]+: .*(failed|Error)|panic:|timed out' "$log" | head -200 || true
fi
echo
echo "full log: $log" >&2
exit "$status"
