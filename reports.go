package xpay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/go-querystring/query"

	"github.com/xpaygo/xpay/internal/lenient"
)

var opListReports = operation{name: "ListReports", path: "ecomm/api/bo/elencoReport", notFoundEmpty: true}

// ListReportsRequest asks for the processed instances of the reports
// scheduled in XPay's back office (elencoReport).
type ListReportsRequest struct {
	// RefDate picks the instances nearest to that day; zero means today.
	RefDate Date `json:"refDate,omitzero"`
}

// macFields: apiKey, timeStamp. refDate is not signed.
func (r *ListReportsRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{apiKey, timeStamp}
}

func (r *ListReportsRequest) validate() error {
	return checkDate("RefDate", "refDate", r.RefDate, false)
}

// ListReportsResponse lists report instances.
type ListReportsResponse struct {
	Response
	Reports []Report `json:"listaReport"`
}

// Report is one processed report. Its field names are inferred, not
// documented: anything else XPay sends is kept in Extra.
// It decodes by the rules under “Decoding answers” in the package
// documentation.
type Report struct {
	ID          string `json:"idReport"` // pass to DownloadReport
	Name        string `json:"nomeReport"`
	ProcessedAt string `json:"dataElaborazione"`
	Format      string `json:"formato"`

	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently, by the rules under “Decoding answers”
// in the package documentation (go doc github.com/xpaygo/xpay).
func (r *Report) UnmarshalJSON(b []byte) error { return lenient.Unmarshal(b, r) }

// ListReports lists the processed instances of the reports scheduled in the
// back office (elencoReport). The reports (type, filters, format) must be
// configured there first.
//
// Nothing found (a verified KO 2) is an empty answer, not an error:
// Response.NothingFound reports it.
//
// It is a read.
func (c *Client) ListReports(ctx context.Context, req *ListReportsRequest) (*ListReportsResponse, error) {
	return invoke[ListReportsResponse](ctx, c, &opListReports, req)
}

var opDownloadReport = operation{name: "DownloadReport", path: "ecomm/api/bo/downloadReport"}

// downloadQuery is the query string of downloadReport.
type downloadQuery struct {
	APIKey    string `url:"apiKey"`
	ReportID  string `url:"idReport"`
	TimeStamp string `url:"timeStamp"`
	MAC       string `url:"mac"`
}

// SignDownloadURL returns the signed URL that downloads a report with a
// GET (downloadReport), for a browser or any HTTP client. XPay refuses it
// once its timestamp is more than 5 minutes old. The URL carries a MAC:
// treat it as a credential and do not log it.
func (c *Client) SignDownloadURL(reportID string) (string, error) {
	if err := c.checkReportID("SignDownloadURL", reportID); err != nil {
		return "", err
	}
	u, _, err := c.downloadURL("SignDownloadURL", reportID)
	return u, err
}

// checkReportID checks, before anything is sent, that c can call and
// that reportID is one.
func (c *Client) checkReportID(op, reportID string) error {
	if err := c.usable(op); err != nil {
		return err
	}
	if err := checkRequired("reportID", "idReport", reportID, 64); err != nil {
		err.(*ValidationError).Operation = op
		return err
	}
	return nil
}

// downloadURL signs the download URL of a checked reportID, now.
func (c *Client) downloadURL(op, reportID string) (string, time.Time, error) {
	sent := c.now()
	ts := strconv.FormatInt(sent.UnixMilli(), 10)
	alias, key := c.creds().alias, string(c.creds().secret)
	q, err := query.Values(downloadQuery{
		APIKey:    alias,
		ReportID:  reportID,
		TimeStamp: ts,
		// timeStamp comes before idReport in this MAC, unlike any other.
		MAC: Sign(key, Field{"apiKey", alias}, Field{"timeStamp", ts}, Field{"idReport", reportID}),
	})
	if err != nil {
		return "", sent, fmt.Errorf("xpay: %s: %w", op, err)
	}
	return c.baseURL + opDownloadReport.path + "?" + q.Encode(), sent, nil
}

// DownloadReport streams a report file to w, as it arrives, and returns
// the number of bytes written. The client timeout bounds the wait for the
// answer to start and then how long the transfer may stall (see
// WithTimeout); ctx bounds the whole transfer. An XPay envelope in the
// file's place is an error and nothing is written: a KO is an *APIError,
// as for any other call. It is a read: under WithRetry it is tried again,
// with a freshly signed URL, until the first byte has reached w.
func (c *Client) DownloadReport(ctx context.Context, reportID string, w io.Writer) (int64, error) {
	if err := c.checkReportID(opDownloadReport.name, reportID); err != nil {
		return 0, err
	}
	return c.stream(ctx, &opDownloadReport, func() (string, time.Time, error) {
		return c.downloadURL(opDownloadReport.name, reportID)
	}, w)
}
