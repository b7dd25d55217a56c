package xpaytest

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/xpaygo/xpay"
)

// route is one XPay service as the Server knows it. The MAC lists are the
// Server's own reading of XPay's specification, kept apart from the
// client's, so that a mistake in either shows up as error 3.
type route struct {
	method string // the xpay.Client method
	wire   string // XPay's service name
	path   string
	mac    []string
	nested bool // the request's fields sit in a "contratto" object
	handle func(*Server, *request) (map[string]any, *apiError)
	file   func(*Server, *request) (*answer, *apiError) // GET services that return a file

	// req is the xpay request type: its JSON names, with the envelope's
	// and the MAC's, are the keys XPay accepts (keys, and inner, those of
	// a nested contratto). XPay refuses a body with any other key.
	req         reflect.Type
	keys, inner map[string]bool
}

func (rt *route) httpMethod() string {
	if rt.file != nil {
		return http.MethodGet
	}
	return http.MethodPost
}

var (
	macMoney    = []string{"apiKey", "codiceTransazione", "divisa", "importo", "timeStamp"}
	macCode     = []string{"apiKey", "codiceTransazione", "timeStamp"}
	macBare     = []string{"apiKey", "timeStamp"}
	macContract = []string{"apiKey", "numeroContratto", "timeStamp"}
	macFilter   = []string{"apiKey", "numeroContratto", "codiceFiscale", "dataRegistrazioneDa", "dataRegistrazioneA", "timeStamp"}
	macBlack    = []string{"apiKey", "tipo", "valore", "timeStamp"}
	macCFPAN    = []string{"apiKey", "codiceFiscale", "hashPan", "timeStamp"}
)

