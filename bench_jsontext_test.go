//go:build jsontext

// The reference of BenchmarkListOrders100k: encoding/json/jsontext and
// encoding/json/v2, standard from Go 1.27 and behind GOEXPERIMENT=jsonv2
// in Go 1.26. Built only with -tags jsontext, so that the module keeps its
// Go version; scripts/bench.sh sets both.

package xpay_test

import (
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"io"
)

func init() {
	streamJSONText = func(r io.Reader) (int, error) {
		dec := jsontext.NewDecoder(r)
		if _, err := dec.ReadToken(); err != nil { // {
			return 0, err
		}
		n := 0
		for dec.PeekKind() == '"' {
			key, err := dec.ReadToken()
			if err != nil {
				return n, err
			}
			if key.String() != "report" {
				if err := dec.SkipValue(); err != nil {
					return n, err
				}
				continue
			}
			if _, err := dec.ReadToken(); err != nil { // [
				return n, err
			}
			for dec.PeekKind() != ']' {
				var o plainOrder
				if err := jsonv2.UnmarshalDecode(dec, &o); err != nil {
					return n, err
				}
				n++
			}
			if _, err := dec.ReadToken(); err != nil { // ]
				return n, err
			}
		}
		_, err := dec.ReadToken() // }
		return n, err
	}
}
