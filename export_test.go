package xpay

// For the tests of package xpay_test: the API reference's services, by
// Client method, and whether each is a write.
func SpecOperations() map[string]bool {
	ops := map[string]bool{}
	for _, s := range specTable {
		ops[s.svc.name] = s.write
	}
	return ops
}
