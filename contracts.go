package xpay

import (
	"context"
	"encoding/json"

	"github.com/xpaygo/xpay/internal/lenient"
)

// maxContractLen is the longest numeroContratto accepted; XPay documents
// none, and 30 matches its other codes.
const maxContractLen = 30

var opCreateContractFromPOS = operation{name: "CreateContractFromPOS", path: "ecomm/api/contratti/creazioneDaPosFisico", write: true}

// CreateContractFromPOSRequest registers a contract (a card token for
// recurring payments) from a payment made on a physical POS
// (creazioneDaPosFisico).
type CreateContractFromPOSRequest struct {
	Contract POSContract `json:"contratto"`
	// IdempotencyKey, not sent (XPay has none), names this write in the
	// Client's journal (WithJournal): one whose key the journal holds as
	// done is not sent again (ErrWriteDone). Without it, the write has a
	// key of its own.
	IdempotencyKey string `json:"-"`
}

func (r *CreateContractFromPOSRequest) journalKey() string {
	return contractKey(r.Contract.ContractNumber)
}
func (r *CreateContractFromPOSRequest) idempotency() string { return r.IdempotencyKey }

// contractKey is the journal's name for a contract.
func contractKey(number string) string { return "contract:" + number }

// POSContract is the contratto object of CreateContractFromPOSRequest.
// Every field is sent, empty when not set, as XPay signs them all.
type POSContract struct {
	ContractNumber    string `json:"numeroContratto"`      // the new contract's number
	POSID             string `json:"idPOSFisico"`          // the physical POS terminal
	AuthorizationCode string `json:"codiceAutorizzazione"` // of the POS payment
	STAN              string `json:"stan"`                 // optional
	Amount            Amount `json:"importo"`              // of the POS payment, in cents
	Description       string `json:"descrizione"`          // optional
	Email             string `json:"mail"`                 // optional
	// TransactionDate is the POS payment's date, as XPay's own clients
	// send it (the Android SDK's ContractPOS.transactionDate, and MyRent's
	// NexiUtils.importTransaction): optional, sent, not signed.
	TransactionDate string `json:"dataTransazione,omitempty"`
}

// macFields: apiKey, numeroContratto, idPOSFisico, codiceAutorizzazione,
// stan, importo, descrizione, mail, timeStamp. stan comes before importo;
// the nested fields are signed by their bare names.
func (r *CreateContractFromPOSRequest) macFields(apiKey, timeStamp Field) []Field {
	k := &r.Contract
	return []Field{
		apiKey,
		{"numeroContratto", k.ContractNumber},
		{"idPOSFisico", k.POSID},
		{"codiceAutorizzazione", k.AuthorizationCode},
		{"stan", k.STAN},
		{"importo", k.Amount.String()},
		{"descrizione", k.Description},
		{"mail", k.Email},
		timeStamp,
	}
}

func (r *CreateContractFromPOSRequest) validate() error {
	k := &r.Contract
	return firstError(
		checkRequired("Contract.ContractNumber", "numeroContratto", k.ContractNumber, maxContractLen),
		checkRequired("Contract.POSID", "idPOSFisico", k.POSID, 30),
		checkRequired("Contract.AuthorizationCode", "codiceAutorizzazione", k.AuthorizationCode, 10),
		checkOptionalCode("Contract.STAN", "stan", k.STAN, 12),
		checkAmount("Contract.Amount", k.Amount),
		checkText("Contract.Description", "descrizione", k.Description, 255),
		checkEmail("Contract.Email", "mail", k.Email),
		checkText("Contract.TransactionDate", "dataTransazione", k.TransactionDate, 30),
	)
}

// CreateContractFromPOSResponse is the answer of creazioneDaPosFisico: the
// envelope and the new contract (infoContratto, as MyRent's production
// client reads it).
type CreateContractFromPOSResponse struct {
	Response
	Contract *Contract `json:"infoContratto,omitempty"`
}

// CreateContractFromPOS registers a contract from a physical POS payment
// (creazioneDaPosFisico). On ErrOutcomeUnknown, settle it with Settle
// (which reads the contract back) before trying again.
//
// It is a write (see Reads and writes in the package documentation).
func (c *Client) CreateContractFromPOS(ctx context.Context, req *CreateContractFromPOSRequest) (*CreateContractFromPOSResponse, error) {
	return invoke[CreateContractFromPOSResponse](ctx, c, &opCreateContractFromPOS, req)
}

