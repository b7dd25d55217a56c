package xpaytest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// Every way of seeding state says what it refused, in an error, the same
// way: a value XPay would refuse, or one already there.
func TestSeedingRefusesWhatXPayWould(t *testing.T) {
	t.Parallel()
	srv := xpaytest.NewServer(xpaytest.WithDemoData())
	t.Cleanup(srv.Close)
	for name, err := range map[string]error{
		"order code":           srv.AddOrder(xpaytest.Order{Code: "X", Amount: 100}),
		"order twice":          srv.AddOrder(xpaytest.Order{Code: xpaytest.DemoAuthorized, Amount: 100}),
		"order amount":         srv.AddOrder(xpaytest.Order{Code: "ORD-ZERO", Amount: 0}),
		"contract number":      srv.AddContract(xpaytest.Contract{}),
		"contract twice":       srv.AddContract(xpaytest.Contract{Number: xpaytest.DemoContract}),
		"blacklist kind":       srv.AddToBlacklist("Email", "a@example.com", ""),
		"blacklist value":      srv.AddToBlacklist(xpay.ValueTypeTaxCode, "", ""),
		"blacklist twice":      srv.AddToBlacklist(xpay.ValueTypeTaxCode, xpaytest.DemoBlacklisted, ""),
		"cfpan without a cf":   srv.AddCFPAN("", xpaytest.DemoHashPAN, "203012"),
		"cfpan expiry":         srv.AddCFPAN(xpaytest.DemoTaxCode, "HASH-2", "12/30"),
		"cfpan twice":          srv.AddCFPAN(xpaytest.DemoTaxCode, xpaytest.DemoHashPAN, "203012"),
		"warning code":         srv.AddWarning("X", "message"),
		"warning message":      srv.AddWarning("ORD-1", ""),
		"seeding a seeded one": srv.Seed(),
	} {
		assert.Error(t, err, name)
	}
	for name, err := range map[string]error{
		"blacklist":  srv.AddToBlacklist(xpay.ValueTypeContractNumber, "CNT-NEW-1", "nuovo"),
		"cfpan":      srv.AddCFPAN(xpaytest.DemoTaxCode, "HASH-2", "203012"),
		"warning":    srv.AddWarning("ORD-1", "message"),
		"order":      srv.AddOrder(xpaytest.Order{Code: "ORD-NEW-1", Amount: 100, CreatedAt: time.Now()}),
		"an account": srv.AddContract(xpaytest.Contract{Number: "CNT-NEW-1"}),
	} {
		assert.NoError(t, err, name)
	}
	_, err := srv.AddReport("Giornaliero", time.Time{})
	require.ErrorContains(t, err, "needs the time")
}
