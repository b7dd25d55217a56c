package xpay

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Option configures a Client. An Option that is given a bad value makes
// NewClient fail.
type Option func(*Client) error

// WithEnvironment selects XPay's test or production installation.
func WithEnvironment(env Environment) Option {
	return func(c *Client) error {
		u := env.BaseURL()
		if u == "" {
			return fmt.Errorf("unknown environment %d", int(env))
		}
		c.baseURL = u
		return nil
	}
}

// WithBaseURL sends requests to rawURL instead of an XPay environment, for
// example to an xpaytest sandbox. It must be an absolute https URL, or an
// http one to a loopback address (localhost, 127.0.0.0/8, ::1), such as a
// sandbox on this machine; plain http to any other host needs
// WithInsecureHTTP too. It must carry no user information (user:password@):
// XPay authenticates with the MAC, and a password in the URL would show
// wherever the URL does.
func WithBaseURL(rawURL string) Option {
	return func(c *Client) error {
		u, err := url.Parse(rawURL)
		switch {
		case err == nil && u.User != nil:
			return errors.New("base URL: must not carry user information (user:password@), which would show wherever the URL does")
		case strings.Contains(rawURL, "@"):
			return errors.New("base URL: want an absolute http or https URL without query")
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
			return fmt.Errorf("base URL %q: want an absolute http or https URL without query", rawURL)
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		c.baseURL = u.String()
		return nil
	}
}

// WithInsecureHTTP lets the Client send requests in clear text, over
// plain http, to a host that is not a loopback address: a sandbox on
// another host of a test network, say. Never use it with XPay: its MAC
// does not cover the payload, so anyone on the path could read customer
// data and rewrite what XPay answers, an order's captures included, which
// fools Settle.
func WithInsecureHTTP() Option {
	return func(c *Client) error {
		c.insecureHTTP = true
		return nil
	}
}

// checkTransport refuses a plain http base URL to a host that is not a
// loopback address, unless WithInsecureHTTP allows it.
func (c *Client) checkTransport() error {
	u, err := url.Parse(c.baseURL)
	if err != nil || u.Scheme != "http" || c.insecureHTTP || isLoopback(u.Hostname()) {
		return err
	}
	return fmt.Errorf("base URL %s: plain http to %s, which is not a loopback address, would send requests and answers in clear text, "+
		"where anyone on the path can read them and rewrite the answers (XPay's MAC does not cover them): use https, "+
		"or, for a sandbox on a test network, WithInsecureHTTP", c.baseURL, u.Hostname())
}

// isLoopback reports whether host names this machine: localhost, or an
// address in 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// WithHTTPClient makes the Client send requests through a copy of hc, for
// a proxy, custom TLS or instrumentation. hc itself is never changed, and
// neither is http.DefaultClient. The copy follows no redirects, whatever
// hc.CheckRedirect says: a redirect answer is a *ResponseError.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("HTTP client is nil")
		}
		cp := *hc
		c.http = &cp
		return nil
	}
}

// WithTimeout bounds each call (DefaultTimeout unless set): from sending
// the request to reading the whole answer or, for the calls that stream
// (Orders, DownloadReport), to the answer's headers; after those,
// a stream ends with an error once it has kept the Client waiting for d
// without delivering 32 KiB, so that it can stall or crawl for no longer
// than d per 32 KiB, while a fast transfer goes on as long as it lasts.
// Time the caller spends with a streamed item does not count. Zero leaves
// the bound to the caller's context; a negative duration is an error.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d < 0 {
			return fmt.Errorf("timeout %v is negative", d)
		}
		c.timeout = d
		return nil
	}
}

// retryPolicy says how reads are retried. The zero value never retries.
type retryPolicy struct {
	max       int
	base, cap time.Duration
}

// WithRetry tries reads (each method's documentation says whether it is
// one) up to maxRetries more times when the network fails, the client
// timeout expires, or a proxy answers 5xx or 429 without an XPay envelope;
// a streamed read (Orders, DownloadReport) only until something of
// its answer has reached the caller. The n-th retry waits a random time
// between half and all of min(baseDelay·2ⁿ, maxDelay), and stops at once
// if the context ends. Every attempt has a fresh timeStamp and MAC.
//
// Writes are never retried, and neither are KO answers or answers that
// cannot be trusted (a bad MAC, a stale timeStamp, a redirect). Retries
// are off by default.
func WithRetry(maxRetries int, baseDelay, maxDelay time.Duration) Option {
	return func(c *Client) error {
		if maxRetries < 0 || baseDelay <= 0 || maxDelay < baseDelay {
			return fmt.Errorf("retry: want maxRetries >= 0 and 0 < baseDelay <= maxDelay, got %d, %v, %v", maxRetries, baseDelay, maxDelay)
		}
		c.retry = retryPolicy{max: maxRetries, base: baseDelay, cap: maxDelay}
		return nil
	}
}

// delay is the wait before retry n (0 for the first retry).
func (p retryPolicy) delay(n int) time.Duration {
	d := p.cap
	if n < 30 && p.base<<n < p.cap {
		d = p.base << n
	}
	return d/2 + rand.N(d/2+1)
}

// WithMaxResponseSize caps the size of an answer's body in bytes
// (DefaultMaxResponseSize unless set): a larger answer fails with a
// *ResponseError. Orders, which holds one order at a time, applies it to
// each order and to everything around the list together, not to the list:
// a list of any length streams, bounded in time by the client timeout and
// the caller's context. DownloadReport streams a report file of any size;
// the cap applies to an envelope in its place.
func WithMaxResponseSize(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return fmt.Errorf("max response size %d is not positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithUserAgent sets the User-Agent header of every request: printable
// ASCII, since a header cannot hold a line break or other controls.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		if ua == "" {
			return errors.New("user agent is empty")
		}
		for i := 0; i < len(ua); i++ {
			if ua[i] < 0x20 || ua[i] > 0x7e {
				return fmt.Errorf("user agent %q: byte %d is not printable ASCII: no request could carry it", ua, i)
			}
		}
		c.userAgent = []string{ua}
		return nil
	}
}

// WithLogger logs one line per call to l: the operation, the masked alias,
// the HTTP status, esito, idOperazione and the duration at Debug level,
// failures at Warn. The secret key, the MAC and request bodies are never
// logged. Without this option the Client is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		c.logger = l
		return nil
	}
}

// WithFreshness sets how far the timeStamp of a signed answer may stand
// from the request's (DefaultFreshness unless set): an answer stamped more
// than d before the request was signed, or more than d after the Client
// reads it, is refused as a replay with an error matching
// ErrStaleResponse. It must be positive.
func WithFreshness(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("freshness %v is not positive", d)
		}
		c.freshness = d
		return nil
	}
}

// WithClock replaces time.Now as the source of request timestamps, and of
// the time that answers' timestamps are checked against, for tests that
// need fixed MACs.
func WithClock(now func() time.Time) Option {
	return func(c *Client) error {
		if now == nil {
			return errors.New("clock is nil")
		}
		c.now = now
		return nil
	}
}
