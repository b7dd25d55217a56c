package xpay

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
)

// XPay Build collects the card in the customer's browser (Nexi's script
// on the merchant's page) and hands the page a nonce, in an envelope
// that XPay signed. The merchant's server pays with it (pagaNonce), after
// checking that envelope.

var opPayNonce = operation{name: "PayNonce", path: "ecomm/api/hostedPayments/pagaNonce", write: true}

// Nonce is the card nonce XPay Build hands the page (the XPay_Nonce
// event), with the envelope XPay signed it in. NonceFromForm reads it
// from the form Nexi's samples post. It encodes to JSON as the nonce
// alone, as pagaNonce sends it.
type Nonce struct {
	Value       string // xpayNonce
	Outcome     string // esito: OK when the card was taken
	OperationID string // idOperazione
	Timestamp   string // timeStamp, the digits as received
	MAC         string // mac: SHA-1 over esito, idOperazione, xpayNonce and timeStamp, with the key
}

// MarshalJSON writes the nonce alone, as a JSON string.
func (n Nonce) MarshalJSON() ([]byte, error) { return json.Marshal(n.Value) }

// NonceFromForm reads a Nonce from the fields Nexi's Build samples post to
// the merchant's server: xpayNonce, xpayEsito, xpayIdOperazione,
// xpayTimeStamp and xpayMac. Nothing is checked here: PayNonce checks it.
func NonceFromForm(form url.Values) Nonce {
	return Nonce{
		Value:       form.Get("xpayNonce"),
		Outcome:     form.Get("xpayEsito"),
		OperationID: form.Get("xpayIdOperazione"),
		Timestamp:   form.Get("xpayTimeStamp"),
		MAC:         form.Get("xpayMac"),
	}
}

// PayNonceRequest pays with a card nonce of XPay Build (pagaNonce).
// TransactionCode, Amount and Currency must be those the page's Build
// configuration was signed with.
type PayNonceRequest struct {
	// TransactionCode (codiceTransazione) is the order code, 2 to 30
	// characters.
	TransactionCode string `json:"codiceTransazione"`
	// Amount in minor units.
	Amount Amount `json:"importo"`
	// Currency of Amount, as a numeric code: CurrencyEUR.
	Currency Currency `json:"divisa"`
	// Nonce is what XPay Build handed the page, with its envelope: only
	// the nonce is sent, once PayNonce has checked the envelope's MAC.
	Nonce Nonce `json:"xpayNonce"`
	// AdditionalParameters (parametriAggiuntivi), optional, not signed:
	// TCONTAB (C or D), nome, cognome, mail, Note1..Note3.
	AdditionalParameters map[string]string `json:"parametriAggiuntivi,omitempty"`
	// IdempotencyKey, not sent (XPay has none), names this write in the
	// Client's journal (WithJournal): one whose key the journal holds as
	// done is not sent again (ErrWriteDone). Without it, the write has a
	// key of its own.
	IdempotencyKey string `json:"-"`
}

func (r *PayNonceRequest) pending(w *PendingWrite) {
	pendingMoney(w, r.TransactionCode, r.Amount, r.Currency, nil)
}

func (r *PayNonceRequest) journalKey() string  { return orderKey(r.TransactionCode) }
func (r *PayNonceRequest) idempotency() string { return r.IdempotencyKey }

// macFields: apiKey, codiceTransazione, importo, divisa, xpayNonce,
// timeStamp.
func (r *PayNonceRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{
		apiKey,
		{"codiceTransazione", r.TransactionCode},
		{"importo", r.Amount.String()},
		{"divisa", string(r.Currency)},
		{"xpayNonce", r.Nonce.Value},
		timeStamp,
	}
}

func (r *PayNonceRequest) validate() error {
	return firstError(
		checkTransactionCode("TransactionCode", r.TransactionCode),
		checkAmount("Amount", r.Amount),
		checkCurrency("Currency", r.Currency),
		checkRequired("Nonce.Value", "xpayNonce", r.Nonce.Value, 500),
		checkParameters("AdditionalParameters", r.AdditionalParameters),
	)
}

// PayNonceResponse is XPay's answer to pagaNonce: the envelope and the
// payment's details, outside the response MAC as every payload is.
type PayNonceResponse struct {
	Response
	AuthorizationCode string `json:"codiceAutorizzazione"`
	Brand             string `json:"brand"`
	PAN               string `json:"pan"`      // masked
	CardExpiry        string `json:"scadenza"` // yyyymm
}

// PayNonce pays with a card nonce of XPay Build (pagaNonce). First it
// checks the nonce's envelope, with the Client's key, before anything is
// sent: a MAC that is missing or wrong is an error matching ErrInvalidMAC,
// an esito other than OK (the card form failed) a *ValidationError. Then
// it is an operation like any other: XPay refuses with an *APIError, such
// as CodeDuplicate for a TransactionCode already used or
// CodePaymentRefused.
//
// It is a write. If it fails with ErrOutcomeUnknown (an
// *OutcomeUnknownError), the card may have been charged: settle it with
// Settle (or the journal's Recover), which reads the order of its
// TransactionCode. An answer that is not final (esito PEN, 3-D Secure
// still under way) is such an unknown outcome too.
func (c *Client) PayNonce(ctx context.Context, req *PayNonceRequest) (*PayNonceResponse, error) {
	if err := c.checkNonce(req); err != nil {
		return nil, err
	}
	return invoke[PayNonceResponse](ctx, c, &opPayNonce, req)
}

// checkNonce verifies the envelope of req's nonce. A nil req or Client is
// left for invoke to refuse.
func (c *Client) checkNonce(req *PayNonceRequest) error {
	if req == nil || c.usable(opPayNonce.name) != nil {
		return nil
	}
	n := &req.Nonce
	fields := []Field{{"esito", n.Outcome}, {"idOperazione", n.OperationID}, {"xpayNonce", n.Value}, {"timeStamp", n.Timestamp}}
	if n.MAC == "" || !verifyMAC(string(c.creds().secret), fields, n.MAC) {
		return fmt.Errorf("xpay: %s: %w", opPayNonce.name, macError("the nonce's MAC is missing or does not verify: treat it as forged; nothing was sent"))
	}
	if n.Outcome != "OK" {
		return &ValidationError{Operation: opPayNonce.name, Field: "Nonce.Outcome", WireName: "esito",
			Rule: fmt.Sprintf("must be OK: the nonce's esito is %q, so the card form did not take the card", printable(n.Outcome))}
	}
	return nil
}
