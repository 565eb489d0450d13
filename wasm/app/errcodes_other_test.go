//go:build !(js && wasm)

package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Every code an error of the authenticator can carry (errcode.New's first
// argument, an ErrorCode method's results, across shared/ and wasm/) is one
// web/app/twofold.d.ts declares, and one of this package's Code constants:
// the page can branch on each.
func TestEveryErrorCodeIsDeclared(t *testing.T) {
	consts := map[string]string{} // name → value of this package's Code constants
	for name, lit := range stringConsts(t, ".") {
		if strings.HasPrefix(name, "Code") {
			consts[name] = lit
		}
	}
	dts, err := os.ReadFile("../../web/app/twofold.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	// The union's lines: `  | "code"  // comment`, up to the one ending in ";".
	inDTS := map[string]bool{}
	member := regexp.MustCompile(`^\s*\|\s*"([a-z_]+)"(;?)`)
	lines := strings.Split(string(dts[strings.Index(string(dts), "export type ErrorCode ="):]), "\n")[1:]
	for _, line := range lines {
		m := member.FindStringSubmatch(line)
		if m == nil {
			break
		}
		inDTS[m[1]] = true
		if m[2] == ";" {
			break
		}
	}
	values := map[string]bool{}
	for _, v := range consts {
		values[v] = true
		if !inDTS[v] {
			t.Errorf("code %q is not in twofold.d.ts's ErrorCode", v)
		}
	}
	used := 0
	for _, root := range []string{"../../shared", "../../wasm"} {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			for _, code := range codesIn(t, path, consts) {
				used++
				if !values[code] {
					t.Errorf("%s: code %q is not one of the bridge's Code constants (and twofold.d.ts)", path, code)
				}
			}
			return nil
		})
	}
	if used < 40 {
		t.Fatalf("found only %d coded errors", used)
	}
}

// codesIn lists the codes a file gives errors: errcode.New's first
// argument (a string or a Code constant) and what ErrorCode methods return.
func codesIn(t *testing.T, path string, consts map[string]string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	value := func(e ast.Expr) {
		switch v := e.(type) {
		case *ast.BasicLit:
			if s, err := strconv.Unquote(v.Value); err == nil {
				out = append(out, s)
			}
		case *ast.Ident:
			if c, ok := consts[v.Name]; ok {
				out = append(out, c)
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "New" && len(n.Args) == 2 {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "errcode" {
					value(n.Args[0])
				}
			}
		case *ast.FuncDecl:
			if n.Name.Name == "ErrorCode" && n.Recv != nil && n.Body != nil {
				ast.Inspect(n.Body, func(m ast.Node) bool {
					if r, ok := m.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
						value(r.Results[0])
					}
					return true
				})
			}
		}
		return true
	})
	return slices.Compact(out)
}

// stringConsts are the string constants declared in a package directory.
func stringConsts(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, path := range files {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							out[name.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	return out
}
