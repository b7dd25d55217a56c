package xpay

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An answer whose length is announced is read into a buffer that ends at
// its size, with little on the way; one that announces more than it sends
// makes no buffer larger than four times what arrived. Not parallel: it
// measures allocation.
func TestReadAllSizesItsBuffer(t *testing.T) {
	const n = 3 << 20
	body := bytes.Repeat([]byte("x"), n)
	read := func(length int64) (RawBody, uint64) {
		var raw RawBody
		var err error
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		raw, err = readAll(bytes.NewReader(body), length, 1<<30)
		runtime.ReadMemStats(&after)
		require.NoError(t, err)
		require.Len(t, raw, n)
		return raw, after.TotalAlloc - before.TotalAlloc
	}
	_, honest := read(n)
	assert.Less(t, honest, uint64(n*3/2), "an honest 3 MiB answer: 1 MiB, then its size")
	_, unknown := read(-1)
	assert.Less(t, unknown, uint64(4*n), "an answer of unknown length")

	// An answer that announces 200 MiB and sends 3.
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	raw, err := readAll(bytes.NewReader(body), 200<<20, 1<<30)
	runtime.ReadMemStats(&after)
	assert.ErrorContains(t, err, "unexpected EOF")
	assert.Equal(t, n, len(raw), "what arrived")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4*n+readAhead), "allocated for a lying answer")
}
