package examples_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The curls of the control API in docs/sandbox.md run as written, in
// order, against a fresh xpay-sandbox, and answer what their comments say
// ("# → ...", where … stands for anything). Only the address differs: the
// test's sandbox listens on a free port, not on 8080.
func TestDocumentedControlAPICurls(t *testing.T) {
	curl, err := exec.LookPath("curl")
	require.NoError(t, err, "curl is needed to run the documented examples")
	doc, err := os.ReadFile(filepath.Join("..", "docs", "sandbox.md"))
	require.NoError(t, err)
	start := strings.Index(string(doc), "```sh\nS=http://127.0.0.1:8080/_sandbox\n")
	require.GreaterOrEqual(t, start, 0, "the block of control API curls in docs/sandbox.md")
	block, _, found := strings.Cut(string(doc)[start+len("```sh\n"):], "```")
	require.True(t, found)

	cmd := exec.Command(filepath.Join(bin, "xpay-sandbox"), "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	base := ""
	lines := bufio.NewScanner(stdout)
	for base == "" && lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "export XPAY_BASE_URL="); ok {
			base = v
		}
	}
	require.NotEmpty(t, base)
	block = strings.ReplaceAll(block, "http://127.0.0.1:8080", base)

	assignments, curls := "", 0
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
			continue
		case !strings.HasPrefix(line, "curl "):
			assignments += line + "\n" // S=..., J=...: every command that follows sees them
			continue
		}
		curls++
		out, err := exec.Command("bash", "-c", "set -eu\n"+assignments+strings.Replace(line, "curl ", curl+" --fail-with-body ", 1)).CombinedOutput()
		require.NoError(t, err, "%s\n%s", line, out)
		_, want, documented := strings.Cut(line, "# → ")
		require.True(t, documented, "every curl says what it answers: %s", line)
		assert.Regexp(t, pattern(want), strings.TrimSpace(string(out)), line)
	}
	assert.GreaterOrEqual(t, curls, 19, "every curl of the block ran")
}

// pattern is the regular expression of an answer as docs/sandbox.md writes
// it: the text itself, where … stands for anything.
func pattern(want string) *regexp.Regexp {
	parts := strings.Split(strings.TrimSpace(want), "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}
