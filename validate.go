package xpay

import "fmt"

// Each check returns nil or a *ValidationError naming the Go field, the
// wire name and the rule. The Client fills in the operation.

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
func checkCode(field, wire, v string, min, max int) error {
	if n := len(v); n < min || n > max {
		if min == max {
			return invalid(field, wire, "must be %d characters, got %d", min, n)
		}
		return invalid(field, wire, "must be %d to %d characters, got %d", min, max, n)
	}
	return checkPrintable(field, wire, v)
}

// checkOptionalCode is checkCode for a field that may be left empty.
func checkOptionalCode(field, wire, v string, max int) error {
	if v == "" {
		return nil
	}
	return checkCode(field, wire, v, 1, max)
}

func checkPrintable(field, wire, v string) error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return invalid(field, wire, "must be printable ASCII, found byte 0x%02x at position %d", c, i)
		}
	}
	return nil
}

// checkTransactionCode checks a codiceTransazione: 2 to 30 characters.
func checkTransactionCode(field, v string) error {
	return checkCode(field, "codiceTransazione", v, 2, 30)
}

// checkAmount checks an importo: a positive number of minor units.
func checkAmount(field string, a Amount) error {
	if a <= 0 {
		return invalid(field, "importo", "must be a positive number of minor units (cents), got %d", int64(a))
	}
	return nil
}

// checkCurrency checks a divisa: an ISO 4217 numeric code of 3 digits.
func checkCurrency(field string, c Currency) error {
	if len(c) != 3 || !isDigits(string(c)) {
		return invalid(field, "divisa", "must be a 3-digit ISO 4217 numeric code such as CurrencyEUR (978), got %q", string(c))
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
