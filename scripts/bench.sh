#!/usr/bin/env bash
# Runs the benchmarks and writes BENCHMARKS.md: xpay next to its baselines,
# as ratios, with the machine they ran on.
#
# The figures are paired rounds: each round runs every benchmark once, xpay
# and its baseline one after the other, so that a ratio is taken between
# two runs under the same load; the report gives the median of the rounds
# and their spread. ROUNDS sets how many (default 6).
#
# BASE=<git revision> also builds the benchmarks against that revision of
# the library (this tree's benchmark files, copied into a worktree of it)
# and runs it in the same rounds: the report then compares this tree with
# it, round by round. The benchmark files must build against it.
#
# The jsontext reference (bench_jsontext_test.go) needs encoding/json/v2:
# it is built with GOEXPERIMENT=jsonv2 and -tags jsontext, and left out
# with a note where the toolchain lacks it.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-6}
kept='<!-- Written by other scripts'
work=$(mktemp -d)
cleanup() {
	if [ -d "$work/base" ]; then git worktree remove --force "$work/base" >/dev/null 2>&1 || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

benchfiles="bench_test.go bench_cpu_unix_test.go bench_cpu_other_test.go bench_jsontext_test.go"

echo "building the benchmarks..." >&2
go test -c -o "$work/cur.test" .
go test -c -o "$work/sandbox.test" ./xpaytest
if GOEXPERIMENT=jsonv2 go test -c -tags jsontext -o "$work/jsontext.test" . 2> "$work/jsontext.err"; then
	jsontext=1
else
	jsontext=0
	echo "jsontext reference left out: $(tail -1 "$work/jsontext.err")" >&2
fi
if [ -n "${BASE:-}" ]; then
	git worktree add --detach "$work/base" "$BASE" >/dev/null
	for f in $benchfiles; do cp "$f" "$work/base/$f"; done
	(cd "$work/base" && go test -c -o "$work/base.test" .)
fi

# run BIN OUT PATTERN [ARGS...]: one run of each benchmark PATTERN matches.
run() {
	local bin=$1 out=$2 pattern=$3
	shift 3
	"$bin" -test.run '^$' -test.bench "$pattern" -test.benchmem -test.count 1 "$@" | grep '^Benchmark' >> "$out"
}

for round in $(seq "$rounds"); do
	echo "round $round of $rounds..." >&2
	for side in cur base; do
		[ -x "$work/$side.test" ] || continue
		run "$work/$side.test" "$work/$side.txt" 'BenchmarkCall'
		# Loopback latency at one worker swings with scheduling: longer runs.
		run "$work/$side.test" "$work/$side.txt" 'BenchmarkLoopback' -test.benchtime 3s
		run "$work/$side.test" "$work/$side.txt" 'BenchmarkListOrders100k' -test.benchtime 3x
	done
	run "$work/sandbox.test" "$work/sandbox.txt" 'BenchmarkLookup|BenchmarkThroughput' -test.benchtime 2000x
	if [ "$jsontext" = 1 ]; then
		run "$work/jsontext.test" "$work/jsontext.txt" 'BenchmarkListOrders100k/stream/(xpay|jsontext)' -test.benchtime 3x
	fi
done

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
args=(-bench "$work/cur.txt" -sandbox "$work/sandbox.txt" -rounds "$rounds")
[ "$jsontext" = 1 ] && args+=(-jsontext "$work/jsontext.txt")
[ -n "${BASE:-}" ] && args+=(-base "$work/base.txt" -base-name "$(git rev-parse --short "$BASE")")
go run ./scripts/benchreport "${args[@]}" \
	-machine "$(go version); $(uname -srm); ${cpu:-unknown CPU}; $(nproc) cores; $(free -g 2>/dev/null | awk '/Mem:/ {print $2 " GiB"}')" \
	> "$work/BENCHMARKS.md"
# The sections other scripts write (scripts/bench-journal.sh, scripts/chaos.sh)
# follow a marker line: they are kept as they are.
if [ -f BENCHMARKS.md ] && grep -q "^$kept" BENCHMARKS.md; then
	{ echo; sed -n "/^$kept/,\$p" BENCHMARKS.md; } >> "$work/BENCHMARKS.md"
fi
mv "$work/BENCHMARKS.md" BENCHMARKS.md
echo "wrote BENCHMARKS.md" >&2
