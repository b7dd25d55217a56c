package xpay

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The n-th retry waits between half and all of min(base·2ⁿ, cap): never
// less, so that clients that failed together do not come back together
// at once, and never more.
func TestRetryDelayBounds(t *testing.T) {
	t.Parallel()
	p := retryPolicy{max: 5, base: 100 * time.Millisecond, cap: time.Second}
	for n, d := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second} {
		low, high := d, time.Duration(0)
		for range 1000 {
			w := p.delay(n)
			low, high = min(low, w), max(high, w)
		}
		assert.GreaterOrEqual(t, low, d/2, "retry %d", n)
		assert.LessOrEqual(t, high, d, "retry %d", n)
		assert.Greater(t, high-low, d/4, "retry %d: the wait is spread over the range", n)
	}
	w := p.delay(62) // base·2⁶² overflows: the cap holds
	assert.True(t, w >= p.cap/2 && w <= p.cap, "%v", w)
}
