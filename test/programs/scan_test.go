package programs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// site is one place in the tree that starts an external program.
type site struct {
	pos      string   // file:line, relative to the module root
	fn       string   // package directory and enclosing function: "test/cluster.Exec"
	programs []string // the program names the site can run, when known
	// wrapper: the program is the enclosing function's parameter number
	// param, so its callers name it (wrapper sites have no programs).
	wrapper bool
	param   int
	method  bool
}

// scanTree finds every exec site in the module's Go files: the program of
// exec.Command and exec.CommandContext, and the Path of a runner.Cmd.
// Where the program is a variable, the literal it is set from is looked up
// in the same package (a constant, a struct field's value in a composite
// literal, an assignment); a site whose program is found nowhere comes back
// with no programs, for the dynamic table to explain.
func scanTree(root string) ([]site, error) {
	pkgs := map[string][]*ast.File{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "vendor" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() && path != root {
			// Another module: an unpacked source tarball under rpm/out.
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		pkgs[dir] = append(pkgs[dir], f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var sites []site
	for dir, files := range pkgs {
		rel, _ := filepath.Rel(root, dir)
		pkg := filepath.ToSlash(rel)
		lits := literalsByName(fset, files, false)
		testLits := literalsByName(fset, files, true)
		for _, f := range files {
			isTest := strings.HasSuffix(fset.Position(f.Pos()).Filename, "_test.go")
			for _, decl := range f.Decls {
				fn := "(package level)"
				var params []string
				method := false
				local := map[string][]string{}
				if fd, ok := decl.(*ast.FuncDecl); ok {
					fn = fd.Name.Name
					params = paramNames(fd.Type)
					method = fd.Recv != nil
					local = literalsIn(fd)
				}
				ast.Inspect(decl, func(n ast.Node) bool {
					prog := programExpr(n)
					if prog == nil {
						return true
					}
					s := site{pos: position(fset, root, n.Pos()), fn: pkg + "." + fn}
					if i := paramIndex(prog, params); i >= 0 {
						s.wrapper, s.param, s.method = true, i, method
					} else if s.programs = resolve(prog, local); len(s.programs) > 0 {
						// The function's own constant or variable.
					} else if isTest {
						s.programs = resolve(prog, testLits)
					} else {
						// A production site runs what production code sets,
						// not what a test puts in its place.
						s.programs = resolve(prog, lits)
					}
					sites = append(sites, s)
					return true
				})
			}
		}
	}
	return append(sites, wrapperCalls(fset, root, pkgs, sites)...), nil
}

// literalsIn is literalsByName for one function's body.
func literalsIn(fd *ast.FuncDecl) map[string][]string {
	if fd.Body == nil {
		return nil
	}
	return literalsOf([]ast.Node{fd.Body})
}

// wrapperCalls turns every call of a wrapper with a string literal where the
// program goes into a site of its own: test/cluster's Node.Exec(ctx,
// "crm_mon", ...) runs crm_mon. Calls are matched by name, in the wrapper's
// package and, for an exported wrapper, in the files that import that
// package; an argument with a space (an SQL statement given to pgx's Exec)
// is no program, nor is the name of a subtest (t.Run, b.Run).
func wrapperCalls(fset *token.FileSet, root string, pkgs map[string][]*ast.File, sites []site) []site {
	var out []site
	for _, w := range sites {
		if !w.wrapper {
			continue
		}
		wpkg, name, _ := strings.Cut(w.fn, ".")
		exported := ast.IsExported(name)
		for dir, files := range pkgs {
			rel, _ := filepath.Rel(root, dir)
			home := filepath.ToSlash(rel) == wpkg
			if !home && !exported {
				continue
			}
			lits := literalsByName(fset, files, true)
			for _, f := range files {
				if !home && !imports(f, modulePath+"/"+wpkg) {
					continue
				}
				ast.Inspect(f, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok || lastName(call.Fun) != name || w.param >= len(call.Args) {
						return true
					}
					if sel, ok := call.Fun.(*ast.SelectorExpr); ok && w.method {
						if x, ok := sel.X.(*ast.Ident); ok && (x.Name == "t" || x.Name == "b") {
							return true
						}
					}
					for _, s := range resolve(call.Args[w.param], lits) {
						if !strings.ContainsAny(s, " \t") {
							out = append(out, site{pos: position(fset, root, call.Pos()), fn: w.fn, programs: []string{s}})
						}
					}
					return true
				})
			}
		}
	}
	return out
}

const modulePath = "github.com/qvd-ha/qvd-ha"

func imports(f *ast.File, path string) bool {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == path {
			return true
		}
	}
	return false
}

func position(fset *token.FileSet, root string, pos token.Pos) string {
	p := fset.Position(pos)
	rel, _ := filepath.Rel(root, p.Filename)
	return rel + ":" + strconv.Itoa(p.Line)
}

func paramNames(ft *ast.FuncType) []string {
	var names []string
	for _, field := range ft.Params.List {
		for _, n := range field.Names {
			names = append(names, n.Name)
		}
		if len(field.Names) == 0 {
			names = append(names, "_")
		}
	}
	return names
}

// paramIndex is the number of the enclosing function's parameter that the
// program expression is made of (name, args[0], "/usr/sbin/"+name), or -1.
func paramIndex(e ast.Expr, params []string) int {
	switch x := e.(type) {
	case *ast.IndexExpr:
		return paramIndex(x.X, params)
	case *ast.BinaryExpr:
		return paramIndex(x.Y, params)
	case *ast.Ident:
		for i, p := range params {
			if p == x.Name {
				return i
			}
		}
	}
	return -1
}

// programExpr returns the expression naming the program, if n is an exec
// site.
func programExpr(n ast.Node) ast.Expr {
	switch n := n.(type) {
	case *ast.CallExpr:
		sel, ok := n.Fun.(*ast.SelectorExpr)
		if !ok {
			return nil
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "exec" {
			return nil
		}
		switch {
		case sel.Sel.Name == "Command" && len(n.Args) > 0:
			return n.Args[0]
		case sel.Sel.Name == "CommandContext" && len(n.Args) > 1:
			return n.Args[1]
		}
	case *ast.CompositeLit:
		if !isRunnerCmd(n.Type) {
			return nil
		}
		for _, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Path" {
					return kv.Value
				}
			}
		}
	}
	return nil
}

