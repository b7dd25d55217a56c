//go:build !unix

package filejournal

import "sync"

var mu sync.Mutex

// lock serializes this process's changes. Where the system has no flock,
// run one example program at a time on a journal.
func lock(string) (unlock func(), err error) {
	mu.Lock()
	return mu.Unlock, nil
}
