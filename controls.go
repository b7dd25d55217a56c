package xpay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xpaygo/xpay/internal/lenient"
)

// ValueType says what a blacklist or CF/PAN value (valore) is: the tipo
// field. Values not listed here are kept as received.
type ValueType string

// The value types XPay documents.
const (
	ValueTypeContractNumber ValueType = "CodiceContratto" // valore is a contract number
	ValueTypeTaxCode        ValueType = "CodiceFiscale"   // valore is a codice fiscale
)

func checkValueType(field string, t ValueType) error {
	if t != ValueTypeContractNumber && t != ValueTypeTaxCode {
		return invalid(field, "tipo", "must be ValueTypeTaxCode (%q) or ValueTypeContractNumber (%q), got %q", ValueTypeTaxCode, ValueTypeContractNumber, string(t))
	}
	return nil
}

// checkValue checks a valore against its tipo.
func checkValue(t ValueType, v string) error {
	if t == ValueTypeTaxCode {
		if v == "" {
			return invalid("Value", "valore", "is required")
		}
		return checkTaxCode("Value", "valore", v)
	}
	return checkRequired("Value", "valore", v, maxContractLen)
}

var (
	opAddToBlacklist      = operation{name: "AddToBlacklist", path: "ecomm/api/blacklist/aggiungi", write: true}
	opRemoveFromBlacklist = operation{name: "RemoveFromBlacklist", path: "ecomm/api/blacklist/rimuovi", write: true}
	opCheckBlacklist      = operation{name: "CheckBlacklist", path: "ecomm/api/blacklist/controlla", notFoundEmpty: true}
	opListBlacklist       = operation{name: "ListBlacklist", path: "ecomm/api/blacklist/reportBlackList", notFoundEmpty: true}
)

// AddToBlacklistRequest puts a contract number or a tax code on the
// merchant's blacklist (blacklist/aggiungi).
type AddToBlacklistRequest struct {
	Type        ValueType `json:"tipo"`
	Value       string    `json:"valore"`
	Description string    `json:"descrizione"` // the reason
	// IdempotencyKey, not sent (XPay has none), names this write in the
	// Client's journal (WithJournal): one whose key the journal holds as
	// done is not sent again (ErrWriteDone). Without it, the write has a
	// key of its own.
	IdempotencyKey string `json:"-"`
}

func (r *AddToBlacklistRequest) journalKey() string  { return blacklistKey(r.Type, r.Value) }
func (r *AddToBlacklistRequest) idempotency() string { return r.IdempotencyKey }

// blacklistKey is the journal's name for a blacklist value.
func blacklistKey(t ValueType, v string) string { return "blacklist:" + string(t) + ":" + v }

// macFields: apiKey, tipo, valore, descrizione, timeStamp.
func (r *AddToBlacklistRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{apiKey, {"tipo", string(r.Type)}, {"valore", r.Value}, {"descrizione", r.Description}, timeStamp}
}

func (r *AddToBlacklistRequest) validate() error {
	return firstError(
		checkValueType("Type", r.Type),
		checkValue(r.Type, r.Value),
		checkText("Description", "descrizione", r.Description, 255),
	)
}

// BlacklistRequest names a blacklist value: the request of
// CheckBlacklist.
type BlacklistRequest struct {
	Type  ValueType `json:"tipo"`
	Value string    `json:"valore"`
}

// macFields: apiKey, tipo, valore, timeStamp.
func (r *BlacklistRequest) macFields(apiKey, timeStamp Field) []Field {
	return blacklistMACFields(apiKey, timeStamp, r.Type, r.Value)
}

func (r *BlacklistRequest) validate() error { return checkBlacklistValue(r.Type, r.Value) }

// RemoveFromBlacklistRequest names the blacklist value to remove.
type RemoveFromBlacklistRequest struct {
	Type  ValueType `json:"tipo"`
	Value string    `json:"valore"`
	// IdempotencyKey, not sent (XPay has none), names this write in the
	// Client's journal (WithJournal): one whose key the journal holds as
	// done is not sent again (ErrWriteDone). Without it, the write has a
	// key of its own.
	IdempotencyKey string `json:"-"`
}

