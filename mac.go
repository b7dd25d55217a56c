package xpay

import (
	"crypto/sha1" // XPay defines its MAC as SHA-1.
	"crypto/subtle"
	"encoding/hex"
	"io"
)

// Field is one name=value pair of a MAC string. Name is the wire name,
// spelled and cased exactly as XPay expects it (apiKey, timeStamp, ...).
type Field struct {
	Name  string
	Value string
}

// Sign returns XPay's MAC of fields: the lowercase hexadecimal SHA-1 of
// name1=value1name2=value2…nameN=valueN followed by secret. Fields are used
// in the order given, and an empty value is signed as "name=".
//
// The Client signs every request itself; Sign is exported for code that
// needs the same primitive, such as a test server or a payment-page check.
func Sign(secret string, fields ...Field) string {
	sum := macSum(secret, fields)
	return hex.EncodeToString(sum[:])
}

func macSum(secret string, fields []Field) (sum [sha1.Size]byte) {
	h := sha1.New()
	for _, f := range fields {
		_, _ = io.WriteString(h, f.Name)
		_, _ = io.WriteString(h, "=")
		_, _ = io.WriteString(h, f.Value)
	}
	_, _ = io.WriteString(h, secret)
	h.Sum(sum[:0])
	return sum
}

// responseMACFields are the fields of every response MAC, in order.
func responseMACFields(esito, operationID, timeStamp string) []Field {
	return []Field{{"esito", esito}, {"idOperazione", operationID}, {"timeStamp", timeStamp}}
}

// verifyResponseMAC reports whether mac is the response MAC of esito,
// idOperazione and timeStamp under secret. timeStamp must be the digits
// exactly as received; mac may be in either letter case. The comparison
// takes the same time wherever the first difference is.
func verifyResponseMAC(secret, esito, operationID, timeStamp, mac string) bool {
	got, err := hex.DecodeString(mac)
	if err != nil || len(got) != sha1.Size {
		return false
	}
	want := macSum(secret, responseMACFields(esito, operationID, timeStamp))
	return subtle.ConstantTimeCompare(got, want[:]) == 1
}
