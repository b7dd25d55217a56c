package xpay

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

const (
	version = "0.1.0"

	// DefaultTimeout bounds each call, from sending the request to reading
	// the whole answer, unless WithTimeout says otherwise.
	DefaultTimeout = 30 * time.Second

	// DefaultMaxResponseSize caps the body of an answer, streamed or not,
	// so that a runaway server or proxy cannot exhaust memory.
	DefaultMaxResponseSize = 32 << 20

	// DefaultFreshness is how far a signed answer's timeStamp may stand
	// from the request's, unless WithFreshness says otherwise. XPay refuses
	// requests more than 5 minutes old, so the clocks already agree that
	// closely.
	DefaultFreshness = 5 * time.Minute
)

// Environment is an XPay installation.
type Environment int

// XPay's environments. EnvironmentTest is the default.
const (
	EnvironmentTest       Environment = iota // https://int-ecommerce.nexi.it/
	EnvironmentProduction                    // https://ecommerce.nexi.it/
)

// BaseURL returns the environment's base URL, ending in a slash.
func (e Environment) BaseURL() string {
	switch e {
	case EnvironmentTest:
		return "https://int-ecommerce.nexi.it/"
	case EnvironmentProduction:
		return "https://ecommerce.nexi.it/"
	}
	return ""
}

// Client calls the XPay back-office API for one alias. It is safe for
// concurrent use, and holds no state that changes after NewClient. Create
// it with NewClient: the zero Client fails every call.
type Client struct {
	// creds is a func so that nothing that prints values field by field
	// (fmt, which cannot ask an unexported field how to print itself, or a
	// diff in a test) can reach the alias or the key: a func prints as an
	// address, whatever the verb, inside a Client value or anything
	// holding one.
	creds     func() *credentials
	baseURL   string
	http      *http.Client
	timeout   time.Duration
	freshness time.Duration
	retry     retryPolicy
	maxBody   int64
	userAgent []string // the User-Agent header's value, shared by every request
	logger    *slog.Logger
	now       func() time.Time
	timers    timers
	pauseHook func(ctx context.Context, d time.Duration) error // Settle's waits, for tests
	journal   Journal                                          // WithJournal
	owner     string                                           // this Client's name in the journal

	insecureHTTP bool // WithInsecureHTTP
}

// credentials are the alias and the MAC key.
type credentials struct {
	alias       string
	aliasJSON   []byte // the alias as a JSON string, for the request body
	fingerprint string // AliasFingerprint's
	secret      secret
}

// secret is the MAC key. Nothing prints it: it lives behind creds, a
// func, which every fmt verb prints as an address.
type secret string

