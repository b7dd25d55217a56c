package xpaytest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xpaygo/xpay"
)

type blackEntry struct {
	kind, value, description string
	created                  time.Time
	written                  bool // added by a client's write, which a client may settle at any time
}

// AddToBlacklist seeds a blacklist entry: kind is xpay.ValueTypeTaxCode
// or xpay.ValueTypeContractNumber, value 1 to 30 characters and not
// listed already.
func (s *Server) AddToBlacklist(kind xpay.ValueType, value, description string) error {
	if kind != xpay.ValueTypeTaxCode && kind != xpay.ValueTypeContractNumber {
		return fmt.Errorf("xpaytest: blacklist kind %q: want %s or %s", kind, xpay.ValueTypeTaxCode, xpay.ValueTypeContractNumber)
	}
	if value == "" || len(value) > 30 {
		return fmt.Errorf("xpaytest: blacklist value %q: want 1 to 30 characters", value)
	}
	if err := longest("blacklist "+value, map[string]string{"description": description}, maxText); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.blackByKey[blackKey(string(kind), value)] != nil {
		return fmt.Errorf("xpaytest: %s %s is blacklisted already", kind, value)
	}
	return s.blacklist(&blackEntry{kind: string(kind), value: value, description: description, created: s.now().In(s.loc)})
}

// blackKey is the key of an entry in blackByKey.
func blackKey(kind, value string) string { return kind + "\x00" + value }

// blacklist holds b, within the Server's bound: the oldest entries go
// first, but not one a client added; when every entry held is such an
// entry, b is refused.
func (s *Server) blacklist(b *blackEntry) error {
	var ok bool
	s.state.blacklist, ok = makeRoom(s.state.blacklist, s.maxItems, func(b *blackEntry) bool { return b.written }, func(b *blackEntry) {
		delete(s.state.blackByKey, blackKey(b.kind, b.value))
	})
	if !ok {
		return fullError("blacklist entries", s.maxItems)
	}
	s.state.blackByKey[blackKey(b.kind, b.value)] = b
	s.state.blacklist = append(s.state.blacklist, b)
	return nil
}

// unblacklist forgets b.
func (s *Server) unblacklist(b *blackEntry) {
	delete(s.state.blackByKey, blackKey(b.kind, b.value))
	s.state.blacklist = without(s.state.blacklist, b)
}

// blackKind reads tipo: the constant, not the request's text, which is a
// piece of its whole body.
func (s *Server) blackKind(r *request) (string, *apiError) {
	for _, kind := range []xpay.ValueType{xpay.ValueTypeContractNumber, xpay.ValueTypeTaxCode} {
		if r.get("tipo") == string(kind) {
			return string(kind), nil
		}
	}
	return "", ko(xpay.CodeInvalidParameter, "tipo: CodiceContratto o CodiceFiscale")
}

// blackTarget reads tipo and valore, and finds the entry if there is one.
func (s *Server) blackTarget(r *request) (kind, value string, b *blackEntry, e *apiError) {
	if kind, e = s.blackKind(r); e != nil {
		return "", "", nil, e
	}
	if value, e = r.required("valore", 30); e != nil {
		return "", "", nil, e
	}
	return kind, value, s.state.blackByKey[blackKey(kind, value)], nil
}

// blackJSON is an entry as the answers carry it.
type blackJSON struct {
	MerchantNumber string `json:"numeroMerchant"`
	Kind           string `json:"tipoDato"`
	Value          string `json:"valoreListato"`
	Description    string `json:"descrizione"`
	Created        string `json:"dataCreazione"`
}

func (b *blackEntry) item() blackJSON {
	return blackJSON{MerchantNumber, b.kind, b.value, b.description, b.created.Format(layoutDateTime)}
}

func (s *Server) addToBlacklist(r *request) (map[string]any, *apiError) {
	kind, value, b, e := s.blackTarget(r)
	if e != nil {
		return nil, e
	}
	if b != nil {
		return nil, ko(xpay.CodeDuplicate, "%s già in blacklist", value)
	}
	description := r.get("descrizione")
	if len(description) > maxText {
		return nil, ko(xpay.CodeInvalidParameter, "descrizione: al massimo %d caratteri", maxText)
	}
	// Copies: a request's values are pieces of its whole body.
	if err := s.blacklist(&blackEntry{kind, strings.Clone(value), strings.Clone(description), s.now().In(s.loc), true}); err != nil {
		return nil, ko(xpay.CodeInvalidParameter, "%v", err)
	}
	return nil, nil
}

func (s *Server) removeFromBlacklist(r *request) (map[string]any, *apiError) {
	_, _, b, e := s.blackTarget(r)
	if e != nil {
		return nil, e
	}
	if b == nil {
		return nil, ko(xpay.CodeNotFound, "")
	}
	s.unblacklist(b)
	return nil, nil
}

func (s *Server) checkBlacklist(r *request) (map[string]any, *apiError) {
	_, _, b, e := s.blackTarget(r)
	if e != nil {
		return nil, e
	}
	if b == nil {
		return nil, ko(xpay.CodeNotFound, "")
	}
	return map[string]any{"blacklist": []blackJSON{b.item()}}, nil
}