// ContractFilter selects contracts. Empty fields do not filter, and are
// still sent and signed, as XPay expects.
type ContractFilter struct {
	ContractNumber string   `json:"numeroContratto"`
	TaxCode        string   `json:"codiceFiscale"` // the customer's codice fiscale
	RegisteredFrom DateTime `json:"dataRegistrazioneDa"`
	RegisteredTo   DateTime `json:"dataRegistrazioneA"`
}

// macFields: apiKey, numeroContratto, codiceFiscale, dataRegistrazioneDa,
// dataRegistrazioneA, timeStamp.
func (f *ContractFilter) macFields(apiKey, timeStamp Field) []Field {
	return []Field{
		apiKey,
		{"numeroContratto", f.ContractNumber},
		{"codiceFiscale", f.TaxCode},
		{"dataRegistrazioneDa", f.RegisteredFrom.String()},
		{"dataRegistrazioneA", f.RegisteredTo.String()},
		timeStamp,
	}
}

func (f *ContractFilter) validate() error {
	return firstError(
		checkOptionalCode("ContractNumber", "numeroContratto", f.ContractNumber, maxContractLen),
		checkTaxCode("TaxCode", "codiceFiscale", f.TaxCode),
		checkDateTime("RegisteredFrom", "dataRegistrazioneDa", f.RegisteredFrom),
		checkDateTime("RegisteredTo", "dataRegistrazioneA", f.RegisteredTo),
		checkOrder("RegisteredTo", "dataRegistrazioneA", f.RegisteredFrom, f.RegisteredTo),
	)
}

var (
	opListContracts        = operation{name: "ListContracts", path: "ecomm/api/contratti/queryContratti", notFoundEmpty: true}
	opListContractDetails  = operation{name: "ListContractDetails", path: "ecomm/api/contratti/dettagliContratto", notFoundEmpty: true}
	opListContractStatuses = operation{name: "ListContractStatuses", path: "ecomm/api/contratti/statoContratti", notFoundEmpty: true}
)

// ContractsResponse lists contracts: the answer of ListContracts,
// ListContractDetails and ListContractStatuses.
type ContractsResponse struct {
	Response
	Contracts []Contract `json:"contratti"`
}