func isRunnerCmd(t ast.Expr) bool {
	switch t := t.(type) {
	case *ast.SelectorExpr:
		x, ok := t.X.(*ast.Ident)
		return ok && x.Name == "runner" && t.Sel.Name == "Cmd"
	}
	return false
}

// literalsByName maps a name to the string literals it is given anywhere in
// the package: const and var declarations, keyed fields of composite
// literals, and plain assignments.
func literalsByName(fset *token.FileSet, files []*ast.File, withTests bool) map[string][]string {
	var nodes []ast.Node
	for _, f := range files {
		if withTests || !strings.HasSuffix(fset.Position(f.Pos()).Filename, "_test.go") {
			nodes = append(nodes, f)
		}
	}
	return literalsOf(nodes)
}

func literalsOf(nodes []ast.Node) map[string][]string {
	m := map[string][]string{}
	add := func(name string, e ast.Expr) {
		if s, ok := stringLit(e); ok {
			m[name] = append(m[name], s)
		}
	}
	for _, f := range nodes {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, name := range n.Names {
					if i < len(n.Values) {
						add(name.Name, n.Values[i])
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok {
					add(k.Name, n.Value)
				}
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					if i < len(n.Rhs) {
						add(lastName(lhs), n.Rhs[i])
					}
				}
			}
			return true
		})
	}
	return m
}

func resolve(e ast.Expr, lits map[string][]string) []string {
	if s, ok := stringLit(e); ok {
		return []string{s}
	}
	if name := lastName(e); name != "" && name != "Path" {
		return lits[name]
	}
	return nil
}

// lastName is the identifier an expression ends in: x, r.x, pkg.X.
func lastName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}
