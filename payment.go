package xpay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// A hosted payment (a Pay-by-Link link, or XPay's payment page) ends with
// XPay reporting the outcome twice: the customer's browser comes back to
// the merchant's url with the outcome in the query string, and XPay POSTs
// the same parameters as a form to urlPost. Both are signed with the
// secret key, and both can be forged by anyone who knows the URL: verify
// them before fulfilling an order.

// PaymentOutcome is the esito of a hosted payment. Values XPay adds later
// are kept as received.
type PaymentOutcome string

// The outcomes of a hosted payment, as XPay's payment page and the public
// integrations report them.
const (
	PaymentOutcomeOK        PaymentOutcome = "OK"      // paid (authorized)
	PaymentOutcomeKO        PaymentOutcome = "KO"      // refused
	PaymentOutcomeCancelled PaymentOutcome = "ANNULLO" // the customer gave up
	PaymentOutcomeError     PaymentOutcome = "ERRORE"  // the payment could not be completed
	PaymentOutcomePending   PaymentOutcome = "PEN"     // not final yet: wait for the notification
)

// PaymentResult is a verified payment outcome. The fields XPay signs are
// typed; everything else it sent is in Extra, as sent, and is not
// authenticated: the MAC does not cover it, so anyone could have changed
// it. Message is unsigned too.
type PaymentResult struct {
	TransactionCode   string         // codTrans: the order code
	Outcome           PaymentOutcome // esito
	Amount            Amount         // importo, in minor units
	Currency          string         // divisa, as sent: alphabetic, e.g. EUR
	Time              time.Time      // data and orario, the payment's time in Italy (see Rome); in the hour that repeats in October, the earlier, as ParseTime
	AuthorizationCode string         // codAut; empty when the payment was refused

	Message string     // messaggio, on failure: NOT signed
	Extra   url.Values // every other parameter (brand, pan, nome, mail, alias, num_contratto, ...): NOT signed
}

// Paid reports whether the customer paid: the outcome is OK.
func (r *PaymentResult) Paid() bool { return r.Outcome == PaymentOutcomeOK }

// ContractNumber returns num_contratto, the contract a first payment
// registered (PageRecurringFirst, PageOneClickFirst), or "". It is NOT
// signed: keep the number you sent, and use this to see that they agree.
func (r *PaymentResult) ContractNumber() string { return r.Extra.Get("num_contratto") }

// CardExpiry returns scadenza_pan, the card's expiry as yyyymm, or "".
// Keep it with the contract: Charge sends it as CardExpiry. It is NOT
// signed.
func (r *PaymentResult) CardExpiry() string { return r.Extra.Get("scadenza_pan") }

// paymentParams are the parameters the payment result's MAC covers, in
// the MAC's order, with the Go field each fills.
var paymentParams = []struct{ name, field string }{
	{"codTrans", "TransactionCode"}, {"esito", "Outcome"}, {"importo", "Amount"}, {"divisa", "Currency"},
	{"data", "Time"}, {"orario", "Time"}, {"codAut", "AuthorizationCode"},
}

const opVerifyPaymentResult = "VerifyPaymentResult"

// VerifyPaymentResult checks the payment outcome XPay sends to the
// merchant's url (the query string the browser brings back, r.URL.Query())
// or to urlPost (the form, r.PostForm), and returns it typed. The MAC,
// SHA-1 over codTrans, esito, importo, divisa, data, orario and codAut with
// the secret key, is compared in constant time: when it is missing or
// wrong the error matches ErrInvalidMAC and nothing is returned. A signed
// parameter that is missing or given twice is a *ValidationError naming
// it; so is one that is empty (codAut may be) or malformed, once the MAC
// has verified: a parameter changed on the way is a forgery, whatever it
// was changed to.
//
// A verified result proves what XPay said about the order, not that the
// browser's visit is the first: the same result can be shown again, so
// act on it idempotently (see PaymentNotificationHandler).
func (c *Client) VerifyPaymentResult(values url.Values) (*PaymentResult, error) {
	if err := c.usable(opVerifyPaymentResult); err != nil {
		return nil, err
	}
	macs := values["mac"]
	if len(macs) != 1 {
		return nil, fmt.Errorf("xpay: %s: %w", opVerifyPaymentResult, macError("the payment result's mac parameter is missing or given more than once"))
	}
	fields, err := signedParams(values)
	if err != nil {
		return nil, err
	}
	if !verifyMAC(string(c.creds().secret), fields, macs[0]) {
		return nil, fmt.Errorf("xpay: %s: %w", opVerifyPaymentResult, macError("the payment result's MAC does not verify: treat it as forged"))
	}
	for _, f := range fields {
		if f.Value == "" && f.Name != "codAut" {
			return nil, invalidResult(f.Name, "is empty")
		}
	}
	return readPaymentResult(values)
}

// invalidResult is the *ValidationError of the payment result's
// parameter param.
func invalidResult(param, rule string, args ...any) error {
	field := "mac"
	for _, p := range paymentParams {
		if p.name == param {
			field = p.field
		}
	}
	return &ValidationError{Operation: opVerifyPaymentResult, Field: field, WireName: param, Rule: fmt.Sprintf(rule, args...)}
}

// signedParams returns the parameters the MAC covers, in its order, each
// given once.
func signedParams(values url.Values) ([]Field, error) {
	fields := make([]Field, len(paymentParams))
	for i, p := range paymentParams {
		vs := values[p.name]
		switch {
		case len(vs) == 0:
			return nil, invalidResult(p.name, "is missing")
		case len(vs) > 1:
			return nil, invalidResult(p.name, "is given %d times", len(vs))
		}
		fields[i] = Field{p.name, vs[0]}
	}
	return fields, nil
}

