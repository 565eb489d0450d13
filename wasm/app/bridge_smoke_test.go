package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/wasm/tools/wasmbuild"
)

// TestBridgeInNode builds the real twofold.wasm and drives globalThis.twofold
// in node (testdata/bridge_smoke.mjs) over a fake IndexedDB: argument checks,
// Promise rejections with codes, the IndexedDB adapter, lock/unlock with the
// default Argon2 parameters, the list's calls, the transfer module loaded on
// the first import of another app's file (fetch answers with the built
// twofold-transfer.wasm) and the exports through it, and shutdown. Chromium
// e2e tests cover the page.
func TestBridgeInNode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm")
	}
	if runtime.GOOS == "js" {
		t.Skip("runs on the host, driving node itself")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not installed (Debian package nodejs); CI must run this test")
		}
		t.Skip("node is not installed (Debian package nodejs)")
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	wasmExecDir := filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm")
	wasm := filepath.Join(t.TempDir(), "twofold.wasm")
	if err := wasmbuild.Build(context.Background(), wasm); err != nil {
		t.Fatal(err)
	}
	transfer := filepath.Join(t.TempDir(), "twofold-transfer.wasm")
	if err := wasmbuild.BuildTransfer(context.Background(), transfer); err != nil {
		t.Fatal(err)
	}
	run := exec.Command(node, "testdata/bridge_smoke.mjs", wasmExecDir, wasm, transfer)
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
