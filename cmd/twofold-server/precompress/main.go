// Command precompress writes FILE.gz (gzip, best) and FILE.br (brotli,
// quality 11) next to each FILE, for the server to send to browsers that
// accept them. `make wasm` runs it on twofold.wasm.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"

	"github.com/andybalholm/brotli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress FILE...")
		os.Exit(2)
	}
	for _, name := range os.Args[1:] {
		if err := precompress(name); err != nil {
			fmt.Fprintf(os.Stderr, "precompress: %v\n", err)
			os.Exit(1)
		}
	}
}

func precompress(name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err := write(zw, data); err != nil {
		return err
	}
	var br bytes.Buffer
	if err := write(brotli.NewWriterLevel(&br, brotli.BestCompression), data); err != nil {
		return err
	}
	for _, out := range []struct {
		ext  string
		data []byte
	}{{".gz", gz.Bytes()}, {".br", br.Bytes()}} {
		if err := os.WriteFile(name+out.ext+".tmp", out.data, 0o644); err != nil {
			return err
		}
		if err := os.Rename(name+out.ext+".tmp", name+out.ext); err != nil {
			return err
		}
	}
	fmt.Printf("%s: %d bytes, gzip %d, brotli %d\n", name, len(data), gz.Len(), br.Len())
	return nil
}

func write(w io.WriteCloser, data []byte) error {
	if _, err := w.Write(data); err != nil {
		return err
	}
	return w.Close()
}
