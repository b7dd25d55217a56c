package xpaytest_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay/xpaytest"
)

// partialHeaders opens n connections to addr that send the start of a
// request and never finish its headers.
func partialHeaders(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		_, err = io.WriteString(c, "POST /ecomm/api/bo/situazioneOrdine HTTP/1.1\r\nHost: sandbox\r\nX-Slow: ")
		require.NoError(t, err)
		conns[i] = c
	}
	return conns
}

// requireClosedByServer reads c until the server closes it. The minute is
// a hang guard, not a measurement: only the server's header timeout can
// end the read.
func requireClosedByServer(t *testing.T, c net.Conn) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(time.Minute)))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if err != nil && assert.ErrorAs(t, err, &ne) {
		assert.False(t, ne.Timeout(), "the server kept a connection with unfinished headers open")
	}
}

// Connections that never finish their headers are closed, instead of
// piling up for as long as the client likes.
func TestServerClosesConnectionsWithUnfinishedHeaders(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithReadHeaderTimeout(50 * time.Millisecond))
	t.Cleanup(srv.Close)
	for _, c := range partialHeaders(t, strings.TrimPrefix(srv.URL, "http://"), 50) {
		requireClosedByServer(t, c)
	}
}

// A request body over 1 MiB is not read whole: the sandbox answers KO 50
// and closes the connection.
func TestServerCapsRequestBodies(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer()
	t.Cleanup(srv.Close)
	body := `{"apiKey":"` + strings.Repeat("A", 2<<20) + `"}`
	resp, err := http.Post(srv.URL+"/ecomm/api/bo/situazioneOrdine", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"codice":50`)
	assert.Contains(t, string(b), "request body too large")
	assert.True(t, resp.Close, "the connection is closed")
}
