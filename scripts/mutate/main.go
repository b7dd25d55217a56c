// Command mutate is mutation testing of the money-critical code (the MAC,
// the envelope, the request path, retries, Settle, the order walk and the
// payment result, and the decoder, which alone checks that an answer is
// JSON): it makes each one-line change below in a copy of the module, runs
// the tests of the root package and of internal/lenient, and reports
// every change that no test caught.
//
//	go run ./scripts/mutate                        # every mutation
//	go run ./scripts/mutate settle.go              # the mutations of one file
//	go run ./scripts/mutate orders.go envelope.go  # of some files
//
// A mutation whose text is not found, or that does not compile, is
// reported and not counted. It exits 1 if any mutation survived. It takes
// a few seconds a mutation, and is not part of CI.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// mutation replaces the first occurrence of from, in file, with to.
type mutation struct{ file, from, to string }

var mutations = []mutation{
	{"mac.go", `if len(mac) != len(got) {`, `if len(mac) < 20 {`},
	{"mac.go", `return subtle.ConstantTimeCompare(got[:], want[:]) == 1`, `return subtle.ConstantTimeCompare(got[:20], want[:20]) == 1`},
	{"mac.go", `b = append(b, '=')`, `b = append(b, ':')`},
	{"mac.go", `return []Field{{"esito", esito}, {"idOperazione", operationID}, {"timeStamp", timeStamp}}`, `return []Field{{"esito", esito}, {"timeStamp", timeStamp}, {"idOperazione", operationID}}`},
	{"money.go", `{"divisa", string(cur)},`, `{"divisa", string(cur)}, {"x", ""},`},
	{"envelope.go", `if r.Outcome == "" {`, `if false {`},
	{"envelope.go", `case r.MAC == "" && op.macOptional && (`, `case r.MAC == "" && (`},
	{"envelope.go", `if op.notFoundEmpty && detail.Code == CodeNotFound {`, `if detail.Code == CodeNotFound {`},
	{"envelope.go", `case at.Before(sent.Add(-c.freshness)):`, `case !at.After(sent.Add(-c.freshness)):`},
	{"envelope.go", `case at.After(now.Add(c.freshness)):`, `case at.After(now.Add(c.freshness + time.Millisecond)):`},
	{"envelope.go", `case "OK":
		return nil`, `case "OK", "ok":
		return nil`},
	{"envelope.go", `how = "unsigned and so not verified"`, `return nil`},
	{"pipeline.go", `case !op.write, errors.As(err, &apiErr):`, `case !op.write, errors.As(err, &apiErr), errors.Is(err, ErrInvalidMAC):`},
	{"pipeline.go", `case errors.As(err, &ns):`, `case errors.As(err, &ns) && false:`},
	{"pipeline.go", `if op.write || ctx.Err() != nil {`, `if ctx.Err() != nil {`},
	{"pipeline.go", `return errors.Is(respErr.Err, errNotEnvelope) && (s >= 500 || s == http.StatusTooManyRequests)`, `return errors.Is(respErr.Err, errNotEnvelope) && (s >= 400 || s == http.StatusTooManyRequests)`},
	{"pipeline.go", `return errors.Is(respErr.Err, errNotEnvelope) && (s >= 500 || s == http.StatusTooManyRequests)`, `return s >= 500 || s == http.StatusTooManyRequests`},
	{"pipeline.go", `case errors.As(err, &apiErr):
		return false`, `case errors.As(err, &apiErr):
		return true`},
	{"exchange.go", `mayHaveSent := !gotConnAsked.Load() || wroteHeaders.Load()`, `mayHaveSent := wroteHeaders.Load()`},
	{"exchange.go", `mayHaveSent := !gotConnAsked.Load() || wroteHeaders.Load()`, `mayHaveSent := !gotConnAsked.Load()`},
	{"pipeline.go", `}, func() bool { return out.n > 0 })`, `}, func() bool { return false })`},
	{"body.go", `if int64(len(raw)) > c.maxBody {`, `if int64(len(raw)) > c.maxBody+1 {`},
	{"exchange.go", `if s := x.resp.StatusCode; s >= 300 && s < 400 {`, `if s := x.resp.StatusCode; s > 300 && s < 400 {`},
	{"exchange.go", `if s := x.resp.StatusCode; s >= 300 && s < 400 {`, `if s := x.resp.StatusCode; s >= 300 && s < 303 {`},
	{"body.go", `if lead, _ := body.Peek(64); status/100 != 2 || firstByte(lead) == '{' {`, `if lead, _ := body.Peek(64); firstByte(lead) == '{' {`},
	{"body.go", `case err == nil:
					return c.untrusted(op, status, head, errors.New("an XPay envelope instead of the file"))`, `case err == nil:
					return nil`},
	{"exchange.go", `if err := ctx.Err(); err != nil {
		return 0, sent, notSent{err}`, `if err := ctx.Err(); err != nil {
		return 0, sent, err`},
	{"exchange.go", `return nil, c.lost(ctx, op, x.cause(err), mayHaveSent)`, `return nil, c.lost(ctx, op, x.cause(err), mayHaveSent && false)`},
	{"pipeline.go", `}, func() bool { return delivered })`, `}, func() bool { return delivered && false })`},
	{"body.go", `case errors.Is(err, lenient.ErrTooLarge):`, `case false:`},
	{"options.go", `return d/2 + rand.N(d/2+1)`, `return rand.N(d/2 + 1)`},
	{"options.go", `if n < 30 && p.base<<n < p.cap {`, `if n < 30 {`},
	{"pipeline.go", `if err = sleep(ctx, wait); err != nil {
			break
		}`, `time.Sleep(wait)`},
	{"orders.go", `case len(o.Details) == 0:`, `case false:`},
	{"orders.go", `if len(o.Details) == 0 {`, `if false {`},
	{"orders.go", `from = to.AddDays(1)`, `from = to`},
	{"orders.go", `to := from.AddDays(MaxOrderPeriodDays - 1)`, `to := from.AddDays(MaxOrderPeriodDays)`},
	{"orders.go", `last := !to.time().Before(req.Period.To.time())`, `last := to.time().After(req.Period.To.time())`},
	{"orders.go", `case r.Period.From.AddDays(MaxOrderPeriodDays - 1).time().Before(r.Period.To.time()):`, `case r.Period.From.AddDays(MaxOrderPeriodDays).time().Before(r.Period.To.time()):`},
	{"payment.go", `if !verifyMAC(string(c.creds().secret), fields, macs[0]) {`, `if !verifyMAC(string(c.creds().secret), fields[1:], macs[0]) {`},
	{"payment.go", `if len(macs) != 1 {`, `if len(macs) == 0 {`},
	{"payment.go", `if f.Value == "" && f.Name != "codAut" {`, `if f.Value == "" && false {`},
	{"payment.go", `func (r *PaymentResult) Paid() bool { return r.Outcome == PaymentOutcomeOK }`, `func (r *PaymentResult) Paid() bool { return r.Outcome != PaymentOutcomeKO }`},
	{"payment.go", `c.refuseNotification(w, r, http.StatusForbidden, err)
			return`, `c.refuseNotification(w, r, http.StatusForbidden, err)`},
	// The decoder checks JSON as it decodes: nothing checks it before.
	{"internal/lenient/scan.go", `default: // a control character
			return 0, false, ErrSyntax`, `default: // a control character`},
	{"internal/lenient/scan.go", `case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':`, `case '"', '\\', '/', 'b', 'f', 'n', 'r', 't', 'x':`},
	{"internal/lenient/scan.go", `|| !isHex(s[j+4]) {`, `{`},
	{"internal/lenient/scan.go", `(v-ones*0x20)&^v`, `(v-ones*0x1f)&^v`},
	{"internal/lenient/scan.go", `case s[i] == '0':
		i++`, `case s[i] == '0':
		i = skipDigits(s, i+1)`},
	{"internal/lenient/scan.go", `if end := i + len(lit); end <= len(s) && s[i:end] == lit {`, `if end := i + len(lit); end <= len(s) && s[i] == lit[0] {`},
	{"internal/lenient/scan.go", `if depth++; depth > MaxDepth {`, `if depth++; false {`},
	{"internal/lenient/decode.go", `if skipSpace(data, end) != len(data) {`, `if skipSpace(data, end) > len(data) {`},
	{"internal/lenient/scan.go", `case ',':
			if depth == 1 {`, `case ',':
			if depth >= 1 {`},
	{"internal/lenient/walk.go", `if sc.tooDeep {`, `if false {`},
	{"internal/lenient/walk.go", `sc := scanner{maxDepth: MaxDepth - depth}`, `sc := scanner{maxDepth: MaxDepth}`},
	{"internal/lenient/walk.go", `if int64(end) > room {`, `if int64(end) > room+1 {`},
	{"body.go", `grown = min(4*int64(cap(b)), length+1)`, `grown = length + 1`},
	{"body.go", `grown = min(4*int64(cap(b)), length+1)`, `grown = 2 * int64(cap(b))`},
	// A body cut inside an escape, read past its end, panics.
	{"internal/lenient/scan.go", `if j+4 >= len(s) ||`, `if j+4 > len(s) ||`},
	// Any byte in place of the colon after a key.
	{"internal/lenient/decode.go", `if i >= len(data) || data[i] != ':' {`, `if i >= len(data) {`},
	{"internal/lenient/scan.go", `if i = skipSpace(s, end); i >= len(s) || s[i] != ':' {`, `if i = skipSpace(s, end); i >= len(s) {`},
	// The room around a streamed list, per member instead of together.
	{"internal/lenient/walk.go", `room := w.limit - w.outside`, `room := w.limit`},
	// An over-cap body that announced its length, read as cut short.
	{"body.go", `if length > 0 && int64(len(b)) < length && int64(len(b)) < limit {`, `if length > 0 && int64(len(b)) < length {`},
	// Freshness measured from the wrong moment, or not at all.
	{"envelope.go", `case at.Before(sent.Add(-c.freshness)):`, `case at.Before(now.Add(-c.freshness)):`},
	{"envelope.go", `case at.After(now.Add(c.freshness)):`, `case at.After(sent.Add(c.freshness)):`},
	{"envelope.go", `return fmt.Errorf("%w: %v", ErrStaleResponse, err)`, `return nil`},
	// Nothing found is a KO: a verified OK with errore 2 is an answer.
	{"envelope.go", `return r.Outcome == "KO" && r.Error != nil && r.Error.Code == CodeNotFound`, `return r.Error != nil && r.Error.Code == CodeNotFound`},
	// Orders ends at the first error.
	{"orders.go", `if !yield(o, err) || err != nil {`, `if !yield(o, err) {`},
	// The decoder's decisions: a key claimed twice, a field set twice, a
	// value kept or refused, keys in another case after the exact ones.
	{"internal/lenient/decode.go", `if o.named&(1<<f) != 0 {`, `if false {`},
	{"internal/lenient/decode.go", `if o.set&(1<<sf.field) != 0 {`, `if false {`},
	{"internal/lenient/decode.go", `if Rejects(err) {`, `if false {`},
	{"internal/lenient/decode.go", `if _, dup := o.extra[key]; dup {`, `if false {`},
	{"internal/lenient/decode.go", `if ok && exact {`, `if ok && (exact || true) {`},
	{"internal/lenient/decode.go", `if err == ErrNotObject {
			err = ErrElement`, `if false {
			err = ErrElement`},
	{"internal/lenient/decode.go", `if digits == "" && fv.Type().PkgPath() != "" {`, `if digits == "" {`},
	{"internal/lenient/decode.go", `if escaped { // an escaped key: use its text`, `if escaped && false { // an escaped key: use its text`},
	{"internal/lenient/decode.go", `if d.budget -= int64(n); d.budget < 0 {`, `if d.budget -= int64(n); false {`},
	{"internal/lenient/decode.go", `if bytes.IndexByte(k, '\\') < 0 {`, `if true {`},
	{"internal/lenient/fields.go", `g < len(si.fields) && si.fields[g].name == key {`, `g < len(si.fields) {`},
	{"internal/lenient/fields.go", `return ok && si.fields[f].field == want`, `return ok && (si.fields[f].field == want || true)`},
}

