package xpaytest

import (
	"fmt"
	"strings"
	"time"

	"github.com/xpaygo/xpay"
)

type contract struct {
	number, taxCode, hashPAN, cardType string
	expiry                             string // the card's, yyyymm
	transactionCode, firstPayment      string
	created, updated                   time.Time
	disabled, deleted                  bool
	written                            bool // made or changed by a client's write, which a client may settle at any time
}

// Contract seeds a contract (a stored card).
type Contract struct {
	Number          string    `json:"number"`  // numeroContratto
	TaxCode         string    `json:"taxCode"` // codiceFiscale
	HashPAN         string    `json:"hashPan"`
	CardType        string    `json:"cardType,omitempty"`        // defaults to VISA
	CardExpiry      string    `json:"cardExpiry,omitempty"`      // yyyymm; defaults to December, four years on
	TransactionCode string    `json:"transactionCode,omitempty"` // of the first payment
	CreatedAt       time.Time `json:"createdAt,omitzero"`
}

// AddContract seeds a contract, enabled.
func (s *Server) AddContract(c Contract) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addContract(c)
}

func (s *Server) addContract(c Contract) error {
	if c.Number == "" || len(c.Number) > 30 {
		return fmt.Errorf("xpaytest: contract number %q: want 1 to 30 characters", c.Number)
	}
	if _, dup := s.state.contracts[c.Number]; dup {
		return fmt.Errorf("xpaytest: contract %s exists", c.Number)
	}
	if err := longest("contract "+c.Number, map[string]string{"taxCode": c.TaxCode}, 16); err != nil {
		return err
	}
	if err := longest("contract "+c.Number, map[string]string{"hashPan": c.HashPAN}, 128); err != nil {
		return err
	}
	if err := longest("contract "+c.Number, map[string]string{"cardType": c.CardType, "transactionCode": c.TransactionCode}, 30); err != nil {
		return err
	}
	if c.CardType == "" {
		c.CardType = "VISA"
	}
	if c.CardExpiry == "" {
		c.CardExpiry = s.cardExpiry()
	}
	if !validExpiry(c.CardExpiry) {
		return fmt.Errorf("xpaytest: contract %s: card expiry %q: want yyyymm", c.Number, c.CardExpiry)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.now()
	}
	k := &contract{number: c.Number, taxCode: c.TaxCode, hashPAN: c.HashPAN, cardType: c.CardType, expiry: c.CardExpiry,
		transactionCode: c.TransactionCode, firstPayment: "OK", created: c.CreatedAt.In(s.loc)}
	k.updated = k.created
	return s.addContractToState(k)
}

func (s *Server) createContract(r *request) (map[string]any, *apiError) {
	number, e := r.required("numeroContratto", 30)
	if e != nil {
		return nil, e
	}
	if _, e = r.required("idPOSFisico", 30); e != nil {
		return nil, e
	}
	if _, e = r.required("codiceAutorizzazione", 10); e != nil {
		return nil, e
	}
	if _, e = r.amount("importo"); e != nil {
		return nil, e
	}
	if k := s.state.contracts[number]; k != nil && !k.deleted {
		return nil, ko(xpay.CodeDuplicate, "contratto %s", number)
	}
	now := s.now().In(s.loc)
	k := &contract{number: strings.Clone(number), cardType: "VISA", expiry: s.cardExpiry(), firstPayment: "OK", created: now, updated: now, written: true} // not a piece of the request's body
	if err := s.addContractToState(k); err != nil {
		return nil, ko(xpay.CodeInvalidParameter, "%v", err)
	}
	// The new contract, as MyRent's production client reads it.
	return map[string]any{"infoContratto": struct {
		contractDetailJSON
		CardExpiry string `json:"scadenzaCarta"`
	}{s.contractDetail(k), k.expiry}}, nil
}

// findContracts applies the filter every contract query shares.
func (s *Server) findContracts(r *request) ([]*contract, *apiError) {
	from, _, okA := s.dateTime(r.get("dataRegistrazioneDa"))
	to, _, okB := s.dateTime(r.get("dataRegistrazioneA"))
	if !okA || !okB {
		return nil, ko(xpay.CodeInvalidParameter, "dataRegistrazione: gg/mm/aaaa hh:mm:ss")
	}
	number, taxCode := r.get("numeroContratto"), r.get("codiceFiscale")
	var found []*contract
	candidates := s.state.contractList
	switch {
	case number != "":
		candidates = nil
		if k := s.state.contracts[number]; k != nil {
			candidates = []*contract{k}
		}
	case taxCode != "":
		candidates = s.state.contractsByTax[taxCode]
	}
	for _, k := range candidates {
		if !k.deleted && (number == "" || k.number == number) && (taxCode == "" || k.taxCode == taxCode) && inRange(k.created, from, to) {
			found = append(found, k)
		}
	}
	return found, nil
}

func contractList[T any](s *Server, r *request, item func(*contract) T) (map[string]any, *apiError) {
	found, e := s.findContracts(r)
	if e != nil {
		return nil, e
	}
	if len(found) == 0 {
		return nil, ko(xpay.CodeNotFound, "")
	}
	list := make([]T, len(found))
	for i, k := range found {
		list[i] = item(k)
	}
	return map[string]any{"contratti": list}, nil
}

