package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

// codeFlags are code's flags.
type codeFlags struct {
	secret, algorithm, uri string
	digits, period         int
	at                     int64
	hotp                   bool
	counter                uint64
}

func codeCmd(e *env) *cobra.Command {
	var f codeFlags
	cmd := &cobra.Command{
		Use:   "code (--secret BASE32 | --uri URI)",
		Short: "print the current TOTP (or HOTP) code of a key",
		Long: `Prints the code of a key alone on a line: the TOTP code for now (or for
--at), or with --hotp the HOTP code for --counter. Without --at it also
prints on stderr how many seconds the code stays current. --uri takes every
parameter from an otpauth:// URI instead (an hotp URI gives the code for its
counter). A value of "-" for --secret or --uri reads it from standard input,
which keeps the key out of the process list and shell history.`,
		Example: `  twofold code --secret JBSWY3DPEHPK3PXP
  twofold code --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --digits 8 --at 59
  twofold code --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --hotp --counter 9
  twofold code --uri 'otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example'`,
		Args: noArgs("every value goes with a flag"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runCode(e, cmd.Flags(), &f) },
	}
	fs := cmd.Flags()
	fs.StringVar(&f.secret, "secret", "", "the key in `BASE32`, as typed: any case, spaces and dashes allowed")
	fs.StringVar(&f.algorithm, "algorithm", string(otpauth.DefaultAlgorithm), "the HMAC's hash function `NAME`: SHA1, SHA256 or SHA512")
	fs.IntVar(&f.digits, "digits", otpauth.DefaultDigits, "`N` digits: 6, 7 or 8")
	fs.IntVar(&f.period, "period", otpauth.DefaultPeriod, "`S` seconds per TOTP step, 1 to 3600")
	fs.Int64Var(&f.at, "at", 0, "give the TOTP code for the time `UNIX_SECONDS` (default now)")
	fs.BoolVar(&f.hotp, "hotp", false, "give the HOTP code (needs --counter)")
	fs.Uint64Var(&f.counter, "counter", 0, "the HOTP counter `N`")
	fs.StringVar(&f.uri, "uri", "", "an otpauth://totp/... or otpauth://hotp/... `URI`")
	return cmd
}

func runCode(e *env, fs *pflag.FlagSet, f *codeFlags) error {
	key, err := codeKey(e, fs, f)
	if err != nil {
		return err
	}
	now := time.Now()
	if fs.Changed("at") {
		if key.Type == otpauth.HOTP {
			return usagef("--at is for TOTP; an HOTP code depends on its counter")
		}
		if f.at < 0 {
			return usagef("--at must be Unix seconds, 0 or more")
		}
		now = time.Unix(f.at, 0)
	}
	code, err := otpcode.Generate(key, now)
	if err != nil {
		return failf("%s", err.Error())
	}
	fmt.Fprintln(e.stdout, code)
	if key.Type == otpauth.TOTP && !fs.Changed("at") {
		left := otpcode.Remaining(now, key.Period)
		fmt.Fprintf(e.stderr, "%ds left\n", int(math.Ceil(left.Seconds())))
	}
	warn(e, key)
	return nil
}

// codeKey is the key the flags describe: an otpauth URI's, or a secret's
// with the other flags.
func codeKey(e *env, fs *pflag.FlagSet, f *codeFlags) (*otpauth.Key, error) {
	switch {
	case fs.Changed("uri") && fs.Changed("secret"):
		return nil, usagef("give --secret or --uri, not both")
	case fs.Changed("uri"):
		for _, name := range []string{"algorithm", "digits", "period", "hotp", "counter"} {
			if fs.Changed(name) {
				return nil, usagef("--%s cannot be combined with --uri, which carries every parameter", name)
			}
		}
		text, err := readValue(e, f.uri)
		if err != nil {
			return nil, usagef("--uri: %v", err)
		}
		key, err := otpauth.Parse(text)
		if err != nil {
			return nil, usagef("--uri: %s", err.Error())
		}
		return key, nil
	case fs.Changed("secret"):
		return secretKey(e, fs, f)
	}
	return nil, usagef("--secret or --uri is required (see twofold code --help)")
}

// secretKey is the key of --secret and the parameter flags.
func secretKey(e *env, fs *pflag.FlagSet, f *codeFlags) (*otpauth.Key, error) {
	text, err := readValue(e, f.secret)
	if err != nil {
		return nil, usagef("--secret: %v", err)
	}
	raw, err := otpauth.DecodeSecret(text)
	if err != nil {
		return nil, usagef("--secret: %s", err.Error())
	}
	switch {
	case f.hotp && !fs.Changed("counter"):
		return nil, usagef("--hotp needs --counter N")
	case !f.hotp && fs.Changed("counter"):
		return nil, usagef("--counter needs --hotp")
	case f.hotp && fs.Changed("period"):
		return nil, usagef("--period is for TOTP; an HOTP code depends on --counter only")
	}
	key := &otpauth.Key{Type: otpauth.TOTP, Account: "command line", Secret: raw,
		Algorithm: otpauth.Algorithm(strings.ToUpper(f.algorithm)), Digits: f.digits, Period: f.period}
	if f.hotp {
		key.Type, key.Period, key.Counter = otpauth.HOTP, 0, f.counter
	}
	if err := key.Validate(); err != nil {
		return nil, usagef("%s", flagProblem(err))
	}
	return key, nil
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
		return "--secret: " + err.Error()
	}
	return err.Error()
}

// warn prints what a key allows but a person should know, on stderr.
func warn(e *env, k *otpauth.Key) {
	for _, w := range k.Warnings() {
		fmt.Fprintf(e.stderr, "twofold: warning: %s\n", w)
	}
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
