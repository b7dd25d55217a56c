package examples_test

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The checkout, offline: the shop's form, the page, the notification and
// the verified return; a refusal; a cancellation.
func TestCheckoutExample(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-code", "CHK-EX-1", "-amount", "49.90"}, []string{
			"/ecomm/ecomm/DispatcherServlet", "divisa=EUR", "importo=4990", "mac=", "XPay shows its payment page",
			"the shop's urlpost endpoint verified XPay's notification: CHK-EX-1 OK, 49.90 EUR",
			"the shop verified the return: CHK-EX-1 OK, 49.90 EUR", "paid: the shop ships the order", "Done.",
		}},
		{[]string{"-code", "CHK-EX-2", "-refuse"}, []string{"the shop verified the return: CHK-EX-2 KO", "not paid"}},
		{[]string{"-code", "CHK-EX-3", "-cancel"}, []string{"the customer is back on the cart: esito=ANNULLO"}},
	} {
		r := run(t, bin, nil, "checkout", tc.args...)
		require.Equal(t, 0, r.code, "%v\nstdout: %s\nstderr: %s", tc.args, r.stdout, r.stderr)
		for _, want := range tc.want {
			assert.Contains(t, r.stdout, want, tc.args)
		}
	}
	r := run(t, bin, nil, "checkout", "-refuse", "-cancel")
	assert.Equal(t, 2, r.code)
	for _, program := range []string{"checkout", "recurring"} {
		r = run(t, bin, nil, program, "-h")
		assert.Equal(t, 0, r.code, program)
		assert.Contains(t, r.stderr, "3 a write whose outcome is\nunknown", program)
	}

	// Against a real host it prints the signed request, and sends nothing.
	r = run(t, bin, []string{"XPAY_ALIAS=ALIAS_WEB_00000000", "XPAY_SECRET=CHIAVE_SEGRETA_DI_ESEMPIO_NON_VALIDA", "XPAY_BASE_URL=http://127.0.0.1:1"},
		"checkout", "-code", "ORD-2024-000123", "-amount", "50.00")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "http://127.0.0.1:1/ecomm/ecomm/DispatcherServlet?alias=ALIAS_WEB_00000000")
	assert.Contains(t, r.stdout, "mac=6e558767a4c722e223f02e9ab43ddc8b27e8e382", "the reference's page MAC")
}

// The subscription, offline: two Clients, the first payment, a charge a
// month later, the recurring alias's orders, a lost answer, a disabled
// contract.
func TestRecurringExample(t *testing.T) {
	t.Parallel()
	r := run(t, bin, nil, "recurring", "-code", "SUB-EX-1", "-amount", "9.99")
	require.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	for _, want := range []string{
		"alias: ALIA**************0001", "alias: ALIA**************0002",
		"contract CNT-SUB-EX-1 registered, card expiring 20",
		"2. A month later", "→ authorized: code",
		"recurring Client: SUB-EX-1-02 Autorizzato, €9.99", "the shop's Client: xpay: GetOrder: KO 2",
		"outcome unknown", "the order SUB-EX-1-03 is Autorizzato: the charge happened",
		"KO 8: Contratto non valido", "Done.",
	} {
		assert.Contains(t, r.stdout, want)
	}

	// Against a host with credentials: the contract, and the recurring alias, are required.
	env := []string{"XPAY_ALIAS=ALIAS_WEB_1", "XPAY_SECRET=x", "XPAY_BASE_URL=http://127.0.0.1:1"}
	r = run(t, bin, env, "recurring")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "-contract is required")
	r = run(t, bin, env, "recurring", "-contract", "CNT-1")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "XPAY_RECURRING_ALIAS")
}

// A client in another language (Python's standard library, no xpay) posts
// the payment page's form as Nexi's pagamento-semplice sample and pretix
// do, and as a redirect, pays, cancels, registers a contract and charges
// it, reading every outcome with the MAC formulas of docs/sandbox.md.
func TestCheckoutFromPython(t *testing.T) {
	t.Parallel()
	python, err := exec.LookPath("python3")
	require.NoError(t, err, "python3 is needed: .ci/run installs it")
	cmd := exec.Command(filepath.Join(bin, "xpay-sandbox"), "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	env := map[string]string{}
	lines := bufio.NewScanner(stdout)
	for len(env) < 3 && lines.Scan() {
		if kv, ok := strings.CutPrefix(lines.Text(), "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	require.Len(t, env, 3, "the command prints XPAY_BASE_URL, XPAY_ALIAS and XPAY_SECRET")
	out, err := exec.Command(python, filepath.Join("testdata", "checkout_client.py"), env["XPAY_BASE_URL"], env["XPAY_ALIAS"], env["XPAY_SECRET"]).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "ok\n", string(out))
}
