package xpay_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// Under concurrency the default transport reuses its connections: 32
// workers making 800 calls open a few dozen connections at most, where Go's
// own default transport, which keeps two idle connections per host,
// churns through hundreds (see BENCHMARKS.md, which also reports the exact
// count per worker). A count, not a time, and phrased so that no
// scheduling can break it: while the pool fills, net/http may dial for a
// request that an idle connection then serves, and keeps the extra one,
// so the exact "one per worker" is a benchmark figure, not an assertion.
func TestConnectionsAreReused(t *testing.T) {
	t.Parallel()
	const workers, calls = 32, 25
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	c := srv.Client()
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, workers*calls)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				_, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoCaptured})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, workers*calls, srv.Requests("GetOrder"))
	assert.LessOrEqual(t, srv.Connections(), workers*calls/4, "new TCP connections for %d calls", workers*calls)
	assert.Positive(t, srv.Connections())
}
