package xpaytest

import (
	"errors"
	"fmt"
	"time"

	"github.com/xpaygo/xpay"
)

type blackEntry struct {
	kind, value, description string
	created                  time.Time
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
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.state.blacklist {
		if b.kind == string(kind) && b.value == value {
			return fmt.Errorf("xpaytest: %s %s is blacklisted already", kind, value)
		}
	}
	s.state.blacklist = bound(append(s.state.blacklist, &blackEntry{string(kind), value, description, s.now().In(s.loc)}), s.maxItems, nil)
	return nil
}

func (s *Server) blackKind(r *request) (string, *apiError) {
	kind := r.get("tipo")
	if kind != string(xpay.ValueTypeContractNumber) && kind != string(xpay.ValueTypeTaxCode) {
		return "", ko(xpay.CodeInvalidParameter, "tipo: CodiceContratto o CodiceFiscale")
	}
	return kind, nil
}

// blackTarget reads tipo and valore, and finds the entry if there is one.
func (s *Server) blackTarget(r *request) (kind, value string, at int, e *apiError) {
	if kind, e = s.blackKind(r); e != nil {
		return "", "", -1, e
	}
	if value, e = r.required("valore", 30); e != nil {
		return "", "", -1, e
	}
	for i, b := range s.state.blacklist {
		if b.kind == kind && b.value == value {
			return kind, value, i, nil
		}
	}
	return kind, value, -1, nil
}

func (b *blackEntry) item() map[string]any {
	return map[string]any{"numeroMerchant": MerchantNumber, "tipoDato": b.kind, "valoreListato": b.value,
		"descrizione": b.description, "dataCreazione": b.created.Format(layoutDateTime)}
}

func (s *Server) addToBlacklist(r *request) (map[string]any, *apiError) {
	kind, value, at, e := s.blackTarget(r)
	if e != nil {
		return nil, e
	}
	if at >= 0 {
		return nil, ko(xpay.CodeDuplicate, "%s già in blacklist", value)
	}
	s.state.blacklist = bound(append(s.state.blacklist, &blackEntry{kind, value, r.get("descrizione"), s.now().In(s.loc)}), s.maxItems, nil)
	return nil, nil
}

func (s *Server) removeFromBlacklist(r *request) (map[string]any, *apiError) {
	_, _, at, e := s.blackTarget(r)
	if e != nil {
		return nil, e
	}
	if at < 0 {
		return nil, ko(xpay.CodeNotFound, "")
	}
	s.state.blacklist = append(s.state.blacklist[:at], s.state.blacklist[at+1:]...)
	return nil, nil
}

func (s *Server) checkBlacklist(r *request) (map[string]any, *apiError) {
	_, _, at, e := s.blackTarget(r)
	if e != nil {
		return nil, e
	}
	if at < 0 {
		return nil, ko(xpay.CodeNotFound, "")
	}
	return map[string]any{"blacklist": []any{s.state.blacklist[at].item()}}, nil
}

func (s *Server) listBlacklist(r *request) (map[string]any, *apiError) {
	kind, e := s.blackKind(r)
	if e != nil {
		return nil, e
	}
	list := []any{}
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
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.state.cfpan {
		if p.taxCode == taxCode && p.hashPAN == hashPAN {
			return fmt.Errorf("xpaytest: the pair %s / %s exists", taxCode, hashPAN)
		}
	}
	s.state.cfpan = bound(append(s.state.cfpan, &cfpanPair{taxCode, hashPAN, expiry, s.now().In(s.loc)}), s.maxItems, nil)
	return nil
}

func (p *cfpanPair) item() map[string]any {
	return map[string]any{"merchant": MerchantNumber, "cf": p.taxCode, "hashPan": p.hashPAN,
		"scadenza": p.expiry, "stato": "ATTIVO", "dataRegistrazione": p.created.Format(layoutDateTime)}
}

func (s *Server) checkGroup(r *request) *apiError {
	if r.get("codiceGruppo") != s.group {
		return ko(xpay.CodeInvalidGroup, "codiceGruppo %q: la sandbox accetta %s", r.get("codiceGruppo"), s.group)
	}
	return nil
}

// cfpanTarget checks a controllaEsistenza or rimuovi request and finds
// the pair.
func (s *Server) cfpanTarget(r *request) (int, *apiError) {
	taxCode, e := r.required("codiceFiscale", 16)
	if e != nil {
		return -1, e
	}
	hashPAN, e := r.required("hashPan", 128)
	if e != nil {
		return -1, e
	}
	if e := s.checkGroup(r); e != nil {
		return -1, e
	}
	for i, p := range s.state.cfpan {
		if p.taxCode == taxCode && p.hashPAN == hashPAN {
			return i, nil
		}
	}
	return -1, ko(xpay.CodeNotFound, "")
}

func (s *Server) checkCFPAN(r *request) (map[string]any, *apiError) {
	at, e := s.cfpanTarget(r)
	if e != nil {
		return nil, e
	}
	return map[string]any{"cfpan": []any{s.state.cfpan[at].item()}}, nil
}

func (s *Server) deleteCFPAN(r *request) (map[string]any, *apiError) {
	at, e := s.cfpanTarget(r)
	if e != nil {
		return nil, e
	}
	s.state.cfpan = append(s.state.cfpan[:at], s.state.cfpan[at+1:]...)
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
	list := []any{}
	for _, p := range s.state.cfpan {
		if p.taxCode == taxCode {
			list = append(list, p.item())
		}
	}
	return map[string]any{"cfpan": list}, nil
}
