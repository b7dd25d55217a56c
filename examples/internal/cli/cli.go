// Package cli holds what the example programs share: choosing the XPay
// host, printing results for people or as JSON, and failing in one line.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// Target is where a program sends its requests.
type Target struct {
	Client *xpay.Client
	// Sandbox is the in-process sandbox, when no credentials are set.
	Sandbox *xpaytest.Server
	// Where describes the host, for people.
	Where string
}

// Close stops the in-process sandbox, if any.
func (t *Target) Close() {
	if t.Sandbox != nil {
		t.Sandbox.Close()
	}
}

// Fail closes t and fails as Fail does: deferred calls do not run on exit.
func (t *Target) Fail(err error) {
	t.Close()
	Fail(err)
}

// Connect reads XPAY_ALIAS and XPAY_SECRET, with XPAY_ENV (test or
// production) or XPAY_BASE_URL. Without credentials it starts an
// in-process sandbox seeded with demo data.
func Connect() *Target { return ConnectWith(nil, nil) }

// ConnectWith is Connect with options for the Client and, when it starts
// one, for the sandbox.
func ConnectWith(opts []xpay.Option, sandbox []xpaytest.Option) *Target {
	alias, secret := os.Getenv("XPAY_ALIAS"), os.Getenv("XPAY_SECRET")
	if alias == "" && secret == "" {
		srv := xpaytest.NewServer(append([]xpaytest.Option{xpaytest.WithDemoData()}, sandbox...)...)
		return &Target{Client: srv.Client(opts...), Sandbox: srv, Where: "an in-process XPay sandbox at " + srv.URL}
	}
	c, err := xpay.NewClientFromEnv(opts...)
	if err != nil {
		BadUsage(err)
	}
	where := "XPay test (" + c.BaseURL() + ")"
	switch {
	case os.Getenv("XPAY_BASE_URL") != "":
		where = c.BaseURL()
	case os.Getenv("XPAY_ENV") == "production":
		where = "XPay PRODUCTION (" + c.BaseURL() + ")"
	}
	return &Target{Client: c, Where: where}
}

// The exit statuses of every example program. A script must not send a
// write again on ExitUnknown: settle it first.
const (
	ExitFailed  = 1 // it failed, and changed nothing: XPay refused, a read failed, or nothing was sent
	ExitUsage   = 2 // a flag or argument is wrong: nothing was sent
	ExitUnknown = 3 // a write may or may not have happened: settle it (examples/settle) before anything else
)

// ExitStatuses is the paragraph each program's usage ends with.
const ExitStatuses = `Exit status: 0 done; 1 failed and changed nothing (XPay refused, a read
failed, or nothing was sent); 2 bad usage; 3 a write whose outcome is
unknown: it may have happened, so never send it again before settling the
pending write saved under $XPAY_PENDING_DIR (default xpay-pending) with
"go run ./examples/settle -resume -dir DIR".`

func init() {
	flag.CommandLine.Usage = usage(flag.CommandLine)
}

// usage is fs's default usage, followed by the exit statuses.
func usage(fs *flag.FlagSet) func() {
	return func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage of %s:\n", fs.Name())
		fs.PrintDefaults()
		fmt.Fprintln(out)
		fmt.Fprintln(out, ExitStatuses)
	}
}

// BadUsage prints err on one line to standard error and exits with
// ExitUsage: nothing was sent.
func BadUsage(err error) {
	fmt.Fprintln(os.Stderr, "error:", strings.ReplaceAll(err.Error(), "\n", " "))
	os.Exit(ExitUsage)
}

// Fail prints err on one line to standard error and exits with
// ExitFailed. For a write whose outcome is unknown it saves the pending
// write (see SavePending), says what to do, and exits with ExitUnknown.
func Fail(err error) {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintln(os.Stderr, "error:", msg)
	var unknown *xpay.OutcomeUnknownError
	if !errors.As(err, &unknown) {
		os.Exit(ExitFailed)
	}
	b, _ := json.Marshal(unknown.Write)
	fmt.Fprintln(os.Stderr, "pending write:", string(b))
	dir := PendingDir()
	path, serr := SavePending(dir, unknown.Write)
	if serr != nil {
		fmt.Fprintln(os.Stderr, "could NOT save the pending write (keep the line above):", serr)
	} else {
		fmt.Fprintln(os.Stderr, "saved to", path)
	}
	fmt.Fprintf(os.Stderr, "do not send it again: settle it first with\n\tgo run ./examples/settle -resume -dir %s\n", dir)
	os.Exit(ExitUnknown)
}

// PendingDir is where pending writes are saved: $XPAY_PENDING_DIR, or
// xpay-pending in the working directory.
func PendingDir() string {
	if d := os.Getenv("XPAY_PENDING_DIR"); d != "" {
		return d
	}
	return "xpay-pending"
}

