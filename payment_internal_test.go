package xpay

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A notification whose body never arrives whole is answered 408 once the
// handler's own read deadline passes: the deadline is the only way the
// read can end. Not parallel: it shortens that deadline.
func TestNotificationHandlerBoundsTheBody(t *testing.T) {
	defer func(d time.Duration) { notificationReadTimeout = d }(notificationReadTimeout)
	notificationReadTimeout = 50 * time.Millisecond
	c, err := NewClient(testAlias, testSecret)
	require.NoError(t, err)
	called := false
	srv := httptest.NewServer(c.PaymentNotificationHandler(func(context.Context, *PaymentResult) error { called = true; return nil }))
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("POST / HTTP/1.1\r\nHost: shop\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ncodTrans=O"))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(time.Minute))) // a hang guard, not a measurement
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "the handler answered before the rest of the body came")
	defer res.Body.Close()
	assert.Equal(t, http.StatusRequestTimeout, res.StatusCode)
	assert.False(t, called)
}
