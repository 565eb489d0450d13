// Command buildwasm builds the authenticator's WebAssembly into the file named
// by -o, and its transfer module into the file named by -transfer (if
// given), with the flags of package wasmbuild (`make wasm` runs it).
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
	transfer := flag.String("transfer", "", "output file of the transfer module (none if empty)")
	flag.Parse()
	err := wasmbuild.Build(context.Background(), *out)
	if err == nil && *transfer != "" {
		err = wasmbuild.BuildTransfer(context.Background(), *transfer)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "buildwasm:", err)
		os.Exit(1)
	}
}
