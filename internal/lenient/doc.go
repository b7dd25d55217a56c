// Package lenient is the one way the xpay client reads JSON. It is lenient
// where XPay's servers are known to vary, strict where two readings of one
// answer could differ, and keeps whatever it cannot place.
//
// Lenient:
//
//   - keys match the json tag exactly or, failing that, in any letter case;
//     a field may name other keys it answers to in an xpay:"alias" tag;
//   - a string field also takes a JSON number or boolean, as its text;
//   - an integer field also takes a string of digits; integer types of
//     the package of the value decoded read so (and an empty string as
//     zero), whatever UnmarshalJSON they offer to others, which must read
//     the same;
//   - a slice field also takes a single object, as a one-element slice;
//   - null leaves a field at its zero value;
//   - a key with no field, or whose value does not fit its field, is kept
//     in the struct's Extra map[string]json.RawMessage (when it has one),
//     and so is a second alias of a field that is already set.
//
// Strict:
//
//   - an object that names the same key twice (in any letter case, for a
//     key with a field) is rejected, since other JSON parsers would read
//     the last one and this one the first;
//   - an array of objects with an element that is not an object (or null)
//     is rejected, not kept in Extra, so that the buffered and the
//     streaming readers of a list (Unmarshal and Walk) always agree;
//   - the values decoded from a body may take at most BudgetFactor times
//     its size in memory (plus BudgetFloor), so that a small body of empty
//     objects cannot expand into gigabytes.
//
// Structs of the package of the value decoded follow these rules whatever
// UnmarshalJSON they offer to encoding/json; other types with an
// UnmarshalJSON use it. Enumerations are never validated: unknown states
// and codes pass through.
package lenient

import (
	"errors"
	"fmt"
)

// Errors. Those that Rejects reports reject the whole answer: no Extra can
// keep it.
var (
	ErrNotObject    = errors.New("not a JSON object")
	ErrDuplicateKey = errors.New("a key appears twice in one object")
	ErrElement      = errors.New("an element of a list of objects is not an object")
	ErrMemoryBudget = fmt.Errorf("the answer would take more than %d times its size in memory", BudgetFactor)
	ErrSyntax       = errors.New("malformed JSON")
)

// Rejects reports whether err rejects the whole answer.
func Rejects(err error) bool {
	return err == ErrDuplicateKey || err == ErrElement || err == ErrMemoryBudget || err == ErrSyntax
}
