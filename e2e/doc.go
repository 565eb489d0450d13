// Package e2e holds Twofold's end-to-end tests: they build the authenticator's
// WebAssembly and the real server binary, start the server on a free loopback
// port with a temporary data directory, and drive Debian's headless Chromium
// through github.com/chromedp/chromedp against the page at /app/, so that the
// vault, the QR readers (image file, paste, Chromium's fake camera fed with a
// Y4M clip of a code the test draws), backups and the Google Authenticator
// import run exactly as a person would use them. Every test fails on any
// console error or uncaught exception of the page. The package has no
// non-test code besides this comment; `go test -short` skips the browser
// tests, and `go test -run '^$' -bench . ./e2e` prints the Chromium
// benchmarks (wasm QR decoding against jsQR, vault unlock time).
package e2e
