package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// BrotliBudget is the authenticator's size target: the brotli copy the
// server sends, in bytes (the 1.2 MB).
const BrotliBudget = 1_200_000

// BenchmarkWasmSize builds the authenticator as `make wasm` does and reports
// its raw, gzip and brotli sizes (in `make bench`). It is a benchmark, not a
// test, because a wasm build takes tens of seconds on a cold cache.
func BenchmarkWasmSize(b *testing.B) {
	// The framework may call this several times with growing b.N; build once.
	sizeOnce.Do(func() { sizes, sizeErr = measureWasm(b) })
	if sizeErr != nil {
		b.Fatal(sizeErr)
	}
	b.ReportMetric(float64(sizes.Raw), "raw-B")
	b.ReportMetric(float64(sizes.Gzip), "gzip-B")
	b.ReportMetric(float64(sizes.Brotli), "brotli-B")
	b.ReportMetric(float64(sizes.Brotli)/BrotliBudget, "brotli/budget")
	if sizes.Brotli > BrotliBudget {
		b.Logf("brotli size %d B is over the %d B budget", sizes.Brotli, BrotliBudget)
	}
}

var (
	sizeOnce sync.Once
	sizes    Sizes
	sizeErr  error
)

func measureWasm(b *testing.B) (Sizes, error) {
	out := filepath.Join(b.TempDir(), "twofold.wasm")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "../../app")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if msg, err := build.CombinedOutput(); err != nil {
		return Sizes{}, fmt.Errorf("building the wasm: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return Sizes{}, err
	}
	gz, br, err := Compress(data)
	if err != nil {
		return Sizes{}, err
	}
	return Sizes{Raw: len(data), Gzip: len(gz), Brotli: len(br)}, nil
}
