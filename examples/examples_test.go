package examples_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// bin holds every example and the sandbox command, built once.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "xpay-examples")
	if err != nil {
		panic(err)
	}
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "github.com/xpaygo/xpay/examples/...", "github.com/xpaygo/xpay/cmd/...")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("building the examples: " + err.Error() + "\n" + string(out))
	}
	bin = dir
	code := m.Run()
	stopPostgres()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs a built program with env as its whole XPAY_ configuration.
func run(t *testing.T, dir string, env []string, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(filepath.Join(dir, name), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "XPAY_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "XPAY_JOURNAL=") }) {
		cmd.Env = append(cmd.Env, "XPAY_JOURNAL="+t.TempDir()) // never the working directory's
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

func TestExamples(t *testing.T) {
	dir := bin
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	env := []string{"XPAY_BASE_URL=" + srv.URL, "XPAY_ALIAS=" + srv.Alias(), "XPAY_SECRET=" + srv.Secret()}
	reportFile := filepath.Join(t.TempDir(), "report.csv")

	// Each step runs against the same sandbox, so later steps see the
	// effect of earlier ones.
	steps := []struct {
		program string
		args    []string
		code    int
		stdout  []string // substrings of standard output
		stderr  string   // substring of standard error
	}{
		{"capture", []string{"-code", xpaytest.DemoAuthorized, "-amount", "20.00"}, 0, []string{"captured €20.00 of " + xpaytest.DemoAuthorized}, ""},
		{"order", []string{"-code", xpaytest.DemoAuthorized}, 0, []string{"Contabilizzato Parz.", "CONTAB.", "€20.00"}, ""},
		{"capture", []string{"-code", xpaytest.DemoDenied, "-amount", "1.00"}, 1, nil, "error: xpay: Capture: KO 16"},
		{"capture", []string{"-code", xpaytest.DemoAuthorized, "-amount", "0.00"}, 1, nil, "invalid Amount (importo)"},
		{"capture", []string{"-amount", "1.00"}, 2, nil, "-code is required"},
		{"order", nil, 2, nil, "-code is required"},
		{"paybylink", []string{"create", "-code", "PBL-EX-9"}, 2, nil, "-amount is required"},
		{"paybylink", []string{"create", "-code", "PBL-EX-9", "-amount", "1.00", "stray"}, 2, nil, `unexpected argument "stray"`},
		{"controls", []string{"blacklist-check", "-type", "TaxCode", "-value", "x"}, 2, nil, "want CodiceFiscale or CodiceContratto"},
		{"refund", []string{"-code", xpaytest.DemoCaptured, "-amount", "5.00"}, 0, []string{"refunded €5.00 of " + xpaytest.DemoCaptured}, ""},
		{"refund", []string{"-code", xpaytest.DemoCaptured, "-amount", "9999,99"}, 1, nil, "KO 17"},
		{"orders", nil, 0, []string{"3 orders", xpaytest.DemoAuthorized, "Rimborsato Parz."}, ""},
		{"orders", []string{"-state", "Negato"}, 0, []string{"1 orders", xpaytest.DemoDenied}, ""},
		{"orders", []string{"-state", "Authorized"}, 1, nil, `"Authorized", is not a state XPay filters by: want one of "Autorizzato"`},
		{"orders", []string{"-from", "01/01/2023", "-to", "31/12/2024"}, 1, nil, "spans more than 366 days"},
		{"orders", []string{"-warnings"}, 0, []string{"1 warnings", xpaytest.DemoDenied}, ""},
		{"orders", []string{"-from", "31/02/2024"}, 2, nil, `date "31/02/2024": no such day`},
		{"orders", []string{"-from", "2024-02-01"}, 2, nil, "want dd/mm/yyyy"},
		{"capture", []string{"-code", xpaytest.DemoAuthorized, "-amount", "-5"}, 2, nil, "-amount: must not be negative"},
		{"paybylink", []string{"create", "-code", "PBL-EX-1", "-amount", "10.00", "-hours", "2"}, 0, []string{"link for PBL-EX-1: " + srv.URL + "/paybylink/"}, ""},
		{"paybylink", []string{"regenerate", "-code", "PBL-EX-1"}, 0, []string{"link for PBL-EX-1: " + srv.URL}, ""},
		{"paybylink", []string{"report"}, 0, []string{"1 links", "PBL-EX-1", "Da pagare"}, ""},
		{"paybylink", []string{"create", "-code", "PBL-EX-1", "-amount", "10.00"}, 1, nil, "KO 9"},
		{"paybylink", nil, 2, nil, "usage: paybylink create|regenerate|report"},
		{"paybylink", []string{"methods"}, 0, []string{"3 payment methods", "CC   Visa", "APM  PayPal       selectedcard=PAYPAL recurring=N"}, ""},
		{"paybylink", []string{"verify", "-url", "https://shop.example/esito?codTrans=PBL-EX-1&esito=OK&importo=1000&divisa=EUR&data=20240617&orario=101010&codAut=X&mac=0"}, 1, nil, "the payment result's MAC does not verify"},
		{"paybylink", []string{"loop"}, 1, nil, "loop needs the in-process sandbox"},
		{"capture", []string{"-code", xpaytest.DemoAuthorized, "-amount", "2000"}, 2, nil, "write euro with the cents, such as 2000.00 (not cents)"},
		{"capture", []string{"-code", xpaytest.DemoAuthorized, "-amount", "20.001"}, 2, nil, "has 3 decimals; the currency has 2"},
		{"reports", []string{"list"}, 0, []string{"CSV  Transazioni giornaliere"}, ""},
		{"reports", []string{"download", "-id", "1"}, 0, []string{"codiceTransazione;importo;divisa", xpaytest.DemoAuthorized}, ""},
		{"reports", []string{"url", "-id", "1"}, 0, []string{srv.URL + "/ecomm/api/bo/downloadReport?", "mac="}, ""},
		{"reports", []string{"download", "-id", "42"}, 1, nil, "KO 2"},
		{"reports", []string{"download", "-id", "999", "-o", reportFile}, 1, nil, "KO 2"},
		{"contracts", []string{"list", "-taxcode", xpaytest.DemoTaxCode}, 0, []string{"1 contracts", xpaytest.DemoContract}, ""},
		{"contracts", []string{"details", "-number", xpaytest.DemoContract}, 0, []string{xpaytest.DemoContract, "VISA"}, ""},
		{"contracts", []string{"create", "-number", "CNT-EX-1", "-pos", "POS00001", "-auth", "A1B2C3", "-amount", "50.00"}, 0, []string{"created CNT-EX-1"}, ""},
		{"contracts", []string{"disable", "-number", "CNT-EX-1"}, 0, []string{"disabled CNT-EX-1"}, ""},
		{"contracts", []string{"status", "-number", "CNT-EX-1"}, 0, []string{"DISABILITATO"}, ""},
		{"contracts", []string{"enable", "-number", "CNT-EX-1"}, 0, []string{"enabled CNT-EX-1"}, ""},
		{"contracts", []string{"delete", "-number", "CNT-EX-1"}, 0, []string{"deleted CNT-EX-1"}, ""},
		{"contracts", []string{"details", "-number", "CNT-EX-1"}, 1, nil, "KO 8"},
		{"controls", []string{"blacklist-check", "-type", "CodiceFiscale", "-value", xpaytest.DemoBlacklisted}, 0, []string{"listed: true"}, ""},
		{"controls", []string{"blacklist-add", "-type", "CodiceContratto", "-value", "CNT-FRODE-9", "-reason", "Frode"}, 0, []string{"blacklisted CNT-FRODE-9"}, ""},
		{"controls", []string{"blacklist-list", "-type", "CodiceContratto"}, 0, []string{"CNT-FRODE-9", "Frode"}, ""},
		{"controls", []string{"blacklist-remove", "-type", "CodiceContratto", "-value", "CNT-FRODE-9"}, 0, []string{"removed CNT-FRODE-9"}, ""},
		{"controls", []string{"blacklist-add", "-type", "Email", "-value", "x"}, 2, nil, "invalid value \"Email\" for flag -type: want CodiceFiscale or CodiceContratto"},
		{"controls", []string{"cfpan-check", "-taxcode", xpaytest.DemoTaxCode, "-hashpan", xpaytest.DemoHashPAN, "-group", srv.Group()}, 0, []string{"1 pairs"}, ""},
		{"controls", []string{"cfpan-list", "-type", "CodiceContratto", "-value", xpaytest.DemoContract, "-group", srv.Group()}, 0, []string{"1 pairs", xpaytest.DemoHashPAN}, ""},
		{"controls", []string{"cfpan-delete", "-taxcode", xpaytest.DemoTaxCode, "-hashpan", xpaytest.DemoHashPAN, "-group", srv.Group()}, 0, []string{"deleted the pair"}, ""},
		{"controls", []string{"cfpan-check", "-taxcode", xpaytest.DemoTaxCode, "-hashpan", xpaytest.DemoHashPAN, "-group", "GRP_ALTRO"}, 1, nil, "KO 12: Gruppo non valido (codiceGruppo \"GRP_ALTRO\": la sandbox accetta GRP_SANDBOX)"},
	}
	for _, s := range steps {
		r := run(t, dir, env, s.program, s.args...)
		label := s.program + " " + strings.Join(s.args, " ")
		assert.Equal(t, s.code, r.code, "%s\nstdout: %s\nstderr: %s", label, r.stdout, r.stderr)
		for _, want := range s.stdout {
			assert.Contains(t, r.stdout, want, label)
		}
		assert.Contains(t, r.stderr, s.stderr, label)
		if s.code == 1 {
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "%s: one line on failure: %q", label, r.stderr)
		}
	}

	assert.NoFileExists(t, reportFile, "a failed download leaves no file behind")

	// -json prints the typed response for scripts.
	r := run(t, dir, env, "order", "-code", xpaytest.DemoAuthorized, "-json")
	require.Equal(t, 0, r.code, r.stderr)
	var order struct {
		Esito  string `json:"esito"`
		Report []struct {
			Stato string `json:"stato"`
		} `json:"report"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &order), r.stdout)
	assert.Equal(t, "OK", order.Esito)
	assert.Equal(t, "Contabilizzato Parz.", order.Report[0].Stato)

	// Requests the programs made really reached the sandbox.
	assert.Equal(t, 2, srv.Requests("Capture"), "two captures sent; the one that failed validation was not")

	// A capture whose answer is lost: its own exit status, and the write
	// open in the journal, where the next process finds it.
	journal := t.TempDir()
	jEnv := append([]string{"XPAY_JOURNAL=" + journal}, env...)
	srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: true, Times: 1})
	r = run(t, dir, jEnv, "capture", "-code", xpaytest.DemoAuthorized, "-amount", "1.00", "-key", "capture/lost")
	assert.Equal(t, 3, r.code, r.stderr)
	assert.Contains(t, r.stderr, "outcome unknown")
	assert.Contains(t, r.stderr, `"transactionCode":"`+xpaytest.DemoAuthorized+`","amount":100`)
	assert.Contains(t, r.stderr, "go run ./examples/settle -resume")
	open := journalEntries(t, journal, xpay.JournalOpen)
	require.Len(t, open, 1)
	assert.Equal(t, "capture/lost", open[0].IdempotencyKey)

	// One writer per order: a second capture while the first is open is
	// not sent.
	r = run(t, dir, jEnv, "capture", "-code", xpaytest.DemoAuthorized, "-amount", "2.00")
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "another write on the same object is in flight")
	assert.Equal(t, 3, srv.Requests("Capture"), "the second capture was not sent")

	// Before the window, -resume says it is still unknown, and waits no
	// longer than -wait.
	r = run(t, dir, jEnv, "settle", "-resume", "-wait", "0s")
	assert.Equal(t, 3, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "STILL UNKNOWN: Capture "+open[0].ID+" of €1.00 on "+xpaytest.DemoAuthorized)
	assert.Len(t, journalEntries(t, journal, xpay.JournalOpen), 1, "kept")

	// A refusal is exit 1, and recorded as such.
	r = run(t, dir, jEnv, "capture", "-code", xpaytest.DemoDenied, "-amount", "1.00")
	assert.Equal(t, 1, r.code)
	assert.Len(t, journalEntries(t, journal, xpay.JournalRefused), 1)
}

// journalEntries reads the example programs' journal in dir.
func journalEntries(t *testing.T, dir string, states ...xpay.JournalState) []xpay.JournalEntry {
	t.Helper()
	var all []xpay.JournalEntry
	b, err := os.ReadFile(filepath.Join(dir, "journal.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &all))
	var out []xpay.JournalEntry
	for _, e := range all {
		if len(states) == 0 || slices.Contains(states, e.State) {
			out = append(out, e)
		}
	}
	return out
}

// The journal's life as scripts see it, on a clock that runs 60 times
// faster than the real one, shared by the sandbox and the programs: lost
// writes settled once their window has passed; one that did not happen
// owed, by exit status and listing, until it is sent again under its key
// or dropped; an entry dated a year ahead reported without waiting for
// it, and resolved by hand.
func TestSettleResume(t *testing.T) {
	origin := time.Now()
	srv := xpaytest.NewServer(xpaytest.WithDemoData(), xpaytest.WithClock(xpaytest.FastClock(origin, 60)))
	defer srv.Close()
	journal := t.TempDir()
	env := []string{"XPAY_BASE_URL=" + srv.URL, "XPAY_ALIAS=" + srv.Alias(), "XPAY_SECRET=" + srv.Secret(),
		"XPAY_JOURNAL=" + journal, fmt.Sprintf("XPAY_CLOCK=%d*60", origin.UnixMilli())}

	srv.InjectFault("Capture", xpaytest.Fault{Reset: true, Processed: true, Times: 1})
	r := run(t, bin, env, "capture", "-code", xpaytest.DemoAuthorized, "-amount", "20.00", "-key", "capture/1")
	require.Equal(t, 3, r.code, r.stderr)
	srv.InjectFault("Refund", xpaytest.Fault{Reset: true, Times: 1})
	r = run(t, bin, env, "refund", "-code", xpaytest.DemoCaptured, "-amount", "5.00", "-key", "refund/1")
	require.Equal(t, 3, r.code, r.stderr)

	r = run(t, bin, env, "settle", "-resume")
	assert.Equal(t, 4, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "Capture")
	assert.Regexp(t, `Capture \w+ of €20.00 on `+xpaytest.DemoAuthorized+` \(sent [^)]+\): it DID happen`, r.stdout)
	assert.Regexp(t, `Refund \w+ of €5.00 on `+xpaytest.DemoCaptured+` \(sent [^)]+\): it did NOT happen`, r.stdout)
	assert.Contains(t, r.stdout, "OWED: Refund")
	assert.Contains(t, r.stdout, "send it again with -key refund/1")
	assert.Equal(t, 1, srv.Requests("Capture"))

	r = run(t, bin, env, "settle", "-resume")
	assert.Equal(t, 4, r.code, "still owed: nothing was sent, nothing dropped\n%s", r.stdout)
	assert.Contains(t, r.stdout, "OWED: Refund")

	// Sent again under its key to a host that refuses the connection: that
	// attempt never left, and the refund is still owed.
	down := append(slices.Clone(env), "XPAY_BASE_URL=http://127.0.0.1:1")
	r = run(t, bin, down, "refund", "-code", xpaytest.DemoCaptured, "-amount", "5.00", "-key", "refund/1")
	require.Equal(t, 1, r.code, "never sent: failed, changed nothing\n%s", r.stderr)
	r = run(t, bin, env, "settle", "-resume")
	assert.Equal(t, 4, r.code, "an attempt that never left takes nothing's place\n%s", r.stdout)
	assert.Contains(t, r.stdout, "OWED: Refund")

	r = run(t, bin, env, "capture", "-code", xpaytest.DemoAuthorized, "-amount", "20.00", "-key", "capture/1")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "already done")
	assert.Equal(t, 1, srv.Requests("Capture"), "done: not sent again")
	r = run(t, bin, env, "refund", "-code", xpaytest.DemoCaptured, "-amount", "5.00", "-key", "refund/1")
	require.Equal(t, 0, r.code, r.stderr)
	r = run(t, bin, env, "settle", "-resume")
	assert.Equal(t, 0, r.code, "sent again: no longer owed\n%s", r.stdout)
	assert.Contains(t, r.stdout, "0 settled, 0 still unknown, 0 for a person, 0 owed.")

	// An entry dated a year ahead cannot be settled: -resume reports it at
	// once and exits 3; a person resolves it, then drops what is owed.
	var all []xpay.JournalEntry
	b, err := os.ReadFile(filepath.Join(journal, "journal.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &all))
	future := all[0]
	future.ID, future.IdempotencyKey, future.State, future.Key = "year-ahead", "year-ahead", xpay.JournalOpen, "order:ORD-FUTURE"
	future.Sent = future.Sent.AddDate(1, 0, 0)
	future.Write.Sent, future.LeaseUntil = future.Sent, future.Sent.Add(xpay.SettleWindow)
	b, err = json.Marshal(append(all, future))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(journal, "journal.json"), b, 0o600))
	r = run(t, bin, env, "settle", "-resume")
	assert.Equal(t, 3, r.code, r.stdout)
	assert.Contains(t, r.stdout, "STILL UNKNOWN: Capture year-ahead")
	r = run(t, bin, env, "settle", "-resolve", "year-ahead", "-note", "a clock a year off")
	require.Equal(t, 0, r.code, r.stderr)
	r = run(t, bin, env, "settle", "-resume")
	assert.Equal(t, 4, r.code, r.stdout)
	r = run(t, bin, env, "settle", "-drop", "year-ahead", "-note", "never sent")
	require.Equal(t, 0, r.code, r.stderr)
	r = run(t, bin, env, "settle", "-resume")
	assert.Equal(t, 0, r.code, r.stdout)

	// A write no read can settle waits for a person, and says so.
	b, err = os.ReadFile(filepath.Join(journal, "journal.json"))
	require.NoError(t, err)
	all = nil
	require.NoError(t, json.Unmarshal(b, &all))
	held := all[0]
	held.ID, held.IdempotencyKey, held.State, held.Key, held.Detail = "held", "held", xpay.JournalAttention, "order:ORD-HELD", "a person must look: two rows of 20.00"
	b, err = json.Marshal(append(all, held))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(journal, "journal.json"), b, 0o600))
	r = run(t, bin, env, "settle", "-resume")
	assert.Equal(t, 3, r.code, r.stdout)
	assert.Contains(t, r.stdout, "FOR A PERSON: Capture held")
	r = run(t, bin, env, "settle", "-resolve", "held", "-happened", "-note", "ours")
	require.Equal(t, 0, r.code, r.stderr)
	r = run(t, bin, env, "settle", "-resume")
	assert.Equal(t, 0, r.code, r.stdout)

	// A journal that cannot be read whole says nothing of what is owed:
	// never 0.
	require.NoError(t, os.WriteFile(filepath.Join(journal, "journal.json"), []byte(`[{"id":`), 0o600))
	r = run(t, bin, env, "settle", "-resume")
	assert.NotEqual(t, 0, r.code, r.stdout+r.stderr)
	assert.NotContains(t, r.stdout, "0 owed.")
}

// A program stopped in the middle of a write, by SIGTERM or SIGKILL,
// leaves it open in the journal: nothing is lost.
func TestAKilledWriteStaysInTheJournal(t *testing.T) {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt, os.Kill} {
		journal := t.TempDir()
		env := []string{"XPAY_BASE_URL=" + srv.URL, "XPAY_ALIAS=" + srv.Alias(), "XPAY_SECRET=" + srv.Secret(), "XPAY_JOURNAL=" + journal}
		srv.InjectFault("Capture", xpaytest.Fault{Latency: time.Hour, Times: 1}) // held until the client hangs up
		sent := srv.Requests("Capture")
		cmd := exec.Command(filepath.Join(bin, "capture"), "-code", xpaytest.DemoAuthorized, "-amount", "1.00")
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		for srv.Requests("Capture") == sent { // the request has reached the sandbox
			time.Sleep(10 * time.Millisecond)
		}
		require.NoError(t, cmd.Process.Signal(sig))
		err := cmd.Wait()
		if sig != os.Kill {
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, 3, ee.ExitCode(), "%v: %s", sig, stderr.String())
		}
		open := journalEntries(t, journal, xpay.JournalOpen)
		require.Len(t, open, 1, "%v: the write is in the journal", sig)
		assert.Equal(t, "Capture", open[0].Operation)
	}
}

// A refund of an order nothing was captured of is a void, and says so.
func TestRefundSaysVoided(t *testing.T) {
	r := run(t, bin, nil, "refund", "-code", xpaytest.DemoAuthorized, "-amount", "5.00")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "voided €5.00 of "+xpaytest.DemoAuthorized)
}

// Every program's usage documents its exit statuses.
func TestUsageSaysTheExitStatuses(t *testing.T) {
	for _, args := range [][]string{{"capture", "-h"}, {"refund", "-h"}, {"settle", "-h"}, {"nightly", "-h"}, {"reports", "download", "-h"}, {"paybylink"}} {
		r := run(t, bin, nil, args[0], args[1:]...)
		assert.Equal(t, map[bool]int{true: 0, false: 2}[args[len(args)-1] == "-h"], r.code, args)
		assert.Contains(t, r.stderr, "3 a write whose outcome is\nunknown", args)
	}
}

// A failed download leaves the file it was to replace as it was, and so
// the target of a symbolic link.
func TestReportDownloadKeepsTheFileOnFailure(t *testing.T) {
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	env := []string{"XPAY_BASE_URL=" + srv.URL, "XPAY_ALIAS=" + srv.Alias(), "XPAY_SECRET=" + srv.Secret()}
	dir := t.TempDir()
	file, target, link := filepath.Join(dir, "report.csv"), filepath.Join(dir, "target.csv"), filepath.Join(dir, "link.csv")
	require.NoError(t, os.WriteFile(file, []byte("yesterday's report\n"), 0o600))
	require.NoError(t, os.WriteFile(target, []byte("another file\n"), 0o600))
	require.NoError(t, os.Symlink(target, link))

	for _, fault := range []string{"unknown id", "stall"} {
		if fault == "stall" {
			srv.InjectFault("DownloadReport", xpaytest.Fault{TruncatedBody: true})
		}
		id := map[string]string{"unknown id": "999", "stall": "1"}[fault]
		for _, out := range []string{file, link} {
			r := run(t, bin, env, "reports", "download", "-id", id, "-o", out)
			assert.Equal(t, 1, r.code, fault)
		}
	}
	b, _ := os.ReadFile(file)
	assert.Equal(t, "yesterday's report\n", string(b))
	b, _ = os.ReadFile(target)
	assert.Equal(t, "another file\n", string(b))
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 3, "no temporary file left behind")

	srv.ClearFaults()
	r := run(t, bin, env, "reports", "download", "-id", "1", "-o", file)
	require.Equal(t, 0, r.code, r.stderr)
	b, _ = os.ReadFile(file)
	assert.Contains(t, string(b), "codiceTransazione;importo")
}

// The nightly job prints each difference between the ledger, XPay's
// orders and the report, and exits 1 when there is any.
func TestNightly(t *testing.T) {
	r := run(t, bin, nil, "nightly")
	assert.Equal(t, 1, r.code, r.stderr)
	for _, want := range []string{
		"3 orders at XPay, 3 in the report",
		"NIGHT-0002: amount €35.00 in the ledger, €30.00 at XPay",
		"NIGHT-0003: at XPay (€45.50, Negato), not in the ledger",
		"NIGHT-0004: in the ledger, not at XPay",
		"3 differences.",
	} {
		assert.Contains(t, r.stdout, want)
	}
	assert.NotContains(t, r.stdout, "NIGHT-0005", "an order of another day")

	ledger := filepath.Join(t.TempDir(), "ledger.csv")
	require.NoError(t, os.WriteFile(ledger, []byte("codiceTransazione;importo;stato\nNIGHT-0001;1200;Autorizzato\nNIGHT-0002;3000;Contabilizzato\nNIGHT-0003;4550;Negato\n"), 0o600))
	r = run(t, bin, nil, "nightly", "-ledger", ledger)
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "Everything agrees.")

	// An order booked twice is a difference, whatever the amounts.
	require.NoError(t, os.WriteFile(ledger, []byte("codiceTransazione;importo;stato\nNIGHT-0001;1200;Autorizzato\nNIGHT-0001;9999;Autorizzato\nNIGHT-0002;3000;Contabilizzato\nNIGHT-0003;4550;Negato\n"), 0o600))
	r = run(t, bin, nil, "nightly", "-ledger", ledger)
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "NIGHT-0001: 2 times in the ledger (€12.00, €99.99)")
	assert.Contains(t, r.stdout, "1 differences.")
}

// The README's main command: with no credentials, a narrated life cycle
// against the in-process sandbox.
func TestQuickstart(t *testing.T) {
	dir := bin
	r := run(t, dir, nil, "quickstart")
	require.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	for _, want := range []string{
		"running against an in-process XPay sandbox",
		"1. Create a Pay-by-Link link", "/paybylink/",
		"esito=OK", "MAC verified, €125.00 paid at", "Autorizzato, €125.00",
		"the order is now Contabilizzato Parz.", "the order is now Rimborsato Parz.",
		"CONTAB.  €80.00", "STORNO   €30.00", "Done.",
	} {
		assert.Contains(t, r.stdout, want)
	}

	// With credentials for an unreachable host it says where it goes, and
	// fails in one line.
	r = run(t, dir, []string{"XPAY_ALIAS=ALIAS_WEB_1", "XPAY_SECRET=x", "XPAY_BASE_URL=http://127.0.0.1:1"}, "quickstart")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "Running against http://127.0.0.1:1")
	assert.Contains(t, r.stderr, "error: xpay: CreatePayByLink")
}

// The settling story settles a lost capture either way, and says it did
// not happen only once it no longer can. Its clocks move only when read,
// so no machine is too slow for it.
func TestSettleExample(t *testing.T) {
	for lost, want := range map[string]string{
		"after":  "it DID happen: do not send it again",
		"before": "it did NOT happen, and no longer can",
		"late":   "it DID happen: do not send it again",
	} {
		r := run(t, bin, nil, "settle", "-lost", lost)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "outcome unknown", lost)
		assert.Contains(t, r.stdout, "recorded in the journal before it was sent", lost)
		assert.Contains(t, r.stdout, want, lost)
		assert.Contains(t, r.stdout, "1 settled, 0 still unknown, 0 for a person", lost)
		if lost == "before" {
			assert.Contains(t, r.stdout, "OWED: Capture")
			assert.Contains(t, r.stdout, "Sending the capture that is owed again, under the same key:\ncaptured €20.00")
		}
	}
	r := run(t, bin, nil, "settle", "-lost", "sometime")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "want after, before or late")
}

// The payment loop, offline: link, payment, verified notification,
// verified return, capture; and a refusal.
func TestPayByLinkLoop(t *testing.T) {
	r := run(t, bin, nil, "paybylink", "loop", "-code", "PBL-LOOP-9", "-amount", "120.00")
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{
		"the shop's urlPost endpoint verified XPay's notification: PBL-LOOP-9 OK, 120.00 EUR",
		"the return URL is verified: PBL-LOOP-9 OK, 120.00 EUR", "captured (idOperazione",
	} {
		assert.Contains(t, r.stdout, want)
	}
	r = run(t, bin, nil, "paybylink", "loop", "-refuse")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "message (not signed): Autorizzazione negata")
	assert.Contains(t, r.stdout, "not paid: nothing to capture")
}

// cmd/xpay-sandbox serves the sandbox to other processes, with the faults
// its flags inject, and refuses what it cannot use.
func TestSandboxCommand(t *testing.T) {
	dir := bin
	for args, msg := range map[string][]string{
		"unexpected argument": {"extra"}, "-alias must be": {"-alias", ""}, "-secret must not be empty": {"-secret", ""},
		"unknown operation": {"-fault", "Captur:reset"}, "-group must not be empty": {"-group", ""},
		"a fault misbehaves in one way, not reset and wrongmac": {"-fault", "Capture:reset,wrongmac"},
		"bogus is not a notification fault kind":                {"-fault", "Notification:bogus"},
		"want a host name, such as sandbox":                     {"-control-host", "sandbox:8080"},
	} {
		out, err := exec.Command(filepath.Join(dir, "xpay-sandbox"), append([]string{"-addr", "127.0.0.1:0"}, msg...)...).CombinedOutput()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "%v", msg)
		assert.Equal(t, 2, exit.ExitCode())
		assert.Contains(t, string(out), args)
	}

	cmd := exec.Command(filepath.Join(dir, "xpay-sandbox"), "-addr", "127.0.0.1:0", "-fault", "Capture:unsignedko=50,times=1", "-group", "GRP_PROVA",
		"-fault", "Notification:drop")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	var env []string
	group := ""
	lines := bufio.NewScanner(stdout)
	for group == "" && lines.Scan() { // the process's end ends the scan
		if v, ok := strings.CutPrefix(lines.Text(), "export "); ok {
			env = append(env, v)
		}
		if v, ok := strings.CutPrefix(lines.Text(), "CF/PAN group code (codiceGruppo): "); ok {
			group = v
		}
	}
	require.Len(t, env, 3, "the command prints XPAY_BASE_URL, XPAY_ALIAS and XPAY_SECRET")
	require.Equal(t, "GRP_PROVA", group, "and the group code, as -group set it")
	r := run(t, dir, env, "controls", "cfpan-check", "-taxcode", xpaytest.DemoTaxCode, "-hashpan", xpaytest.DemoHashPAN, "-group", group)
	assert.Equal(t, 0, r.code, r.stderr)
	r = run(t, dir, env, "order", "-code", xpaytest.DemoCaptured)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Contabilizzato")
	r = run(t, dir, append(env, "XPAY_PENDING_DIR="+t.TempDir()), "capture", "-code", xpaytest.DemoAuthorized, "-amount", "1.00")
	assert.Equal(t, 3, r.code, "an unsigned KO may be forged: the outcome is unknown")
	assert.Contains(t, r.stderr, "KO 50", "the -fault flag reached the sandbox")
	assert.Contains(t, r.stderr, "outcome unknown")
}

// A client in another language (Python's standard library, no xpay) drives
// the sandbox command: the control API seeds an order, injects a lost
// capture, reads the requests log, pays and cancels links, notifies a
// server of its own, moves the clock and resets; its XPay calls are signed
// and checked with the MAC formulas of docs/sandbox.md.
func TestSandboxControlAPIFromPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	require.NoError(t, err, "python3 is needed: .ci/run installs it")
	cmd := exec.Command(filepath.Join(bin, "xpay-sandbox"), "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	env := map[string]string{}
	control := ""
	lines := bufio.NewScanner(stdout)
	for control == "" && lines.Scan() {
		if kv, ok := strings.CutPrefix(lines.Text(), "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		if v, ok := strings.CutPrefix(lines.Text(), "control API: "); ok {
			control = v
		}
	}
	require.Equal(t, env["XPAY_BASE_URL"]+xpaytest.ControlPrefix, control, "the command prints the control API")
	out, err := exec.Command(python, filepath.Join("testdata", "sandbox_client.py"), env["XPAY_BASE_URL"], env["XPAY_ALIAS"], env["XPAY_SECRET"]).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "ok\n", string(out))
}

// The command closes connections that never finish their headers, after
// -read-header-timeout. The minute is a hang guard: only the server can
// end the read.
func TestSandboxCommandClosesSlowConnections(t *testing.T) {
	cmd := exec.Command(filepath.Join(bin, "xpay-sandbox"), "-addr", "127.0.0.1:0", "-read-header-timeout", "50ms")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var base string
	lines := bufio.NewScanner(stdout)
	for base == "" && lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "export XPAY_BASE_URL="); ok {
			base = v
		}
	}
	require.NotEmpty(t, base)
	for range 20 {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		require.NoError(t, err)
		defer c.Close()
		_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: sandbox\r\n")
		require.NoError(t, err)
		require.NoError(t, c.SetReadDeadline(time.Now().Add(time.Minute)))
		_, err = io.Copy(io.Discard, c)
		var ne net.Error
		assert.False(t, errors.As(err, &ne) && ne.Timeout(), "the connection stayed open")
	}
}
