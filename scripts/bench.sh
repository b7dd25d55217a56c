#!/usr/bin/env bash
# Runs the benchmarks and writes BENCHMARKS.md: xpay next to its baselines,
# as ratios, with the machine they ran on. COUNT sets the runs per benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."

count=${COUNT:-6}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "running benchmarks ($count runs each; a few minutes)..." >&2
go test -run '^$' -bench 'BenchmarkCall' -benchmem -count "$count" . | tee "$work/bench.txt" >&2
# Loopback latency at one worker swings with scheduling: longer runs.
go test -run '^$' -bench 'BenchmarkLoopback' -benchmem -benchtime 3s -count "$count" . | tee -a "$work/bench.txt" >&2
go test -run '^$' -bench 'BenchmarkListOrders100k' -benchmem -benchtime 1x -count 3 . | tee -a "$work/bench.txt" >&2

# benchstat gives the spread of every figure; the report works without it.
if ! go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da "$work/bench.txt" > "$work/benchstat.txt" 2> "$work/benchstat.err"; then
	echo "benchstat unavailable: $(tail -1 "$work/benchstat.err")" > "$work/benchstat.txt"
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
go run ./scripts/benchreport \
	-bench "$work/bench.txt" -benchstat "$work/benchstat.txt" \
	-machine "$(go version); $(uname -srm); ${cpu:-unknown CPU}; $(nproc) cores; $(free -g 2>/dev/null | awk '/Mem:/ {print $2 " GiB"}')" \
	> BENCHMARKS.md
echo "wrote BENCHMARKS.md" >&2
