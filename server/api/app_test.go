package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
)

var wasmBody = bytes.Repeat([]byte("\x00asm\x01\x00\x00\x00"), 100)

var testApp = fstest.MapFS{
	"index.html":           {Data: []byte("<!doctype html><title>Twofold</title>")},
	"sw.js":                {Data: []byte("self.addEventListener('fetch', () => {});")},
	"twofold.wasm":         {Data: wasmBody},
	"twofold.wasm.gz":      {Data: gzipped(wasmBody)},
	"twofold.wasm.br":      {Data: []byte("pretend brotli")},
	"wasm_exec.js":         {Data: []byte("// go")},
	"manifest.webmanifest": {Data: []byte("{}")},
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestAppServesPrecompressedWasm(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	for _, tc := range []struct {
		accept, encoding string
		body             []byte
	}{
		{"gzip, deflate, br", "br", []byte("pretend brotli")},
		{"gzip", "gzip", gzipped(wasmBody)},
		{"br;q=0, gzip;q=0.5", "gzip", gzipped(wasmBody)},
		{"", "", wasmBody},
		{"identity", "", wasmBody},
		{"*", "br", []byte("pretend brotli")},
	} {
		// Go's client adds gzip itself unless told otherwise: set it explicitly.
		req, _ := http.NewRequest("GET", h.srv.URL+"/app/twofold.wasm", nil)
		req.Header.Set("Accept-Encoding", tc.accept)
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/wasm" ||
			resp.Header.Get("Content-Encoding") != tc.encoding || resp.Header.Get("Vary") != "Accept-Encoding" ||
			!bytes.Equal(body, tc.body) || resp.Header.Get("ETag") == "" {
			t.Errorf("Accept-Encoding %q: %d %v (%d bytes)", tc.accept, resp.StatusCode, resp.Header, len(body))
		}
		_ = c
	}
	r := c.must(200, "GET", "/app/", nil)
	if !strings.Contains(string(r.body), "Twofold") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("index: %v %s", r.header, r.body)
	}
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "'wasm-unsafe-eval'") || strings.Contains(csp, "'unsafe-eval'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("app CSP %q", csp)
	}
	if r := c.must(200, "GET", "/app/sw.js", nil); !strings.HasPrefix(r.header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("sw.js type %q", r.header.Get("Content-Type"))
	}
	// Revalidation by ETag.
	etag := c.must(200, "GET", "/app/index.html", nil).header.Get("ETag")
	c.must(304, "GET", "/app/index.html", nil, "If-None-Match", etag)
	if loc := c.must(301, "GET", "/app", nil).header.Get("Location"); loc != "/app/" {
		t.Fatalf("/app redirects to %q", loc)
	}
	if loc := c.must(302, "GET", "/", nil).header.Get("Location"); loc != "/app/" {
		t.Fatalf("/ redirects to %q", loc)
	}
	c.must(404, "GET", "/app/nope.js", nil)
	c.must(404, "GET", "/app/../go.mod", nil)
	c.must(405, "POST", "/app/index.html", "{}")
}

func TestAcceptsEncoding(t *testing.T) {
	for _, tc := range []struct {
		header, token string
		want          bool
	}{
		{"br", "br", true}, {"gzip, br;q=0", "br", false}, {"BR;q=0.1", "br", true},
		{"*;q=0", "gzip", false}, {"*", "gzip", true}, {"", "gzip", false}, {"brotli", "br", false},
	} {
		if got := acceptsEncoding(tc.header, tc.token); got != tc.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v", tc.header, tc.token, got)
		}
	}
}
