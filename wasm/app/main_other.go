//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main exists so that `go build ./...` works on the host; the authenticator
// only runs in a browser.
func main() {
	fmt.Fprintln(os.Stderr, "the Twofold authenticator runs in a browser: build it with GOOS=js GOARCH=wasm (make wasm)")
	os.Exit(2)
}