// Contracts as the answers carry them.
type (
	contractJSON struct {
		MerchantNumber string `json:"numeroMerchant"`
		Group          string `json:"codiceGruppo"`
		Number         string `json:"numeroContratto"`
	}
	contractDetailJSON struct {
		contractJSON
		TaxCode         string `json:"codiceFiscale"`
		HashPAN         string `json:"hashPan"`
		CardType        string `json:"tipoCarta"`
		TransactionCode string `json:"codiceTransazione"`
		FirstPayment    string `json:"statoPrimoPag"`
		Activated       string `json:"dataAttivazione"`
	}
	contractStatusJSON struct {
		contractDetailJSON
		Updated string `json:"dataAggiornamento"`
		State   string `json:"statoAggiornamento"`
	}
)

func (s *Server) contractSummary(k *contract) contractJSON {
	return contractJSON{MerchantNumber, s.group, k.number}
}

func (s *Server) contractDetail(k *contract) contractDetailJSON {
	return contractDetailJSON{s.contractSummary(k), k.taxCode, k.hashPAN, k.cardType, k.transactionCode, k.firstPayment, k.created.Format(layoutDateTime)}
}

func (s *Server) queryContracts(r *request) (map[string]any, *apiError) {
	return contractList(s, r, s.contractSummary)
}

// contractDetails answers an unknown contract number with error 8.
func (s *Server) contractDetails(r *request) (map[string]any, *apiError) {
	if n := r.get("numeroContratto"); n != "" && s.liveContract(n) == nil {
		return nil, ko(xpay.CodeInvalidContract, "%s", n)
	}
	return contractList(s, r, s.contractDetail)
}

func (s *Server) contractStatus(r *request) (map[string]any, *apiError) {
	from, _, okA := s.dateTime(r.get("dataAggiornamentoDa"))
	to, _, okB := s.dateTime(r.get("dataAggiornamentoA"))
	if !okA || !okB {
		return nil, ko(xpay.CodeInvalidParameter, "dataAggiornamento: gg/mm/aaaa hh:mm:ss")
	}
	want := r.get("statoAggiornamento")
	found, e := s.findContracts(r)
	if e != nil {
		return nil, e
	}
	var list []contractStatusJSON
	for _, k := range found {
		state := k.state()
		if inRange(k.updated, from, to) && (want == "" || want == state) {
			list = append(list, contractStatusJSON{s.contractDetail(k), k.updated.Format(layoutDateTime), state})
		}
	}
	if len(list) == 0 {
		return nil, ko(xpay.CodeNotFound, "")
	}
	return map[string]any{"contratti": list}, nil
}

// state is the contract's statoAggiornamento: whether it can be charged.
func (k *contract) state() string {
	if k.disabled {
		return "DISABILITATO"
	}
	return "ABILITATO"
}

func (s *Server) liveContract(number string) *contract {
	if k := s.state.contracts[number]; k != nil && !k.deleted {
		return k
	}
	return nil
}

// changeContract applies change to the contract the request names; an
// unknown contract is error 8.
func (s *Server) changeContract(r *request, change func(*contract) *apiError) (map[string]any, *apiError) {
	number, e := r.required("numeroContratto", 30)
	if e != nil {
		return nil, e
	}
	k := s.liveContract(number)
	if k == nil {
		return nil, ko(xpay.CodeInvalidContract, "%s", number)
	}
	if e := change(k); e != nil {
		return nil, e
	}
	k.updated, k.written = s.now().In(s.loc), true
	return nil, nil
}

func (s *Server) deleteContract(r *request) (map[string]any, *apiError) {
	return s.changeContract(r, func(k *contract) *apiError { k.deleted = true; return nil })
}

func (s *Server) enableContract(r *request) (map[string]any, *apiError) {
	return s.changeContract(r, func(k *contract) *apiError {
		if !k.disabled {
			return ko(xpay.CodeInvalidState, "contratto già abilitato")
		}
		k.disabled = false
		return nil
	})
}

func (s *Server) disableContract(r *request) (map[string]any, *apiError) {
	return s.changeContract(r, func(k *contract) *apiError {
		if k.disabled {
			return ko(xpay.CodeInvalidState, "contratto già disabilitato")
		}
		k.disabled = true
		return nil
	})
}

// addContractToState holds k, within the Server's bound: the oldest
// contracts go first, but not one a client wrote; when every contract held
// is such a contract, k is refused.
func (s *Server) addContractToState(k *contract) error {
	var ok bool
	s.state.contractList, ok = makeRoom(s.state.contractList, s.maxItems, func(k *contract) bool { return k.written }, func(k *contract) {
		if s.state.contracts[k.number] == k {
			delete(s.state.contracts, k.number)
		}
		s.state.contractsByTax.remove(k.taxCode, k)
	})
	if !ok {
		return fullError("contracts", s.maxItems)
	}
	s.state.contracts[k.number] = k
	s.state.contractsByTax.add(k.taxCode, k)
	s.state.contractList = append(s.state.contractList, k)
	return nil
}