var routes = []*route{
	{method: "Capture", wire: "contabilizza", path: "ecomm/api/bo/contabilizza", mac: macMoney, handle: (*Server).capture,
		req: reflect.TypeFor[xpay.CaptureRequest]()},
	{method: "Refund", wire: "storna", path: "ecomm/api/bo/storna", mac: macMoney, handle: (*Server).refund,
		req: reflect.TypeFor[xpay.RefundRequest]()},
	{method: "GetOrder", wire: "situazioneOrdine", path: "ecomm/api/bo/situazioneOrdine", mac: macCode, handle: (*Server).getOrder,
		req: reflect.TypeFor[xpay.GetOrderRequest]()},
	{method: "ListOrders", wire: "reportOrdini", path: "ecomm/api/bo/reportOrdini",
		mac: []string{"apiKey", "codiceTransazione", "periodo", "canale", "timeStamp"}, handle: (*Server).listOrders,
		req: reflect.TypeFor[xpay.ListOrdersRequest]()},
	{method: "ListWarnings", wire: "warning", path: "ecomm/api/bo/warning", mac: macBare, handle: (*Server).listWarnings,
		req: reflect.TypeFor[xpay.ListWarningsRequest]()},
	{method: "GetProfileInfo", wire: "profileInfo", path: "ecomm/api/profileInfo", mac: macBare, handle: (*Server).profileInfo,
		req: reflect.TypeFor[xpay.GetProfileInfoRequest]()},
	{method: "CreatePayByLink", wire: "richiestaPayMail", path: "ecomm/api/bo/richiestaPayMail",
		mac: []string{"apiKey", "codiceTransazione", "importo", "timeStamp"}, handle: (*Server).createLink,
		req: reflect.TypeFor[xpay.CreatePayByLinkRequest]()},
	{method: "RegeneratePayByLink", wire: "rigeneraPayMail", path: "ecomm/api/bo/rigeneraPayMail", mac: macCode, handle: (*Server).regenerateLink,
		req: reflect.TypeFor[xpay.RegeneratePayByLinkRequest]()},
	{method: "ListPayByLinks", wire: "ReportPaymail", path: "ecomm/api/bo/ReportPaymail", mac: macBare, handle: (*Server).linkReport,
		req: reflect.TypeFor[xpay.ListPayByLinksRequest]()},
	{method: "ListReports", wire: "elencoReport", path: "ecomm/api/bo/elencoReport", mac: macBare, handle: (*Server).listReports,
		req: reflect.TypeFor[xpay.ListReportsRequest]()},
	{method: "DownloadReport", wire: "downloadReport", path: "ecomm/api/bo/downloadReport",
		mac: []string{"apiKey", "timeStamp", "idReport"}, file: (*Server).downloadReport},
	{method: "CreateContractFromPOS", wire: "creazioneDaPosFisico", path: "ecomm/api/contratti/creazioneDaPosFisico", nested: true,
		mac:    []string{"apiKey", "numeroContratto", "idPOSFisico", "codiceAutorizzazione", "stan", "importo", "descrizione", "mail", "timeStamp"},
		handle: (*Server).createContract, req: reflect.TypeFor[xpay.CreateContractFromPOSRequest]()},
	{method: "ListContracts", wire: "queryContratti", path: "ecomm/api/contratti/queryContratti", mac: macFilter, handle: (*Server).queryContracts,
		req: reflect.TypeFor[xpay.ContractFilter]()},
	{method: "ListContractDetails", wire: "dettagliContratto", path: "ecomm/api/contratti/dettagliContratto", mac: macFilter, handle: (*Server).contractDetails,
		req: reflect.TypeFor[xpay.ContractFilter]()},
	{method: "ListContractStatuses", wire: "statoContratti", path: "ecomm/api/contratti/statoContratti", mac: macFilter, handle: (*Server).contractStatus,
		req: reflect.TypeFor[xpay.ListContractStatusesRequest]()},
	{method: "DeleteContract", wire: "cancellaContratto", path: "ecomm/api/contratti/cancellaContratto", mac: macContract, handle: (*Server).deleteContract,
		req: reflect.TypeFor[xpay.ContractRequest]()},
	{method: "EnableContract", wire: "abilitaContratto", path: "ecomm/api/contratti/abilitaContratto", mac: macContract, handle: (*Server).enableContract,
		req: reflect.TypeFor[xpay.ContractRequest]()},
	{method: "DisableContract", wire: "disabilitaContratto", path: "ecomm/api/contratti/disabilitaContratto", mac: macContract, handle: (*Server).disableContract,
		req: reflect.TypeFor[xpay.ContractRequest]()},
	{method: "AddToBlacklist", wire: "blacklist/aggiungi", path: "ecomm/api/blacklist/aggiungi",
		mac: []string{"apiKey", "tipo", "valore", "descrizione", "timeStamp"}, handle: (*Server).addToBlacklist,
		req: reflect.TypeFor[xpay.AddToBlacklistRequest]()},
	{method: "RemoveFromBlacklist", wire: "blacklist/rimuovi", path: "ecomm/api/blacklist/rimuovi", mac: macBlack, handle: (*Server).removeFromBlacklist,
		req: reflect.TypeFor[xpay.BlacklistRequest]()},
	{method: "CheckBlacklist", wire: "blacklist/controlla", path: "ecomm/api/blacklist/controlla", mac: macBlack, handle: (*Server).checkBlacklist,
		req: reflect.TypeFor[xpay.BlacklistRequest]()},
	{method: "ListBlacklist", wire: "blacklist/reportBlackList", path: "ecomm/api/blacklist/reportBlackList",
		mac: []string{"apiKey", "tipo", "timeStamp"}, handle: (*Server).listBlacklist, req: reflect.TypeFor[xpay.ListBlacklistRequest]()},
	{method: "CheckCFPAN", wire: "cfpan/controllaEsistenza", path: "ecomm/api/cfpan/controllaEsistenza", mac: macCFPAN, handle: (*Server).checkCFPAN,
		req: reflect.TypeFor[xpay.CFPANRequest]()},
	{method: "DeleteCFPAN", wire: "cfpan/rimuovi", path: "ecomm/api/cfpan/rimuovi", mac: macCFPAN, handle: (*Server).deleteCFPAN,
		req: reflect.TypeFor[xpay.CFPANRequest]()},
	{method: "ListCFPAN", wire: "cfpan/reportAssociazioni", path: "ecomm/api/cfpan/reportAssociazioni",
		mac: []string{"apiKey", "tipo", "valore", "codiceGruppo", "timeStamp"}, handle: (*Server).listCFPAN,
		req: reflect.TypeFor[xpay.ListCFPANRequest]()},
	{method: "Charge", wire: "pagamentoRicorrente", path: "ecomm/api/recurring/pagamentoRicorrente",
		mac:    []string{"apiKey", "numeroContratto", "codiceTransazione", "importo", "divisa", "scadenza", "timeStamp"},
		handle: (*Server).charge, req: reflect.TypeFor[xpay.ChargeRequest]()},
	{method: "PayNonce", wire: "pagaNonce", path: "ecomm/api/hostedPayments/pagaNonce",
		mac:    []string{"apiKey", "codiceTransazione", "importo", "divisa", "xpayNonce", "timeStamp"},
		handle: (*Server).payNonce, req: reflect.TypeFor[xpay.PayNonceRequest]()},
}

