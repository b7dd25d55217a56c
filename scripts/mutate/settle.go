package main

// settleMutations flip each comparison, boundary and branch of Settle,
// which alone decides whether a write may be sent again, of the journal,
// which decides whether one is sent at all, and of the settle example,
// whose exit status a script acts on.
var settleMutations = []mutation{
	{"errors.go", `const SettleWindow = 6 * time.Minute`, `const SettleWindow = 5 * time.Minute`},
	{"settle.go", `deadline := w.Sent.Add(SettleWindow)`, `deadline := w.Sent.Add(SettleWindow / 2)`},
	{"settle.go", `over := !started.Before(deadline)`, `over := true`},
	{"settle.go", `over := !started.Before(deadline)`, `over := started.After(deadline)`},
	{"settle.go", `over = over && !at.Before(deadline)`, `over = over || !at.Before(deadline)`},
	{"settle.go", `over = over && !at.Before(deadline)`, `_ = at`},
	{"settle.go", `		if r != nil { // a verified answer, fresh: r.Timestamp parses`, `		if false {`},
	{"settle.go", `		case err == nil && happened:
			return true, nil`, `		case err == nil && happened:
			return false, nil`},
	{"settle.go", `		case err == nil:
			if over {
				return false, nil
			}`, `		case err == nil:
			return false, nil`},
	{"settle.go", `		case errors.Is(err, ErrSettleAmbiguous):
			return false, err`, `		case false:
			return false, err`},
	{"settle.go", `		case r != nil && errors.Is(err, errNoReading):
			if over {`, `		case r != nil && errors.Is(err, errNoReading):
			if true {`},
	{"settle.go", `		case r != nil && errors.Is(err, errNoReading):
			if over {
				return false, fmt.Errorf("xpay: Settle: the outcome is still unknown: %w", err)`, `		case r != nil && errors.Is(err, errNoReading):
			if over {
				return false, nil`},
	{"settle.go", `		case !started.Before(deadline):
			return false, fmt.Errorf`, `		case false:
			return false, fmt.Errorf`},
	{"settle_rules.go", `	if r != nil && (err == nil || errors.As(err, &apiErr)) {`, `	if r != nil && (err == nil || errors.As(err, &apiErr) || true) {`},
	{"settle_rules.go", `	return errors.As(err, &apiErr) && slices.Contains(codes, apiErr.Code)`, `	return errors.As(err, &apiErr)`},
	{"settle_rules.go", `			case refusedWith(err, CodeNotFound) && w.AliasFingerprint == "":`, `			case false:`},
	{"settle_rules.go", `			case refusedWith(err, CodeNotFound): // XPay does not know the order: nothing happened to it
				return false, r, nil`, `			case refusedWith(err, CodeNotFound): // XPay does not know the order: nothing happened to it
				return true, r, nil`},
	{"settle_rules.go", `		case refusedWith(err, CodeNotFound):
			return false, r, nil
		case err != nil:`, `		case refusedWith(err, CodeNotFound):
			return true, r, nil
		case err != nil:`},
	{"settle_rules.go", `			if o := &res.Orders[i]; o.TransactionCode == w.TransactionCode {
				if found != nil {`, `			if o := &res.Orders[i]; true {
				if found != nil {`},
	{"settle_rules.go", `		case found.Amount != w.Amount:`, `		case false:`},
	{"settle_rules.go", `		case slices.Contains(chargedStates, found.State):
			return true, r, nil`, `		case !slices.Contains(unchargedStates, found.State):
			return true, r, nil`},
	{"settle_rules.go", `		case slices.Contains(unchargedStates, found.State):
			return false, r, nil`, `		case !slices.Contains(chargedStates, found.State):
			return false, r, nil`},
	{"settle_rules.go", `		case err == nil, refusedWith(err, CodeInvalidState): // regenerated, or paid: it exists`, `		case err == nil: // regenerated, or paid: it exists`},
	{"settle_rules.go", `		case refusedWith(err, CodeTransactionNotFound, CodeNotFound):
			return false, r, nil`, `		case refusedWith(err, CodeTransactionNotFound, CodeNotFound):
			return true, r, nil`},
	{"settle_rules.go", `	opDeleteContract.name:        contractRule(func(k *Contract) bool { return k == nil }),`, `	opDeleteContract.name:        contractRule(func(k *Contract) bool { return k != nil }),`},
	{"settle_rules.go", `	opEnableContract.name:        contractRule(func(k *Contract) bool { return k != nil && k.UpdateStatus == contractEnabled }),`, `	opEnableContract.name:        contractRule(func(k *Contract) bool { return k != nil }),`},
	{"settle_rules.go", `	opDisableContract.name:       contractRule(func(k *Contract) bool { return k != nil && k.UpdateStatus == contractDisabled }),`, `	opDisableContract.name:       contractRule(func(k *Contract) bool { return k != nil }),`},
	{"settle_rules.go", `			if found != nil && found.UpdateStatus != contractEnabled && found.UpdateStatus != contractDisabled {`, `			if false {`},
	{"settle_rules.go", `	opAddToBlacklist.name:        blacklistRule(true),`, `	opAddToBlacklist.name:        blacklistRule(false),`},
	{"settle_rules.go", `	opRemoveFromBlacklist.name:   blacklistRule(false),`, `	opRemoveFromBlacklist.name:   blacklistRule(true),`},
	{"settle_rules.go", `	return len(res.Associations) == 0, &res.Response, nil`, `	return len(res.Associations) != 0, &res.Response, nil`},
	{"settle_rules.go", `return is == listed, &res.Response, nil`, `return is != listed, &res.Response, nil`},
	{"settle.go", `	case w.Operation == opRegeneratePayByLink.name:`, `	case false:`},
	{"settle.go", `case w.AliasFingerprint != "" && w.AliasFingerprint != fp:`, `case false:`},
	{"settle.go", `case w.Sent.IsZero():`, `case false:`},
	{"settle.go", `case w.Sent.After(c.now().Add(c.freshness)):`, `case false:`},
	{"settle_rules.go", `	opRefund.name:                moneyRule(OperationTypeRefund),`, `	opRefund.name:                moneyRule(OperationTypeCapture),`},
	{"settle_rules.go", `if o.TransactionCode != w.TransactionCode {`, `if false {`},
	{"settle_rules.go", `if len(o.Details) == 0 {`, `if false {`},
	{"settle_rules.go", `if mine == 0 {`, `if false {`},
	{"settle_rules.go", `older := w.Sent.Add(-freshness - time.Minute)`, `older := w.Sent.Add(-freshness)`},
	{"settle.go", `case w.Sent.After(c.now().Add(c.freshness)):`, `case w.Sent.After(c.now().Add(c.freshness + time.Minute)):`},
	{"settle_rules.go", `whole := !res.Truncated()`, `whole := true`},
	{"settle_rules.go", `whole = false // a link listed without its code may be this one`, `// a link listed without its code`},
	{"settle_rules.go", `told || err != nil {`, `told || true || err != nil {`},
	{"settle_rules.go", `newer := w.Sent.Add(freshness + time.Minute)`, `newer := w.Sent.Add(freshness + 2*time.Minute)`},
	{"settle_rules.go", `if rowAfter(row.Date, newer) {`, `if false && rowAfter(row.Date, newer) {`},
	{"settle_rules.go", `return err == nil && at.After(t)`, `return err == nil && at.After(t.Add(time.Second))`},
	{"settle_rules.go", `before[key{row.Type, row.Amount, row.Date}]++`, `before[key{t, row.Amount, row.Date}]++`},
	{"settle_rules.go", `before[key{row.Type, row.Amount, row.Date}]++`, `before[key{row.Type, row.Amount, ""}]++`},
	{"settle_rules.go", `case before[k] > 0:`, `case false:`},
	{"settle_rules.go", `before[k]-- // there before the write`, `// used up: nothing`},
	{"settle_rules.go", `case row.Type != t && known(row.Type): // another kind of write`, `case row.Type != t && (known(row.Type) || true): // another kind of write`},
	{"settle_rules.go", `case unreadable:`, `case unreadable && false:`},
	{"settle_rules.go", `case row.Amount != w.Amount:`, `case false:`},
	{"settle_rules.go", `case w.Before == nil && rowBefore(row.Date, older):`, `case rowBefore(row.Date, older):`},
	{"settle_rules.go", `case rowBefore(row.Date, older):
			return false`, `case false:
			return false`},
	{"settle_rules.go", `case w.Before == nil:
			return false`, `case false:
			return false`},
	{"settle_rules.go", `case row.Type != t:
			return false`, `case false:
			return false`},
	{"settle_rules.go", `		if n > 0 {
			return false, fmt.Errorf("%w: PendingWrite.Before holds`, `		if n > 1 {
			return false, fmt.Errorf("%w: PendingWrite.Before holds`},
	{"settle_rules.go", `if matching > 1 {`, `if matching > 2 {`},
	{"settle_rules.go", `if later := at.Add(time.Hour); sameClock(later, at) {`, `if later := at.Add(time.Hour); false {`},
	{"settle_rules.go", `at = at.AddDate(0, 0, 1)`, `at = at.AddDate(0, 0, 0)`},
	{"settle_rules.go", `at = at.Add(time.Second)`, `at = at.Add(0)`},
	{"settle_rules.go", `return at.Add(-time.Nanosecond).Before(t)`, `return at.Before(t)`},
	{"settle_rules.go", `if err != nil {
		return false
	}
	if later`, `if err != nil {
		return true
	}
	if later`},
	{"orders.go", `	ops := []Operation{}
	for _, d := range o.Details {`, `	var ops []Operation
	for _, d := range o.Details {`},
	{"journal.go", `out, err = c.exchange(ctx, op, req, newResult, sent)`, `out, err = c.exchange(ctx, op, req, newResult, c.now())`},
	{"journal.go", `if late := c.now().Sub(sent); late >= SendWindow {`, `if late := c.now().Sub(sent); late > SendWindow {`},
	{"journal.go", `if late := c.now().Sub(sent); late >= SendWindow {`, `if late := c.now().Sub(sent); false && late >= SendWindow {`},
	{"journal.go", `LeaseUntil: sent.Add(SettleWindow), Updated: sent,`, `LeaseUntil: sent, Updated: sent,`},
	{"journal.go", `	if e.IdempotencyKey == "" {
		e.IdempotencyKey = e.ID
	}`, ``},
	{"journal.go", `	c.closeEntry(ctx, op, e, err)
	return out, err`, `	return out, err`},
	{"journal.go", `	case err == nil:
		u.State = JournalDone`, `	case err == nil:
		u.State = JournalNotDone`},
	{"journal.go", `	case errors.As(err, &apiErr):
		u.State, u.Detail = JournalRefused, apiErr.Error()`, `	case false:
		u.State, u.Detail = JournalRefused, apiErr.Error()`},
	{"journal.go", `	case errors.Is(err, ErrOutcomeUnknown):
		return`, `	case false:
		return`},
	{"recover.go", `c.journal.Claim(ctx, fp, c.owner, now, now.Add(SettleWindow+time.Minute), recoverBatch)`, `c.journal.Claim(ctx, fp, c.owner, now, now, recoverBatch)`},
	{"recover.go", `if e.State == JournalNotSent {`, `if false && e.State == JournalNotSent {`},
	{"recover.go", `	case err == nil && happened:
		u.State, u.Detail = JournalDone,`, `	case err == nil && !happened:
		u.State, u.Detail = JournalDone,`},
	{"recover.go", `	case errors.Is(err, ErrSettleAmbiguous), errors.As(err, &ve):`, `	case errors.Is(err, ErrSettleAmbiguous) && false, errors.As(err, &ve) && false:`},
	{"recover.go", `u.State, u.LeaseUntil, u.Detail = JournalOpen, u.Now.Add(recoverRetry),`, `u.State, u.LeaseUntil, u.Detail = JournalNotDone, u.Now.Add(recoverRetry),`},
	{"recover.go", `u.State, u.LeaseUntil, u.Detail = JournalOpen, u.Now.Add(recoverRetry),`, `u.State, u.LeaseUntil, u.Detail = JournalOpen, u.Now,`},
	{"recover.go", `case e.State == JournalNotDone && !latest[e.IdempotencyKey].After(e.Sent):`, `case e.State == JournalNotDone:`},
	{"recover.go", `return e.State == JournalAttention || e.State == JournalOpen && (settled || impossible)`, `return e.State == JournalAttention || e.State == JournalOpen && (settled || impossible || true)`},
	{"recover.go", `func (c *Client) Drop(ctx context.Context, id, note string) error {
	return c.byHand(ctx, "Drop", id, JournalDropped, "dropped by hand: "+note, func(e *JournalEntry) bool { return e.State == JournalNotDone })`, `func (c *Client) Drop(ctx context.Context, id, note string) error {
	return c.byHand(ctx, "Drop", id, JournalDropped, "dropped by hand: "+note, func(e *JournalEntry) bool { return true })`},
	{"sqljournal/schema.sql", `ON xpay_journal (alias, write_key) WHERE state IN ('open', 'attention');`, `ON xpay_journal (alias, write_key) WHERE state IN ('open');`},
	{"sqljournal/schema.sql", `ON xpay_journal (alias, idempotency_key) WHERE state IN ('open', 'attention', 'done');`, `ON xpay_journal (alias, idempotency_key) WHERE state IN ('open', 'attention');`},
	{"sqljournal/journal.go", `VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`, `VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`},
	{"sqljournal/journal.go", `case err == nil && state == string(xpay.JournalDone):`, `case false:`},
	{"sqljournal/journal.go", `WHERE id = $5 AND owner = $6 AND state IN ('open', 'attention', 'not_done')`, `WHERE id = $5 AND state IN ('open', 'attention', 'not_done')`},
	{"sqljournal/journal.go", `WHERE id = $5 AND owner = $6 AND state IN ('open', 'attention', 'not_done')`, `WHERE id = $5 AND owner = $6`},
	{"sqljournal/journal.go", `WHERE xpay_journal.id = picked.id AND state = 'open' AND lease_ms <= $3`, `WHERE xpay_journal.id = picked.id`},
	{"sqljournal/journal.go", `const pick = ` + "`" + `SELECT id FROM xpay_journal WHERE alias = $4 AND state = 'open' AND lease_ms <= $3 ORDER BY lease_ms LIMIT $5` + "`", `const pick = ` + "`" + `SELECT id FROM xpay_journal WHERE alias = $4 AND state = 'open' AND lease_ms <= $3 + 60000 ORDER BY lease_ms LIMIT $5` + "`"},
	{"sqljournal/journal.go", `	if lock != "" {
		stmts = append([]string{lock}, stmts...)
	}`, `	if false && lock != "" {
		stmts = append([]string{lock}, stmts...)
	}`},
	{"examples/settle/main.go", `if !ok || next.After(deadline) || time.Now().After(stopBy) {`, `if true || !ok || next.After(deadline) || time.Now().After(stopBy) {`},
	{"examples/settle/main.go", `if !ok || next.After(deadline) || time.Now().After(stopBy) {`, `if !ok || false && next.After(deadline) || time.Now().After(stopBy) {`},
	{"examples/settle/main.go", `		status = cli.ExitOwed`, `		status = 0`},
	{"examples/settle/main.go", `fmt.Printf("FOR A PERSON: %s: %s; once decided: -resolve %s [-happened]\n", describe(e), e.Detail, e.ID)
		status = cli.ExitUnknown`, `fmt.Printf("FOR A PERSON: %s: %s; once decided: -resolve %s [-happened]\n", describe(e), e.Detail, e.ID)`},
	{"examples/settle/main.go", `fmt.Printf("STILL UNKNOWN: %s: open until %s%s\n", describe(e), e.LeaseUntil.In(xpay.Rome()).Format(time.DateTime), detail(e))
		status = cli.ExitUnknown`, `fmt.Printf("STILL UNKNOWN: %s: open until %s%s\n", describe(e), e.LeaseUntil.In(xpay.Rome()).Format(time.DateTime), detail(e))`},
	{"examples/settle/main.go", `	if status != cli.ExitOwed {
		return status
	}`, `	if status == cli.ExitOwed {
		return status
	}`},
	{"examples/nightly/main.go", `if es := src.m[code]; len(es) > 1 {`, `if es := src.m[code]; len(es) > 2 {`},
	{"examples/internal/filejournal/filejournal.go", `case holds(o.State) && (o.Key == e.Key || o.IdempotencyKey == e.IdempotencyKey):`, `case holds(o.State) && o.Key == e.Key:`},
	{"examples/internal/filejournal/filejournal.go", `if e.ID != id || e.Owner != owner || !(holds(e.State) || e.State == xpay.JournalNotDone) {`, `if e.ID != id || !(holds(e.State) || e.State == xpay.JournalNotDone) {`},
	{"examples/internal/filejournal/filejournal.go", `if e.Alias == alias && e.State == xpay.JournalOpen && !e.LeaseUntil.After(now) {`, `if e.Alias == alias && e.State == xpay.JournalOpen {`},
}