// macFields: apiKey, tipo, valore, timeStamp.
func (r *RemoveFromBlacklistRequest) macFields(apiKey, timeStamp Field) []Field {
	return blacklistMACFields(apiKey, timeStamp, r.Type, r.Value)
}

func (r *RemoveFromBlacklistRequest) validate() error     { return checkBlacklistValue(r.Type, r.Value) }
func (r *RemoveFromBlacklistRequest) journalKey() string  { return blacklistKey(r.Type, r.Value) }
func (r *RemoveFromBlacklistRequest) idempotency() string { return r.IdempotencyKey }

// blacklistMACFields is the MAC input of blacklist/rimuovi and
// blacklist/controlla: apiKey, tipo, valore, timeStamp.
func blacklistMACFields(apiKey, timeStamp Field, t ValueType, v string) []Field {
	return []Field{apiKey, {"tipo", string(t)}, {"valore", v}, timeStamp}
}

func checkBlacklistValue(t ValueType, v string) error {
	return firstError(checkValueType("Type", t), checkValue(t, v))
}

// ListBlacklistRequest selects the blacklist entries of one type
// (blacklist/reportBlackList).
type ListBlacklistRequest struct {
	Type ValueType `json:"tipo"`
}

// macFields: apiKey, tipo, timeStamp.
func (r *ListBlacklistRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{apiKey, {"tipo", string(r.Type)}, timeStamp}
}

func (r *ListBlacklistRequest) validate() error { return checkValueType("Type", r.Type) }

// BlacklistChangeResponse is the envelope alone: the answer of
// AddToBlacklist and RemoveFromBlacklist.
type BlacklistChangeResponse struct {
	Response
}

// BlacklistResponse lists blacklist entries: the answer of CheckBlacklist
// and ListBlacklist.
type BlacklistResponse struct {
	Response
	// Entries is the blacklist key. Its shape in CheckBlacklist answers is
	// not documented; a value that is not a list of entries (a boolean, say)
	// is kept in Response.Extra["blacklist"].
	Entries []BlacklistEntry `json:"blacklist"`
}

// Listed reports whether the answer names at least one entry, or is the
// bare value true. It fails closed: a value in the list's place that this
// package does not understand (a string, a number: anything but a list of
// entries or a JSON boolean) is an error that says so, never "not
// listed", so that no blacklisted customer passes on an answer of another
// shape.
func (r *BlacklistResponse) Listed() (bool, error) {
	if len(r.Entries) > 0 {
		return true, nil
	}
	for k, v := range r.Extra {
		if !strings.EqualFold(k, "blacklist") {
			continue
		}
		switch string(bytes.TrimSpace(v)) {
		case "true":
			return true, nil
		case "false", "null":
			return false, nil
		}
		return false, fmt.Errorf("xpay: CheckBlacklist: the answer's %s is %.40s, which this package does not understand: whether the value is listed is unknown", printable(k), printable(string(v)))
	}
	return false, nil
}

