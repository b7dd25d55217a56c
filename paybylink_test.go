package xpay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// signedBody returns an OK answer carrying payload, signed like XPay's.
func signedBody(t *testing.T, opID string, payload map[string]any) []byte {
	t.Helper()
	ts := "1718611299000"
	m := map[string]any{"esito": "OK", "idOperazione": opID, "timeStamp": json.Number(ts),
		"mac": xpay.Sign(testSecret, xpay.Field{Name: "esito", Value: "OK"}, xpay.Field{Name: "idOperazione", Value: opID}, xpay.Field{Name: "timeStamp", Value: ts})}
	for k, v := range payload {
		m[k] = v
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// linkServer answers ReportPaymail from perDay (links created each day of
// June 2024), with XPay's cap of 100 links per search.
func linkServer(t *testing.T, mock *httpmock.MockTransport, perDay map[int]int) *atomic.Int32 {
	var searches atomic.Int32
	mock.RegisterResponder(http.MethodPost, testBase+"ecomm/api/bo/ReportPaymail", func(r *http.Request) (*http.Response, error) {
		searches.Add(1)
		var req struct{ LinkCreatiDal, LinkCreatiAl string }
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &req); err != nil {
			return nil, err
		}
		from, err1 := time.Parse("02/01/2006", req.LinkCreatiDal)
		to, err2 := time.Parse("02/01/2006", req.LinkCreatiAl)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad dates %q %q", req.LinkCreatiDal, req.LinkCreatiAl)
		}
		var links []map[string]any
		for d := from; !d.After(to) && len(links) < xpay.MaxPayByLinkResults; d = d.AddDate(0, 0, 1) {
			for i := 0; i < perDay[d.Day()] && len(links) < xpay.MaxPayByLinkResults; i++ {
				links = append(links, map[string]any{
					"codiceTransazione": fmt.Sprintf("PBL-%02d-%03d", d.Day(), i), "importo": 1000 + i,
					"dataCreazioneLink": d.Format("02/01/2006") + " 10:00:00", "statoEsteso": "Pagato", "circuito": "VISA",
				})
			}
		}
		return httpmock.NewBytesResponse(http.StatusOK, signedBody(t, "9"+strconv.Itoa(int(searches.Load())), map[string]any{"paymail": links})), nil
	})
	return &searches
}

func TestPayByLinksSplitsRangesAtTheCap(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	perDay := map[int]int{1: 30, 2: 45, 3: 60, 5: 20, 8: 99, 9: 1, 10: 70} // 325 links, no day over 100
	searches := linkServer(t, mock, perDay)

	seen := map[string]bool{}
	for link, err := range c.PayByLinks(context.Background(), &xpay.ListPayByLinksRequest{CreatedFrom: xpay.Date{Year: 2024, Month: 6, Day: 1}, CreatedTo: xpay.Date{Year: 2024, Month: 6, Day: 10}}) {
		require.NoError(t, err)
		assert.False(t, seen[link.TransactionCode], "duplicate %s", link.TransactionCode)
		seen[link.TransactionCode] = true
	}
	assert.Len(t, seen, 325)
	assert.Greater(t, int(searches.Load()), 1, "the range was split")
}

func TestPayByLinksReportsADayOverTheCap(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	linkServer(t, mock, map[int]int{1: 10, 2: 130, 3: 5})
	var got int
	var errs []error
	for _, err := range c.PayByLinks(context.Background(), &xpay.ListPayByLinksRequest{CreatedFrom: xpay.Date{Year: 2024, Month: 6, Day: 1}, CreatedTo: xpay.Date{Year: 2024, Month: 6, Day: 3}}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got++
	}
	assert.Equal(t, 10+100+5, got, "all XPay returns, for every day")
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], xpay.ErrTooManyLinks)
	assert.Contains(t, errs[0].Error(), "02/06/2024")
}

func TestPayByLinksStopsWhenTheCallerDoes(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	searches := linkServer(t, mock, map[int]int{1: 80, 2: 80, 3: 80})
	n := 0
	for range c.PayByLinks(context.Background(), &xpay.ListPayByLinksRequest{CreatedFrom: xpay.Date{Year: 2024, Month: 6, Day: 1}, CreatedTo: xpay.Date{Year: 2024, Month: 6, Day: 3}}) {
		if n++; n == 5 {
			break
		}
	}
	assert.Equal(t, 5, n)
	assert.LessOrEqual(t, int(searches.Load()), 3, "no search after the caller stopped")
}

func TestPayByLinkReportTruncated(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	linkServer(t, mock, map[int]int{1: 150})
	res, err := c.ListPayByLinks(context.Background(), &xpay.ListPayByLinksRequest{
		CreatedFrom: xpay.Date{Year: 2024, Month: 6, Day: 1}, CreatedTo: xpay.Date{Year: 2024, Month: 6, Day: 1},
	})
	require.NoError(t, err)
	assert.Len(t, res.Links, 100)
	assert.True(t, res.Truncated())
}

// A new transaction code follows the rules of every transaction code: 2
// to 30 characters.
func TestRegenerateNewCodeNeedsTwoCharacters(t *testing.T) {
	t.Parallel()
	c, mock := newTestClient(t)
	_, err := c.RegeneratePayByLink(context.Background(), &xpay.RegeneratePayByLinkRequest{TransactionCode: "PBL-1", NewTransactionCode: "X", TimeoutHours: 1})
	var ve *xpay.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "nuovoCodiceTransazione", ve.WireName)
	assert.Contains(t, ve.Rule, "2 to 30 characters")
	assert.Zero(t, mock.GetTotalCallCount())
}

// The sandbox's counter replaces at most the last two characters of a
// code that leaves no room for it, as XPay's text says.
func TestSandboxRegenerationCounterReplacesAtMostTwoCharacters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, c := newSandbox(t)
	full := strings.Repeat("A", 25) + "-BCDE" // 30 characters
	_, err := c.CreatePayByLink(ctx, &xpay.CreatePayByLinkRequest{TransactionCode: full, Amount: 100, TimeoutHours: 1, ReturnURL: "https://shop.example/"})
	require.NoError(t, err)
	code := full
	var got []string
	for range 11 {
		_, err := srv.PayLink(code, false)
		require.NoError(t, err)
		res, err := c.RegeneratePayByLink(ctx, &xpay.RegeneratePayByLinkRequest{TransactionCode: code, TimeoutHours: 1})
		require.NoError(t, err)
		code = res.TransactionCode
		got = append(got, code)
		assert.LessOrEqual(t, len(code), 30)
		assert.Equal(t, full[:28], code[:28], "no more than the last two characters replaced: %s", code)
	}
	assert.Equal(t, full[:28]+"-1", got[0])
	assert.Equal(t, full[:28]+"10", got[9])
}
