// Command benchreport turns the output of scripts/bench.sh into
// BENCHMARKS.md: medians of paired rounds, ratios against the baselines
// with their spread, and the targets. Given -journal instead of -bench,
// it prints the section "The journal" from the output of
// scripts/bench-journal.sh.
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
// unit to its value in each round, in the order of the rounds.
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

func load(path string) results {
	f, err := os.Open(path)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	r, err := parse(f)
	if err != nil {
		fail(err)
	}
	return r
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchreport:", err)
	os.Exit(1)
}

func median(vs []float64) float64 {
	vs = slices.Clone(vs)
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2
	}
	return vs[len(vs)/2]
}

// values returns every round's value of name's unit, or exits.
func (r results) values(name, unit string) []float64 {
	vs := r[name][unit]
	if len(vs) == 0 {
		fail(fmt.Errorf("no %s for %s", unit, name))
	}
	return vs
}

func (r results) median(name, unit string) float64 { return median(r.values(name, unit)) }

// ratio is a paired ratio: its median over the rounds and its spread.
type ratio struct{ med, lo, hi float64 }

func (q ratio) String() string { return fmt.Sprintf("%.2f× (%.2f–%.2f)", q.med, q.lo, q.hi) }

// paired divides a's value by b's, round by round.
func paired(a, b []float64) ratio {
	n := min(len(a), len(b))
	rs := make([]float64, n)
	for i := range n {
		rs[i] = a[i] / b[i]
	}
	return ratio{median(rs), slices.Min(rs), slices.Max(rs)}
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func dur(ns float64) string { return time.Duration(ns).Round(10 * time.Nanosecond).String() }

func main() {
	benchFile := flag.String("bench", "", "this tree's results")
	jsontextFile := flag.String("jsontext", "", "results of the jsontext build (optional)")
	baseFile := flag.String("base", "", "results of the base revision (optional)")
	sandboxFile := flag.String("sandbox", "", "results of xpaytest's benchmarks (optional)")
	baseName := flag.String("base-name", "base", "the base revision")
	rounds := flag.Int("rounds", 0, "paired rounds run")
	machine := flag.String("machine", "", "description of the machine")
	journalFile := flag.String("journal", "", "results of scripts/bench-journal.sh: print the section \"The journal\" only")
	captures := flag.Int("captures", 0, "with -journal: captures a run")
	loadAvg := flag.String("load", "", "with -journal: the load average during the rounds")
	postgres := flag.String("postgres", "", "with -journal: the PostgreSQL server the rounds ran on")
	flag.Parse()
	if *journalFile != "" {
		journalSection(os.Stdout, load(*journalFile), *rounds, *captures, *machine, *loadAvg, *postgres)
		return
	}
	r := load(*benchFile)

	w := os.Stdout
	fmt.Fprintf(w, "# Benchmarks\n\nWritten by `scripts/bench.sh` on %s. Machine: %s.\n\n", time.Now().UTC().Format("2006-01-02"), *machine)
	fmt.Fprintf(w, "Every figure is the median of %d paired rounds: each round runs every benchmark once, xpay and its baseline one\n", *rounds)
	fmt.Fprintln(w, "after the other, and a ratio (xpay ÷ baseline unless said otherwise) is taken within a round, so that both sides")
	fmt.Fprintln(w, "ran under the same load. The spread of the ratios over the rounds follows in parentheses. No test asserts a time.")

	fmt.Fprint(w, "\n## Per call, in-memory transport\n\n")
	fmt.Fprintln(w, "The baseline is written the way XPay's official samples work: a `map[string]any` request, SHA-1 over concatenated")
	fmt.Fprintln(w, "strings, `encoding/json` both ways into `map[string]any`, and the response MAC check. Both go through the same")
	fmt.Fprintln(w, "in-memory `http.RoundTripper`, which announces the body's length. GetOrder is an order with six operations;")
	fmt.Fprint(w, "ListOrders1k has 1,000 orders. Target: xpay ≤ 1.0× the baseline in time and in allocations.\n\n")
	fmt.Fprintln(w, "| Call | xpay | baseline | time ratio | xpay allocs | baseline allocs | xpay B/op | baseline B/op | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, op := range []string{"Capture", "GetOrder", "ListOrders1k"} {
		x, b := "BenchmarkCall/"+op+"/xpay", "BenchmarkCall/"+op+"/baseline"
		q := paired(r.values(x, "ns/op"), r.values(b, "ns/op"))
		ta, ba := r.median(x, "allocs/op"), r.median(b, "allocs/op")
		fmt.Fprintf(w, "| %s | %s | %s | %s | %.0f | %.0f | %.0f | %.0f | %s |\n", op, dur(r.median(x, "ns/op")), dur(r.median(b, "ns/op")),
			q, ta, ba, r.median(x, "B/op"), r.median(b, "B/op"), met(q.med <= 1 && ta <= ba))
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
		q := paired(r.values(b, "ns/op"), r.values(x, "ns/op"))
		xmax := slices.Max(r.values(x, "conns"))
		fmt.Fprintf(w, "| %d | %s | %s | %s | %.0f (max %.0f) | %.0f | %s |\n", n, dur(r.median(x, "ns/op")), dur(r.median(b, "ns/op")), q,
			r.median(x, "conns"), xmax, r.median(b, "conns"), met(q.med >= 0.95 && xmax <= float64(n)))
	}

	fmt.Fprint(w, "\n## 100,000 orders\n\n")
	fmt.Fprintln(w, "A generated 100,000-order reportOrdini answer (about 54 MB), decoded whole (`ListOrders`) and as a stream")
	fmt.Fprintln(w, "(`Orders`), next to `encoding/json` decoding the same body into plain structs: `json.Unmarshal` of the whole,")
	fmt.Fprintln(w, "and a `json.Decoder` walking the list and decoding each order. CPU is the process's user and system time during")
	fmt.Fprintln(w, "one decode, the garbage collector's included; peak heap is sampled during it, above the heap in use before it.")
	fmt.Fprintln(w, "Targets: the stream ≤ 0.6× the Decoder's CPU, ≤ 4 allocations an order and ≤ 8 MiB of peak heap; the whole")
	fmt.Fprint(w, "decode ≤ 2.5× the body in peak heap.\n\n")
	fmt.Fprintln(w, "| Decode | CPU | wall | allocations an order | peak heap | peak ÷ body | CPU ratio | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	const big = "BenchmarkListOrders100k/"
	row := func(label, name, ratioTo, target string) {
		q := "(baseline)"
		if ratioTo != "" {
			q = paired(r.values(big+name, "cpu-ns/op"), r.values(big+ratioTo, "cpu-ns/op")).String()
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.2f | %.1f MiB | %.2f× | %s | %s |\n", label,
			dur(r.median(big+name, "cpu-ns/op")), dur(r.median(big+name, "ns/op")), r.median(big+name, "allocs/order"),
			r.median(big+name, "peak-MiB"), r.median(big+name, "peak/body"), q, target)
	}
	fq := paired(r.values(big+"full/xpay", "cpu-ns/op"), r.values(big+"full/json", "cpu-ns/op"))
	sq := paired(r.values(big+"stream/xpay", "cpu-ns/op"), r.values(big+"stream/json", "cpu-ns/op"))
	row("whole, `ListOrders`", "full/xpay", "full/json", met(fq.med <= 1 && r.median(big+"full/xpay", "peak/body") <= 2.5))
	row("whole, `json.Unmarshal`", "full/json", "", "")
	row("stream, `Orders`", "stream/xpay", "stream/json", met(sq.med <= 0.6 && r.median(big+"stream/xpay", "allocs/order") <= 4 &&
		slices.Max(r.values(big+"stream/xpay", "peak-MiB")) <= 8))
	row("stream, `json.Decoder`", "stream/json", "", "")

	if *jsontextFile != "" {
		j := load(*jsontextFile)
		q := paired(j.values(big+"stream/xpay", "cpu-ns/op"), j.values(big+"stream/jsontext", "cpu-ns/op"))
		fmt.Fprint(w, "\nThe reference: `encoding/json/jsontext` walking the same body and `encoding/json/v2` decoding each order\n")
		fmt.Fprintln(w, "(`bench_jsontext_test.go`), built with `GOEXPERIMENT=jsonv2 -tags jsontext`, next to `Orders` in the same")
		fmt.Fprint(w, "process. (In that build `encoding/json` itself runs on the v2 engine, so the table above is measured without it.)\n\n")
		fmt.Fprintln(w, "| Stream | CPU | allocations an order | peak heap | xpay ÷ jsontext |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, m := range []string{"xpay", "jsontext"} {
			n := big + "stream/" + m
			fmt.Fprintf(w, "| %s | %s | %.2f | %.1f MiB | %s |\n", m, dur(j.median(n, "cpu-ns/op")), j.median(n, "allocs/order"),
				j.median(n, "peak-MiB"), map[string]string{"xpay": q.String(), "jsontext": "(reference)"}[m])
		}
	}

	if *sandboxFile != "" {
		x := load(*sandboxFile)
		fmt.Fprint(w, "\n## The sandbox: flat cost per call, and throughput\n\n")
		fmt.Fprintln(w, "Each call through the xpay Client on loopback, finding one thing, with 10 and with 100,000 of each kind held")
		fmt.Fprintln(w, "(orders, blacklist entries, CF/PAN pairs, contracts, warnings, links). Ratio = 100,000 ÷ 10; target ≤ 1.5×.")
		fmt.Fprint(w, "Lookups go through indexes (by code, by key, by day), and answers are encoded from structs.\n\n")
		fmt.Fprintln(w, "| Call | 10 held | 100,000 held | ratio | target |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, op := range []string{"GetOrder", "ListOrders/code", "ListOrders/day", "CheckBlacklist", "CheckCFPAN", "ListCFPAN",
			"ListPayByLinks/day", "ListContracts/number", "ListContractDetails/taxcode", "ListWarnings/code", "DownloadReport"} {
			few, many := "BenchmarkLookup/"+op+"/held=10", "BenchmarkLookup/"+op+"/held=100000"
			q := paired(x.values(many, "ns/op"), x.values(few, "ns/op"))
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", op, dur(x.median(few, "ns/op")), dur(x.median(many, "ns/op")), q, met(q.med <= 1.5))
		}
		sb, st := "BenchmarkThroughput/sandbox/workers=8", "BenchmarkThroughput/static/workers=8"
		q := paired(x.values(st, "ns/op"), x.values(sb, "ns/op"))
		fmt.Fprint(w, "\nGetOrder served to 8 workers (raw `net/http` clients posting the same signed body), next to a static `net/http`\n")
		fmt.Fprint(w, "server answering the same bytes. Throughput ratio = sandbox ÷ static calls per second; target ≥ 0.8×.\n\n")
		fmt.Fprintln(w, "| Server | per call | throughput ratio | target |")
		fmt.Fprintln(w, "|---|---|---|---|")
		fmt.Fprintf(w, "| sandbox | %s | %s | %s |\n", dur(x.median(sb, "ns/op")), q, met(q.med >= 0.8))
		fmt.Fprintf(w, "| static | %s | (baseline) | |\n", dur(x.median(st, "ns/op")))
	}

	if *baseFile != "" {
		b := load(*baseFile)
		fmt.Fprintf(w, "\n## This tree against %s\n\n", *baseName)
		fmt.Fprintf(w, "The same benchmarks built against revision %s of the library, run in the same rounds. Ratio = this tree ÷ %s.\n\n", *baseName, *baseName)
		fmt.Fprintln(w, "A round's work that changes what the library does must leave these at about 1.0×; a round that sets targets")
		fmt.Fprintln(w, "against a base names them in its own section.")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| Benchmark | unit | this tree | base | ratio |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, c := range []struct{ name, unit string }{
			{"BenchmarkCall/Capture/xpay", "ns/op"},
			{"BenchmarkCall/GetOrder/xpay", "ns/op"},
			{"BenchmarkCall/ListOrders1k/xpay", "ns/op"},
			{big + "full/xpay", "cpu-ns/op"},
			{big + "full/xpay", "peak/body"},
			{big + "stream/xpay", "cpu-ns/op"},
			{big + "stream/xpay", "allocs/order"},
		} {
			q := paired(r.values(c.name, c.unit), b.values(c.name, c.unit))
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", strings.TrimPrefix(c.name, "Benchmark"), c.unit,
				num(r.median(c.name, c.unit), c.unit), num(b.median(c.name, c.unit), c.unit), q)
		}
	}
}

// num prints a value of unit.
func num(v float64, unit string) string {
	if strings.HasSuffix(unit, "ns/op") {
		return dur(v)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
