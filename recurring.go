package xpay

import (
	"context"
	"time"
)

var opCharge = operation{name: "Charge", path: "ecomm/api/recurring/pagamentoRicorrente", write: true}

// ChargeRequest charges a card kept under a contract (pagamentoRicorrente),
// without the customer: a merchant-initiated payment, such as a
// subscription's. The contract is registered by a first payment on the
// payment page (PageRecurringFirst), under the recurring alias: use a
// Client for that alias and its own key.
type ChargeRequest struct {
	// ContractNumber (numeroContratto) is the contract to charge.
	ContractNumber string `json:"numeroContratto"`
	// TransactionCode (codiceTransazione) is a new order code, 2 to 30
	// characters, never used before: a repeated one is CodeDuplicate.
	TransactionCode string `json:"codiceTransazione"`
	// Amount in minor units; XPay charges no zero.
	Amount Amount `json:"importo"`
	// Currency of Amount, as a numeric code: CurrencyEUR, the only one
	// XPay takes here.
	Currency Currency `json:"divisa"`
	// CardExpiry (scadenza), optional, is the card's expiry as yyyymm
	// (PaymentResult.CardExpiry of the first payment): it updates the one
	// XPay keeps. Signed, and sent, empty when not set.
	CardExpiry string `json:"scadenza"`
	// GroupCode (codiceGruppo), optional, is the group code Nexi
	// assigned. Not signed.
	GroupCode string `json:"codiceGruppo,omitempty"`
	// AdditionalParameters (parametriAggiuntivi), optional, not signed:
	// mail, nome, cognome, Note1..Note3, TCONTAB (C or D).
	AdditionalParameters map[string]string `json:"parametriAggiuntivi,omitempty"`
	// IdempotencyKey, not sent (XPay has none), names this write in the
	// Client's journal (WithJournal): one whose key the journal holds as
	// done is not sent again (ErrWriteDone). Without it, the write has a
	// key of its own.
	IdempotencyKey string `json:"-"`
}

func (r *ChargeRequest) pending(w *PendingWrite) {
	pendingMoney(w, r.TransactionCode, r.Amount, r.Currency, nil)
}

func (r *ChargeRequest) journalKey() string  { return orderKey(r.TransactionCode) }
func (r *ChargeRequest) idempotency() string { return r.IdempotencyKey }

// macFields: apiKey, numeroContratto, codiceTransazione, importo, divisa,
// scadenza, timeStamp. importo comes before divisa, unlike in a capture.
func (r *ChargeRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{
		apiKey,
		{"numeroContratto", r.ContractNumber},
		{"codiceTransazione", r.TransactionCode},
		{"importo", r.Amount.String()},
		{"divisa", string(r.Currency)},
		{"scadenza", r.CardExpiry},
		timeStamp,
	}
}

func (r *ChargeRequest) validate() error {
	return firstError(
		checkRequired("ContractNumber", "numeroContratto", r.ContractNumber, maxContractLen),
		checkTransactionCode("TransactionCode", r.TransactionCode),
		checkAmount("Amount", r.Amount),
		checkCurrency("Currency", r.Currency),
		checkCardExpiry("CardExpiry", "scadenza", r.CardExpiry),
		checkOptionalCode("GroupCode", "codiceGruppo", r.GroupCode, 30),
		checkParameters("AdditionalParameters", r.AdditionalParameters),
	)
}

// checkCardExpiry checks an optional card expiry, yyyymm.
func checkCardExpiry(field, wire, v string) error {
	if v == "" {
		return nil
	}
	if len(v) != 6 || !isDigits(v) || v[4:] < "01" || v[4:] > "12" {
		return invalid(field, wire, "must be the card's expiry as yyyymm, such as 203012, got %q", printable(v))
	}
	return nil
}

// ChargeResponse is XPay's answer to a charge: the envelope, and the
// authorization's details. Those are outside the response MAC, as every
// payload is: nothing authenticates them.
type ChargeResponse struct {
	Response
	AuthorizationCode string `json:"codiceAutorizzazione"`
	Date              string `json:"data"` // dd/mm/yyyy, in Italy: see Time
	Time              string `json:"ora"`  // hh:mm:ss, in Italy
	Country           string `json:"nazione"`
	Region            string `json:"regione"`
	AgreementCode     string `json:"codiceConvenzione"` // the merchant's agreement (convenzione) with the acquirer
	Brand             string `json:"brand"`             // the card's brand, e.g. VISA
	ProductType       string `json:"tipoProdotto"`
	TransactionType   string `json:"tipoTransazione"`
	PPO               string `json:"ppo"`
}

// AuthorizedAt returns Date and Time as a time.Time in Italy (see
// ParseTime).
func (r *ChargeResponse) AuthorizedAt() (time.Time, error) {
	return ParseTime(r.Date+" "+r.Time, nil)
}

// Charge charges a card kept under a contract (pagamentoRicorrente),
// signed with the Client's key, which must be the recurring alias's.
// XPay refuses with an *APIError: CodeInvalidContract (the contract is
// unknown, disabled or deleted), CodeDuplicate (TransactionCode was used),
// CodeCardExpired, CodeInvalidGroup, CodeBrandNotAllowed,
// CodeAmountTooHigh, CodeRetriesExhausted, CodePaymentRefused (the detail
// in the message), CodeCardNotChargeable, CodeSoftDecline (the issuer
// wants the customer: a new first payment on the page) or CodeNotAllowed.
// Its answer is verified as every answer is, a KO as an OK: a KO whose MAC
// does not verify is no refusal, and the charge's outcome is unknown.
//
// It is a write. If it fails with ErrOutcomeUnknown (an
// *OutcomeUnknownError), the card may have been charged: never charge
// again with a new code before settling it with Settle (or the journal's
// Recover), which reads the order of its TransactionCode: authorized, it
// was charged; denied, or unknown to XPay once SettleWindow has passed
// since the Write's Sent, it was not, and no longer can be.
func (c *Client) Charge(ctx context.Context, req *ChargeRequest) (*ChargeResponse, error) {
	return invoke[ChargeResponse](ctx, c, &opCharge, req)
}
