// Command layers prints the loops of the root package's file reference
// graph: file A refers to file B when A uses a name declared at the top
// level of B (a constant, variable, type or function, or a method or field
// of one of B's types). A loop is a strongly connected component of more
// than one file; a package in layers has loops only in its core.
//
//	go run ./scripts/layers        # the loops, largest first
//	go run ./scripts/layers -v     # and, for each edge inside a loop, the names that make it
//	go run ./scripts/layers -top   # counting package-level names only, not methods and fields
//
// Test files are left out. It exits 0 whatever it finds.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// graph is the file reference graph: from → to → the names that make the edge.
type graph map[string]map[string][]string

func main() {
	verbose := flag.Bool("v", false, "print the names behind each edge inside a loop")
	top := flag.Bool("top", false, "count package-level names only, not methods and fields")
	dir := flag.String("dir", ".", "the package's directory")
	flag.Parse()

	files, g, err := load(*dir, *top)
	if err != nil {
		fmt.Fprintln(os.Stderr, "layers:", err)
		os.Exit(2)
	}
	loops := 0
	for _, c := range scc(files, g) {
		if len(c) < 2 {
			continue
		}
		loops++
		fmt.Printf("loop of %d files: %s\n", len(c), strings.Join(c, " "))
		if *verbose {
			printEdges(c, g)
		}
	}
	fmt.Printf("%d files, %d loops\n", len(files), loops)
}

// load type-checks the package in dir, without its tests, and returns its
// files, sorted, and its file reference graph.
func load(dir string, top bool) ([]string, graph, error) {
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, nil, err
	}
	var parsed []*ast.File
	var files []string
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, err
		}
		parsed = append(parsed, f)
		files = append(files, filepath.Base(p))
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("root", fset, parsed, info)
	if err != nil {
		return nil, nil, err
	}
	name := func(pos token.Pos) string { return filepath.Base(fset.Position(pos).Filename) }
	g := graph{}
	for id, obj := range info.Uses {
		if obj.Pkg() != pkg || !obj.Pos().IsValid() {
			continue
		}
		// Methods and fields have no parent scope; locals have a function's.
		if p := obj.Parent(); p != pkg.Scope() && (p != nil || top) {
			continue
		}
		from, to := name(id.Pos()), name(obj.Pos())
		if from != to && slices.Contains(files, to) {
			g.add(from, to, obj.Name())
		}
	}
	sort.Strings(files)
	return files, g, nil
}

func (g graph) add(from, to, name string) {
	if g[from] == nil {
		g[from] = map[string][]string{}
	}
	if !slices.Contains(g[from][to], name) {
		g[from][to] = append(g[from][to], name)
	}
}

// printEdges prints the edges between the files of the loop c.
func printEdges(c []string, g graph) {
	for _, from := range c {
		for _, to := range slices.Sorted(maps.Keys(g[from])) {
			if !slices.Contains(c, to) {
				continue
			}
			names := slices.Sorted(slices.Values(g[from][to]))
			fmt.Printf("  %s -> %s: %s\n", from, to, strings.Join(names, ", "))
		}
	}
}

// scc returns the strongly connected components of g (Tarjan's
// algorithm), largest first, each sorted.
func scc(nodes []string, g graph) [][]string {
	t := tarjan{g: g, index: map[string]int{}, low: map[string]int{}, onStack: map[string]bool{}}
	for _, v := range nodes {
		if _, seen := t.index[v]; !seen {
			t.visit(v)
		}
	}
	for _, c := range t.comps {
		sort.Strings(c)
	}
	sort.SliceStable(t.comps, func(i, j int) bool { return len(t.comps[i]) > len(t.comps[j]) })
	return t.comps
}

type tarjan struct {
	g          graph
	index, low map[string]int
	onStack    map[string]bool
	stack      []string
	comps      [][]string
}

func (t *tarjan) visit(v string) {
	t.index[v], t.low[v] = len(t.index), len(t.index)
	t.stack = append(t.stack, v)
	t.onStack[v] = true
	for _, w := range slices.Sorted(maps.Keys(t.g[v])) {
		if _, seen := t.index[w]; !seen {
			t.visit(w)
			t.low[v] = min(t.low[v], t.low[w])
		} else if t.onStack[w] {
			t.low[v] = min(t.low[v], t.index[w])
		}
	}
	if t.low[v] == t.index[v] {
		t.pop(v)
	}
}

// pop takes the component whose root is v off the stack.
func (t *tarjan) pop(v string) {
	var c []string
	for {
		w := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		t.onStack[w] = false
		c = append(c, w)
		if w == v {
			t.comps = append(t.comps, c)
			return
		}
	}
}