// Contract is a contract (a stored card for recurring payments), with the
// JSON names of Nexi's Android SDK (Contract, ContractDetails) and of
// MyRent's infoContratto. Which fields each service fills in is not
// documented: anything else XPay sends is kept in Extra.
// It decodes by the rules under “Decoding answers” in the package
// documentation.
type Contract struct {
	MerchantNumber     string `json:"numeroMerchant"`
	GroupCode          string `json:"codiceGruppo"`
	ContractNumber     string `json:"numeroContratto"`
	TaxCode            string `json:"codiceFiscale"`
	HashPAN            string `json:"hashPan"`
	CardType           string `json:"tipoCarta"`
	TransactionCode    string `json:"codiceTransazione" xpay:"codTrans"` // of the first payment
	CardExpiry         string `json:"scadenzaCarta"`                     // in infoContratto
	ActivatedAt        string `json:"dataAttivazione"`
	FirstPaymentStatus string `json:"statoPrimoPag"`
	UpdatedAt          string `json:"dataAggiornamento"`  // ListContractStatuses
	UpdateStatus       string `json:"statoAggiornamento"` // ListContractStatuses

	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently, by the rules under “Decoding answers”
// in the package documentation (go doc github.com/xpaygo/xpay).
func (k *Contract) UnmarshalJSON(b []byte) error { return lenient.Unmarshal(b, k) }

// ListContracts searches contracts (queryContratti).
//
// Nothing found (a verified KO 2) is an empty answer, not an error:
// Response.NothingFound reports it.
//
// It is a read.
func (c *Client) ListContracts(ctx context.Context, req *ContractFilter) (*ContractsResponse, error) {
	return invoke[ContractsResponse](ctx, c, &opListContracts, req)
}

// ListContractDetails returns contracts with their card and first-payment
// details (dettagliContratto).
//
// Nothing found (a verified KO 2) is an empty answer, not an error:
// Response.NothingFound reports it.
//
// It is a read.
func (c *Client) ListContractDetails(ctx context.Context, req *ContractFilter) (*ContractsResponse, error) {
	return invoke[ContractsResponse](ctx, c, &opListContractDetails, req)
}

// ListContractStatusesRequest asks for the update state of contracts
// (statoContratti): the contract filter, plus filters on the last update
// that are sent but, as in XPay's samples, not signed.
type ListContractStatusesRequest struct {
	ContractFilter
	UpdatedFrom DateTime `json:"dataAggiornamentoDa"`
	UpdatedTo   DateTime `json:"dataAggiornamentoA"`
	UpdateState string   `json:"statoAggiornamento"`
}

// ListContractStatusesRequest's macFields are ContractFilter's, promoted: the
// update filters are not signed.

func (r *ListContractStatusesRequest) validate() error {
	return firstError(
		r.ContractFilter.validate(),
		checkDateTime("UpdatedFrom", "dataAggiornamentoDa", r.UpdatedFrom),
		checkDateTime("UpdatedTo", "dataAggiornamentoA", r.UpdatedTo),
		checkOrder("UpdatedTo", "dataAggiornamentoA", r.UpdatedFrom, r.UpdatedTo),
		checkOptionalCode("UpdateState", "statoAggiornamento", r.UpdateState, 30),
	)
}

// ListContractStatuses returns contracts with their update state
// (statoContratti).
//
// Nothing found (a verified KO 2) is an empty answer, not an error:
// Response.NothingFound reports it.
//
// It is a read.
func (c *Client) ListContractStatuses(ctx context.Context, req *ListContractStatusesRequest) (*ContractsResponse, error) {
	return invoke[ContractsResponse](ctx, c, &opListContractStatuses, req)
}

var (
	opDeleteContract  = operation{name: "DeleteContract", path: "ecomm/api/contratti/cancellaContratto", write: true}
	opEnableContract  = operation{name: "EnableContract", path: "ecomm/api/contratti/abilitaContratto", write: true}
	opDisableContract = operation{name: "DisableContract", path: "ecomm/api/contratti/disabilitaContratto", write: true}
)

// ContractRequest names one contract: the request of DeleteContract,
// EnableContract and DisableContract.
type ContractRequest struct {
	ContractNumber string `json:"numeroContratto"`
	// IdempotencyKey, not sent (XPay has none), names this write in the
	// Client's journal (WithJournal): one whose key the journal holds as
	// done is not sent again (ErrWriteDone). Without it, the write has a
	// key of its own.
	IdempotencyKey string `json:"-"`
}

func (r *ContractRequest) journalKey() string  { return contractKey(r.ContractNumber) }
func (r *ContractRequest) idempotency() string { return r.IdempotencyKey }

// macFields: apiKey, numeroContratto, timeStamp.
func (r *ContractRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{apiKey, {"numeroContratto", r.ContractNumber}, timeStamp}
}

func (r *ContractRequest) validate() error {
	return checkRequired("ContractNumber", "numeroContratto", r.ContractNumber, maxContractLen)
}

// ContractChangeResponse is the envelope alone: the answer of
// DeleteContract, EnableContract and DisableContract.
type ContractChangeResponse struct {
	Response
}

// DeleteContract deletes a contract (cancellaContratto). An unknown
// contract is an *APIError with CodeInvalidContract.
//
// It is a write (see Reads and writes in the package documentation).
func (c *Client) DeleteContract(ctx context.Context, req *ContractRequest) (*ContractChangeResponse, error) {
	return invoke[ContractChangeResponse](ctx, c, &opDeleteContract, req)
}

// EnableContract enables a contract (abilitaContratto).
//
// It is a write (see Reads and writes in the package documentation).
func (c *Client) EnableContract(ctx context.Context, req *ContractRequest) (*ContractChangeResponse, error) {
	return invoke[ContractChangeResponse](ctx, c, &opEnableContract, req)
}

// DisableContract disables a contract (disabilitaContratto) so that it
// cannot be charged until enabled again.
//
// It is a write (see Reads and writes in the package documentation).
func (c *Client) DisableContract(ctx context.Context, req *ContractRequest) (*ContractChangeResponse, error) {
	return invoke[ContractChangeResponse](ctx, c, &opDisableContract, req)
}
