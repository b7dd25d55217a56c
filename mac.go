package xpay

import (
	"crypto/sha1" // XPay defines its MAC as SHA-1.
	"crypto/subtle"
	"encoding/hex"
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
	h := macHex(secret, fields)
	return string(h[:])
}

// macSum hashes the MAC input, built in one buffer that stays on the stack
// for ordinary requests.
func macSum(secret string, fields []Field) [sha1.Size]byte {
	var stack [512]byte
	b := stack[:0]
	for _, f := range fields {
		b = append(b, f.Name...)
		b = append(b, '=')
		b = append(b, f.Value...)
	}
	return sha1.Sum(append(b, secret...))
}

// macHex is macSum as 40 lowercase hexadecimal digits.
func macHex(secret string, fields []Field) (h [2 * sha1.Size]byte) {
	sum := macSum(secret, fields)
	hex.Encode(h[:], sum[:])
	return h
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
	return verifyMAC(secret, responseMACFields(esito, operationID, timeStamp), mac)
}

// verifyMAC reports whether mac is the MAC of fields under secret, in
// either letter case, in constant time.
func verifyMAC(secret string, fields []Field, mac string) bool {
	var got [2 * sha1.Size]byte
	if len(mac) != len(got) {
		return false
	}
	for i := range got {
		c := mac[i]
		if 'A' <= c && c <= 'F' {
			c += 'a' - 'A'
		}
		got[i] = c
	}
	want := macHex(secret, fields)
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
