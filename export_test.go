package xpay

import (
	"context"
	"sync"
	"time"
)

// For the tests of package xpay_test: the API reference's services, by
// Client method, and whether each is a write.
func SpecOperations() map[string]bool {
	ops := map[string]bool{}
	for _, s := range specTable {
		ops[s.op.name] = s.write
	}
	return ops
}

// SpecService is a row of the API reference's table of services.
type SpecService struct {
	URI   string
	MAC   []string // the request MAC's fields, in order
	Write bool
}

// SpecServices returns the API reference's table of services, by Client
// method.
func SpecServices() map[string]SpecService {
	ops := map[string]SpecService{}
	for _, s := range specTable {
		ops[s.op.name] = SpecService{URI: s.uri, MAC: s.mac, Write: s.write}
	}
	return ops
}

// WithPause replaces the waits between Settle's reads, so that a test can
// move a clock instead of waiting.
func WithPause(f func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) error { c.pauseHook = f; return nil }
}

// SpecNothingFound reports, by Client method, whether XPay's "nothing
// found" is an empty answer rather than an error.
func SpecNothingFound() map[string]bool {
	ops := map[string]bool{}
	for _, s := range specTable {
		ops[s.op.name] = s.op.notFoundEmpty
	}
	return ops
}

// WithTimeoutWhen replaces the timer of the client timeout: each time the
// client arms it, when runs in a goroutine of its own, and the timeout
// fires as it returns, whatever its duration, unless the exchange ended
// first (stopped is closed then). A test of the timeout decides when it
// passes: the machine's speed cannot.
func WithTimeoutWhen(when func(stopped <-chan struct{})) Option {
	return func(c *Client) error {
		c.timers = timers{now: time.Now, afterFunc: func(_ time.Duration, f func()) timer {
			t := &whenTimer{when: when, f: f}
			t.arm()
			return t
		}}
		return nil
	}
}

// whenTimer is a timer that fires when its when returns.
type whenTimer struct {
	when func(stopped <-chan struct{})
	f    func()

	mu      sync.Mutex
	stopped chan struct{} // of the arming in force; nil when not armed
}

func (t *whenTimer) arm() {
	stopped := make(chan struct{})
	t.mu.Lock()
	t.stopped = stopped
	t.mu.Unlock()
	go func() {
		t.when(stopped)
		t.mu.Lock()
		fire := t.stopped == stopped
		if fire {
			t.stopped = nil
		}
		t.mu.Unlock()
		if fire {
			t.f()
		}
	}()
}

func (t *whenTimer) Stop() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped == nil {
		return false
	}
	close(t.stopped)
	t.stopped = nil
	return true
}

func (t *whenTimer) Reset(time.Duration) bool {
	was := t.Stop()
	t.arm()
	return was
}
