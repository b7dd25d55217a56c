package xpaytest

import (
	"testing"

	"github.com/xpaygo/xpay"
)

// The Server keeps Italian time in the zone xpay embeds, as the Client
// does: with or without the system's tzdata, both agree, summer time
// included (a fixed UTC+1 would be an hour off in summer).
func TestServerKeepsTheClientsZone(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	if srv.loc != xpay.Rome() {
		t.Fatalf("the Server's zone is %v, not xpay.Rome()", srv.loc)
	}
}
