// Package wasmbuild is the one place that says how the authenticator's
// WebAssembly is built, so `make wasm`, the size benchmark and the node and
// Chromium tests all measure and run the same binary. The size budget (1.2 MB
// brotli, `brotli -q 11 -w 24`) is met by stripping symbols and by inlining
// only where it pays: the QR decoder (gozxing and wasm/qr) and
// golang.org/x/crypto (Argon2id, the unlock) keep the compiler's inlining, as
// they are the hot paths of scanning and unlocking; every other package, the
// runtime and the standard library included, is built with -l. Building the
// runtime with -l too saves about 21-25 KB of brotli (1,242,034 to 1,221,117
// bytes measured before push signing moved to WebCrypto; about 1,221,000 to
// 1,194,000-1,197,000 after: builds of the same source, whose binaries differ
// only in the build id, vary by up to 2 KB of brotli) and costs nothing a
// person notices, by the headless Chromium benchmarks of e2e on a loaded
// two-core machine, runs alternated: QR decoding on the app's 800 px path took
// a median 0.30 of jsQR's time either way (0.26-0.37 per run, both ways;
// target 0.35), every code jsQR read was read, and the vault unlock took a
// median 0.69-0.85 s inlined and 0.78-0.85 s not (fastest 0.55 s both ways;
// target 1 s).
//
// What the linker keeps matters as much: google.golang.org/protobuf's init
// (protowire, through internal/detrand) opened the executable with package
// os, and any time.Time held in an interface value keeps time's formatting.
// Without them (shared/pbwire instead of protowire; no time.Time in an error,
// a generic slice dictionary or time.After's timer) the build went from
// about 1,209,000 to 1,175,000 bytes of brotli, the issue-11 work included;
// TestLeavesOutUnusedCode keeps them out. Brotli's output here moves by up to
// 5 KB with changes that barely touch the binary (a constant, a few bytes
// appended), so compare builds by gzip or over several of them.
package wasmbuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
)

// Package is the authenticator's main package.
const Package = "github.com/twofold-auth/twofold/wasm/app"

// TransferPackage is the authenticator's second module, loaded on demand to
// read and write other apps' files (wasm/transferapp; it is outside the
// first load's budget, see docs/import-formats.md "Size").
const TransferPackage = "github.com/twofold-auth/twofold/wasm/transferapp"

// GCFlags are the per-package compiler flags; the last matching pattern wins.
var GCFlags = []string{
	"-gcflags=all=-l",
	"-gcflags=github.com/makiuchi-d/gozxing/...=",
	"-gcflags=github.com/twofold-auth/twofold/wasm/qr=",
	"-gcflags=golang.org/x/crypto/...=",
}

// Args are the go command's arguments that build the wasm into out.
func Args(out string) []string { return argsFor(Package, out) }

func argsFor(pkg, out string) []string {
	args := []string{"build", "-trimpath", "-ldflags=-s -w"}
	args = append(args, GCFlags...)
	return append(args, "-o", out, pkg)
}

// Build compiles the authenticator into out with GOOS=js GOARCH=wasm.
func Build(ctx context.Context, out string) error { return build(ctx, Package, out) }

// BuildTransfer compiles the transfer module into out, with the same flags
// (x/crypto keeps its inlining: scrypt and Argon2 open encrypted files).
func BuildTransfer(ctx context.Context, out string) error { return build(ctx, TransferPackage, out) }

func build(ctx context.Context, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", argsFor(pkg, out)...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the wasm: %v\n%s", err, msg)
	}
	return nil
}
