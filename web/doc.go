// Package web holds Twofold's static pages and embeds them into the server
// binary: App is the browser authenticator served at /app/ (its HTML, CSS,
// JavaScript, service worker, manifest, wasm_exec.js and the built
// twofold.wasm and twofold-transfer.wasm, the module it loads on demand,
// with their precompressed copies, when `make wasm` has run);
// Site is the demo sign-in site served at / (static pages over the JSON
// API).
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:app
var appFiles embed.FS

// App is the authenticator's file tree, rooted at web/app.
var App fs.FS = mustSub(appFiles, "app")

//go:embed site
var siteFiles embed.FS

// Site is the demo sign-in site's file tree, rooted at web/site.
var Site fs.FS = mustSub(siteFiles, "site")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // only on a bad literal above
	}
	return sub
}
