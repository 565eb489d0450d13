// Command twofold is Twofold's command-line tool. Local verbs work without a
// server: code prints the current HOTP/TOTP code of a key, uri parses and makes
// otpauth URIs, qr decode reads QR codes from image files. Server verbs script
// the enrollment journeys against a Twofold server's API.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Exit statuses shared by every verb, because scripts branch on them.
const (
	exitOK    = 0
	exitFail  = 1 // the operation ran and failed (e.g. a file without a QR code)
	exitUsage = 2 // bad flags or bad input
)

// env is what a verb may touch, so tests run verbs in-process too.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one top-level verb.
type command struct {
	summary string
	run     func(e *env, args []string) int
}

var commands = map[string]command{
	"code": {"print the current TOTP (or HOTP) code of a key", runCode},
	"uri":  {"parse or make otpauth URIs", runURI},
	"qr":   {"decode QR codes from image files", runQR},
	// Server verbs (remote.go): they talk to a Twofold server's API.
	"login":           {"sign in to a server and save an application token", runLogin},
	"mfa-totp-device": {"list, create, activate, rename and delete TOTP devices on the server", runDevice},
	"recovery-codes":  {"see or regenerate your recovery codes", runRecoveryCodes},
	"token":           {"create, list and revoke application tokens", runToken},
}

func main() {
	os.Exit(run(&env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:]))
}

func run(e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "twofold: unknown command %q (see twofold --help)\n", args[0])
		return exitUsage
	}
	return cmd.run(e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: twofold COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-18s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nExamples:\n  twofold code --secret JBSWY3DPEHPK3PXP\n  twofold login --url http://localhost:8080 --email alice@example.com\n  twofold mfa-totp-device list\n\nRun 'twofold COMMAND --help' for a command's flags and an example.")
}

// fail prints a one-line error and returns the exit status, so verbs end with
// `return fail(e, exitUsage, "...")`.
func fail(e *env, status int, format string, a ...any) int {
	msg := strings.TrimRight(fmt.Sprintf(format, a...), "\n")
	fmt.Fprintf(e.stderr, "twofold: %s\n", strings.ReplaceAll(msg, "\n", " "))
	return status
}
