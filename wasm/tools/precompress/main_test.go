package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestPrecompressRoundTrip(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "app.wasm")
	data := bytes.Repeat([]byte("twofold wasm "), 5000)
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	if err := precompress(name, &report); err != nil {
		t.Fatal(err)
	}
	gz, _ := os.ReadFile(name + ".gz")
	gr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(gr); !bytes.Equal(got, data) {
		t.Fatal("gzip copy does not decompress to the original")
	}
	br, _ := os.ReadFile(name + ".br")
	if got, _ := io.ReadAll(brotli.NewReader(bytes.NewReader(br))); !bytes.Equal(got, data) {
		t.Fatal("brotli copy does not decompress to the original")
	}
	if !strings.Contains(report.String(), "raw 65000 B") {
		t.Fatalf("report %q", report.String())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Fatalf("left %d files, want 3 (no temporaries)", len(entries))
	}
}
