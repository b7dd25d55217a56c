//go:build unix

package xpay_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, user and system, on every
// thread: a benchmark's own work and the garbage collector's.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