func (s *Server) listBlacklist(r *request) (map[string]any, *apiError) {
	kind, e := s.blackKind(r)
	if e != nil {
		return nil, e
	}
	list := []blackJSON{}
	for _, b := range s.state.blacklist {
		if b.kind == kind {
			list = append(list, b.item())
		}
	}
	return map[string]any{"blacklist": list}, nil
}

type cfpanPair struct {
	taxCode, hashPAN, expiry string
	created                  time.Time
}

// AddCFPAN seeds a pair of a tax code and a card, as a payment would:
// taxCode and hashPAN are required, expiry is yyyymm, and the pair must
// not exist.
func (s *Server) AddCFPAN(taxCode, hashPAN, expiry string) error {
	if taxCode == "" || hashPAN == "" {
		return errors.New("xpaytest: a CF/PAN pair needs a tax code and a hashPan")
	}
	if _, err := time.Parse("200601", expiry); err != nil || len(expiry) != 6 {
		return fmt.Errorf("xpaytest: CF/PAN expiry %q: want yyyymm", expiry)
	}
	if len(taxCode) > 16 || len(hashPAN) > 128 {
		return fmt.Errorf("xpaytest: CF/PAN pair: the tax code has at most 16 characters, the hashPan 128")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.cfpanByKey[[2]string{taxCode, hashPAN}] != nil {
		return fmt.Errorf("xpaytest: the pair %s / %s exists", taxCode, hashPAN)
	}
	p := &cfpanPair{taxCode, hashPAN, expiry, s.now().In(s.loc)}
	s.state.cfpanByKey[[2]string{taxCode, hashPAN}] = p
	s.state.cfpanByCode.add(taxCode, p)
	s.state.cfpan = bound(append(s.state.cfpan, p), s.maxItems, s.forgetPair)
	return nil
}

// forgetPair drops p from the indexes.
func (s *Server) forgetPair(p *cfpanPair) {
	delete(s.state.cfpanByKey, [2]string{p.taxCode, p.hashPAN})
	s.state.cfpanByCode.remove(p.taxCode, p)
}

// cfpanJSON is a pair as the answers carry it.
type cfpanJSON struct {
	Merchant   string `json:"merchant"`
	TaxCode    string `json:"cf"`
	HashPAN    string `json:"hashPan"`
	Expiry     string `json:"scadenza"`
	State      string `json:"stato"`
	Registered string `json:"dataRegistrazione"`
}

func (p *cfpanPair) item() cfpanJSON {
	return cfpanJSON{MerchantNumber, p.taxCode, p.hashPAN, p.expiry, "ATTIVO", p.created.Format(layoutDateTime)}
}

func (s *Server) checkGroup(r *request) *apiError {
	if r.get("codiceGruppo") != s.group {
		return ko(xpay.CodeInvalidGroup, "codiceGruppo %q: la sandbox accetta %s", r.get("codiceGruppo"), s.group)
	}
	return nil
}

// cfpanTarget checks a controllaEsistenza or rimuovi request and finds
// the pair.
func (s *Server) cfpanTarget(r *request) (*cfpanPair, *apiError) {
	taxCode, e := r.required("codiceFiscale", 16)
	if e != nil {
		return nil, e
	}
	hashPAN, e := r.required("hashPan", 128)
	if e != nil {
		return nil, e
	}
	if e := s.checkGroup(r); e != nil {
		return nil, e
	}
	if p := s.state.cfpanByKey[[2]string{taxCode, hashPAN}]; p != nil {
		return p, nil
	}
	return nil, ko(xpay.CodeNotFound, "")
}

func (s *Server) checkCFPAN(r *request) (map[string]any, *apiError) {
	p, e := s.cfpanTarget(r)
	if e != nil {
		return nil, e
	}
	return map[string]any{"cfpan": []cfpanJSON{p.item()}}, nil
}

func (s *Server) deleteCFPAN(r *request) (map[string]any, *apiError) {
	p, e := s.cfpanTarget(r)
	if e != nil {
		return nil, e
	}
	s.forgetPair(p)
	s.state.cfpan = without(s.state.cfpan, p)
	return nil, nil
}

// listCFPAN lists the pairs of a tax code, or of the tax code of a
// contract.
func (s *Server) listCFPAN(r *request) (map[string]any, *apiError) {
	kind, e := s.blackKind(r)
	if e != nil {
		return nil, e
	}
	value, e := r.required("valore", 30)
	if e != nil {
		return nil, e
	}
	if e := s.checkGroup(r); e != nil {
		return nil, e
	}
	taxCode := value
	if kind == string(xpay.ValueTypeContractNumber) {
		k := s.liveContract(value)
		if k == nil {
			return nil, ko(xpay.CodeInvalidContract, "%s", value)
		}
		taxCode = k.taxCode
	}
	list := []cfpanJSON{}
	for _, p := range s.state.cfpanByCode[taxCode] {
		list = append(list, p.item())
	}
	return map[string]any{"cfpan": list}, nil
}
