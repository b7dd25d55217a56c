package xpay

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Each check returns nil or a *ValidationError naming the Go field, the
// wire name and the rule. The Client fills in the operation.

// ValidationError reports a request value that breaks one of XPay's rules.
// It is returned before anything is sent. VerifyPaymentResult returns one
// for a payment result parameter that is missing or malformed.
type ValidationError struct {
	Operation string // the Client method, e.g. "Capture"
	Field     string // the Go field, e.g. "TransactionCode"
	WireName  string // the JSON name XPay uses, e.g. "codiceTransazione"
	Rule      string // what the value must be, e.g. "2 to 30 characters"
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("xpay: %s: invalid %s (%s): %s", e.Operation, e.Field, e.WireName, e.Rule)
}

func invalid(field, wire, rule string, args ...any) error {
	return &ValidationError{Field: field, WireName: wire, Rule: fmt.Sprintf(rule, args...)}
}

// firstError returns the first non-nil error, so that a validate method
// reads as the list of its rules.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkCode checks an XPay code field: codiceTransazione, numeroContratto
// and the like. XPay documents only the length; the characters are held to
// printable ASCII, because a byte-counting server and a character-counting
// client disagree on anything else.
func checkCode(field, wire, v string, shortest, longest int) error {
	if n := len(v); n < shortest || n > longest {
		if shortest == longest {
			return invalid(field, wire, "must be %d characters, got %d", shortest, n)
		}
		return invalid(field, wire, "must be %d to %d characters, got %d", shortest, longest, n)
	}
	return checkPrintable(field, wire, v)
}

// checkOptionalCode is checkCode for a field that may be left empty.
func checkOptionalCode(field, wire, v string, longest int) error {
	if v == "" {
		return nil
	}
	return checkCode(field, wire, v, 1, longest)
}

func checkPrintable(field, wire, v string) error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return invalid(field, wire, "must be printable ASCII, found byte 0x%02x at position %d", c, i)
		}
	}
	return nil
}

// maxTransactionLen is the longest codiceTransazione XPay accepts.
const maxTransactionLen = 30

// checkTransactionCode checks a codiceTransazione: 2 to 30 characters.
func checkTransactionCode(field, v string) error {
	return checkTxCode(field, "codiceTransazione", v, 2)
}

// checkOptionalTransactionCode is checkTransactionCode for a transaction
// code that may be left empty, under another wire name.
func checkOptionalTransactionCode(field, wire, v string) error {
	if v == "" {
		return nil
	}
	return checkTxCode(field, wire, v, 2)
}

// checkTxCode checks a transaction code of shortest to 30 characters,
// without '=': the payment result's MAC joins name=value pairs with no
// separator, so a code holding '=' could re-split a signed result into
// another one.
func checkTxCode(field, wire, v string, shortest int) error {
	if err := checkCode(field, wire, v, shortest, maxTransactionLen); err != nil {
		return err
	}
	if i := strings.IndexByte(v, '='); i >= 0 {
		return invalid(field, wire, "must not contain '=' (found at byte %d): the payment result's MAC could be re-split on it", i)
	}
	return nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// checkText checks free text: valid UTF-8, no control or bidi formatting
// characters (C0, DEL, C1 such as U+0085, and U+202E and its kin), at
// most longest characters.
func checkText(field, wire, v string, longest int) error {
	if !utf8.ValidString(v) {
		return invalid(field, wire, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(v); n > longest {
		return invalid(field, wire, "must be at most %d characters, got %d", longest, n)
	}
	for i, r := range v {
		if unsafeRune(r) {
			return invalid(field, wire, "must not contain control or bidi formatting characters, found %U at byte %d", r, i)
		}
	}
	return nil
}

// printable returns s with every control and bidi formatting character,
// every line and paragraph separator (U+2028, U+2029), and every invalid
// byte, replaced by U+FFFD, so that text from the server cannot forge
// lines or reorder what a terminal or log shows.
func printable(s string) string {
	return strings.Map(func(r rune) rune { // invalid bytes come in as RuneError
		if unsafeRune(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

// unsafeRune reports whether r is a control or bidi formatting character,
// or a line or paragraph separator: one that can hide, reorder or break
// text on a screen or in a log.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || unicode.In(r, unicode.Zl, unicode.Zp)
}

// checkRequired checks that a code field is set, then checks it.
func checkRequired(field, wire, v string, longest int) error {
	if v == "" {
		return invalid(field, wire, "is required")
	}
	return checkCode(field, wire, v, 1, longest)
}

// checkURL checks an absolute http or https URL.
func checkURL(field, wire, v string, required bool) error {
	if v == "" {
		if required {
			return invalid(field, wire, "is required: an absolute http:// or https:// URL")
		}
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid(field, wire, "must be an absolute http:// or https:// URL")
	}
	return checkPrintable(field, wire, v)
}

// checkEmail checks, loosely, an optional e-mail address.
func checkEmail(field, wire, v string) error {
	if v == "" {
		return nil
	}
	if err := checkCode(field, wire, v, 3, 150); err != nil {
		return err
	}
	at := -1
	for i := 0; i < len(v); i++ {
		if v[i] == '@' {
			at = i
		}
	}
	if at <= 0 || at == len(v)-1 {
		return invalid(field, wire, "must be an e-mail address")
	}
	return nil
}

// checkTaxCode checks an optional Italian codice fiscale: 16 letters and
// digits for a person, 11 digits for a company.
func checkTaxCode(field, wire, v string) error {
	switch {
	case v == "":
		return nil
	case len(v) == 11 && isDigits(v):
		return nil
	case len(v) == 16:
		for i := 0; i < len(v); i++ {
			if c := v[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
				return invalid(field, wire, "must be letters and digits only, found %q at position %d", c, i)
			}
		}
		return nil
	}
	return invalid(field, wire, "must be 16 letters and digits, or 11 digits for a company, got %d characters", len(v))
}

// checkFilterCode checks a transaction code that filters a list: empty
// for every order, or a code.
func checkFilterCode(v string) error {
	if v == "" {
		return nil
	}
	return checkTxCode("TransactionCode", "codiceTransazione", v, 1)
}

// checkParameters checks parametriAggiuntivi: names of printable ASCII,
// values of text.
func checkParameters(field string, params map[string]string) error {
	for _, k := range sortedKeys(params) {
		if k == "" || checkPrintable(field, "parametriAggiuntivi", k) != nil {
			return invalid(field, "parametriAggiuntivi", "keys must be non-empty printable ASCII, got %q", printable(k))
		}
		if err := checkText(field+"["+k+"]", "parametriAggiuntivi", params[k], 2000); err != nil {
			return err
		}
	}
	return nil
}

// sortedKeys returns m's keys in order, so that what is built from a map
// does not vary.
func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// settleInvalid is a *ValidationError of Settle.
func settleInvalid(field, rule string, args ...any) error {
	err := invalid(field, "-", rule, args...)
	err.(*ValidationError).Operation = "Settle"
	return err
}
