package xpay_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// Under concurrency the default transport reuses its connections: 32
// workers open no more than 32 connections. (Go's own default keeps only
// two idle connections per host, and churns: see BENCHMARKS.md.) A count,
// not a time.
//
// The first round of requests is held at the server until all are in
// flight, so that the pool fills without a hand-over race: while it is
// still filling, net/http may dial for a request that an idle connection
// then serves, and keep the extra connection (seen as 33 for 32 workers in
// a few cold starts). Once the pool holds a connection per worker, no
// request dials.
func TestConnectionsNoMoreThanWorkers(t *testing.T) {
	t.Parallel()
	const workers, calls = 32, 25
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	defer srv.Close()
	srv.InjectFault("GetOrder", xpaytest.Fault{Latency: 100 * time.Millisecond, Times: workers})
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
	assert.LessOrEqual(t, srv.Connections(), workers, "new TCP connections for %d workers", workers)
	assert.Positive(t, srv.Connections())
}