// NewClient returns a Client for the alias (apiKey) and secret key (chiave
// segreta, the MAC key) Nexi assigned to the terminal. Back-office calls
// must use the alias that processed the transaction: recurring payments
// have an alias of their own.
func NewClient(alias, secretKey string, opts ...Option) (*Client, error) {
	switch {
	case alias == "":
		return nil, errors.New("xpay: NewClient: alias is empty")
	case len(alias) > 30:
		return nil, errors.New("xpay: NewClient: alias is longer than 30 characters")
	case secretKey == "":
		return nil, errors.New("xpay: NewClient: secret key is empty")
	}
	aliasJSON, _ := json.Marshal(alias)
	fp := sha256.Sum256([]byte("xpay alias\x00" + alias))
	c := &Client{
		creds:     sealed(&credentials{alias: alias, aliasJSON: aliasJSON, fingerprint: hex.EncodeToString(fp[:8]), secret: secret(secretKey)}),
		baseURL:   EnvironmentTest.BaseURL(),
		timeout:   DefaultTimeout,
		freshness: DefaultFreshness,
		timers:    realTimers,
		maxBody:   DefaultMaxResponseSize,
		userAgent: []string{"xpay-go/" + version},
		now:       time.Now,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, fmt.Errorf("xpay: NewClient: %w", err)
		}
	}
	if err := c.checkTransport(); err != nil {
		return nil, fmt.Errorf("xpay: NewClient: %w", err)
	}
	if c.http == nil {
		c.http = &http.Client{Transport: newTransport()}
	}
	// XPay never redirects. Following one would resend a signed write, to
	// another host or in clear, or take an old answer from elsewhere as
	// this call's. c.http is the Client's own copy, so the caller's
	// *http.Client keeps its policy.
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// NewClientFromEnv returns a Client configured by the environment, as
// services and scripts are: XPAY_ALIAS and XPAY_SECRET (both required),
// XPAY_ENV (test, the default, or production) and XPAY_BASE_URL (another
// host, such as a sandbox, instead of XPAY_ENV's; see WithBaseURL), with
// XPAY_INSECURE_HTTP=1 for plain http to a host that is not this machine
// (see WithInsecureHTTP). opts come after those settings, and so win.
func NewClientFromEnv(opts ...Option) (*Client, error) {
	alias, secret := os.Getenv("XPAY_ALIAS"), os.Getenv("XPAY_SECRET")
	switch {
	case alias == "":
		return nil, errors.New("xpay: NewClientFromEnv: XPAY_ALIAS is not set")
	case secret == "":
		return nil, errors.New("xpay: NewClientFromEnv: XPAY_SECRET is not set")
	}
	var env []Option
	switch e := os.Getenv("XPAY_ENV"); e {
	case "", "test":
	case "production":
		env = append(env, WithEnvironment(EnvironmentProduction))
	default:
		return nil, fmt.Errorf("xpay: NewClientFromEnv: XPAY_ENV is %q: want test or production", e)
	}
	if u := os.Getenv("XPAY_BASE_URL"); u != "" {
		env = append(env, WithBaseURL(u))
	}
	if os.Getenv("XPAY_INSECURE_HTTP") == "1" {
		env = append(env, WithInsecureHTTP())
	}
	return NewClient(alias, secret, append(env, opts...)...)
}

// BaseURL returns the base URL the Client sends requests to.
func (c *Client) BaseURL() string {
	if c.usable("") != nil {
		return ""
	}
	return c.baseURL
}

// AliasFingerprint returns 16 hexadecimal digits that name the Client's
// alias without showing it: what a PendingWrite records of the alias that
// sent it, since an order is known only to the alias that made it. It is
// "" on a nil or zero Client.
func (c *Client) AliasFingerprint() string {
	if c.usable("") != nil {
		return ""
	}
	return c.creds().fingerprint
}

// sealed returns a func that returns k.
func sealed(k *credentials) func() *credentials { return func() *credentials { return k } }

// errUnusable is the error of every call on a nil or zero Client.
var errUnusable = errors.New("the Client is nil or was not made by NewClient")

// usable reports an error unless c was made by NewClient.
func (c *Client) usable(op string) error {
	if c == nil || c.creds == nil {
		return fmt.Errorf("xpay: %s: %w", op, errUnusable)
	}
	return nil
}

// newTransport is the default transport: TLS 1.2 or newer with certificate
// checks, and enough idle connections per host that concurrent callers
// reuse them instead of opening new ones.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// String describes the Client with its alias masked and without the key.
func (c *Client) String() string {
	if c.usable("") != nil {
		return "xpay.Client{unusable: not made by NewClient}"
	}
	return fmt.Sprintf("xpay.Client{alias: %s, baseURL: %s}", maskAlias(c.creds().alias), c.baseURL)
}

// GoString is String, so that %#v shows no secret either.
func (c *Client) GoString() string { return c.String() }

// maskAlias keeps only the ends of an alias, enough to tell terminals apart.
func maskAlias(a string) string {
	if len(a) <= 8 {
		return strings.Repeat("*", len(a))
	}
	return a[:4] + strings.Repeat("*", len(a)-8) + a[len(a)-4:]
}

// CloseIdleConnections closes the connections the Client keeps open for
// reuse. The Client stays usable. It does nothing on a nil or zero Client.
func (c *Client) CloseIdleConnections() {
	if c.usable("") == nil {
		c.http.CloseIdleConnections()
	}
}
