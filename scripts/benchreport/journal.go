package main

import (
	"fmt"
	"io"
	"time"
)

// journalSection writes the section "The journal" from the output of
// scripts/bench-journal.sh (sqljournal's benchmarks, one run of each a
// round).
func journalSection(w io.Writer, r results, rounds, captures int, machine, load, postgres string) {
	fmt.Fprint(w, "## The journal\n\n")
	fmt.Fprintf(w, "Written by `ROUNDS=%d CAPTURES=%d scripts/bench-journal.sh` on %s: the benchmarks of `sqljournal/bench_test.go`,\n",
		rounds, captures, time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(w, "in %d paired rounds, each one run of the test binary (`-test.bench '^BenchmarkJournal' -test.benchtime %dx\n", rounds, captures)
	fmt.Fprintln(w, "-test.count 1`), which runs every benchmark once, the plain side right before the journaled one. A figure is the")
	fmt.Fprintln(w, "median of the rounds; a ratio is taken within a round, and its spread over the rounds follows in parentheses.")
	fmt.Fprintf(w, "Machine: %s. The 1-minute load average at the start of the rounds: %s.\n\n", machine, load)
	fmt.Fprintln(w, "Every op is a Capture of an order of its own against the sandbox (`xpaytest`, in the benchmark's process) on")
	fmt.Fprintln(w, "loopback, its `Before` read by a GetOrder outside the timed region; journaled, the Client has `WithJournal` on")
	fmt.Fprintln(w, "`sqljournal`. Statements per write count the journal's calls (Begin, one INSERT unless it conflicts, and the")
	fmt.Fprintln(w, "Update that closes the entry). \"The two statements alone\" are Begin and Update with nothing sent: what the journal")
	fmt.Fprintln(w, "adds to a write; a round trip is a `SELECT 1` on the same pool, the least any statement costs. SQLite:")
	fmt.Fprintf(w, "`modernc.org/sqlite`, WAL, `synchronous(NORMAL)`. PostgreSQL: %s.\n", postgres)
	fmt.Fprint(w, "Targets: at most two statements a write; journaled ≤ 1.5× plain on PostgreSQL.\n\n")

	fmt.Fprintln(w, "| Engine | plain Capture | journaled Capture | journaled ÷ plain | statements per write | the two statements alone | a round trip | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, engine := range []string{"SQLite", "PostgreSQL"} {
		base := "BenchmarkJournalCapture/" + engine + "/"
		if len(r[base+"journaled"]["ns/op"]) == 0 {
			fmt.Fprintf(w, "| %s | not run (skipped: see the log of the rounds) | | | | | | |\n", engine)
			continue
		}
		q := paired(r.values(base+"journaled", "ns/op"), r.values(base+"plain", "ns/op"))
		stmts := r.median(base+"journaled", "journal-stmts/op")
		target := "≤ 2 statements: " + met(stmts <= 2)
		if engine == "PostgreSQL" {
			target += "; ≤ 1.5×: " + met(q.med <= 1.5)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %.2f | %s | %s | %s |\n", engine, dur(r.median(base+"plain", "ns/op")),
			dur(r.median(base+"journaled", "ns/op")), q, stmts, dur(r.median(base+"statements", "ns/op")),
			dur(r.median(base+"roundtrip", "ns/op")), target)
	}

	one, four := "BenchmarkJournalReplicas/1/", "BenchmarkJournalReplicas/4/"
	if len(r[four+"journaled"]["captures/s"]) == 0 {
		fmt.Fprint(w, "\nReplicas: not run (PostgreSQL skipped: see the log of the rounds).\n")
		return
	}
	fmt.Fprint(w, "\nCaptures per second on PostgreSQL with 1 and with 4 replicas: each replica a `*sql.DB` pool of its own and a\n")
	fmt.Fprintln(w, "journaled Client of its own (its own owner name), all sharing one sandbox and one journal database, each")
	fmt.Fprintln(w, "capturing its own orders one at a time while the others do. Plain is the same fleet without a journal: what the")
	fmt.Fprintln(w, "sandbox and the machine allow. Busy cores is how many of the machine's cores were busy on average during the")
	fmt.Fprintln(w, "timed region (every process: the benchmark with its sandbox, PostgreSQL, and other people's work); the")
	fmt.Fprint(w, "benchmark's own process in parentheses. Target: 4 replicas ≥ 3× one, journaled.\n\n")
	fmt.Fprintln(w, "| Replicas | plain captures/s | journaled captures/s | journaled ÷ plain | busy cores, plain | busy cores, journaled |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, n := range []string{"1", "4"} {
		base := "BenchmarkJournalReplicas/" + n + "/"
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %s | %s | %s |\n", n, r.median(base+"plain", "captures/s"), r.median(base+"journaled", "captures/s"),
			paired(r.values(base+"journaled", "captures/s"), r.values(base+"plain", "captures/s")),
			cores(r, base+"plain"), cores(r, base+"journaled"))
	}
	jq := paired(r.values(four+"journaled", "captures/s"), r.values(one+"journaled", "captures/s"))
	pq := paired(r.values(four+"plain", "captures/s"), r.values(one+"plain", "captures/s"))
	fmt.Fprintf(w, "| 4 ÷ 1 | %s | %s | | | target ≥ 3× journaled: %s |\n", pq, jq, met(jq.med >= 3))
}

// cores prints the machine's busy cores during name, and the benchmark
// process's in parentheses, where they were measured.
func cores(r results, name string) string {
	if len(r[name]["busy-cores"]) == 0 {
		return "not measured"
	}
	s := fmt.Sprintf("%.2f", r.median(name, "busy-cores"))
	if len(r[name]["proc-cores"]) > 0 {
		s += fmt.Sprintf(" (%.2f)", r.median(name, "proc-cores"))
	}
	return s
}
