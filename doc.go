// Package xpay is a client for the Nexi XPay back-office API: capture,
// refund, order detail and every other post-sale service, as typed Go
// methods that sign each request with the MAC XPay requires and verify the
// MAC of each answer. It also signs the request that starts a payment on
// XPay's payment page (SignPaymentPage), charges cards kept under a
// contract (Charge) and pays with XPay Build's card nonces (PayNonce).
//
// A Client is safe for concurrent use by many goroutines. Create one per
// alias and reuse it:
//
//	client, err := xpay.NewClient(alias, secretKey, xpay.WithEnvironment(xpay.EnvironmentProduction))
//	res, err := client.Capture(ctx, &xpay.CaptureRequest{
//		TransactionCode: "ORD-2024-000123",
//		Amount:          5000, // €50.00, in cents
//		Currency:        xpay.CurrencyEUR,
//	})
//
// Money is an Amount of minor units, never a float.
//
// # Reads and writes
//
// Each method's documentation says whether it is a read or a write. A
// read changes nothing at XPay: under WithRetry it is tried again when the
// network fails. A write changes state at XPay (a capture, a refund, a
// link, a contract, the blacklist): it is never retried, and when its
// answer is lost or cannot be trusted the error is an
// *OutcomeUnknownError, matching ErrOutcomeUnknown. XPay has no
// idempotency key: give the Client a Journal (WithJournal; package
// sqljournal keeps one in PostgreSQL or SQLite) and every write is
// recorded before it leaves, sent by one writer per object at a time,
// done once per IdempotencyKey, and settled by Client.Recover in any
// replica when its outcome stayed unknown. Without one, an
// *OutcomeUnknownError's PendingWrite encodes with encoding/json: persist
// it, then settle it with Client.Settle.
//
// # Decoding answers
//
// Every answer is decoded by one set of rules, lenient where XPay's
// servers are known to vary and strict where two readings of one answer
// could differ. The UnmarshalJSON methods of the answer types follow them
// too.
//
//   - Keys match the json tag exactly or, failing that, in any letter
//     case; a field may answer to other spellings too.
//   - A string field also takes a JSON number or boolean, as its text; an
//     integer field (and an Amount) also takes a string of digits.
//   - A list field also takes a single object, as a list of one.
//   - null leaves a field at its zero value.
//   - A key with no field, or whose value does not fit its field, is kept
//     in the struct's Extra map, and so is a second spelling of a field
//     that is already set: nothing the server sent is lost, and every
//     response also keeps its RawBody.
//   - An object that names the same key twice (in any letter case, for a
//     key with a field) is refused: other JSON parsers would read the last
//     one, this one the first.
//   - A list of objects holding something that is not an object is
//     refused, so that ListOrders and Orders read every answer
//     alike.
//   - An answer that would decode into more than 16 times its size in
//     memory is refused.
//   - Enumerations are never validated: states and codes XPay adds later
//     pass through as received.
//   - An answer is checked to be JSON as it is decoded, in the same pass,
//     by the rules of encoding/json (nesting at most 10,000 deep).
//
// The strings of a decoded answer are pieces of its RawBody, which holds
// the body as a string: decoding copies none of them, and keeping one
// field keeps the body's memory (strings.Clone a field to keep it alone).
// Orders decodes each order into one string of its own.
//
// An answer refused by these rules is a *ResponseError.
package xpay
