// Command twofold is Twofold's command-line tool. Local verbs work without a
// server: code prints the current HOTP/TOTP code of a key, uri parses and
// makes otpauth URIs, qr decode reads QR codes from image files, accounts
// reads other apps' exports and writes exports for them. Server verbs
// script the enrollment journeys against a Twofold server's API, through
// its Go client (server/api/client).
//
// This file is the command table; cli.go holds what every verb shares
// (exit statuses, errors, -o, confirmation, prompts), and each verb's file
// its flags and what it does.
package main

import (
	"bufio"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// env is what a verb may touch, so tests can run verbs in-process too.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// interactive is true when standard input is a terminal: someone is
	// there to answer a confirmation.
	interactive bool
	in          *bufio.Reader // stdin, buffered once for every prompt
	// openURL opens a web page in the desktop's browser (login --browser).
	openURL func(string) error
}

func main() {
	interactive := false
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		interactive = true
	}
	os.Exit(run(&env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, interactive: interactive,
		openURL: openBrowser}, os.Args[1:]))
}

// run runs the command line args and returns the exit status.
func run(e *env, args []string) int {
	root := newRoot(e)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err != nil {
		return report(e, cmd, err)
	}
	return exitOK
}

// newRoot is the command table.
func newRoot(e *env) *cobra.Command {
	root := group(e, "twofold", "Twofold's command-line tool", `Computes TOTP and HOTP codes, reads and makes otpauth URIs and QR codes,
moves accounts between authenticator apps, and scripts the enrollment
journeys against a Twofold server.`, `  twofold code --secret JBSWY3DPEHPK3PXP
  twofold login --url http://localhost:8080 --email alice@example.com
  twofold mfa-totp-device list
  twofold admin users list --mfa-status not-enrolled
  source <(twofold completion bash)`)
	root.AddGroup(&cobra.Group{ID: "local", Title: "Local commands (no server):"},
		&cobra.Group{ID: "server", Title: "Server commands (a Twofold server's API):"},
		&cobra.Group{ID: "other", Title: "Other commands:"})
	for _, c := range []*cobra.Command{codeCmd(e), uriCmd(e), qrCmd(e), accountsCmd(e)} {
		c.GroupID = "local"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{loginCmd(e), deviceCmd(e), recoveryCmd(e), tokenCmd(e), adminCmd(e)} {
		c.GroupID = "server"
		root.AddCommand(c)
	}
	root.SetHelpCommandGroupID("other")
	root.SetCompletionCommandGroupID("other")
	setup(e, root)
	// cobra's own verbs, described in the words of the others.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Short = "show a command's help"
		case "completion":
			c.Short = "print a completion script for bash, zsh, fish or powershell"
		}
	}
	return root
}
