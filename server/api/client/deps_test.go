package client_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The client must not link the server: a program that speaks to a Twofold
// server (the CLI) should not carry its store, services or router, and a
// change that makes it do so should be seen, not shipped.
func TestNoServerDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !slices.Contains(deps, "github.com/twofold-auth/twofold/server/api/wire") {
		t.Fatalf("go list -deps gave an unlikely list:\n%s", out)
	}
	for _, d := range deps {
		for _, banned := range []string{
			"github.com/twofold-auth/twofold/server/store",
			"github.com/twofold-auth/twofold/server/service",
			"github.com/twofold-auth/twofold/server/auth",
			"github.com/go-chi/",
			"github.com/mattn/go-sqlite3",
		} {
			if strings.HasPrefix(d, banned) {
				t.Errorf("server/api/client depends on %s", d)
			}
		}
	}
	if slices.Contains(deps, "github.com/twofold-auth/twofold/server/api") {
		t.Error("server/api/client depends on server/api (the router)")
	}
}
