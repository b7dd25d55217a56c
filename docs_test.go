package xpay_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// The reference in docs/ is kept true by tests, as the code is: the
// operations table against the API reference's table the operations are
// built from (SpecServices), the wire names against the package's types,
// and every Go block of README.md and docs/*.md by compiling it. The error
// messages (TestDocumentedErrorMessages), the fault matrix
// (TestFaultMatrixIsDocumented) and the control API's curls
// (examples.TestDocumentedControlAPICurls) have tests of their own.

// docs are the Markdown files whose Go blocks must compile.
func docs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("docs/*.md")
	require.NoError(t, err)
	return append([]string{"README.md"}, files...)
}

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

// tableRows returns the cells of the rows of every Markdown table in text
// whose header row starts with header, the header and its rule left out.
func tableRows(text, header string) [][]string {
	var rows [][]string
	in := false
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, header):
			in = true
		case !in || strings.HasPrefix(line, "|---"):
		case !strings.HasPrefix(line, "|"):
			in = false
		default:
			cells := strings.Split(strings.Trim(line, "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			rows = append(rows, cells)
		}
	}
	return rows
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// codeSpans returns the text of the code spans of s.
func codeSpans(s string) []string {
	var spans []string
	for _, m := range codeSpan.FindAllStringSubmatch(s, -1) {
		spans = append(spans, m[1])
	}
	return spans
}

// Every operation has one row in docs/operations.md, and the row says what
// the API reference's table says: the URI, whether it is a write (✎), and
// the request MAC's fields in order.
func TestOperationsTableMatchesTheSpec(t *testing.T) {
	t.Parallel()
	spec := xpay.SpecServices()
	client := reflect.TypeFor[*xpay.Client]()
	rows := tableRows(readDoc(t, "docs/operations.md"), "| Method | XPay service (URI) | MAC fields, in order |")
	require.NotEmpty(t, rows)
	seen := map[string]bool{}
	for _, row := range rows {
		require.GreaterOrEqual(t, len(row), 3, "%q", row)
		var op string
		for _, m := range codeSpans(row[0]) {
			_, ok := client.MethodByName(m)
			assert.True(t, ok, "%s is no method of the Client", m)
			if _, ok := spec[m]; ok {
				assert.Empty(t, op, "a row of two operations: %q", row[0])
				op = m
			}
		}
		if op == "" {
			assert.Equal(t, "`SignPaymentPage`", row[0], "a row without an operation: only the payment page, which sends nothing, has one")
			continue
		}
		s := spec[op]
		assert.False(t, seen[op], "%s has two rows", op)
		seen[op] = true
		assert.Equal(t, s.Write, strings.Contains(row[0], "✎"), "%s: ✎ marks a write, and only a write", op)
		assert.Equal(t, []string{s.URI}, codeSpans(row[1]), "%s: the URI", op)
		assert.Equal(t, s.MAC, strings.Split(row[2], ", "), "%s: the MAC fields", op)
	}
	for op := range spec {
		assert.True(t, seen[op], "%s has no row in docs/operations.md", op)
	}
}

// source is what the package's source declares and says: the names it
// declares, the wire names of its struct tags, and its string constants.
type source struct {
	declared map[string]bool // types, funcs, methods, fields, consts and vars
	tags     map[string]bool // json and xpay tag names of exported struct fields
	literals []string        // every string literal, unquoted
}

func readSource(t *testing.T) source {
	t.Helper()
	src := source{declared: map[string]bool{}, tags: map[string]bool{}}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, src.visit)
	}
	return src
}

func (src *source) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.TypeSpec:
		src.declared[n.Name.Name] = true
		if st, ok := n.Type.(*ast.StructType); ok && !ownFormat[n.Name.Name] {
			for _, f := range st.Fields.List {
				src.tag(f)
			}
		}
	case *ast.FuncDecl:
		src.declared[n.Name.Name] = true
	case *ast.ValueSpec:
		src.declare(n.Names)
	case *ast.Field:
		src.declare(n.Names)
	case *ast.BasicLit:
		if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING {
			src.literals = append(src.literals, s)
		}
	}
	return true
}

func (src *source) declare(names []*ast.Ident) {
	for _, id := range names {
		src.declared[id.Name] = true
	}
}

// ownFormat are the types whose JSON is this package's own format, for
// storing them, not XPay's.
var ownFormat = map[string]bool{"PendingWrite": true}

