package xpay

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withBefore returns w with a reading from before that holds one row of
// type t, of w's amount, dated an hour before w.
func withBefore(w PendingWrite, t OperationType) PendingWrite {
	w.Before = []Operation{{Type: t, Amount: w.Amount, Date: "2026-06-17 09:00:00"}}
	return w
}

// find on rows that XPay's answers may hold but the sandbox never sends.
func TestSettleFindFailsClosed(t *testing.T) {
	t.Parallel()
	sent := time.Date(2026, 6, 17, 10, 0, 0, 0, Rome())
	order := func(rows string) []Order {
		var o Order
		require.NoError(t, json.Unmarshal([]byte(`{"codiceTransazione":"ORD-1","dettaglio":[{"operazioni":`+rows+`}]}`), &o))
		return []Order{o}
	}
	capture := PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 2000, Sent: sent, Before: []Operation{}}
	tests := []struct {
		name     string
		w        PendingWrite
		rows     string
		happened bool
		err      string
	}{
		{"the row", capture, `[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-17 10:00:01.0"}]`, true, ""},
		{"an amount it cannot read", capture, `[{"tipoOperazione":"CONTAB.","importo":2000.0}]`, false, "the amount of row 1 (CONTAB.) cannot be read: 2000.0"},
		{"an unreadable amount on a refund row is not a capture's", capture, `[{"tipoOperazione":"STORNO","importo":"20,00"}]`, false, ""},
		{"a type it does not know, of the amount", capture, `[{"tipoOperazione":"contabilizzazione","importo":2000}]`, false, `is of a type this package does not know ("contabilizzazione")`},
		{"a type it does not know, of another amount", capture, `[{"tipoOperazione":"contabilizzazione","importo":100}]`, false, ""},
		{"no rows at all", capture, `[]`, false, ""},
		{"a row of the amount that was there before", PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 2000, Sent: sent,
			Before: []Operation{{Type: OperationTypeCapture, Amount: 2000}}}, `[{"tipoOperazione":"CONTAB.","importo":2000}]`, false, ""},
		{"a day before, with no reading from before", PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 2000, Sent: sent},
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"16/06/2026"}]`, false, ""},
		{"the same day, with no reading from before", PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 2000, Sent: sent},
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"17/06/2026"}]`, false, "may be older than the write"},
		{"a date it cannot read, with no reading from before", PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 2000, Sent: sent},
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"ieri"}]`, false, "may be older than the write"},
		{"six minutes and a second before, with no reading from before", PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 2000, Sent: sent},
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-17 09:53:59"}]`, false, ""},
		{"five and a half minutes before, with no reading from before", PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 2000, Sent: sent},
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-17 09:54:30"}]`, false, "may be older than the write"},
		{"a day before, not in the reading from before", capture,
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-16 10:00:00"}]`, false, "is not in PendingWrite.Before"},
		{"five minutes before, with no reading from before", PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 2000, Sent: sent},
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-17 09:55:00"}]`, false, "may be older than the write"},
		{"six minutes before to the second, with no reading from before: that second may end after the bound", PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 2000, Sent: sent},
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-17 09:54:00"}]`, false, "may be older than the write"},
		{"a row of Before is used once", withBefore(capture, OperationTypeCapture),
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-17 09:00:00"},{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-17 10:00:01"}]`, true, ""},
		{"a refund row of Before is a refund's, not the capture's", withBefore(capture, OperationTypeRefund),
			`[{"tipoOperazione":"STORNO","importo":2000,"dataOperazione":"2026-06-17 09:00:00"},{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-17 10:00:01"}]`, true, ""},
		{"a row of Before dated after the write is no reading from before it", PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 2000, Sent: sent,
			Before: []Operation{{Type: OperationTypeCapture, Amount: 2000, Date: "2026-06-17 10:20:00.0"}}},
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-17 10:20:00.0"}]`, false, "after the write was sent"},
		{"a row of Before dated just within the clocks' skew", PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 2000, Sent: sent,
			Before: []Operation{{Type: OperationTypeCapture, Amount: 2000, Date: "2026-06-17 10:05:59.0"}}},
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-17 10:05:59.0"}]`, false, ""},
		{"a row of Before dated a second past the clocks' skew", PendingWrite{Operation: "Capture", TransactionCode: "ORD-1", Amount: 2000, Sent: sent,
			Before: []Operation{{Type: OperationTypeCapture, Amount: 2000, Date: "2026-06-17 10:06:01.0"}}},
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-17 10:06:01.0"}]`, false, "after the write was sent"},
		{"a row of Before that the order lacks", withBefore(capture, OperationTypeCapture),
			`[{"tipoOperazione":"CONTAB.","importo":2000,"dataOperazione":"2026-06-17 10:00:01"}]`, false, "PendingWrite.Before holds a CONTAB. row of 2000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rowType := OperationTypeCapture
			if tt.w.Operation == "Refund" {
				rowType = OperationTypeRefund
			}
			happened, err := tt.w.find(order(tt.rows), rowType, DefaultFreshness)
			assert.Equal(t, tt.happened, happened)
			if tt.err == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrSettleAmbiguous)
			assert.ErrorContains(t, err, tt.err)
		})
	}
	_, err := capture.find([]Order{{TransactionCode: "ORD-1"}}, OperationTypeCapture, DefaultFreshness)
	assert.ErrorIs(t, err, ErrSettleAmbiguous, "an order without its rows tells nothing")
}
