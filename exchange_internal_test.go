package xpay

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTimers is a clock for the client timeout that moves only when the
// test says, so that no test of a timeout depends on the machine's speed.
// resets receives a value each time a stream's watchdog arms the timer.
type fakeTimers struct {
	mu      sync.Mutex
	t       time.Time
	pending []*fakeTimer
	resets  chan struct{}
}

type fakeTimer struct {
	ft    *fakeTimers
	at    time.Time
	f     func()
	armed bool
}

func newFakeTimers() *fakeTimers {
	return &fakeTimers{t: time.Unix(1718611200, 0), resets: make(chan struct{}, 1024)}
}

func (ft *fakeTimers) timers() timers { return timers{now: ft.now, afterFunc: ft.afterFunc} }

func (ft *fakeTimers) now() time.Time {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.t
}

func (ft *fakeTimers) afterFunc(d time.Duration, f func()) timer {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	tm := &fakeTimer{ft: ft, at: ft.t.Add(d), f: f, armed: true}
	ft.pending = append(ft.pending, tm)
	return tm
}

func (tm *fakeTimer) Reset(d time.Duration) bool {
	tm.ft.mu.Lock()
	was := tm.armed
	tm.at, tm.armed = tm.ft.t.Add(d), true
	tm.ft.mu.Unlock()
	tm.ft.resets <- struct{}{}
	if d <= 0 {
		tm.ft.advance(0)
	}
	return was
}

func (tm *fakeTimer) Stop() bool {
	tm.ft.mu.Lock()
	defer tm.ft.mu.Unlock()
	was := tm.armed
	tm.armed = false
	return was
}

// advance moves the clock by d and fires the timers that are due.
func (ft *fakeTimers) advance(d time.Duration) {
	ft.mu.Lock()
	ft.t = ft.t.Add(d)
	var due []func()
	for _, tm := range ft.pending {
		if tm.armed && !tm.at.After(ft.t) {
			tm.armed = false
			due = append(due, tm.f)
		}
	}
	ft.mu.Unlock()
	for _, f := range due {
		f()
	}
}

func fakeTimedClient(t *testing.T, baseURL string, ft *fakeTimers) *Client {
	t.Helper()
	c, err := NewClient(testAlias, testSecret, WithBaseURL(baseURL), WithTimeout(time.Second),
		WithClock(func() time.Time { return time.UnixMilli(1718611200000) }))
	require.NoError(t, err)
	c.timers = ft.timers()
	return c
}

var watchdogReq = &ListOrdersRequest{Period: DateRange{From: Date{2024, 6, 1}, To: Date{2024, 6, 17}}, Channel: ChannelAll}

// The time the caller spends with a streamed order, or in its writer, is
// not the server's: ten times the client timeout of it ends nothing. The
// clock of the timeout moves only in the loop body, so nothing here
// depends on how fast the machine is.
func TestStreamsDoNotCountTheCallersTime(t *testing.T) {
	t.Parallel()
	body := `{"esito":"OK","idOperazione":"80310247","timeStamp":1718611207819,"report":[{"codiceTransazione":"A"},{"codiceTransazione":"B"},{"codiceTransazione":"C"}],"mac":"3343ce76bdea20089cddb0d81c58c2e7990f1d05"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "text/csv")
			for range 3 {
				_, _ = w.Write([]byte("riga;1\n"))
				w.(http.Flusher).Flush()
			}
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	ft := newFakeTimers()
	c := fakeTimedClient(t, srv.URL, ft)

	var codes []string
	for o, err := range c.Orders(context.Background(), watchdogReq) {
		require.NoError(t, err)
		codes = append(codes, o.TransactionCode)
		ft.advance(10 * time.Second)
	}
	assert.Equal(t, []string{"A", "B", "C"}, codes)

	w := &advancingWriter{ft: ft}
	_, err := c.DownloadReport(context.Background(), "1", w)
	require.NoError(t, err)
	assert.Equal(t, "riga;1\nriga;1\nriga;1\n", w.String())
}

type advancingWriter struct {
	bytes.Buffer
	ft *fakeTimers
}

func (w *advancingWriter) Write(p []byte) (int, error) {
	w.ft.advance(10 * time.Second)
	return w.Buffer.Write(p)
}

// A stream whose server stops sending ends once the watchdog has waited
// the client timeout: the test moves the clock as soon as the watchdog
// arms it, and never before, so the error is the stall's.
func TestStalledStreamsEndWithTheWatchdog(t *testing.T) {
	t.Parallel()
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		_, _ = w.Write([]byte(`{"report":[`)[:1]) // "{", then nothing
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	for _, name := range []string{"Orders", "DownloadReport"} {
		ft := newFakeTimers()
		c := fakeTimedClient(t, srv.URL, ft)
		done := make(chan error, 1)
		go func() {
			if name == "DownloadReport" {
				_, err := c.DownloadReport(context.Background(), "1", &bytes.Buffer{})
				done <- err
				return
			}
			var last error
			for _, err := range c.Orders(context.Background(), watchdogReq) {
				last = err
			}
			done <- last
		}()
		go func() {
			for range ft.resets { // each time the watchdog waits for the server, let the timeout pass
				ft.advance(time.Second)
			}
		}()
		select {
		case err := <-done:
			require.ErrorIs(t, err, context.DeadlineExceeded, name)
			assert.True(t, strings.Contains(err.Error(), "the answer stalled"), "%s: %v", name, err)
		case <-time.After(time.Minute): // a hang guard, not a measurement
			t.Fatalf("%s: a stalled stream did not end", name)
		}
		close(ft.resets)
	}
}
