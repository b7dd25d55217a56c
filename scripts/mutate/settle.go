package main

// settleMutations flip each comparison, boundary and branch of Settle,
// which alone decides whether a write may be sent again.
var settleMutations = []mutation{
	{"settle.go", `const SettleWindow = 6 * time.Minute`, `const SettleWindow = 5 * time.Minute`},
	{"settle.go", `deadline := w.Sent.Add(SettleWindow)`, `deadline := w.Sent.Add(SettleWindow / 2)`},
	{"settle.go", `over := !started.Before(deadline)`, `over := true`},
	{"settle.go", `over := !started.Before(deadline)`, `over := started.After(deadline)`},
	{"settle.go", `over = over && !at.Before(deadline)`, `over = over || !at.Before(deadline)`},
	{"settle.go", `over = over && !at.Before(deadline)`, `_ = at`},
	{"settle.go", `verified := err == nil || errors.As(err, &apiErr)`, `verified := err == nil`},
	{"settle.go", `if w.Sent.After(at.Add(c.freshness)) {`, `if false {`},
	{"settle.go", `if w.Sent.After(at.Add(c.freshness)) {`, `if w.Sent.After(at.Add(2 * c.freshness)) {`},
	{"settle.go", `case errors.Is(findErr, errNoReading):
				if over {
					return false, fmt.Errorf("xpay: Settle: the order cannot be read, the outcome is still unknown: %w", findErr)
				}`, `case errors.Is(findErr, errNoReading):
				if over {
					return false, nil
				}`},
	{"settle.go", `case happened:
				return true, nil`, `case happened:
				return false, nil`},
	{"settle.go", `case over:
				return false, nil`, `case true:
				return false, nil`},
	{"settle.go", `case apiErr != nil && apiErr.Code == CodeNotFound:`, `case apiErr != nil:`},
	{"settle.go", `if over && w.AliasFingerprint == "" {`, `if false {`},
	{"settle.go", `if over { // XPay does not know the order`, `if true { // XPay does not know the order`},
	{"settle.go", `case !started.Before(deadline):
			return false, fmt.Errorf`, `case false:
			return false, fmt.Errorf`},
	{"settle.go", `case w.AliasFingerprint != "" && w.AliasFingerprint != fp:`, `case false:`},
	{"settle.go", `case w.Sent.IsZero():`, `case false:`},
	{"settle.go", `case w.Sent.After(c.now().Add(c.freshness)):`, `case false:`},
	{"settle.go", `case w.Operation == svcRefund.name:
		t = OperationTypeRefund`, `case w.Operation == svcRefund.name:
		t = OperationTypeCapture`},
	{"settle.go", `if o.TransactionCode != w.TransactionCode {`, `if false {`},
	{"settle.go", `if len(o.Details) == 0 {`, `if false {`},
	{"settle.go", `if mine == 0 {`, `if false {`},
	{"settle.go", `older := w.Sent.Add(-freshness - time.Minute)`, `older := w.Sent.Add(-freshness)`},
	{"settle.go", `before[row{op.Type, op.Amount, op.Date}]++`, `before[row{t, op.Amount, op.Date}]++`},
	{"settle.go", `before[row{op.Type, op.Amount, op.Date}]++`, `before[row{op.Type, op.Amount, ""}]++`},
	{"settle.go", `case before[r] > 0:`, `case false:`},
	{"settle.go", `before[r]-- // there before the write`, `// used up: nothing`},
	{"settle.go", `case op.Type != t && known(op.Type): // another kind of write`, `case op.Type != t && (known(op.Type) || true): // another kind of write`},
	{"settle.go", `case unreadableAmount(op):`, `case false:`},
	{"settle.go", `case op.Amount != w.Amount:`, `case false:`},
	{"settle.go", `case w.Before == nil && rowBefore(op.Date, older):`, `case rowBefore(op.Date, older):`},
	{"settle.go", `case rowBefore(op.Date, older):
			return false`, `case false:
			return false`},
	{"settle.go", `case w.Before == nil:
			return false`, `case false:
			return false`},
	{"settle.go", `case op.Type != t:
			return false`, `case false:
			return false`},
	{"settle.go", `		if n > 0 {
			return false, fmt.Errorf("%w: PendingWrite.Before holds`, `		if n > 1 {
			return false, fmt.Errorf("%w: PendingWrite.Before holds`},
	{"settle.go", `if matching > 1 {`, `if matching > 2 {`},
	{"settle.go", `if later := at.Add(time.Hour); sameClock(later, at) {`, `if later := at.Add(time.Hour); false {`},
	{"settle.go", `at = at.AddDate(0, 0, 1)`, `at = at.AddDate(0, 0, 0)`},
	{"settle.go", `at = at.Add(time.Second)`, `at = at.Add(0)`},
	{"settle.go", `return at.Add(-time.Nanosecond).Before(t)`, `return at.Before(t)`},
	{"settle.go", `if err != nil {
		return false
	}
	if later`, `if err != nil {
		return true
	}
	if later`},
	{"capture.go", `w.Before = append([]Operation{}, before.Operations()...)`, `w.Before = before.Operations()`},
	{"capture.go", `case len(o.Details) == 0:`, `case false:`},
	{"orders.go", `	ops := []Operation{}
	for _, d := range o.Details {`, `	var ops []Operation
	for _, d := range o.Details {`},
}
