package xpaytest

import (
	"time"

	"github.com/xpaygo/xpay"
)

// Demo data that Seed adds. The examples and cmd/xpay-sandbox use them.
const (
	DemoAuthorized  = "ORD-DEMO-0001" // Autorizzato, €50.00
	DemoCaptured    = "ORD-DEMO-0002" // Contabilizzato, €19.99
	DemoDenied      = "ORD-DEMO-0003" // Negato, €74.50
	DemoContract    = "CNT-DEMO-0001"
	DemoTaxCode     = "RSSMRA80A01H501U"
	DemoHashPAN     = "DEMOHASHPAN0000000000000000000000000001"
	DemoBlacklisted = "VRDLGU75B12F205X"
)

// Seed adds the demo data: three orders paid yesterday afternoon, a
// contract, a blacklisted tax code, a CF/PAN pair, a warning, and the
// daily report processed this morning, which lists yesterday's orders. It
// fails if any of them is there already.
func (s *Server) Seed() error {
	now := s.now().In(s.loc)
	y, m, d := now.Date()
	earlier := time.Date(y, m, d-1, 15, 0, 0, 0, s.loc) // yesterday afternoon, Italian time
	add := []func() error{
		func() error {
			return s.AddOrder(Order{Code: DemoAuthorized, Amount: 5000, FirstName: "Mario", LastName: "Rossi", Email: "mario.rossi@example.com", CreatedAt: earlier})
		},
		func() error {
			return s.AddOrder(Order{Code: DemoCaptured, Amount: 1999, State: xpay.OrderStateCaptured, FirstName: "Giulia", LastName: "Bianchi", Email: "giulia.bianchi@example.com", CreatedAt: earlier})
		},
		func() error {
			return s.AddOrder(Order{Code: DemoDenied, Amount: 7450, State: xpay.OrderStateDenied, FirstName: "Luca", LastName: "Esposito", Email: "luca.esposito@example.com", CreatedAt: earlier})
		},
		func() error {
			return s.AddContract(Contract{Number: DemoContract, TaxCode: DemoTaxCode, HashPAN: DemoHashPAN, TransactionCode: DemoCaptured, CreatedAt: earlier})
		},
		func() error { return s.AddToBlacklist(xpay.ValueTypeTaxCode, DemoBlacklisted, "Chargeback ripetuti") },
		func() error { return s.AddCFPAN(DemoTaxCode, DemoHashPAN, "203012") },
		func() error {
			return s.AddWarning(DemoDenied, "Notifica esito non consegnata (urlpost non raggiungibile)")
		},
		func() error {
			_, err := s.AddReport("Transazioni giornaliere", time.Date(y, m, d, 6, 0, 0, 0, s.loc))
			return err
		},
	}
	for _, f := range add {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}