// BlacklistEntry is one blacklisted value, with the JSON names of Nexi's
// Android SDK (BlackListElement); anything else XPay sends is kept in
// Extra.
// It decodes by the rules under “Decoding answers” in the package
// documentation.
type BlacklistEntry struct {
	MerchantNumber string    `json:"numeroMerchant"`
	Type           ValueType `json:"tipoDato"`
	Value          string    `json:"valoreListato"`
	Description    string    `json:"descrizione"`
	CreatedAt      string    `json:"dataCreazione"`

	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently, by the rules under “Decoding answers”
// in the package documentation (go doc github.com/xpaygo/xpay).
func (e *BlacklistEntry) UnmarshalJSON(b []byte) error { return lenient.Unmarshal(b, e) }

// AddToBlacklist blacklists a contract number or tax code
// (blacklist/aggiungi).
//
// It is a write (see Reads and writes in the package documentation).
func (c *Client) AddToBlacklist(ctx context.Context, req *AddToBlacklistRequest) (*BlacklistChangeResponse, error) {
	return invoke[BlacklistChangeResponse](ctx, c, &opAddToBlacklist, req)
}

// RemoveFromBlacklist takes a value off the blacklist (blacklist/rimuovi).
//
// It is a write (see Reads and writes in the package documentation).
func (c *Client) RemoveFromBlacklist(ctx context.Context, req *RemoveFromBlacklistRequest) (*BlacklistChangeResponse, error) {
	return invoke[BlacklistChangeResponse](ctx, c, &opRemoveFromBlacklist, req)
}

// CheckBlacklist looks a value up in the blacklist (blacklist/controlla);
// see BlacklistResponse.Listed. XPay's "not found" (a verified KO with
// CodeNotFound) is the normal answer for a value not listed: an empty
// response whose Listed is false, as ListWarnings reads it.
//
// Nothing found (a verified KO 2) is an empty answer, not an error:
// Response.NothingFound reports it.
//
// It is a read.
func (c *Client) CheckBlacklist(ctx context.Context, req *BlacklistRequest) (*BlacklistResponse, error) {
	return invoke[BlacklistResponse](ctx, c, &opCheckBlacklist, req)
}

// ListBlacklist lists the blacklist entries of one type
// (blacklist/reportBlackList).
//
// Nothing found (a verified KO 2) is an empty answer, not an error:
// Response.NothingFound reports it.
//
// It is a read.
func (c *Client) ListBlacklist(ctx context.Context, req *ListBlacklistRequest) (*BlacklistResponse, error) {
	return invoke[BlacklistResponse](ctx, c, &opListBlacklist, req)
}

var (
	opCheckCFPAN  = operation{name: "CheckCFPAN", path: "ecomm/api/cfpan/controllaEsistenza", notFoundEmpty: true}
	opDeleteCFPAN = operation{name: "DeleteCFPAN", path: "ecomm/api/cfpan/rimuovi", write: true}
	opListCFPAN   = operation{name: "ListCFPAN", path: "ecomm/api/cfpan/reportAssociazioni", notFoundEmpty: true}
)

// CFPANRequest names a tax code and card pair: the request of
// CheckCFPAN. XPay creates such pairs from payments.
type CFPANRequest struct {
	TaxCode string `json:"codiceFiscale"`
	// HashPAN is the card, as XPay knows it (the card number or its hash;
	// XPay's samples say "Pan della carta"). Handle it as card data.
	HashPAN string `json:"hashPan"`
	// GroupCode is the group code Nexi assigned. It is sent but not
	// signed.
	GroupCode string `json:"codiceGruppo"`
}

// macFields: apiKey, codiceFiscale, hashPan, timeStamp. codiceGruppo is
// not signed.
func (r *CFPANRequest) macFields(apiKey, timeStamp Field) []Field {
	return cfpanMACFields(apiKey, timeStamp, r.TaxCode, r.HashPAN)
}

func (r *CFPANRequest) validate() error { return checkCFPAN(r.TaxCode, r.HashPAN, r.GroupCode) }

// DeleteCFPANRequest names the tax code and card pair to delete; its
// fields are CFPANRequest's.
type DeleteCFPANRequest struct {
	TaxCode   string `json:"codiceFiscale"`
	HashPAN   string `json:"hashPan"`
	GroupCode string `json:"codiceGruppo"` // sent, not signed
	// IdempotencyKey, not sent (XPay has none), names this write in the
	// Client's journal (WithJournal): one whose key the journal holds as
	// done is not sent again (ErrWriteDone). Without it, the write has a
	// key of its own.
	IdempotencyKey string `json:"-"`
}

// macFields: apiKey, codiceFiscale, hashPan, timeStamp. codiceGruppo is
// not signed.
func (r *DeleteCFPANRequest) macFields(apiKey, timeStamp Field) []Field {
	return cfpanMACFields(apiKey, timeStamp, r.TaxCode, r.HashPAN)
}

func (r *DeleteCFPANRequest) validate() error     { return checkCFPAN(r.TaxCode, r.HashPAN, r.GroupCode) }
func (r *DeleteCFPANRequest) journalKey() string  { return "cfpan:" + r.TaxCode + ":" + r.HashPAN }
func (r *DeleteCFPANRequest) idempotency() string { return r.IdempotencyKey }

// cfpanMACFields is the MAC input of cfpan/controllaEsistenza and
// cfpan/rimuovi: apiKey, codiceFiscale, hashPan, timeStamp.
func cfpanMACFields(apiKey, timeStamp Field, taxCode, hashPAN string) []Field {
	return []Field{apiKey, {"codiceFiscale", taxCode}, {"hashPan", hashPAN}, timeStamp}
}

func checkCFPAN(taxCode, hashPAN, group string) error {
	if taxCode == "" {
		return invalid("TaxCode", "codiceFiscale", "is required")
	}
	return firstError(
		checkTaxCode("TaxCode", "codiceFiscale", taxCode),
		checkRequired("HashPAN", "hashPan", hashPAN, 128),
		checkRequired("GroupCode", "codiceGruppo", group, 30),
	)
}

// ListCFPANRequest selects the pairs of a contract number or tax code
// (cfpan/reportAssociazioni).
type ListCFPANRequest struct {
	Type      ValueType `json:"tipo"`
	Value     string    `json:"valore"`
	GroupCode string    `json:"codiceGruppo"` // signed here, unlike in CFPANRequest
}

// macFields: apiKey, tipo, valore, codiceGruppo, timeStamp.
func (r *ListCFPANRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{apiKey, {"tipo", string(r.Type)}, {"valore", r.Value}, {"codiceGruppo", r.GroupCode}, timeStamp}
}

func (r *ListCFPANRequest) validate() error {
	return firstError(
		checkValueType("Type", r.Type),
		checkValue(r.Type, r.Value),
		checkRequired("GroupCode", "codiceGruppo", r.GroupCode, 30),
	)
}

// CFPANResponse lists tax code and card pairs: the answer of CheckCFPAN
// and ListCFPAN.
type CFPANResponse struct {
	Response
	Associations []CFPANAssociation `json:"cfpan"`
}

// DeleteCFPANResponse is the answer of DeleteCFPAN: the envelope alone.
type DeleteCFPANResponse struct {
	Response
}

// CFPANAssociation is one tax code and card pair, with the JSON names of
// Nexi's Android SDK (CFPan: merchant, cf); anything else XPay sends is
// kept in Extra.
// It decodes by the rules under “Decoding answers” in the package
// documentation.
type CFPANAssociation struct {
	MerchantNumber string `json:"merchant"`
	TaxCode        string `json:"cf"`
	HashPAN        string `json:"hashPan"`
	Expiry         string `json:"scadenza"` // yyyymm
	State          string `json:"stato"`
	RegisteredAt   string `json:"dataRegistrazione"`

	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently, by the rules under “Decoding answers”
// in the package documentation (go doc github.com/xpaygo/xpay).
func (a *CFPANAssociation) UnmarshalJSON(b []byte) error { return lenient.Unmarshal(b, a) }

// CheckCFPAN checks whether a tax code and a card are paired
// (cfpan/controllaEsistenza).
//
// Nothing found (a verified KO 2) is an empty answer, not an error:
// Response.NothingFound reports it.
//
// It is a read.
func (c *Client) CheckCFPAN(ctx context.Context, req *CFPANRequest) (*CFPANResponse, error) {
	return invoke[CFPANResponse](ctx, c, &opCheckCFPAN, req)
}

// DeleteCFPAN deletes a tax code and card pair (cfpan/rimuovi).
//
// It is a write (see Reads and writes in the package documentation).
func (c *Client) DeleteCFPAN(ctx context.Context, req *DeleteCFPANRequest) (*DeleteCFPANResponse, error) {
	return invoke[DeleteCFPANResponse](ctx, c, &opDeleteCFPAN, req)
}

// ListCFPAN lists the pairs of a contract number or tax code
// (cfpan/reportAssociazioni).
//
// Nothing found (a verified KO 2) is an empty answer, not an error:
// Response.NothingFound reports it.
//
// It is a read.
func (c *Client) ListCFPAN(ctx context.Context, req *ListCFPANRequest) (*CFPANResponse, error) {
	return invoke[CFPANResponse](ctx, c, &opListCFPAN, req)
}