// readPaymentResult reads a result whose MAC has verified: a parameter
// that is malformed was signed so, and is refused all the same.
func readPaymentResult(values url.Values) (*PaymentResult, error) {
	get := values.Get
	// The MAC joins name=value pairs with no separator: a code holding '='
	// or a currency of another length could re-split one signed result
	// into another, which verifies.
	if code := get("codTrans"); strings.Contains(code, "=") {
		return nil, invalidResult("codTrans", "must not contain '=', got %q", printable(code))
	}
	if cur := get("divisa"); len(cur) != 3 || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return nil, invalidResult("divisa", "must be three capital letters, such as EUR, got %q", printable(cur))
	}
	amount, err := strconv.ParseInt(get("importo"), 10, 64)
	if err != nil || !isDigits(get("importo")) {
		return nil, invalidResult("importo", "must be whole minor units, such as 5000, got %q", printable(get("importo")))
	}
	if len(get("data")) != 8 || !isDigits(get("data")) {
		return nil, invalidResult("data", "must be yyyymmdd, got %q", printable(get("data")))
	}
	if len(get("orario")) != 6 || !isDigits(get("orario")) {
		return nil, invalidResult("orario", "must be hhmmss, got %q", printable(get("orario")))
	}
	at, err := parseEarlier("20060102150405", get("data")+get("orario"), Rome())
	if err != nil {
		return nil, invalidResult("data", "data and orario are not a time: %q %q", get("data"), get("orario"))
	}
	r := &PaymentResult{
		TransactionCode:   get("codTrans"),
		Outcome:           PaymentOutcome(get("esito")),
		Amount:            Amount(amount),
		Currency:          get("divisa"),
		Time:              at,
		AuthorizationCode: get("codAut"),
		Message:           get("messaggio"),
	}
	for k, vs := range values {
		if k == "mac" || k == "messaggio" || isPaymentParam(k) {
			continue
		}
		if r.Extra == nil {
			r.Extra = url.Values{}
		}
		r.Extra[k] = append([]string(nil), vs...)
	}
	return r, nil
}

func isPaymentParam(name string) bool {
	for _, p := range paymentParams {
		if p.name == name {
			return true
		}
	}
	return false
}

// maxNotification caps the body of a payment notification: XPay sends a
// few hundred bytes of form.
const maxNotification = 64 << 10

// notificationReadTimeout bounds the reading of a notification's body,
// which XPay sends at once: a peer that sends it slowly holds the handler
// no longer. A variable for the tests.
var notificationReadTimeout = 10 * time.Second

// PaymentNotificationHandler returns the handler for urlPost, where XPay
// POSTs the payment outcome as a form. It reads the form (at most 64 KiB),
// verifies it with VerifyPaymentResult, and calls fn once for each valid
// notification. It answers 200 when fn returns nil; 403 to a notification
// whose MAC is missing or wrong and 400 to a malformed one, without
// calling fn; 405 to anything but POST; 408 to a body that has not
// arrived 10 s after the handler started; 413 past 64 KiB; and 500 when fn
// fails, so that XPay can try again.
//
// It sets its own read deadline for the body (where the ResponseWriter
// allows it, as net/http's does); serve it from an http.Server with
// ReadHeaderTimeout, ReadTimeout and WriteTimeout set too, so that no slow
// peer holds a connection for long.
//
// XPay may deliver a notification more than once, and the customer's
// return to url carries the same outcome: fn must be idempotent. Record
// the result under its TransactionCode and do nothing for one already
// recorded, in the same transaction as the order's update.
//
// It panics if fn is nil or c was not made by NewClient, as http.Handle
// does for a nil handler: both are mistakes in the program.
func (c *Client) PaymentNotificationHandler(fn func(context.Context, *PaymentResult) error) http.Handler {
	if fn == nil {
		panic("xpay: PaymentNotificationHandler: fn is nil")
	}
	if err := c.usable("PaymentNotificationHandler"); err != nil {
		panic(err.Error())
	}
	readTimeout := notificationReadTimeout
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(readTimeout)) // ErrNotSupported: the server's own
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxNotification)
		if err := r.ParseForm(); err != nil {
			status := http.StatusBadRequest
			switch {
			case errors.As(err, new(*http.MaxBytesError)):
				status = http.StatusRequestEntityTooLarge
			case errors.Is(err, os.ErrDeadlineExceeded):
				status = http.StatusRequestTimeout
			}
			c.refuseNotification(w, r, status, err)
			return
		}
		res, err := c.VerifyPaymentResult(r.PostForm)
		switch {
		case errors.Is(err, ErrInvalidMAC):
			c.refuseNotification(w, r, http.StatusForbidden, err)
			return
		case err != nil:
			c.refuseNotification(w, r, http.StatusBadRequest, err)
			return
		}
		if err := fn(r.Context(), res); err != nil {
			c.refuseNotification(w, r, http.StatusInternalServerError, err)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("OK\n"))
	})
}

// refuseNotification answers a notification that was not handled, and
// logs why at Warn.
func (c *Client) refuseNotification(w http.ResponseWriter, r *http.Request, status int, err error) {
	if c.logger != nil {
		c.logger.LogAttrs(r.Context(), slog.LevelWarn, "xpay notification refused",
			slog.Int("status", status), slog.String("error", err.Error()))
	}
	http.Error(w, http.StatusText(status), status)
}

// macError is ErrInvalidMAC said of something other than a response.
type macError string

func (e macError) Error() string { return string(e) }

func (e macError) Is(target error) bool { return target == ErrInvalidMAC }
