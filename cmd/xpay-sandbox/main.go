// Command xpay-sandbox runs the xpaytest XPay sandbox as a standalone
// server, so that code in any language can be pointed at it:
//
//	go run ./cmd/xpay-sandbox -addr 127.0.0.1:8080
//
// It prints the base URL, alias and secret key to use, and serves until
// interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/xpaygo/xpay/xpaytest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	alias := flag.String("alias", xpaytest.DefaultAlias, "alias (apiKey) the sandbox accepts")
	secret := flag.String("secret", xpaytest.DefaultSecret, "secret key the sandbox signs with")
	demo := flag.Bool("demo", true, "seed demo orders, a contract, a blacklist entry, a CF/PAN pair, a warning and a report")
	headerTimeout := flag.Duration("read-header-timeout", xpaytest.DefaultReadHeaderTimeout, "how long to wait for a request's headers before closing the connection")
	flag.Parse()

	opts := []xpaytest.Option{xpaytest.WithCredentials(*alias, *secret), xpaytest.WithReadHeaderTimeout(*headerTimeout)}
	if *demo {
		opts = append(opts, xpaytest.WithDemoData())
	}
	srv, err := xpaytest.Listen(*addr, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "xpay-sandbox:", err)
		os.Exit(1)
	}
	fmt.Printf("XPay sandbox listening on %s\n\n", srv.URL)
	fmt.Printf("export XPAY_BASE_URL=%s\nexport XPAY_ALIAS=%s\nexport XPAY_SECRET=%s\n\n", srv.URL, srv.Alias, srv.Secret)
	if *demo {
		fmt.Printf("demo orders: %s (authorized), %s (captured), %s (denied); contract %s\n",
			xpaytest.DemoAuthorized, xpaytest.DemoCaptured, xpaytest.DemoDenied, xpaytest.DemoContract)
	}
	fmt.Println("Ctrl-C to stop.")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	srv.Close()
}
