#!/usr/bin/env bash
# Runs the whole test suite N times at once with the race detector, ROUNDS
# times in a row, and reports every run that failed: a test that depends on
# the machine's speed shows up here, on a busy machine, and not on an idle
# one.
#
#   scripts/stress-tests.sh            # N=8, ROUNDS=3
#   N=16 ROUNDS=1 scripts/stress-tests.sh
#
# Exits 1 if any run failed. The compiled tests are built once, so that the
# runs measure the tests and not the compiler.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${N:-8}
rounds=${ROUNDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building the test binaries (-race)..." >&2
pkgs=$(go list ./... )
for pkg in $pkgs; do
	name=$(echo "$pkg" | tr '/' '_')
	dir=$(go list -f '{{.Dir}}' "$pkg")
	if [ -n "$(go list -f '{{join .TestGoFiles ""}}{{join .XTestGoFiles ""}}' "$pkg")" ]; then
		go test -race -c -o "$work/$name.test" "$pkg"
		echo "$work/$name.test $dir" >> "$work/binaries"
	fi
done

failed=0
for round in $(seq 1 "$rounds"); do
	start=$(date +%s)
	pids=()
	for run in $(seq 1 "$n"); do
		(
			ok=1
			while read -r bin dir; do
				(cd "$dir" && "$bin" -test.count=1 -test.timeout=10m) > "$work/r$round-$run-$(basename "$bin").log" 2>&1 || ok=0
			done < "$work/binaries"
			[ "$ok" = 1 ]
		) &
		pids+=($!)
	done
	bad=0
	for i in "${!pids[@]}"; do
		if ! wait "${pids[$i]}"; then
			bad=$((bad + 1))
			echo "round $round, run $((i + 1)): FAILED" >&2
			grep -h -B2 -A12 -- '--- FAIL' "$work"/r"$round"-"$((i + 1))"-*.log | head -60 >&2 || true
		fi
	done
	echo "round $round: $n runs in parallel, $bad failed, $(( $(date +%s) - start )) s"
	failed=$((failed + bad))
done
echo "total: $((n * rounds)) runs, $failed failed"
[ "$failed" = 0 ]
