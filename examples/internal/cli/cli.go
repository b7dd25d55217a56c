// Package cli holds what the example programs share: choosing the XPay
// host, the journal every write goes through, printing results for people
// or as JSON, and failing in one line.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/filejournal"
	"github.com/xpaygo/xpay/xpaytest"
)

// Target is where a program sends its requests.
type Target struct {
	Client *xpay.Client
	// Sandbox is the in-process sandbox, when no credentials are set.
	Sandbox *xpaytest.Server
	// Where describes the host, for people.
	Where string
	// Journal is where the Client records its writes before sending them.
	Journal *filejournal.Journal
	// Now is the Client's clock: time.Now, or XPAY_CLOCK's.
	Now func() time.Time

	cleanup []func()
}

// Close stops the in-process sandbox, if any, and removes its journal.
func (t *Target) Close() {
	if t.Sandbox != nil {
		t.Sandbox.Close()
		t.Sandbox = nil
	}
	for _, f := range t.cleanup {
		f()
	}
	t.cleanup = nil
}

// Fail closes t and fails as Fail does: deferred calls do not run on exit.
func (t *Target) Fail(err error) {
	t.Close()
	Fail(err)
}

// Connect reads XPAY_ALIAS and XPAY_SECRET, with XPAY_ENV (test or
// production) or XPAY_BASE_URL. Without credentials it starts an
// in-process sandbox seeded with demo data. The Client journals its
// writes in JournalDir (see WithJournal): a program killed in the middle
// of one, by SIGKILL too, leaves it there for examples/settle. For drills,
// XPAY_CLOCK gives the Client a clock that runs fast, shared with a
// sandbox started with the same -clock (xpaytest.ParseClock).
func Connect() *Target { return ConnectWith(nil, nil) }

// ConnectWith is Connect with options for the Client and, when it starts
// one, for the sandbox.
func ConnectWith(opts []xpay.Option, sandbox []xpaytest.Option) *Target {
	t := &Target{Now: time.Now}
	alias, secret := os.Getenv("XPAY_ALIAS"), os.Getenv("XPAY_SECRET")
	dir := JournalDir()
	if alias == "" && secret == "" && os.Getenv("XPAY_JOURNAL") == "" {
		// The sandbox's state ends with the process: so does its journal.
		tmp, err := os.MkdirTemp("", "xpay-journal")
		if err != nil {
			Fail(err)
		}
		dir = tmp
		t.cleanup = append(t.cleanup, func() { _ = os.RemoveAll(tmp) })
	}
	j, err := filejournal.Open(dir)
	if err != nil {
		Fail(err)
	}
	t.Journal = j
	opts = append([]xpay.Option{xpay.WithJournal(j, Owner())}, opts...)
	if c := os.Getenv("XPAY_CLOCK"); c != "" {
		now, err := xpaytest.ParseClock(c)
		if err != nil {
			BadUsage(fmt.Errorf("XPAY_CLOCK: %w", err))
		}
		t.Now = now
		opts = append([]xpay.Option{xpay.WithClock(now)}, opts...)
	}
	if alias == "" && secret == "" {
		srv := xpaytest.NewServer(append([]xpaytest.Option{xpaytest.WithDemoData()}, sandbox...)...)
		t.Client, t.Sandbox, t.Where = srv.Client(opts...), srv, "an in-process XPay sandbox at "+srv.URL
		return t
	}
	c, err := xpay.NewClientFromEnv(opts...)
	if err != nil {
		BadUsage(err)
	}
	t.Client, t.Where = c, "XPay test ("+c.BaseURL()+")"
	switch {
	case os.Getenv("XPAY_BASE_URL") != "":
		t.Where = c.BaseURL()
	case os.Getenv("XPAY_ENV") == "production":
		t.Where = "XPay PRODUCTION (" + c.BaseURL() + ")"
	}
	return t
}

// JournalDir is the journal's directory: $XPAY_JOURNAL, or xpay-journal
// in the working directory.
func JournalDir() string {
	if d := os.Getenv("XPAY_JOURNAL"); d != "" {
		return d
	}
	return "xpay-journal"
}

// Owner names this process in the journal: host and process id.
func Owner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// Context is the context of a program's work: it ends on SIGINT or
// SIGTERM, so that a write in flight ends as an unknown outcome, left
// open in the journal, instead of the process dying in the middle.
func Context() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// The exit statuses of every example program. A script must not send a
// write again on ExitUnknown: settle it first.
const (
	ExitFailed  = 1 // it failed, and changed nothing: XPay refused, a read failed, or nothing was sent
	ExitUsage   = 2 // a flag or argument is wrong: nothing was sent
	ExitUnknown = 3 // a write may or may not have happened: it stays open in the journal until examples/settle settles it
	ExitOwed    = 4 // examples/settle: a write settled as not done is still owed: send it again, or drop it
)

// ExitStatuses is the paragraph each program's usage ends with.
const ExitStatuses = `Exit status: 0 done; 1 failed and changed nothing (XPay refused, a read
failed, or nothing was sent); 2 bad usage; 3 a write whose outcome is
unknown: it may have happened, so never send it again before settling it:
it stays open in the journal ($XPAY_JOURNAL, default xpay-journal) until
"go run ./examples/settle -resume" settles it; 4 (settle) a write settled
as not done is still owed: send it again with its -key, or drop it.`

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

// Done reports whether err says that the write with the idempotency key
// is already done, having said so: the program has nothing more to do.
func Done(err error, key string) bool {
	if !errors.Is(err, xpay.ErrWriteDone) {
		return false
	}
	fmt.Printf("already done: the journal holds the write with key %q as done, so it was not sent again\n", key)
	return true
}

// Fail prints err on one line to standard error and exits with
// ExitFailed. For a write whose outcome is unknown it says where the
// journal keeps it and what to do, and exits with ExitUnknown.
func Fail(err error) {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintln(os.Stderr, "error:", msg)
	var unknown *xpay.OutcomeUnknownError
	if !errors.As(err, &unknown) {
		os.Exit(ExitFailed)
	}
	b, _ := json.Marshal(unknown.Write)
	fmt.Fprintln(os.Stderr, "pending write:", string(b))
	fmt.Fprintf(os.Stderr, "it stays open in the journal %s: do not send it again; settle it with\n\tgo run ./examples/settle -resume\n", JournalDir())
	os.Exit(ExitUnknown)
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
	ctx, stop := Context()
	defer stop()
	res, err := cmd.Run(ctx, t)
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
