package xpay_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/xpaytest"
)

// A server's text never brings control characters into an error message.
func TestErrorsShowNoControlCharactersFromTheServer(t *testing.T) {
	t.Parallel()
	body := "{" + envelopeJSON("KO", "80310241", nowMS) + `,"errore":{"codice":16,"messaggio":"Stato\u001b[31m non valido\n\u202eotinI"}}`
	c := serveBody(t, http.StatusOK, stringBody(body))
	_, err := c.GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
	requireCode(t, err, xpay.CodeInvalidState)
	for _, r := range err.Error() {
		assert.False(t, r < 0x20 || r == 0x7f || r == '\u202e', "%U in %q", r, err.Error())
	}
	var apiErr *xpay.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "Stato\x1b[31m non valido\n\u202eotinI", apiErr.Message, "the field keeps what was sent")
}

// The error messages of docs/errors.md are what the client prints, to the
// letter.
func TestDocumentedErrorMessages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	doc, err := os.ReadFile("docs/errors.md")
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(doc), "What the messages look like (each is a test):\n\n```text\n")
	require.True(t, ok)
	block, _, _ = strings.Cut(block, "```")
	want := strings.Split(strings.TrimSpace(block), "\n")

	srv, _ := newSandbox(t)
	wrongKey, err := xpay.NewClient(srv.Alias(), "NOT-THE-KEY", xpay.WithBaseURL(srv.URL), xpay.WithClock(e2eNow))
	require.NoError(t, err)
	_, wrongKeyErr := wrongKey.GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: xpaytest.DemoAuthorized})
	_, unsignedErr := serveBody(t, http.StatusOK, stringBody(`{"esito":"KO","errore":{"messaggio":"Campo \"apikey\" non riconosciuto"}}`)).
		GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
	_, aliasErr := serveBody(t, http.StatusOK, stringBody(`{"esito":"KO","idOperazione":"1","timeStamp":1718611200000,"errore":{"codice":6,"messaggio":"apiKey non contiene un alias valido"}}`)).
		GetOrder(ctx, &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
	stale := "{" + envelopeJSON("KO", "80310241", nowMS-time.Hour.Milliseconds()) + `,"errore":{"codice":16,"messaggio":"Valore non valido"}}`
	_, staleErr := serveBody(t, http.StatusOK, stringBody(stale)).
		Capture(ctx, &xpay.CaptureRequest{TransactionCode: "ORD-1", Amount: 1, Currency: eur})
	_, stateErr := srv.Client().ListOrders(ctx, &xpay.ListOrdersRequest{Period: thisWeek, Channel: xpay.ChannelAll, States: []xpay.OrderState{"Authorized"}})

	var got []string
	for _, err := range []error{unsignedErr, wrongKeyErr, aliasErr, staleErr, stateErr} {
		require.Error(t, err)
		got = append(got, err.Error())
	}
	assert.Equal(t, want, got)
}

// Line and paragraph separators, which log viewers split lines on, are
// replaced in every error text, whether XPay's refusal or an unverified
// answer quoted; the fields keep what was sent.
func TestErrorsShowNoLineSeparatorsFromTheServer(t *testing.T) {
	t.Parallel()
	forged := "Stato non valido\u2028level=INFO msg='capture ok'\u2029\u0085fine"
	signed := "{" + envelopeJSON("KO", "80310241\u2028x", nowMS) + `,"errore":{"codice":16,"messaggio":"` + forged + `"}}`
	unsigned := `{"esito":"KO","errore":{"codice":50,"messaggio":"` + forged + `"}}`
	for name, body := range map[string]string{"signed": signed, "unsigned": unsigned} {
		_, err := serveBody(t, http.StatusOK, stringBody(body)).GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
		require.Error(t, err, name)
		assert.NotContains(t, err.Error(), "\u2028", name)
		assert.NotContains(t, err.Error(), "\u2029", name)
		assert.NotContains(t, err.Error(), "\u0085", name)
		assert.Contains(t, err.Error(), "Stato non valido\uFFFDlevel=INFO", name)
	}
	_, err := serveBody(t, http.StatusOK, stringBody(signed)).GetOrder(context.Background(), &xpay.GetOrderRequest{TransactionCode: "ORD-1"})
	var apiErr *xpay.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, forged, apiErr.Message)
}
