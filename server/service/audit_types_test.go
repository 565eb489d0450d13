package service

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Every Event constant of the package is in AuditEventTypes, once.
func TestAuditEventTypesListsEveryEvent(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var consts []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range vs.Names {
				if strings.HasPrefix(name.Name, "Event") && i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						consts = append(consts, v)
					}
				}
			}
			return true
		})
	}
	if len(consts) < 40 {
		t.Fatalf("found only %d Event constants", len(consts))
	}
	listed := slices.Clone(AuditEventTypes)
	slices.Sort(listed)
	slices.Sort(consts)
	if len(slices.Compact(slices.Clone(listed))) != len(listed) {
		t.Errorf("AuditEventTypes repeats a type: %v", listed)
	}
	if !slices.Equal(listed, consts) {
		t.Errorf("AuditEventTypes %v\nconstants       %v", listed, consts)
	}
}
