//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main exists so that `go build ./...` works on the host; the module only
// runs in a browser, started by the authenticator.
func main() {
	fmt.Fprintln(os.Stderr, "the Twofold transfer module runs in a browser: build it with GOOS=js GOARCH=wasm (make wasm)")
	os.Exit(2)
}
