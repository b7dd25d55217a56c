package xpay

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The default transport speaks TLS 1.2 or newer and checks the
// certificate. Nothing here depends on the machine's speed: the client
// timeout and the transport's handshake timeout are off, since a
// handshake on a busy machine (an RSA signature, under the race detector)
// can take longer than either, and the test is of what is refused, not
// of how fast.
func TestDefaultTransportRequiresVerifiedTLS12(t *testing.T) {
	t.Parallel()
	ok, err := os.ReadFile("testdata/situazioneOrdine-ok.json")
	require.NoError(t, err)
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(ok) })
	get := func(c *Client) error {
		_, err := c.GetOrder(context.Background(), &GetOrderRequest{TransactionCode: "ORD-2024-000123"})
		return err
	}
	// client returns a Client with the default transport, trusting srv's
	// certificate when trust is set.
	client := func(srv *httptest.Server, trust bool) *Client {
		c, err := NewClient(testAlias, testSecret, WithBaseURL(srv.URL), WithClock(func() time.Time { return time.UnixMilli(1718611200000) }), WithTimeout(0))
		require.NoError(t, err)
		tr := c.http.Transport.(*http.Transport)
		assert.Equal(t, uint16(tls.VersionTLS12), tr.TLSClientConfig.MinVersion)
		assert.False(t, tr.TLSClientConfig.InsecureSkipVerify)
		tr.TLSHandshakeTimeout = 0
		if trust {
			pool := x509.NewCertPool()
			pool.AddCert(srv.Certificate())
			tr.TLSClientConfig.RootCAs = pool
		}
		return c
	}

	modern := httptest.NewTLSServer(handler)
	defer modern.Close()
	require.NoError(t, get(client(modern, true)), "TLS 1.2+ with a trusted certificate works")
	assert.ErrorContains(t, get(client(modern, false)), "certificate", "an untrusted certificate is refused")

	old := httptest.NewUnstartedServer(handler)
	old.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	old.StartTLS()
	defer old.Close()
	assert.ErrorContains(t, get(client(old, true)), "protocol version", "TLS 1.1 is refused")
}
