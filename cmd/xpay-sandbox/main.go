// Command xpay-sandbox runs the xpaytest XPay sandbox as a standalone
// server, so that code in any language can be pointed at it:
//
//	go run ./cmd/xpay-sandbox -addr 127.0.0.1:8080
//	go run ./cmd/xpay-sandbox -fault Capture:reset,processed,times=1 -fault GetOrder:latency=2s
//
// It prints the base URL, alias, secret key and CF/PAN group to use, and
// serves until interrupted. Each -fault makes an operation misbehave as
// xpaytest.ParseFault reads it, or the payment notifications as
// "Notification:KIND,..." (xpaytest.ParseNotificationFault). The control
// API (xpaytest.ControlPrefix: seed state, inject faults, pay links, move
// the clock, read the requests and notifications, reset) is served under
// /_sandbox/ unless -control=false, to requests for localhost, a loopback
// address, the -addr host or a -control-host name, and not to web pages
// of other origins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// names is a repeatable flag of names.
type names []string

func (n *names) String() string { return strings.Join(*n, " ") }

func (n *names) Set(s string) error {
	if s == "" || strings.ContainsAny(s, ":/ ") {
		return fmt.Errorf("%q: want a host name, such as sandbox or sandbox.test", s)
	}
	*n = append(*n, s)
	return nil
}

// faults is the repeatable -fault flag.
type faults []string

func (f *faults) String() string { return strings.Join(*f, " ") }

func (f *faults) Set(s string) error {
	var err error
	if kinds, ok := strings.CutPrefix(s, "Notification:"); ok {
		_, err = xpaytest.ParseNotificationFault(kinds)
	} else {
		_, _, err = xpaytest.ParseFault(s)
	}
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "xpaytest: "))
	}
	*f = append(*f, s)
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	alias := flag.String("alias", xpaytest.DefaultAlias, "alias (apiKey) the sandbox accepts")
	secret := flag.String("secret", xpaytest.DefaultSecret, "secret key the sandbox signs with")
	group := flag.String("group", xpaytest.DefaultGroup, "group code (codiceGruppo) the CF/PAN services accept")
	demo := flag.Bool("demo", true, "seed demo orders, a contract, a blacklist entry, a CF/PAN pair, a warning and a report")
	notifyAnyHost := flag.Bool("notify-any-host", false, "deliver payment notifications to a urlPost on any host, not only to loopback addresses")
	control := flag.Bool("control", true, "serve the control API under "+xpaytest.ControlPrefix)
	maxItems := flag.Int("max-items", xpaytest.DefaultMaxItems, "how many of each kind of thing (orders, links, ...) to hold before the oldest go")
	headerTimeout := flag.Duration("read-header-timeout", xpaytest.DefaultReadHeaderTimeout, "how long to wait for a request's headers before closing the connection")
	clock := flag.String("clock", "", "a clock that runs fast, for drills: ORIGIN*SPEED, ORIGIN in epoch milliseconds (xpaytest.ParseClock); clients must share it")
	var injected faults
	flag.Var(&injected, "fault", "make an operation misbehave, as OP:KIND[=VALUE],...: e.g. Capture:reset,processed,times=1 (repeatable; one of status=N, reset, malformedjson, truncatedbody, wrongmac, missingmac, unsignedko=N, outcome=S, redirect=N, stale=D, stall, landafter=D, with latency=D, processed, times=N); or the notifications, as Notification:KIND,... (one of drop, twice, wrongmac, with delay=D, retries=D/D/... or retries=none, times=N)")
	var controlHosts names
	flag.Var(&controlHosts, "control-host", "a name besides localhost, loopback addresses and the -addr host by which the control API may be reached, such as a container's name (repeatable)")
	flag.Parse()
	switch {
	case flag.NArg() > 0:
		fail(fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", flag.Arg(0)))
	case *alias == "" || len(*alias) > 30:
		fail(errors.New("-alias must be 1 to 30 characters"))
	case *secret == "":
		fail(errors.New("-secret must not be empty"))
	case *group == "":
		fail(errors.New("-group must not be empty"))
	}

	opts := []xpaytest.Option{xpaytest.WithCredentials(*alias, *secret), xpaytest.WithGroup(*group), xpaytest.WithReadHeaderTimeout(*headerTimeout), xpaytest.WithMaxItems(*maxItems)}
	if *demo {
		opts = append(opts, xpaytest.WithDemoData())
	}
	if *clock != "" {
		now, err := xpaytest.ParseClock(*clock)
		if err != nil {
			fail(err)
		}
		opts = append(opts, xpaytest.WithClock(now))
	}
	if *notifyAnyHost {
		opts = append(opts, xpaytest.WithNotifyAnyHost())
	}
	if *control {
		opts = append(opts, xpaytest.WithControlAPI(), xpaytest.WithControlHosts(controlHosts...))
	}
	srv, err := xpaytest.Listen(*addr, opts...)
	if err != nil {
		fail(err)
	}
	for _, s := range injected {
		_ = srv.InjectFaultText(s) // checked by the flag
	}
	fmt.Printf("XPay sandbox listening on %s\n\n", srv.URL)
	fmt.Printf("export XPAY_BASE_URL=%s\nexport XPAY_ALIAS=%s\nexport XPAY_SECRET=%s\n", srv.URL, srv.Alias(), srv.Secret())
	fmt.Printf("CF/PAN group code (codiceGruppo): %s\n", srv.Group())
	if *control {
		fmt.Printf("control API: %s%s\n", srv.URL, xpaytest.ControlPrefix)
	}
	fmt.Printf("payment page: %s/%s\n", srv.URL, xpay.PagePath)
	fmt.Println()
	if *demo {
		fmt.Printf("demo orders: %s (authorized), %s (captured), %s (denied); contract %s\n",
			xpaytest.DemoAuthorized, xpaytest.DemoCaptured, xpaytest.DemoDenied, xpaytest.DemoContract)
	}
	for _, s := range injected {
		fmt.Println("fault:", s)
	}
	fmt.Println("Ctrl-C to stop.")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	srv.Close()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "xpay-sandbox:", err)
	os.Exit(2)
}