// tag records the wire names of the exported field f.
func (src *source) tag(f *ast.Field) {
	for _, id := range f.Names {
		if !id.IsExported() || f.Tag == nil {
			continue
		}
		tag, _ := strconv.Unquote(f.Tag.Value)
		for _, key := range []string{"json", "xpay"} {
			name, _, _ := strings.Cut(reflect.StructTag(tag).Get(key), ",")
			if name != "" && name != "-" {
				src.tags[name] = true
			}
		}
	}
}

// knows reports whether wire is a wire name of the package: a tag, or a
// string it writes or reads (a MAC field, a parameter of the payment page).
func (src *source) knows(wire string) bool {
	if src.tags[wire] {
		return true
	}
	return slices.ContainsFunc(src.literals, func(s string) bool { return s == wire || strings.Contains(s, strconv.Quote(wire)) })
}

var goName = regexp.MustCompile(`^(xpay\.)?[A-Z]\w*(\.[A-Z]\w*)*(\(\))?$`)

// Every row of docs/wire-names.md names wire names the package reads or
// writes and Go names it declares; every wire name of an exported field
// has a row.
func TestWireNamesTable(t *testing.T) {
	t.Parallel()
	src := readSource(t)
	rows := tableRows(readDoc(t, "docs/wire-names.md"), "| Wire name | Go name | Where |")
	require.NotEmpty(t, rows)
	listed := map[string]bool{}
	for _, row := range rows {
		require.Len(t, row, 3, "%q", row)
		for _, span := range codeSpans(row[0]) {
			for _, wire := range strings.Split(span, ".") {
				listed[wire] = true
				assert.True(t, src.knows(wire), "%s: a wire name the package neither reads nor writes", wire)
			}
		}
		for _, span := range append(codeSpans(row[1]), codeSpans(row[2])...) {
			if !goName.MatchString(span) || slices.Contains(src.literals, span) {
				continue // a value ("978", "STORNO") or a wire name
			}
			for name := range strings.SplitSeq(strings.TrimSuffix(strings.TrimPrefix(span, "xpay."), "()"), ".") {
				assert.True(t, src.declared[name], "%s (%s): no such name in the package", name, span)
			}
		}
	}
	for wire := range src.tags {
		assert.True(t, listed[wire], "%s: a wire name with no row in docs/wire-names.md", wire)
	}
}

// goBlock is a Go block of a Markdown file.
type goBlock struct {
	file string
	line int
	code string
}

func goBlocks(t *testing.T, name string) []goBlock {
	t.Helper()
	var blocks []goBlock
	var cur *goBlock
	for i, line := range strings.Split(readDoc(t, name), "\n") {
		switch {
		case cur == nil && line == "```go":
			cur = &goBlock{file: name, line: i + 2}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.code += line + "\n"
		}
	}
	require.Nil(t, cur, "%s: a Go block is not closed", name)
	return blocks
}

// docPackages are the packages a Go block of the documentation may use, by
// name.
var docPackages = map[string]string{
	"xpay": "github.com/xpaygo/xpay", "xpaytest": "github.com/xpaygo/xpay/xpaytest", "sqljournal": "github.com/xpaygo/xpay/sqljournal",
	"context": "context", "errors": "errors", "fmt": "fmt", "log": "log", "os": "os", "http": "net/http", "time": "time",
	"sql": "database/sql", "json": "encoding/json", "slog": "log/slog", "url": "net/url", "testing": "testing", "io": "io",
	"strings": "strings",
}

// docVars are the names a Go block of the documentation may use without
// declaring them: what the surrounding code of a reader's program holds.
const docVars = `
var (
	ctx      context.Context
	err      error // the error of the call before
	client   *xpay.Client
	w        http.ResponseWriter
	r        *http.Request
	req      *xpay.ListOrdersRequest // the request of a list, for Orders
	dsn      string                  // the merchant's database
	alias    string
	secret   string
	hostname string // names the replica
	code     string // an order's transaction code
	amount   xpay.Amount
	// shop is the merchant's own store of payment results.
	shop interface {
		RecordPayment(context.Context, *xpay.PaymentResult) error
		RecordRefusal(context.Context, *xpay.PaymentResult) error
	}
)
`

