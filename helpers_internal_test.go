package xpay

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The credentials and timeStamp of the API reference's examples.
const (
	testAlias  = "ALIAS_WEB_00000000"
	testSecret = "CHIAVE_SEGRETA_DI_ESEMPIO_NON_VALIDA"
	testTS     = "1718611200000"
)

// Fuzz targets sit beside the code they fuzz. CI runs each for a few
// seconds (.ci/run); a longer run:
//
//	go test -run '^$' -fuzz '^FuzzDecodeEnvelope$' -fuzztime 5m .
//
// Seeds are the recorded answers in testdata plus testdata/fuzz.

// addFixtureSeeds adds every fixture, followed by the arguments more.
func addFixtureSeeds(f *testing.F, more ...any) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]any{b}, more...)...)
	}
}

// The fuzz targets' client reads answers as if its request was signed at
// fuzzSent, the time the fixtures were recorded.
var fuzzSent = time.UnixMilli(1718611200000)

func fuzzClient(f *testing.F) *Client {
	c, err := NewClient(testAlias, testSecret, WithClock(func() time.Time { return fuzzSent }))
	if err != nil {
		f.Fatal(err)
	}
	return c
}
