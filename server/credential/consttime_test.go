package credential

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// Invariant 4 is a property of the code, not of any output: timing cannot be
// asserted in a test. This pins it in the source instead. Every function that
// compares a submitted secret (TOTP code, recovery code hash, password hash,
// push registration public key) calls
// crypto/subtle.ConstantTimeCompare, with no early exit from its loop, and
// no server or shared code compares bytes with bytes.Equal, bytes.Compare
// or reflect.DeepEqual. Session and application tokens are never compared
// in Go: the store looks them up by their SHA-256 (an index lookup on a hash
// of the attacker's input reveals nothing about stored tokens).
func TestInvariant4_SecretComparisonsAreConstantTime(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, c := range []struct{ file, fn string }{
		{"shared/otpcode/otpcode.go", "verify"},
		{"server/credential/recovery.go", "MatchHash"},
		{"server/credential/password.go", "VerifyPassword"},
		{"server/service/push.go", "sameBytes"},
	} {
		f := parse(t, filepath.Join(root, c.file))
		var body *ast.BlockStmt
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == c.fn {
				body = fd.Body
			}
		}
		if body == nil {
			t.Errorf("%s: no func %s (renamed? update this test and docs/security.md)", c.file, c.fn)
			continue
		}
		if !calls(body, "subtle", "ConstantTimeCompare") {
			t.Errorf("%s: %s does not compare with subtle.ConstantTimeCompare", c.file, c.fn)
		}
		ast.Inspect(body, func(n ast.Node) bool {
			loop, ok := n.(*ast.RangeStmt)
			if !ok || !calls(loop.Body, "subtle", "ConstantTimeCompare") {
				return true
			}
			ast.Inspect(loop.Body, func(m ast.Node) bool {
				switch m := m.(type) {
				case *ast.ReturnStmt:
					t.Errorf("%s: %s returns from inside its comparison loop", c.file, c.fn)
				case *ast.BranchStmt:
					if m.Tok == token.BREAK {
						t.Errorf("%s: %s breaks out of its comparison loop", c.file, c.fn)
					}
				}
				return true
			})
			return true
		})
	}

	for _, dir := range []string{"server", "shared"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			// Test-support packages (the store conformance suite, fixture
			// writers) compare test data, not secrets.
			if strings.Contains(filepath.ToSlash(path), "test/") {
				return nil
			}
			f := parse(t, path)
			for _, bad := range [][2]string{{"bytes", "Equal"}, {"bytes", "Compare"}, {"reflect", "DeepEqual"}} {
				if calls(f, bad[0], bad[1]) {
					t.Errorf("%s calls %s.%s: compare secrets with crypto/subtle (or say here why this is no secret)", path, bad[0], bad[1])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func parse(t *testing.T, path string) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// calls reports whether n contains a call of pkg.name.
func calls(n ast.Node, pkg, name string) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		call, ok := m.(*ast.CallExpr)
		if !ok {
			return !found
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == name {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == pkg {
				found = true
			}
		}
		return !found
	})
	return found
}