// program turns a Go block into a Go file of package main: a whole file
// as it is; declarations (a func) with the imports they use; statements
// inside a function, after which every variable they declare is used.
func (b goBlock) program() (string, error) {
	if strings.HasPrefix(b.code, "package ") {
		return b.code, nil
	}
	body := b.code
	f, err := parser.ParseFile(token.NewFileSet(), "", "package main\n"+b.code, 0)
	if err != nil {
		f, err = parser.ParseFile(token.NewFileSet(), "", "package main\nfunc _() {\n"+b.code+"\n}", 0)
		if err != nil {
			return "", err
		}
		var used strings.Builder
		for _, name := range declaredIn(f.Decls[0].(*ast.FuncDecl).Body) {
			fmt.Fprintf(&used, "\t_ = %s\n", name)
		}
		body = "func _() {\n" + b.code + used.String() + "}\n"
	}
	uses := map[string]bool{"context": true, "xpay": true, "http": true} // docVars' own
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				uses[id.Name] = true
			}
		}
		return true
	})
	var imports strings.Builder
	for _, name := range slices.Sorted(maps.Keys(docPackages)) {
		if uses[name] {
			fmt.Fprintf(&imports, "\t%q\n", docPackages[name])
		}
	}
	return "package main\n\nimport (\n" + imports.String() + ")\n" + docVars + "\nfunc main() {}\n\n" + body, nil
}

// declaredIn returns the variables that the statements of body declare in
// its own scope.
func declaredIn(body *ast.BlockStmt) []string {
	var names []string
	for _, s := range body.List {
		for _, id := range declares(s) {
			if id.Name != "_" && !slices.Contains(names, id.Name) {
				names = append(names, id.Name)
			}
		}
	}
	return names
}

// declares returns the names the statement s declares.
func declares(s ast.Stmt) []*ast.Ident {
	var ids []*ast.Ident
	switch s := s.(type) {
	case *ast.AssignStmt:
		if s.Tok == token.DEFINE {
			for _, e := range s.Lhs {
				ids = append(ids, e.(*ast.Ident))
			}
		}
	case *ast.DeclStmt:
		for _, spec := range s.Decl.(*ast.GenDecl).Specs {
			if v, ok := spec.(*ast.ValueSpec); ok {
				ids = append(ids, v.Names...)
			}
		}
	}
	return ids
}

// Every Go block of README.md and docs/*.md compiles: each is a program of
// its own, in a module that uses this one, checked by go vet.
func TestDocumentedGoCompiles(t *testing.T) {
	t.Parallel()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is needed to compile the documentation's Go blocks")
	}
	root, err := filepath.Abs(".")
	require.NoError(t, err)
	dir := t.TempDir()
	mod := readDoc(t, "go.mod")
	mod = strings.Replace(mod, "module github.com/xpaygo/xpay", "module docblocks", 1)
	mod += "\nrequire github.com/xpaygo/xpay v0.0.0\n\nreplace github.com/xpaygo/xpay => " + strconv.Quote(root) + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644))
	sum, err := os.ReadFile("go.sum")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))

	var where []string // by package, where its block is
	for _, name := range docs(t) {
		for _, b := range goBlocks(t, name) {
			prog, err := b.program()
			if !assert.NoError(t, err, "%s:%d: the block does not parse", b.file, b.line) {
				continue
			}
			pkg := fmt.Sprintf("b%02d", len(where))
			where = append(where, fmt.Sprintf("%s is %s:%d", pkg, b.file, b.line))
			require.NoError(t, os.MkdirAll(filepath.Join(dir, pkg), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, pkg, "main.go"), []byte(prog), 0o644))
		}
	}
	require.NotEmpty(t, where)
	cmd := exec.Command(gocmd, "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "%s\n%s", out, strings.Join(where, "\n"))
}

// The library imports the standard library and go-querystring only, and
// sqljournal no driver: a program that uses them downloads nothing else
// (the README's promise, and the module's rule).
func TestImportsOnlyTheStandardLibraryAndQuerystring(t *testing.T) {
	t.Parallel()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is needed to list the imports")
	}
	out, err := exec.Command(gocmd, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".", "./sqljournal").Output()
	require.NoError(t, err)
	allowed := []string{"github.com/xpaygo/xpay", "github.com/xpaygo/xpay/internal/lenient", "github.com/xpaygo/xpay/sqljournal",
		"github.com/google/go-querystring/query"}
	var got []string
	for _, p := range strings.Fields(string(out)) {
		if !slices.Contains(allowed, p) {
			got = append(got, p)
		}
	}
	assert.Empty(t, got, "imported by the library or sqljournal")
}
