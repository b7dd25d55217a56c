package xpaytest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strconv"
	"time"

	"github.com/xpaygo/xpay"
)

type report struct {
	id        string
	name      string
	processed time.Time
}

// AddReport seeds a processed instance of a daily report of transactions
// and returns its idReport, one it never gave before (until Reset). As
// XPay's scheduled reports, it covers the day
// before the one it was processed on (Italian days): its file, a CSV,
// lists the orders created that day, each in the state it was in when the
// report was processed.
func (s *Server) AddReport(name string, processed time.Time) (string, error) {
	if name == "" {
		return "", errors.New("xpaytest: a report needs a name")
	}
	if processed.IsZero() {
		return "", errors.New("xpaytest: a report needs the time it was processed")
	}
	if err := longest("report", map[string]string{"name": name}, 200); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// A new id each time, never one of a report that was pushed out: a
	// client holding that id must not download another day's file.
	s.state.lastReport++
	id := strconv.Itoa(s.state.lastReport)
	s.state.reports = bound(append(s.state.reports, &report{id: id, name: name, processed: processed.In(s.loc)}), s.maxItems, nil)
	return id, nil
}

// covers returns the first instant of the day rep covers, and of the day
// after.
func (rep *report) covers() (from, to time.Time) {
	y, m, d := rep.processed.Date()
	to = time.Date(y, m, d, 0, 0, 0, 0, rep.processed.Location())
	return to.AddDate(0, 0, -1), to
}

// listReports returns the instances of the day nearest the reference
// day (refDate, or today), before or after it, as XPay's text says.
func (s *Server) listReports(r *request) (map[string]any, *apiError) {
	ref, set, ok := s.date(r.get("refDate"))
	if !ok {
		return nil, ko(xpay.CodeInvalidParameter, "refDate: gg/mm/aaaa")
	}
	if !set {
		y, m, d := s.now().In(s.loc).Date()
		ref = time.Date(y, m, d, 0, 0, 0, 0, s.loc)
	}
	// The instances nearest the reference day, before or after it; the
	// earlier on a tie.
	var day time.Time
	distance := func(t time.Time) time.Duration {
		y, m, d := t.In(s.loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, s.loc).Sub(ref).Abs()
	}
	for _, rep := range s.state.reports {
		if day.IsZero() || distance(rep.processed) < distance(day) ||
			distance(rep.processed) == distance(day) && rep.processed.Before(day) {
			day = rep.processed
		}
	}
	list := []any{}
	for _, rep := range s.state.reports {
		if !day.IsZero() && sameDay(rep.processed, day) {
			list = append(list, map[string]any{
				"idReport": rep.id, "nomeReport": rep.name, "dataElaborazione": rep.processed.Format(layoutDateTime), "formato": "CSV",
			})
		}
	}
	if len(list) == 0 {
		return nil, ko(xpay.CodeNotFound, "")
	}
	return map[string]any{"listaReport": list}, nil
}

func sameDay(a, b time.Time) bool {
	ya, ma, da := a.Date()
	yb, mb, db := b.Date()
	return ya == yb && ma == mb && da == db
}

func (s *Server) downloadReport(r *request) (*answer, *apiError) {
	id := r.get("idReport")
	for _, rep := range s.state.reports {
		if rep.id == id {
			return &answer{file: s.ordersCSV(rep), fileName: "report-" + id + ".csv"}, nil
		}
	}
	return nil, ko(xpay.CodeNotFound, "report %s", id)
}

// ordersCSV is the file of rep: the orders of the day it covers, as they
// stood when it was processed.
func (s *Server) ordersCSV(rep *report) []byte {
	from, to := rep.covers()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	_ = w.Write([]string{"codiceTransazione", "importo", "divisa", "stato", "dataTransazione", "brand"})
	for _, o := range s.state.ordersByDay[dayKey(from)] {
		if o.created.Before(from) || !o.created.Before(to) || o.created.After(rep.processed) {
			continue
		}
		_ = w.Write([]string{o.code, o.amount.String(), "EUR", string(o.stateAt(rep.processed)), o.created.Format(layoutReport), o.brand})
	}
	w.Flush()
	return buf.Bytes()
}
