package main

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/twofold-auth/twofold/wasm/tools/wasmbuild"
)

// BrotliBudget is the authenticator's size target: the brotli copy the
// server sends, in bytes (the 1.2 MB).
const BrotliBudget = 1_200_000

// BenchmarkWasmSize builds the authenticator as `make wasm` does and reports
// its raw, gzip and brotli sizes (in `make bench`), and the brotli size of
// the transfer module it loads on demand (outside the budget). It is a benchmark, not a
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
	b.ReportMetric(float64(sizes.TransferBrotli), "transfer-brotli-B")
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
	if err := wasmbuild.Build(context.Background(), out); err != nil {
		return Sizes{}, err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return Sizes{}, err
	}
	gz, br, err := Compress(data)
	if err != nil {
		return Sizes{}, err
	}
	tout := filepath.Join(b.TempDir(), "twofold-transfer.wasm")
	if err := wasmbuild.BuildTransfer(context.Background(), tout); err != nil {
		return Sizes{}, err
	}
	tdata, err := os.ReadFile(tout)
	if err != nil {
		return Sizes{}, err
	}
	_, tbr, err := Compress(tdata)
	if err != nil {
		return Sizes{}, err
	}
	return Sizes{Raw: len(data), Gzip: len(gz), Brotli: len(br), TransferBrotli: len(tbr)}, nil
}
