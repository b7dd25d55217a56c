package xpay_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
	"github.com/xpaygo/xpay/internal/lenient"
	"github.com/xpaygo/xpay/xpaytest"
)

// helpers are the Client's methods that are not operations of their own,
// with the operation each stands on ("" for none).
var helpers = map[string]string{
	"Orders":                     "ListOrders",
	"PayByLinks":                 "ListPayByLinks",
	"SignDownloadURL":            "DownloadReport",
	"Settle":                     "GetOrder",
	"VerifyPaymentResult":        "",
	"SignPaymentPage":            "",
	"PaymentNotificationHandler": "",
	"String":                     "",
	"GoString":                   "",
	"CloseIdleConnections":       "",
	"BaseURL":                    "",
	"AliasFingerprint":           "",
	"Recover":                    "GetOrder",
	"Resolve":                    "",
	"Drop":                       "",
}

// Adding an operation means adding it everywhere: this fails, naming what
// is missing, for a Client method with no row in the API reference's table
// (spec_test.go), no recorded answers in testdata, no route in the sandbox,
// no end-to-end case, or a doc that does not say whether it is a read or a
// write. Nothing here counts by hand.
func TestEveryMethodIsCovered(t *testing.T) {
	t.Parallel()
	spec := xpay.SpecOperations()
	fixtures := map[string][]string{}
	for _, oc := range opCases() {
		fixtures[oc.name] = []string{oc.ok, oc.ko}
	}
	fixtures["DownloadReport"] = []string{"downloadReport-ok.csv", "downloadReport-ko.json"}
	routes := xpaytest.Operations()
	var e2e []string
	for _, c := range e2eCases(t.Context()) {
		e2e = append(e2e, c.name)
	}
	docs := methodDocs(t)

	ct := reflect.TypeFor[*xpay.Client]()
	methods := map[string]bool{}
	for i := range ct.NumMethod() {
		methods[ct.Method(i).Name] = true
	}
	operations := 0
	for name := range methods {
		if base, ok := helpers[name]; ok {
			if base != "" {
				_, isOp := spec[base]
				assert.True(t, isOp, "%s stands on %s, which is no operation", name, base)
			}
			continue
		}
		operations++
		t.Run(name, func(t *testing.T) {
			write, ok := spec[name]
			require.True(t, ok, "%s has no row in specTable (spec_test.go); if it is no operation, add it to helpers", name)
			files := fixtures[name]
			require.Len(t, files, 2, "%s has no opCase with recorded OK and KO answers (an opCase in the test file of its source file, gathered by opCases in operations_test.go)", name)
			for _, f := range files {
				_, err := os.Stat(filepath.Join("testdata", f))
				assert.NoError(t, err, "%s: fixture %s", name, f)
			}
			assert.Contains(t, routes, name, "%s has no route in the sandbox (xpaytest/routes.go)", name)
			assert.Contains(t, e2e, name, "%s has no end-to-end case (e2eCases in e2e_test.go)", name)
			kind := "It is a read"
			if write {
				kind = "It is a write"
			}
			assert.Contains(t, docs[name], kind, "%s's doc must say %q", name, kind)
			if xpay.SpecNothingFound()[name] {
				assert.Contains(t, docs[name], "Nothing found (a verified KO 2) is an empty answer", "%s's doc must say how it reads nothing found", name)
			}
		})
	}
	assert.Len(t, spec, operations, "specTable rows without a Client method")
	for _, r := range routes {
		assert.True(t, methods[r], "the sandbox serves %s, which the Client does not have", r)
	}
}

// Every answer type can be decoded: none answers to more keys than a
// decode tracks, so no decode panics at run time.
func TestEveryAnswerTypeDecodes(t *testing.T) {
	t.Parallel()
	ct := reflect.TypeFor[*xpay.Client]()
	checked := 0
	for i := range ct.NumMethod() {
		m := ct.Method(i).Type
		for j := range m.NumOut() {
			out := m.Out(j)
			if out.Kind() == reflect.Pointer && out.Elem().Kind() == reflect.Struct && out.Elem().PkgPath() == ct.Elem().PkgPath() && out != ct {
				assert.NoError(t, lenient.Check(out.Elem()), "%s returns %s", ct.Method(i).Name, out)
				checked++
			}
		}
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[xpay.Order](), reflect.TypeFor[xpay.PayByLink]()} {
		assert.NoError(t, lenient.Check(typ))
	}
	assert.Greater(t, checked, 20)
}

// methodDocs returns the doc comment of every method of *Client, from the
// package's source.
func methodDocs(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	docs := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		require.NoError(t, err)
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if ok && fn.Recv != nil && fn.Doc != nil {
				docs[fn.Name.Name] = fn.Doc.Text()
			}
		}
	}
	return docs
}
