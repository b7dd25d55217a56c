package xpaytest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FastClock returns a clock that runs speed times faster than the real
// one from origin on: at origin it reads origin. Processes given the same
// origin and speed read the same time, so that a sandbox, its clients and
// the services of a drill share minutes that pass in seconds: XPay's 5
// minutes of timeStamp freshness, and the settle window, pass speed times
// faster. Pass it to WithClock, and to xpay.WithClock.
func FastClock(origin time.Time, speed int) func() time.Time {
	return func() time.Time {
		return origin.Add(time.Since(origin) * time.Duration(speed))
	}
}

// ParseClock reads a FastClock written as ORIGIN*SPEED, ORIGIN in
// milliseconds since the Unix epoch: "1781000000000*20". It is how
// cmd/xpay-sandbox's -clock flag, and the example programs' XPAY_CLOCK,
// take one.
func ParseClock(s string) (func() time.Time, error) {
	o, k, ok := strings.Cut(s, "*")
	origin, err1 := strconv.ParseInt(o, 10, 64)
	speed, err2 := strconv.Atoi(k)
	if !ok || err1 != nil || err2 != nil || speed < 1 {
		return nil, fmt.Errorf("xpaytest: clock %q: want ORIGIN*SPEED, ORIGIN in epoch milliseconds and SPEED a whole number from 1, such as %d*20", s, time.Now().UnixMilli())
	}
	return FastClock(time.UnixMilli(origin), speed), nil
}
