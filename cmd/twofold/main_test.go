package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// twofoldBin is the command built once for every test of this package, so
// the tests run what users run: exit statuses, stdout and stderr included.
var twofoldBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "twofold-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	twofoldBin = filepath.Join(dir, "twofold")
	build := exec.Command("go", "build", "-o", twofoldBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building twofold:", err)
		return 1
	}
	return m.Run()
}

// runTwofold runs the built command with args and stdin and returns its
// exit status, stdout and stderr.
func runTwofold(t *testing.T, stdin string, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(twofoldBin, args...)
	cmd.Stdin = bytes.NewBufferString(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if exitErr, ok := err.(*exec.ExitError); ok {
		return exitErr.ExitCode(), out.String(), errOut.String()
	}
	if err != nil {
		t.Fatalf("running twofold %q: %v", args, err)
	}
	return 0, out.String(), errOut.String()
}
