// Package wasmbuild is the one place that says how the authenticator's
// WebAssembly is built, so `make wasm`, the size benchmark and the node and
// Chromium tests all measure and run the same binary. The size budget (1.2 MB
// brotli) is met by stripping symbols and by inlining only where it pays: the
// QR decoder and the runtime and crypto packages keep the compiler's inlining
// (they are the hot paths of scanning and unlocking), every other package is
// built with -l, which costs nothing a person notices and saves about 13 KB
// of brotli.
package wasmbuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
)

// Package is the authenticator's main package.
const Package = "github.com/twofold-auth/twofold/wasm/app"

// GCFlags are the per-package compiler flags; the last matching pattern wins.
var GCFlags = []string{
	"-gcflags=all=-l",
	"-gcflags=runtime=",
	"-gcflags=github.com/makiuchi-d/gozxing/...=",
	"-gcflags=github.com/twofold-auth/twofold/wasm/qr=",
	"-gcflags=golang.org/x/crypto/...=",
}

// Args are the go command's arguments that build the wasm into out.
func Args(out string) []string {
	args := []string{"build", "-trimpath", "-ldflags=-s -w"}
	args = append(args, GCFlags...)
	return append(args, "-o", out, Package)
}

// Build compiles the authenticator into out with GOOS=js GOARCH=wasm.
func Build(ctx context.Context, out string) error {
	cmd := exec.CommandContext(ctx, "go", Args(out)...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the wasm: %v\n%s", err, msg)
	}
	return nil
}
