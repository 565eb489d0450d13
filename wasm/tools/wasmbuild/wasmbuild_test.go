package wasmbuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestLeavesOutUnusedCode builds the authenticator as Build does, with the
// linker's dependency dump, and checks that code it never runs stays out:
// time.Time's formatting (kept by the linker as soon as any time.Time is
// held in an interface value: an error type with a time field, a generic
// slice function over such structs, time.After's timer) and os's file
// reading with google.golang.org/protobuf (protowire's package init opens
// the executable), together about 30 KB of the 1.2 MB brotli budget; and
// net/url (its net/netip's package variables link package unique, about
// 25 KB of WebAssembly) and shared/transfer (the transfer module's, 135 KB
// of brotli). A failure names the edge that pulled the code in.
func TestLeavesOutUnusedCode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm")
	}
	if runtime.GOOS == "js" {
		t.Skip("runs on the host, driving the go command")
	}
	args := Args(filepath.Join(t.TempDir(), "twofold.wasm"))
	for i, a := range args {
		if strings.HasPrefix(a, "-ldflags=") {
			args[i] = a + " -dumpdep"
		}
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%.2000s", strings.Join(args, " "), err, out)
	}
	unwanted := map[string]string{
		"-> time.Time.Format":                                 "time.Time's formatting is linked in again",
		"-> type:time.Time <UsedInIface>":                     "a time.Time is held in an interface value (so its formatting is kept)",
		"-> os.(*File).Stat":                                  "os's file reading is linked in again",
		"-> google.golang.org/protobuf":                       "google.golang.org/protobuf is linked in again",
		"-> net/url.":                                         "net/url is linked in again (with net/netip's unique handles: use otpauth.Unescape)",
		"-> github.com/twofold-auth/twofold/shared/transfer.": "shared/transfer is linked into the first load (it belongs to the transfer module)",
	}
	for _, line := range strings.Split(string(out), "\n") {
		for edge, what := range unwanted {
			if strings.Contains(line, edge) {
				t.Errorf("%s: %s", what, line)
				delete(unwanted, edge)
			}
		}
	}
	if !strings.Contains(string(out), "-> syscall/js.") {
		t.Fatalf("the linker's dump does not look like one (no syscall/js edge):\n%.2000s", out)
	}
}
