package xpaytest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xpaygo/xpay"
)

// Charges on kept cards (pagamentoRicorrente) and payments with XPay
// Build's card nonces (pagaNonce).

// validExpiry reports whether v is a card expiry, yyyymm.
func validExpiry(v string) bool {
	m, err := strconv.Atoi(v)
	return err == nil && len(v) == 6 && m%100 >= 1 && m%100 <= 12
}

// charge charges a contract's card: unknown, deleted or disabled contract
// 8, a code already used 9, an expired card 14, another group 12, and
// amount zero 1, in XPay's words.
func (s *Server) charge(r *request) (map[string]any, *apiError) {
	number, e := r.required("numeroContratto", 30)
	if e != nil {
		return nil, e
	}
	code, e := r.transactionCode("codiceTransazione")
	if e != nil {
		return nil, e
	}
	if v := r.get("importo"); v == "0" {
		return nil, ko(xpay.CodeInvalidParameter, "importo: non è possibile effettuare pagamenti da 0 euro")
	}
	amount, e := r.amount("importo")
	if e != nil {
		return nil, e
	}
	if r.get("divisa") != string(xpay.CurrencyEUR) {
		return nil, ko(xpay.CodeInvalidParameter, "divisa: unico valore ammesso 978")
	}
	expiry := r.get("scadenza")
	if expiry != "" && !validExpiry(expiry) {
		return nil, ko(xpay.CodeInvalidParameter, "scadenza: aaaamm")
	}
	if g := r.get("codiceGruppo"); g != "" && g != s.group {
		return nil, ko(xpay.CodeInvalidGroup, "codiceGruppo %q: la sandbox accetta %s", g, s.group)
	}
	k := s.liveContract(number)
	switch {
	case k == nil:
		return nil, ko(xpay.CodeInvalidContract, "%s", number)
	case k.disabled:
		return nil, ko(xpay.CodeInvalidContract, "%s disabilitato", number)
	case s.codeTaken(code):
		return nil, ko(xpay.CodeDuplicate, "%s", code)
	}
	if expiry == "" {
		expiry = k.expiry // a new one, when sent, updates the contract's
	}
	if now := s.now().In(s.loc); expiry < now.Format("200601") {
		return nil, &apiError{code: xpay.CodeCardExpired, text: "Carta scaduta (scadenza " + expiry + ")"}
	}
	params := r.objects["parametriAggiuntivi"]
	o := Order{Code: code, Amount: amount, Brand: k.cardType, Email: params["mail"], FirstName: params["nome"], LastName: params["cognome"]}
	if params["TCONTAB"] == "C" {
		o.State = xpay.OrderStateCaptured
	}
	if err := s.addOrder(o); err != nil {
		return nil, ko(xpay.CodeInvalidParameter, "%v", err)
	}
	k.expiry = strings.Clone(expiry) // not a piece of the request's body
	ord := s.state.orders[code]
	ord.contract, ord.expiry, ord.written = k.number, k.expiry, true
	now := ord.created
	return map[string]any{
		"codiceAutorizzazione": ord.auth, "data": now.Format(layoutDate), "ora": now.Format("15:04:05"),
		"nazione": "ITA", "regione": "", "codiceConvenzione": "00000000099999999", "brand": ord.brand,
		"tipoProdotto": ord.product, "tipoTransazione": "RECURRING", "ppo": "",
	}, nil
}

// nonce is a card nonce the Server issued, as XPay Build's card form.
type nonce struct {
	value, code string
	amount      xpay.Amount
	approve     bool
	expires     time.Time
	used        bool
}

// nonceLifetime is how long an issued nonce can be paid with.
const nonceLifetime = 30 * time.Minute

// IssueNonce issues a card nonce for an order code and amount, as XPay
// Build's card form hands one to the merchant's page: the nonce in an
// envelope signed with the Server's key (esito, idOperazione, xpayNonce,
// timeStamp). PayNonce with it, the code and the amount pays once, and
// is approved or declined (KO 19) as approve says. It can be paid with
// for 30 minutes of the Server's clock.
func (s *Server) IssueNonce(code string, amount xpay.Amount, approve bool) (xpay.Nonce, error) {
	if len(code) < 2 || len(code) > 30 {
		return xpay.Nonce{}, fmt.Errorf("xpaytest: nonce for code %q: want 2 to 30 characters", code)
	}
	if amount <= 0 {
		return xpay.Nonce{}, fmt.Errorf("xpaytest: nonce for %s: amount must be positive", code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := &nonce{value: newToken() + newToken(), code: code, amount: amount, approve: approve, expires: s.now().Add(nonceLifetime)}
	p := &s.state.pay
	p.nonces[n.value] = n
	p.nonceList = bound(append(p.nonceList, n), s.maxItems, func(n *nonce) { delete(p.nonces, n.value) })
	env := xpay.Nonce{Value: n.value, Outcome: "OK", OperationID: strconv.FormatInt(90000000+s.opSeq.Add(1), 10),
		Timestamp: strconv.FormatInt(s.base().UnixMilli(), 10)}
	env.MAC = xpay.Sign(s.secret, xpay.Field{Name: "esito", Value: env.Outcome}, xpay.Field{Name: "idOperazione", Value: env.OperationID},
		xpay.Field{Name: "xpayNonce", Value: env.Value}, xpay.Field{Name: "timeStamp", Value: env.Timestamp})
	return env, nil
}

// payNonce pays with a nonce the Server issued, for its code and amount,
// once.
func (s *Server) payNonce(r *request) (map[string]any, *apiError) {
	code, e := r.transactionCode("codiceTransazione")
	if e != nil {
		return nil, e
	}
	amount, e := r.amount("importo")
	if e != nil {
		return nil, e
	}
	if r.get("divisa") != string(xpay.CurrencyEUR) {
		return nil, ko(xpay.CodeInvalidParameter, "divisa: la sandbox accetta solo 978 (EUR)")
	}
	n := s.state.pay.nonces[r.get("xpayNonce")]
	switch {
	case n == nil:
		return nil, ko(xpay.CodeInvalidParameter, "xpayNonce sconosciuto")
	case n.used:
		return nil, ko(xpay.CodeInvalidParameter, "xpayNonce già utilizzato")
	case s.now().After(n.expires):
		return nil, ko(xpay.CodeInvalidParameter, "xpayNonce scaduto")
	case n.code != code || n.amount != amount:
		return nil, ko(xpay.CodeInvalidParameter, "codiceTransazione e importo non corrispondono al nonce (%s, %d)", n.code, n.amount)
	case s.codeTaken(code):
		return nil, ko(xpay.CodeDuplicate, "%s", code)
	}
	n.used = true
	o := Order{Code: code, Amount: amount, State: xpay.OrderStateDenied}
	if n.approve {
		o.State = xpay.OrderStateAuthorized
	}
	if err := s.addOrder(o); err != nil {
		return nil, ko(xpay.CodeInvalidParameter, "%v", err)
	}
	s.state.orders[code].written = true
	if !n.approve {
		return nil, &apiError{code: xpay.CodePaymentRefused, text: "Autorizzazione negata"}
	}
	ord := s.state.orders[code]
	return map[string]any{"codiceAutorizzazione": ord.auth, "brand": ord.brand, "pan": ord.pan, "scadenza": ord.expiry}, nil
}
