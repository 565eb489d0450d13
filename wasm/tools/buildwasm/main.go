// Command buildwasm builds the authenticator's WebAssembly into the file named
// by -o, with the flags of package wasmbuild (`make wasm` runs it).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/twofold-auth/twofold/wasm/tools/wasmbuild"
)

func main() {
	out := flag.String("o", "web/app/twofold.wasm", "output file")
	flag.Parse()
	if err := wasmbuild.Build(context.Background(), *out); err != nil {
		fmt.Fprintln(os.Stderr, "buildwasm:", err)
		os.Exit(1)
	}
}
