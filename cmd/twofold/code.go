package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

const codeUsage = `Usage:
  twofold code --secret BASE32 [--algorithm SHA1|SHA256|SHA512] [--digits N] [--period S] [--at UNIX_SECONDS]
  twofold code --secret BASE32 --hotp --counter N [--algorithm A] [--digits N]
  twofold code --uri URI [--at UNIX_SECONDS]

Prints the code of a key alone on a line: the TOTP code for now (or for
--at), or with --hotp the HOTP code for --counter. Without --at it also
prints on stderr how many seconds the code stays current. --uri takes every
parameter from an otpauth:// URI instead (an hotp URI gives the code for its
counter). A value of "-" for --secret or --uri reads it from standard input,
which keeps the key out of the process list and shell history.

Flags:
  --secret BASE32      the key, as typed: any case, spaces and dashes allowed
  --algorithm NAME     SHA1 (default), SHA256 or SHA512
  --digits N           6 (default), 7 or 8
  --period S           seconds per TOTP step, 1 to 3600 (default 30)
  --at UNIX_SECONDS    the time to give the TOTP code for (default now)
  --hotp               give the HOTP code (needs --counter)
  --counter N          the HOTP counter
  --uri URI            an otpauth://totp/... or otpauth://hotp/... URI

Examples:
  twofold code --secret JBSWY3DPEHPK3PXP
  twofold code --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --digits 8 --at 59
  twofold code --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --hotp --counter 9
  twofold code --uri 'otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example'
`

func runCode(e *env, args []string) int {
	fs := newFlagSet("code")
	var (
		secret    = fs.String("secret", "", "")
		algorithm = fs.String("algorithm", string(otpauth.DefaultAlgorithm), "")
		digits    = fs.Int("digits", otpauth.DefaultDigits, "")
		period    = fs.Int("period", otpauth.DefaultPeriod, "")
		at        = fs.Int64("at", 0, "")
		hotp      = fs.Bool("hotp", false, "")
		counter   = fs.Uint64("counter", 0, "")
		uri       = fs.String("uri", "", "")
	)
	rest, status, done := parseFlags(e, fs, args, codeUsage)
	if done {
		return status
	}
	if len(rest) > 0 {
		return fail(e, exitUsage, "code: unexpected argument; every value goes with a flag (see twofold code --help)")
	}
	set := flagsSet(fs)

	var key *otpauth.Key
	switch {
	case set["uri"] && set["secret"]:
		return fail(e, exitUsage, "code: give --secret or --uri, not both")
	case set["uri"]:
		for _, name := range []string{"algorithm", "digits", "period", "hotp", "counter"} {
			if set[name] {
				return fail(e, exitUsage, "code: --%s cannot be combined with --uri, which carries every parameter", name)
			}
		}
		text, err := readValue(e, *uri)
		if err != nil {
			return fail(e, exitUsage, "code: --uri: %v", err)
		}
		if key, err = otpauth.Parse(text); err != nil {
			return fail(e, exitUsage, "code: --uri: %s", describe(err))
		}
	case set["secret"]:
		text, err := readValue(e, *secret)
		if err != nil {
			return fail(e, exitUsage, "code: --secret: %v", err)
		}
		raw, err := otpauth.DecodeSecret(text)
		if err != nil {
			return fail(e, exitUsage, "code: --secret: %s", describe(err))
		}
		switch {
		case *hotp && !set["counter"]:
			return fail(e, exitUsage, "code: --hotp needs --counter N")
		case !*hotp && set["counter"]:
			return fail(e, exitUsage, "code: --counter needs --hotp")
		case *hotp && set["period"]:
			return fail(e, exitUsage, "code: --period is for TOTP; an HOTP code depends on --counter only")
		}
		key = &otpauth.Key{Type: otpauth.TOTP, Account: "command line", Secret: raw,
			Algorithm: otpauth.Algorithm(strings.ToUpper(*algorithm)), Digits: *digits, Period: *period}
		if *hotp {
			key.Type, key.Period, key.Counter = otpauth.HOTP, 0, *counter
		}
		if err := key.Validate(); err != nil {
			return fail(e, exitUsage, "code: %s", flagProblem(err))
		}
	default:
		return fail(e, exitUsage, "code: --secret or --uri is required (see twofold code --help)")
	}

	now := time.Now()
	if set["at"] {
		if key.Type == otpauth.HOTP {
			return fail(e, exitUsage, "code: --at is for TOTP; an HOTP code depends on its counter")
		}
		if *at < 0 {
			return fail(e, exitUsage, "code: --at must be Unix seconds, 0 or more")
		}
		now = time.Unix(*at, 0)
	}
	code, err := otpcode.Generate(key, now)
	if err != nil {
		return fail(e, exitFail, "code: %s", describe(err))
	}
	fmt.Fprintln(e.stdout, code)
	if key.Type == otpauth.TOTP && !set["at"] {
		left := otpcode.Remaining(now, key.Period)
		fmt.Fprintf(e.stderr, "%ds left\n", int(math.Ceil(left.Seconds())))
	}
	warn(e, key)
	return exitOK
}

// flagProblem says which flag a Validate error is about, in the flag's words.
func flagProblem(err error) string {
	switch {
	case errors.Is(err, otpauth.ErrAlgorithm):
		return "--algorithm must be SHA1, SHA256 or SHA512"
	case errors.Is(err, otpauth.ErrDigits):
		return fmt.Sprintf("--digits must be %d, 7 or %d", otpauth.MinDigits, otpauth.MaxDigits)
	case errors.Is(err, otpauth.ErrPeriod):
		return fmt.Sprintf("--period must be 1 to %d seconds", otpauth.MaxPeriod)
	case errors.Is(err, otpauth.ErrSecretMissing), errors.Is(err, otpauth.ErrSecretLength):
		return "--secret: " + describe(err)
	}
	return describe(err)
}

// warn prints what a key allows but a person should know, on stderr.
func warn(e *env, k *otpauth.Key) {
	for _, w := range k.Warnings() {
		fmt.Fprintf(e.stderr, "twofold: warning: %s\n", w)
	}
}

// describe is an error's message without the package prefixes, which mean
// nothing to a person at a terminal.
func describe(err error) string {
	return strings.NewReplacer("otpauth: ", "", "otpcode: ", "", "migration: ", "").Replace(err.Error())
}

// newFlagSet makes a flag set that reports errors instead of printing them,
// so each verb answers with its own one-line error or usage.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses flags wherever they stand among args (so "uri parse URI
// --show-secret" works) and returns the other arguments. When done is true
// the verb returns status: after --help (usage on stdout, 0) or a bad flag
// (one line on stderr, 2).
func parseFlags(e *env, fs *flag.FlagSet, args []string, usage string) (rest []string, status int, done bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(e.stdout, usage)
				return nil, exitOK, true
			}
			return nil, fail(e, exitUsage, "%s: %v (see twofold %s --help)", fs.Name(), err, fs.Name()), true
		}
		if fs.NArg() == 0 {
			return rest, 0, false
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// flagsSet names the flags given on the command line, defaults aside.
func flagsSet(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// readValue returns v, or for "-" the first line of standard input.
func readValue(e *env, v string) (string, error) {
	if v != "-" {
		return v, nil
	}
	data, err := io.ReadAll(io.LimitReader(e.stdin, 64<<10))
	if err != nil {
		return "", fmt.Errorf("reading standard input: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimSpace(line), nil
}
