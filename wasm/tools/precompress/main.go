// Command precompress writes FILE.gz (gzip, best compression) and FILE.br
// (brotli, quality 11) beside each FILE given, so the server can send the
// authenticator's WebAssembly precompressed instead of compressing it on
// every request. It prints each size, which is what the size budget checks.
// Each output is written to a temporary file and renamed, so a server never
// serves a half-written copy.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/andybalholm/brotli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress FILE...")
		os.Exit(2)
	}
	for _, name := range os.Args[1:] {
		if err := precompress(name, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "precompress: %v\n", err)
			os.Exit(1)
		}
	}
}

// Sizes are the byte counts of a file and its two compressed copies (and,
// for the size benchmark, the transfer module's brotli copy).
type Sizes struct{ Raw, Gzip, Brotli, TransferBrotli int }

// Compress returns the gzip and brotli encodings of data.
func Compress(data []byte) (gz, br []byte, err error) {
	var g bytes.Buffer
	gw, _ := gzip.NewWriterLevel(&g, gzip.BestCompression)
	if _, err := gw.Write(data); err != nil {
		return nil, nil, err
	}
	if err := gw.Close(); err != nil {
		return nil, nil, err
	}
	var b bytes.Buffer
	bw := brotli.NewWriterOptions(&b, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 24})
	if _, err := bw.Write(data); err != nil {
		return nil, nil, err
	}
	if err := bw.Close(); err != nil {
		return nil, nil, err
	}
	return g.Bytes(), b.Bytes(), nil
}

func precompress(name string, report io.Writer) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	gz, br, err := Compress(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for ext, b := range map[string][]byte{".gz": gz, ".br": br} {
		if err := writeAtomic(name+ext, b); err != nil {
			return err
		}
	}
	fmt.Fprintf(report, "%s: raw %d B, gzip %d B, brotli %d B (%.2f MB)\n", name, len(data), len(gz), len(br), float64(len(br))/1e6)
	return nil
}

func writeAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".precompress-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
