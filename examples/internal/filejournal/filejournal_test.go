package filejournal_test

import (
	"testing"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/examples/internal/filejournal"
	"github.com/xpaygo/xpay/journaltest"
)

func TestContract(t *testing.T) {
	journaltest.Run(t, func(t *testing.T) func() xpay.Journal {
		dir := t.TempDir()
		return func() xpay.Journal {
			j, err := filejournal.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			return j
		}
	})
}
