package xpay_test

import (
	"strings"

	"github.com/xpaygo/xpay"
)

// moreInvalid widens the bad-input table of every operation: empty, too
// long, wrong characters or format, zero and negative amounts, malformed
// dates and URLs. Each must be a *ValidationError naming the field, with
// nothing sent (see testOperation).
func moreInvalid() map[string][]invalidCase {
	long := strings.Repeat("X", 31)
	feb30 := xpay.Date{Year: 2024, Month: 2, Day: 30}
	c := (*xpay.Client).CreatePayByLink
	pbl := func(r xpay.CreatePayByLinkRequest) xpay.CreatePayByLinkRequest {
		if r.TransactionCode == "" {
			r.TransactionCode = "PBL-1"
		}
		if r.Amount == 0 {
			r.Amount = 100
		}
		if r.TimeoutHours == 0 {
			r.TimeoutHours = 1
		}
		if r.ReturnURL == "" {
			r.ReturnURL = "https://shop.example/"
		}
		return r
	}
	pos := func(edit func(*xpay.POSContract)) xpay.CreateContractFromPOSRequest {
		k := xpay.POSContract{ContractNumber: "CNT-1", POSID: "POS1", AuthorizationCode: "A1B2C3", Amount: 100}
		edit(&k)
		return xpay.CreateContractFromPOSRequest{Contract: k}
	}
	return map[string][]invalidCase{
		"Capture": {
			{"code with a tab", call((*xpay.Client).Capture, xpay.CaptureRequest{TransactionCode: "ORD\t1", Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
			{"code with '='", call((*xpay.Client).Capture, xpay.CaptureRequest{TransactionCode: "ORD-1esito=OK", Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
		},
		"Refund": {
			{"code too long", call((*xpay.Client).Refund, xpay.RefundRequest{TransactionCode: long, Amount: 1, Currency: xpay.CurrencyEUR}), "TransactionCode", "codiceTransazione"},
			{"negative amount", call((*xpay.Client).Refund, xpay.RefundRequest{TransactionCode: "ORD1", Amount: -100, Currency: xpay.CurrencyEUR}), "Amount", "importo"},
			{"currency with letters", call((*xpay.Client).Refund, xpay.RefundRequest{TransactionCode: "ORD1", Amount: 1, Currency: "97A"}), "Currency", "divisa"},
		},
		"GetOrder": {
			{"code too long", call((*xpay.Client).GetOrder, xpay.GetOrderRequest{TransactionCode: long}), "TransactionCode", "codiceTransazione"},
			{"code not ASCII", call((*xpay.Client).GetOrder, xpay.GetOrderRequest{TransactionCode: "ORDINE-№1"}), "TransactionCode", "codiceTransazione"},
		},
		"ListOrders": {
			{"code too long", call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{TransactionCode: long, Period: xpay.DateRange{From: june1, To: june17}, Channel: xpay.ChannelAll}), "TransactionCode", "codiceTransazione"},
			{"code with '='", call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{TransactionCode: "A=B", Period: xpay.DateRange{From: june1, To: june17}, Channel: xpay.ChannelAll}), "TransactionCode", "codiceTransazione"},
			{"impossible day", call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{Period: xpay.DateRange{From: feb30, To: june17}, Channel: xpay.ChannelAll}), "Period.From", "periodo"},
			{"no end", call((*xpay.Client).ListOrders, xpay.ListOrdersRequest{Period: xpay.DateRange{From: june1}, Channel: xpay.ChannelAll}), "Period.To", "periodo"},
		},
		"ListWarnings": {
			{"range reversed", call((*xpay.Client).ListWarnings, xpay.ListWarningsRequest{From: xpay.DateTime{Year: 2024, Month: 6, Day: 2}, To: xpay.DateTime{Year: 2024, Month: 6, Day: 1}}), "To", "dataTransazioneAl"},
		},
		"CreatePayByLink": {
			{"code with a newline", call(c, pbl(xpay.CreatePayByLinkRequest{TransactionCode: "PBL\n1"})), "TransactionCode", "codiceTransazione"},
			{"code with '='", call(c, pbl(xpay.CreatePayByLinkRequest{TransactionCode: "PBL=1"})), "TransactionCode", "codiceTransazione"},
			{"negative amount", call(c, pbl(xpay.CreatePayByLinkRequest{Amount: -1})), "Amount", "importo"},
			{"URL without host", call(c, pbl(xpay.CreatePayByLinkRequest{ReturnURL: "https://"})), "ReturnURL", "url"},
			{"ftp URL", call(c, pbl(xpay.CreatePayByLinkRequest{CancelURL: "ftp://shop.example/"})), "CancelURL", "urlBack"},
			{"empty parameter name", call(c, pbl(xpay.CreatePayByLinkRequest{AdditionalParameters: map[string]string{"": "x"}})), "AdditionalParameters", "parametriAggiuntivi"},
			{"parameter with a control character", call(c, pbl(xpay.CreatePayByLinkRequest{AdditionalParameters: map[string]string{"Note1": "a\x07"}})), "AdditionalParameters[Note1]", "parametriAggiuntivi"},
		},
		"RegeneratePayByLink": {
			{"empty code", call((*xpay.Client).RegeneratePayByLink, xpay.RegeneratePayByLinkRequest{TimeoutHours: 1}), "TransactionCode", "codiceTransazione"},
		},
		"ListPayByLinks": {
			{"impossible day", call((*xpay.Client).ListPayByLinks, xpay.ListPayByLinksRequest{CreatedFrom: june1, CreatedTo: feb30}), "CreatedTo", "linkCreatiAl"},
		},
		"ListReports": {
			{"two-digit year", call((*xpay.Client).ListReports, xpay.ListReportsRequest{RefDate: xpay.Date{Year: 24, Month: 6, Day: 1}}), "RefDate", "refDate"},
		},
		"CreateContractFromPOS": {
			{"no contract number", call((*xpay.Client).CreateContractFromPOS, pos(func(k *xpay.POSContract) { k.ContractNumber = "" })), "Contract.ContractNumber", "numeroContratto"},
			{"contract number too long", call((*xpay.Client).CreateContractFromPOS, pos(func(k *xpay.POSContract) { k.ContractNumber = long })), "Contract.ContractNumber", "numeroContratto"},
			{"zero amount", call((*xpay.Client).CreateContractFromPOS, pos(func(k *xpay.POSContract) { k.Amount = 0 })), "Contract.Amount", "importo"},
			{"STAN too long", call((*xpay.Client).CreateContractFromPOS, pos(func(k *xpay.POSContract) { k.STAN = "1234567890123" })), "Contract.STAN", "stan"},
			{"no authorization code", call((*xpay.Client).CreateContractFromPOS, pos(func(k *xpay.POSContract) { k.AuthorizationCode = "" })), "Contract.AuthorizationCode", "codiceAutorizzazione"},
		},
		"ListContracts": {
			{"contract number too long", call((*xpay.Client).ListContracts, xpay.ContractFilter{ContractNumber: long}), "ContractNumber", "numeroContratto"},
		},
		"DeleteContract": {
			{"control character", call((*xpay.Client).DeleteContract, xpay.ContractRequest{ContractNumber: "CNT\x7f1"}), "ContractNumber", "numeroContratto"},
		},
		"AddToBlacklist": {
			{"description too long", call((*xpay.Client).AddToBlacklist, xpay.AddToBlacklistRequest{Type: xpay.ValueTypeContractNumber, Value: "CNT-1", Description: strings.Repeat("è", 256)}), "Description", "descrizione"},
			{"description not UTF-8", call((*xpay.Client).AddToBlacklist, xpay.AddToBlacklistRequest{Type: xpay.ValueTypeContractNumber, Value: "CNT-1", Description: "\xff"}), "Description", "descrizione"},
		},
		"RemoveFromBlacklist": {
			{"unknown type", call((*xpay.Client).RemoveFromBlacklist, xpay.RemoveFromBlacklistRequest{Type: "codicefiscale", Value: taxCode}), "Type", "tipo"},
		},
		"CheckBlacklist": {
			{"contract number too long", call((*xpay.Client).CheckBlacklist, xpay.BlacklistRequest{Type: xpay.ValueTypeContractNumber, Value: long}), "Value", "valore"},
		},
		"ListBlacklist": {
			{"unknown type", call((*xpay.Client).ListBlacklist, xpay.ListBlacklistRequest{Type: "Email"}), "Type", "tipo"},
		},
		"CheckCFPAN": {
			{"tax code of the wrong length", call((*xpay.Client).CheckCFPAN, xpay.CFPANRequest{TaxCode: "RSSMRA80A01", HashPAN: hashPAN, GroupCode: "G"}), "TaxCode", "codiceFiscale"},
			{"card too long", call((*xpay.Client).CheckCFPAN, xpay.CFPANRequest{TaxCode: taxCode, HashPAN: strings.Repeat("F", 129), GroupCode: "G"}), "HashPAN", "hashPan"},
		},
		"ListCFPAN": {
			{"no value", call((*xpay.Client).ListCFPAN, xpay.ListCFPANRequest{Type: xpay.ValueTypeTaxCode, GroupCode: "G"}), "Value", "valore"},
			{"unknown type", call((*xpay.Client).ListCFPAN, xpay.ListCFPANRequest{Type: "Iban", Value: "x", GroupCode: "G"}), "Type", "tipo"},
		},
	}
}