// SavePending stores w as a JSON file of its own in dir, and returns its
// path. The file is written whole or not at all.
func SavePending(dir string, w xpay.PendingWrite) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s-%s-%d.json", w.Operation, safeName(w.TransactionCode), w.Sent.UnixMilli())
	return filepath.Join(dir, name), WriteFileAtomic(filepath.Join(dir, name), func(f io.Writer) error {
		_, err := f.Write(append(b, '\n'))
		return err
	})
}

// safeName keeps the letters, digits, '-' and '_' of s, for a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}

// WriteFileAtomic writes path with write: into a temporary file in the
// same directory, renamed over path only once write and the file's close
// succeeded. On failure path is left as it was, whatever it is (a file, a
// symbolic link), and the temporary file is removed.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Output prints v as JSON when asJSON is set, or calls human.
func Output(asJSON bool, v any, human func(w io.Writer)) {
	if !asJSON {
		human(os.Stdout)
		return
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		Fail(err)
	}
}

// Money formats an amount in euro, for people: 12050 is "€120.50".
func Money(a xpay.Amount) string {
	if a < 0 {
		return "-€" + (-a).Decimal(xpay.CurrencyEUR)
	}
	return "€" + a.Decimal(xpay.CurrencyEUR)
}

// AmountFlag is a flag holding an amount in euro, written with its cents
// ("20.00" or "20,00"): a bare "2000" is refused, since it could mean
// cents or euro.
type AmountFlag struct{ xpay.Amount }

func (a *AmountFlag) String() string { return a.Decimal(xpay.CurrencyEUR) }

// Set parses euro with cents.
func (a *AmountFlag) Set(s string) error {
	if strings.HasPrefix(s, "-") {
		return errors.New("must not be negative")
	}
	if !strings.ContainsAny(s, ".,") {
		return fmt.Errorf("write euro with the cents, such as %s.00 (not cents)", s)
	}
	v, err := xpay.ParseAmount(s, xpay.CurrencyEUR)
	if err != nil {
		return err
	}
	a.Amount = v
	return nil
}

// DateFlag is a flag holding a day as dd/mm/yyyy.
type DateFlag struct{ xpay.Date }

func (d *DateFlag) String() string { return d.Date.String() }

// Set parses dd/mm/yyyy.
func (d *DateFlag) Set(s string) (err error) {
	d.Date, err = xpay.ParseDate(s)
	return err
}

// A Command is one thing a program does: the flags it takes, then its
// work. Each is a small type whose fields the flags fill.
type Command interface {
	// Flags declares the command's flags on fs and returns the names of
	// those that must be given.
	Flags(fs *flag.FlagSet) (required []string)
	// Run does the work, once the flags are parsed and checked.
	Run(ctx context.Context, t *Target) (Result, error)
}

// Result is what a command prints: Value as JSON with -json, or Human.
type Result struct {
	Value any
	Human func(w io.Writer)
}

// Main runs cmd with the program's arguments: its flags, -json, and no
// other argument.
func Main(cmd Command) {
	run(flag.CommandLine, os.Args[1:], cmd)
}

// Commands runs the command named by the first argument: usage lists
// them, for a wrong or missing name.
func Commands(synopsis string, cmds map[string]Command) {
	if len(os.Args) < 2 || cmds[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage:", synopsis)
		fmt.Fprintln(os.Stderr, ExitStatuses)
		os.Exit(ExitUsage)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	fs.Usage = usage(fs)
	run(fs, os.Args[2:], cmds[os.Args[1]])
}

func run(fs *flag.FlagSet, args []string, cmd Command) {
	asJSON := fs.Bool("json", false, "print the result as JSON")
	required := cmd.Flags(fs)
	_ = fs.Parse(args) // ExitOnError
	if fs.NArg() > 0 {
		BadUsage(fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", fs.Arg(0)))
	}
	Require(fs, required...)
	t := Connect()
	defer t.Close()
	res, err := cmd.Run(context.Background(), t)
	if err != nil {
		t.Fail(err)
	}
	if res.Human != nil {
		Output(*asJSON, res.Value, res.Human)
	}
}

// Require fails, naming the first, unless every named flag was given on
// the command line that fs parsed.
func Require(fs *flag.FlagSet, names ...string) {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, name := range names {
		if !given[name] {
			BadUsage(fmt.Errorf("-%s is required", name))
		}
	}
}

// ValueType returns the Set of a -type flag for a blacklist or CF/PAN
// value, which takes the values XPay sends on the wire.
func ValueType(t *xpay.ValueType) func(string) error {
	return func(s string) error {
		switch v := xpay.ValueType(s); v {
		case xpay.ValueTypeTaxCode, xpay.ValueTypeContractNumber:
			*t = v
			return nil
		}
		return fmt.Errorf("want %s or %s", xpay.ValueTypeTaxCode, xpay.ValueTypeContractNumber)
	}
}
