package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// appHandler serves the authenticator's files (mounted at /app). A file
// with precompressed siblings (name.br, name.gz, made by `make wasm`) is
// served from the best one the client accepts, with Content-Encoding and
// Vary; twofold.wasm goes out as application/wasm so the browser can
// compile it while it streams. Responses carry a content ETag and
// Cache-Control: no-cache, so browsers revalidate cheaply.
func appHandler(fsys fs.FS) http.Handler {
	return &staticFiles{fsys: fsys, prefix: "/app"}
}

type staticFiles struct {
	fsys   fs.FS
	prefix string   // where the tree is mounted, e.g. "/app"
	etags  sync.Map // name → quoted ETag
}

var contentTypes = map[string]string{
	".wasm":        "application/wasm",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".html":        "text/html; charset=utf-8",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
	".ts":          "text/plain; charset=utf-8",
}

func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, s.prefix)
	if rest == "" {
		http.Redirect(w, r, s.prefix+"/", http.StatusMovedPermanently)
		return
	}
	name := strings.TrimPrefix(path.Clean(rest), "/")
	if strings.HasSuffix(rest, "/") {
		name = path.Join(name, "index.html")
	}
	if name == "" || name == "." {
		name = "index.html"
	}
	s.serve(w, r, name)
}

// serve writes one file of the tree (GET and HEAD only).
func (s *staticFiles) serve(w http.ResponseWriter, r *http.Request, name string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	info, err := fs.Stat(s.fsys, name)
	if err != nil || info.IsDir() {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	ctype, ok := contentTypes[path.Ext(name)]
	if !ok {
		if ctype = mime.TypeByExtension(path.Ext(name)); ctype == "" {
			ctype = "application/octet-stream"
		}
	}
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-cache")

	served := name
	variants := false
	for _, enc := range []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
		if _, err := fs.Stat(s.fsys, name+enc.ext); err != nil {
			continue
		}
		variants = true
		if served == name && acceptsEncoding(r.Header.Get("Accept-Encoding"), enc.token) {
			served = name + enc.ext
			h.Set("Content-Encoding", enc.token)
		}
	}
	if variants {
		h.Add("Vary", "Accept-Encoding")
	}
	body, err := fs.ReadFile(s.fsys, served)
	if err != nil {
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	h.Set("ETag", s.etag(served, body))
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

func (s *staticFiles) etag(name string, body []byte) string {
	if v, ok := s.etags.Load(name); ok {
		return v.(string)
	}
	sum := sha256.Sum256(body)
	tag := `"` + hex.EncodeToString(sum[:12]) + `"`
	s.etags.Store(name, tag)
	return tag
}

// acceptsEncoding reports whether an Accept-Encoding header allows token
// (explicitly, or through "*"), honouring q=0 as a refusal.
func acceptsEncoding(header, token string) bool {
	star := false
	for part := range strings.SplitSeq(header, ",") {
		fields := strings.Split(part, ";")
		coding := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, p := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		switch coding {
		case token:
			return q > 0
		case "*":
			star = q > 0
		}
	}
	return star
}