func main() {
	only := map[string]bool{}
	for _, f := range os.Args[1:] {
		only[f] = true
	}
	work, err := os.MkdirTemp("", "xpay-mutate")
	check(err)
	defer os.RemoveAll(work)
	files, err := exec.Command("git", "ls-files").Output()
	check(err)
	for _, f := range strings.Fields(string(files)) {
		b, err := os.ReadFile(f)
		check(err)
		check(os.MkdirAll(filepath.Join(work, filepath.Dir(f)), 0o755))
		check(os.WriteFile(filepath.Join(work, f), b, 0o644))
	}

	killed, survived, invalid := 0, 0, 0
	for _, m := range append(mutations, settleMutations...) {
		if len(only) > 0 && !only[m.file] {
			continue
		}
		path := filepath.Join(work, m.file)
		orig, err := os.ReadFile(path)
		check(err)
		label := fmt.Sprintf("%s: %s -> %s", m.file, firstLine(m.from), firstLine(m.to))
		if !bytes.Contains(orig, []byte(m.from)) {
			fmt.Println("NOT FOUND ", label)
			invalid++
			continue
		}
		check(os.WriteFile(path, bytes.Replace(orig, []byte(m.from), []byte(m.to), 1), 0o644))
		switch {
		case run(work, "go", "build", "./"+filepath.Dir(m.file)) != nil:
			fmt.Println("NO BUILD  ", label)
			invalid++
		case run(work, "go", append([]string{"test", "-count=1", "-timeout=5m"}, packages(m.file)...)...) == nil:
			fmt.Println("SURVIVED  ", label)
			survived++
		default:
			fmt.Println("killed    ", label)
			killed++
		}
		check(os.WriteFile(path, orig, 0o644))
	}
	total := killed + survived
	score := 0
	if total > 0 {
		score = 100 * killed / total
	}
	fmt.Printf("mutations: %d killed of %d (%d%%), %d survived, %d not applicable\n", killed, total, score, survived, invalid)
	if survived > 0 {
		os.RemoveAll(work) // os.Exit skips the deferred removal
		os.Exit(1)
	}
}

// packages are the packages whose tests must catch a mutation of file:
// the root package's, the decoder's and the journal's, the journal's for
// sqljournal, and an example's own and the examples' for an example.
func packages(file string) []string {
	switch dir := filepath.Dir(file); {
	case strings.HasPrefix(dir, "examples/"):
		return []string{"-run", "TestSettle|TestExamples|TestAKilled|TestNightly|TestContract", "./" + dir, "./examples"}
	case dir == "sqljournal":
		return []string{"./sqljournal"}
	}
	return []string{".", "./internal/lenient", "./sqljournal"} // the journaled Client's tests are sqljournal's
}

func run(dir string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	return cmd.Run()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(2)
	}
}