func init() {
	for _, rt := range routes {
		rt.keys = map[string]bool{"apiKey": true, "timeStamp": true, "mac": true}
		rt.inner = map[string]bool{}
		for _, k := range rt.mac {
			if rt.nested && k != "apiKey" && k != "timeStamp" {
				rt.inner[k] = true
			} else {
				rt.keys[k] = true
			}
		}
		if rt.req == nil {
			continue
		}
		jsonNames(rt.req, func(name string, t reflect.Type) {
			rt.keys[name] = true
			if rt.nested && name == "contratto" {
				jsonNames(t, func(name string, _ reflect.Type) { rt.inner[name] = true })
			}
		})
		if rt.keys["codiceGruppo"] {
			rt.keys["gruppo"] = true // the CF/PAN group as Nexi's Python sample and Android SDK send it (see parseRequest)
		}
	}
}

// jsonNames calls f with the JSON name and type of every field that
// encoding/json writes of struct type t.
func jsonNames(t reflect.Type, f func(name string, t reflect.Type)) {
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		switch {
		case sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct:
			jsonNames(sf.Type, f)
		case !sf.IsExported() || name == "-":
		case name == "":
			f(sf.Name, sf.Type)
		default:
			f(name, sf.Type)
		}
	}
}

// findRoute finds a route by Client method, service name or path.
func findRoute(op string) *route {
	for _, rt := range routes {
		if op == rt.method || op == rt.wire || strings.TrimPrefix(op, "/") == rt.path {
			return rt
		}
	}
	return nil
}

// mustRoute is findRoute for an operation named by the caller: an unknown
// name is a mistake in the test, and panics with the names that exist.
func mustRoute(op string) *route {
	if rt := findRoute(op); rt != nil {
		return rt
	}
	panic(fmt.Sprintf("xpaytest: unknown operation %q; want one of %s", op, strings.Join(Operations(), ", ")))
}

// Operations returns the names of the operations the Server serves: the
// xpay.Client methods, such as "Capture". XPay's service names
// ("contabilizza") and paths are accepted wherever an operation is named.
func Operations() []string {
	names := make([]string, len(routes))
	for i, rt := range routes {
		names[i] = rt.method
	}
	return names
}

// Request checks. Each returns the value, or error 1 naming the field.

func (r *request) required(name string, longest int) (string, *apiError) {
	v := r.get(name)
	if v == "" || len(v) > longest {
		return "", ko(xpay.CodeInvalidParameter, "%s: obbligatorio, al massimo %d caratteri", name, longest)
	}
	return v, nil
}

func (r *request) transactionCode(name string) (string, *apiError) {
	v := r.get(name)
	if len(v) < 2 || len(v) > 30 {
		return "", ko(xpay.CodeInvalidParameter, "%s: da 2 a 30 caratteri", name)
	}
	return v, nil
}

func (r *request) amount(name string) (xpay.Amount, *apiError) {
	v := r.get(name)
	var a xpay.Amount
	if err := a.UnmarshalJSON([]byte(`"` + v + `"`)); err != nil || v == "" || a <= 0 {
		return 0, ko(xpay.CodeInvalidParameter, "%s: intero positivo in centesimi", name)
	}
	return a, nil
}

func (r *request) positive(name string) (int, *apiError) {
	a, e := r.amount(name)
	if e != nil || a > 1_000_000 {
		return 0, ko(xpay.CodeInvalidParameter, "%s: intero positivo", name)
	}
	return int(a), nil
}

const (
	layoutDate     = "02/01/2006"
	layoutDateTime = "02/01/2006 15:04:05"
	layoutReport   = "2006-01-02 15:04:05"
)

// date parses an optional dd/mm/yyyy; ok is false when it is malformed.
func (s *Server) date(v string) (t time.Time, set, ok bool) {
	if v == "" {
		return time.Time{}, false, true
	}
	t, err := time.ParseInLocation(layoutDate, v, s.loc)
	return t, true, err == nil
}

// dateTime parses an optional dd/mm/yyyy hh:mm:ss. XPay's samples send
// 00/00/0000 00:00:00 for "no filter".
func (s *Server) dateTime(v string) (t time.Time, set, ok bool) {
	if v == "" || v == "00/00/0000 00:00:00" {
		return time.Time{}, false, true
	}
	t, err := time.ParseInLocation(layoutDateTime, v, s.loc)
	return t, true, err == nil
}

// inRange reports whether t lies in [from, to], where unset ends are open.
func inRange(t, from, to time.Time) bool {
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || !t.After(to))
}
