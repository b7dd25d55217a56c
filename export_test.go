package xpay

import (
	"context"
	"time"
)

// For the tests of package xpay_test: the API reference's services, by
// Client method, and whether each is a write.
func SpecOperations() map[string]bool {
	ops := map[string]bool{}
	for _, s := range specTable {
		ops[s.svc.name] = s.write
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
		ops[s.svc.name] = s.svc.notFoundEmpty
	}
	return ops
}
