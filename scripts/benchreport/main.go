// Command benchreport turns the output of scripts/bench.sh into
// BENCHMARKS.md: medians, ratios against the baselines, and the targets.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// results maps a benchmark name (without the -GOMAXPROCS suffix) and a
// unit to every value measured.
type results map[string]map[string][]float64

var line = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

func parse(r io.Reader) (results, error) {
	res := results{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		fields := strings.Fields(m[3])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			if res[m[1]] == nil {
				res[m[1]] = map[string][]float64{}
			}
			res[m[1]][fields[i+1]] = append(res[m[1]][fields[i+1]], v)
		}
	}
	return res, sc.Err()
}

// median of name's unit, and whether it was measured.
func (r results) median(name, unit string) (float64, bool) {
	vs := slices.Clone(r[name][unit])
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2, true
	}
	return vs[len(vs)/2], true
}

func (r results) must(name, unit string) float64 {
	v, ok := r.median(name, unit)
	if !ok {
		fmt.Fprintf(os.Stderr, "benchreport: no %s for %s\n", unit, name)
		os.Exit(1)
	}
	return v
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func dur(ns float64) string { return time.Duration(ns).Round(10 * time.Nanosecond).String() }

func main() {
	benchFile := flag.String("bench", "", "go test -bench output")
	statFile := flag.String("benchstat", "", "benchstat output (optional)")
	machine := flag.String("machine", "", "description of the machine")
	flag.Parse()
	f, err := os.Open(*benchFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	r, err := parse(f)
	f.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	w := os.Stdout
	fmt.Fprintf(w, "# Benchmarks\n\nWritten by `scripts/bench.sh` on %s. Machine: %s.\n\n", time.Now().UTC().Format("2006-01-02"), *machine)
	fmt.Fprintln(w, "Each figure is the median of the runs; ratios are xpay ÷ baseline unless said otherwise. No test asserts a time.")

	fmt.Fprint(w, "\n## Per call, in-memory transport\n\n")
	fmt.Fprintln(w, "The baseline is written the way XPay's official samples work: a `map[string]any` request, SHA-1 over concatenated")
	fmt.Fprintln(w, "strings, `encoding/json` both ways into `map[string]any`, and the response MAC check. Both go through the same")
	fmt.Fprintln(w, "in-memory `http.RoundTripper`. GetOrder is an order with six operations; ListOrders1k has 1,000 orders.")
	fmt.Fprint(w, "Target: xpay ≤ 1.0× the baseline in ns/op and in allocs/op.\n\n")
	fmt.Fprintln(w, "| Call | xpay | baseline | time ratio | xpay allocs | baseline allocs | allocs ratio | xpay B/op | baseline B/op | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, op := range []string{"Capture", "GetOrder", "ListOrders1k"} {
		x, b := "BenchmarkCall/"+op+"/xpay", "BenchmarkCall/"+op+"/baseline"
		tn, bn := r.must(x, "ns/op"), r.must(b, "ns/op")
		ta, ba := r.must(x, "allocs/op"), r.must(b, "allocs/op")
		tb, bb := r.must(x, "B/op"), r.must(b, "B/op")
		fmt.Fprintf(w, "| %s | %s | %s | %.2f× | %.0f | %.0f | %.2f× | %.0f | %.0f | %s |\n",
			op, dur(tn), dur(bn), tn/bn, ta, ba, ta/ba, tb, bb, met(tn <= bn && ta <= ba))
	}

	fmt.Fprint(w, "\n## Throughput on loopback, against the sandbox\n\n")
	fmt.Fprintln(w, "GetOrder against `xpaytest`, next to a raw `net/http` + `encoding/json` client making the same signed calls")
	fmt.Fprintln(w, "with Go's default transport settings (two idle connections per host). Throughput ratio = xpay ÷ raw calls per")
	fmt.Fprintln(w, "second; target ≥ 0.95×. Connections are the TCP connections the server saw open during the run; target for")
	fmt.Fprint(w, "xpay: no more than the workers.\n\n")
	fmt.Fprintln(w, "| Workers | xpay per call | raw per call | throughput ratio | xpay connections | raw connections | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, n := range []int{1, 8, 32} {
		x, b := fmt.Sprintf("BenchmarkLoopback/workers=%d/xpay", n), fmt.Sprintf("BenchmarkLoopback/workers=%d/raw", n)
		tn, bn := r.must(x, "ns/op"), r.must(b, "ns/op")
		xc, bc := r.must(x, "conns"), r.must(b, "conns")
		xmax := slices.Max(r[x]["conns"])
		fmt.Fprintf(w, "| %d | %s | %s | %.2f× | %.0f (max %.0f) | %.0f | %s |\n", n, dur(tn), dur(bn), bn/tn, xc, xmax, bc,
			met(bn/tn >= 0.95 && xmax <= float64(n)))
	}

	fmt.Fprint(w, "\n## 100,000 orders: whole answer vs stream\n\n")
	fmt.Fprintln(w, "ListOrders on a generated 100,000-order answer (about 60 MB), decoded whole by `ListOrders` and item by item by")
	fmt.Fprintln(w, "`Orders`. Peak heap is sampled during the call, above the heap in use before it. Targets: stream ≤ 32 MiB,")
	fmt.Fprint(w, "and ≥ 5× below the whole decode.\n\n")
	full, stream := r.must("BenchmarkListOrders100k/full", "peak-MiB"), r.must("BenchmarkListOrders100k/stream", "peak-MiB")
	fmt.Fprintln(w, "| Decode | time | peak heap | allocated | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	fmt.Fprintf(w, "| whole (`ListOrders`) | %s | %.1f MiB | %.0f MiB | |\n", dur(r.must("BenchmarkListOrders100k/full", "ns/op")), full,
		r.must("BenchmarkListOrders100k/full", "B/op")/(1<<20))
	fmt.Fprintf(w, "| stream (`Orders`) | %s | %.1f MiB | %.0f MiB | %s (%.0f× below) |\n", dur(r.must("BenchmarkListOrders100k/stream", "ns/op")), stream,
		r.must("BenchmarkListOrders100k/stream", "B/op")/(1<<20), met(stream <= 32 && full/stream >= 5), full/stream)

	if *statFile != "" {
		if b, err := os.ReadFile(*statFile); err == nil {
			fmt.Fprintf(w, "\n## benchstat\n\nEvery figure with its spread across runs.\n\n```\n%s```\n", strings.TrimRight(string(b), "\n")+"\n")
		}
	}
}
