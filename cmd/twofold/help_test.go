package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// What cobra gives every verb, kept to the CLI's rules: a command alone
// prints its usage on stderr (exit 2); an unknown one is one line (exit 2),
// with a suggestion when one is close; help is on stdout (exit 0).
func TestUsageAndUnknownCommands(t *testing.T) {
	for _, tt := range []struct {
		args        []string
		status      int
		out, errOut string
	}{
		{nil, exitUsage, "", `(?s)Usage:\n  twofold COMMAND.*Local commands.*code .*Server commands.*mfa-totp-device .*Other commands.*completion .*`},
		{[]string{"--help"}, exitOK, `(?s)Usage:\n  twofold COMMAND.*Examples:.*`, ""},
		{[]string{"help"}, exitOK, `(?s)Usage:\n  twofold COMMAND.*`, ""},
		{[]string{"help", "token"}, exitOK, `(?s)Usage:\n  twofold token COMMAND.*create .*list .*revoke .*`, ""},
		{[]string{"token", "help"}, exitOK, `(?s)Usage:\n  twofold token COMMAND.*`, ""},
		{[]string{"mfa-totp-device"}, exitUsage, "", `(?s)Usage:\n  twofold mfa-totp-device COMMAND.*delete-inactive .*`},
		{[]string{"frobnicate"}, exitUsage, "", "twofold: unknown command \"frobnicate\" \\(see twofold --help\\)\n"},
		{[]string{"cod"}, exitUsage, "", "twofold: unknown command \"cod\"; did you mean code\\? \\(see twofold --help\\)\n"},
		{[]string{"token", "lsit"}, exitUsage, "", "twofold: token: unknown subcommand \"lsit\"; did you mean list\\? .*\n"},
		{[]string{"qr", "decode", "-x"}, exitUsage, "", "twofold: qr decode: unknown shorthand flag: 'x' in -x \\(see twofold qr decode --help\\)\n"},
		{[]string{"code", "--hotp=maybe"}, exitUsage, "", "twofold: code: --hotp \"maybe\": want true or false .*\n"},
		{[]string{"code", "--at", "99999999999999999999"}, exitUsage, "", "twofold: code: --at \"99999999999999999999\": out of range .*\n"},
		{[]string{"code", "--secret"}, exitUsage, "", "twofold: code: flag needs an argument: --secret .*\n"},
	} {
		status, out, errOut := runTwofold(t, "", tt.args...)
		if status != tt.status || !regexp.MustCompile(`^(?:`+tt.out+`)$`).MatchString(out) ||
			!regexp.MustCompile(`^(?:`+tt.errOut+`)$`).MatchString(errOut) {
			t.Errorf("twofold %q: exit %d\nstdout %q\nstderr %q\nwant %d, %q, %q", tt.args, status, out, errOut, tt.status, tt.out, tt.errOut)
		}
	}
}

// Every command's help has what it does, and every verb an example.
func TestEveryVerbHasHelp(t *testing.T) {
	root := newRoot(&env{})
	checked := 0
	for _, c := range allCommands(root) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" || c.Parent().Name() == "completion" {
			continue // cobra's own
		}
		checked++
		args := append(strings.Fields(strings.TrimPrefix(c.CommandPath(), "twofold")), "--help")
		status, out, _ := runTwofold(t, "", args...)
		if status != exitOK || !strings.HasPrefix(out, "Usage:\n  "+c.CommandPath()) || c.Short == "" {
			t.Errorf("%s --help: exit %d, %q", c.CommandPath(), status, out)
		}
		if c.Parent() == root && !strings.Contains(out, "Examples:\n  twofold ") {
			t.Errorf("%s --help has no example:\n%s", c.CommandPath(), out)
		}
	}
	if checked < 20 {
		t.Fatalf("only %d commands checked", checked)
	}
}

// allCommands is every command under c.
func allCommands(c *cobra.Command) []*cobra.Command {
	var all []*cobra.Command
	for _, sub := range c.Commands() {
		all = append(append(all, sub), allCommands(sub)...)
	}
	return all
}

// twofold completion bash|zsh|fish prints cobra's scripts, and the
// completion they call knows the verbs and -o's values.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "__start_twofold", "zsh": "#compdef twofold", "fish": "complete -c twofold", "powershell": "Register-ArgumentCompleter",
	} {
		status, out, errOut := runTwofold(t, "", "completion", shell)
		if status != exitOK || !strings.Contains(out, want) || errOut != "" {
			t.Errorf("completion %s: exit %d, stderr %q, no %q in the script", shell, status, errOut, want)
		}
	}
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "mfa-totp-device", ""}, []string{"activate", "create", "delete", "delete-inactive", "generate-totp-seed", "list", "rename"}},
		{[]string{"__complete", "mfa-totp-device", "list", "-o", ""}, []string{"table", "json"}},
		{[]string{"__complete", "accounts", "export", "--format", ""}, []string{"otpauth", "aegis", "google"}},
	} {
		_, out, _ := runTwofold(t, "", tt.args...)
		for _, w := range tt.want {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(w) + `(\t|$)`).MatchString(out) {
				t.Errorf("%q offers no %q:\n%s", tt.args, w, out)
			}
		}
	}
}
