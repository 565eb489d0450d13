package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/twofold-auth/twofold/server/api/client"
)

// What every verb shares: exit statuses and one-line errors, the layout of
// help, -o json|table, confirmation of destructive actions, prompts.

// Exit statuses shared by every verb, because scripts branch on them.
const (
	exitOK    = 0
	exitFail  = 1 // the operation ran and failed (the server refused, a file without a QR code)
	exitUsage = 2 // bad flags or bad input
)

// exitError ends a verb with a status and a one-line message (none when
// the verb has said what went wrong itself).
type exitError struct {
	status int
	msg    string
}

func (e *exitError) Error() string { return e.msg }

// usagef is an error in what was asked: exit 2.
func usagef(format string, a ...any) error {
	return &exitError{status: exitUsage, msg: fmt.Sprintf(format, a...)}
}

// failf is an operation that ran and failed: exit 1.
func failf(format string, a ...any) error {
	return &exitError{status: exitFail, msg: fmt.Sprintf(format, a...)}
}

// errReported ends a verb with exit 1 after it printed its own errors.
var errReported = &exitError{status: exitFail}

// report prints a verb's error as one line on stderr, "twofold: VERB:
// message", and returns its exit status. A refusal by the server prints
// the server's sentence for people (its code is for programs); verbs that
// add context to a server's error therefore format it with %v, not %w.
// Any other error (the server out of reach, a file that cannot be
// written) is exit 1.
func report(e *env, cmd *cobra.Command, err error) int {
	status, msg := exitFail, err.Error()
	var ee *exitError
	var ae *client.Error
	switch {
	case errors.As(err, &ee):
		status, msg = ee.status, ee.msg
		if msg == "" {
			return status
		}
	case errors.As(err, &ae):
		msg = firstNonEmpty(advice[ae.Code], ae.Message)
	}
	prefix := "twofold: "
	if cmd != nil && cmd.HasParent() {
		prefix += strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ") + ": "
	}
	msg = strings.ReplaceAll(strings.TrimRight(msg, "\n"), "\n", " ")
	fmt.Fprintf(e.stderr, "%s%s\n", prefix, msg)
	return status
}

// advice replaces the server's sentence for the refusals the CLI can say
// more about: what to run to get past them.
var advice = map[string]string{
	"admin_step_up_required": "administration needs an application token made with a second factor, and this one was not: " +
		"run 'twofold login' again and enter a code from your authenticator (none yet? set one up first: twofold mfa-totp-device create)",
}

// The help of every command: usage first, then what it does, its
// subcommands, flags and examples.
const usageTemplate = `Usage:
  {{if .HasAvailableSubCommands}}{{.CommandPath}} COMMAND [flags]{{else}}{{.UseLine}}{{end}}{{with .Long}}

{{. | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}{{$cmds := .Commands}}{{if eq (len .Groups) 0}}

Commands:{{range $cmds}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding}} {{.Short}}{{end}}{{end}}{{else}}{{range $group := .Groups}}

{{.Title}}{{range $cmds}}{{if (and (eq .GroupID $group.ID) (or .IsAvailableCommand (eq .Name "help")))}}
  {{rpad .Name .NamePadding}} {{.Short}}{{end}}{{end}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsagesWrapped 80 | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Common flags:
{{.InheritedFlags.FlagUsagesWrapped 80 | trimTrailingWhitespaces}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Run '{{.CommandPath}} COMMAND --help' for a command's flags and examples.{{end}}
`

// setup gives the root what every command inherits: the streams, the help
// layout, one-line flag errors, and errors left to report.
func setup(e *env, root *cobra.Command) {
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SilenceErrors = true
	root.SilenceUsage = true
	root.SetUsageTemplate(usageTemplate)
	root.SetHelpTemplate(`{{.UsageString}}`)
	// Every command has --help; it need not be listed in each.
	root.PersistentFlags().BoolP("help", "h", false, "show this help")
	_ = root.PersistentFlags().MarkHidden("help")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%s (see %s --help)", flagProblemText(err), c.CommandPath())
	})
}

// flagProblemText says what is wrong with a flag's value in words, not
// strconv's.
func flagProblemText(err error) string {
	var iv *pflag.InvalidValueError
	if !errors.As(err, &iv) {
		return err.Error()
	}
	cause := iv.Unwrap().Error()
	var ne *strconv.NumError
	switch {
	case errors.As(iv, &ne) && ne.Func == "ParseBool":
		cause = "want true or false"
	case errors.As(iv, &ne) && errors.Is(ne.Err, strconv.ErrRange):
		cause = "out of range"
	case errors.As(iv, &ne):
		cause = "not a whole number"
	}
	return fmt.Sprintf("--%s %q: %s", iv.GetFlag().Name, iv.GetValue(), cause)
}

// group is a command that only holds subcommands. Alone it prints its
// usage on stderr (exit 2); with an unknown subcommand it says so.
func group(e *env, name, short, long, example string) *cobra.Command {
	return &cobra.Command{
		Use: name, Short: short, Long: long, Example: example,
		Args:                       cobra.ArbitraryArgs, // RunE names what it does not know
		SuggestionsMinimumDistance: 2,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				fmt.Fprint(e.stderr, cmd.UsageString())
				return &exitError{status: exitUsage}
			}
			if args[0] == "help" {
				return cmd.Help()
			}
			what := "subcommand"
			if !cmd.HasParent() {
				what = "command"
			}
			hint := ""
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				hint = "; did you mean " + s[0] + "?"
			}
			return usagef("unknown %s %q%s (see %s --help)", what, args[0], hint, cmd.CommandPath())
		},
	}
}

// noArgs and exactArgs check a verb's arguments, saying in the verb's own
// words what it wants.
func noArgs(want string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef("unexpected argument %q; %s (see %s --help)", args[0], want, cmd.CommandPath())
		}
		return nil
	}
}

func exactArgs(n int, want string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s (see %s --help)", want, cmd.CommandPath())
		}
		return nil
	}
}

// outputFormat is -o/--output: a table for people (the default) or JSON
// for scripts. Every verb that prints what it got takes it.
type outputFormat string

func (o *outputFormat) String() string { return string(*o) }
func (o *outputFormat) Type() string   { return "table|json" }
func (o *outputFormat) Set(s string) error {
	if s != "table" && s != "json" {
		return errors.New("want table or json")
	}
	*o = outputFormat(s)
	return nil
}

// addOutputFlag adds -o to fs (a group's persistent flags give it to every
// subcommand).
func addOutputFlag(fs *pflag.FlagSet) *outputFormat {
	o := outputFormat("table")
	fs.VarP(&o, "output", "o", "print a table, or JSON for scripts")
	return &o
}

// print writes v as JSON with -o json, else what table writes.
func (o *outputFormat) print(w io.Writer, v any, table func(w io.Writer)) error {
	if *o == "json" {
		return printJSON(w, v)
	}
	table(w)
	return nil
}

// completeOutput offers -o's values to shell completion.
func completeOutput(cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp))
}

// printJSON writes v indented, without HTML escaping (URIs keep "&").
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing output: %v", err)
	}
	return nil
}

// table writes rows under a header, aligned.
func table(w io.Writer, header []string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

// when formats an optional time for a table.
func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// addForceFlag gives a destructive verb --force, which confirm reads.
func addForceFlag(fs *pflag.FlagSet) *bool {
	return fs.Bool("force", false, "do not ask for confirmation (scripts must give it)")
}

// confirmation is a destructive action to confirm: what it does, in a few
// words ("delete TOTP device dev_x"), and what will be lost, if worth
// saying before the question.
type confirmation struct {
	action  string
	details []string
}

// confirm asks the person at the terminal before a destructive action;
// --force goes ahead without asking. Where nobody can answer (standard
// input is not a terminal) it refuses without --force, so a script says
// that it means it instead of hanging or deleting by accident. The
// question goes to stderr, so it never mixes with output a script reads.
func confirm(e *env, force bool, c confirmation) error {
	if force {
		return nil
	}
	if !e.interactive {
		return usagef("refusing to %s without confirmation: standard input is not a terminal to ask on; add --force to go ahead without asking", c.action)
	}
	for _, d := range c.details {
		fmt.Fprintln(e.stderr, d)
	}
	answer, err := promptLine(e, strings.ToUpper(c.action[:1])+c.action[1:]+"? [y/N] ")
	if err != nil {
		// A character device that is no terminal (/dev/null) ends here.
		return usagef("no answer (%v); add --force to go ahead without asking", err)
	}
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return failf("not confirmed; nothing was changed")
	}
	return nil
}

// promptLine asks on stderr and reads one line of standard input, so
// prompts never mix with output a script reads.
func promptLine(e *env, question string) (string, error) {
	if question != "" {
		fmt.Fprint(e.stderr, question)
	}
	if e.in == nil {
		e.in = bufio.NewReader(e.stdin)
	}
	s, err := e.in.ReadString('\n')
	if err != nil && (err != io.EOF || s == "") {
		if err == io.EOF {
			return "", errors.New("standard input ended before an answer")
		}
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
}

// promptSecret reads a line without echo when standard input is a terminal
// (stty), and as a plain line otherwise.
func promptSecret(e *env, question string) (string, error) {
	f, ok := e.stdin.(*os.File)
	if !ok || !e.interactive {
		return promptLine(e, question)
	}
	fmt.Fprint(e.stderr, question)
	if err := stty(f, "-echo"); err == nil {
		defer func() { stty(f, "echo"); fmt.Fprintln(e.stderr) }()
	}
	return promptLine(e, "")
}

func stty(f *os.File, arg string) error {
	cmd := exec.Command("stty", arg)
	cmd.Stdin = f
	return cmd.Run()
}
