package main

import (
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

func uriCmd(e *env) *cobra.Command {
	cmd := group(e, "uri", "parse or make otpauth URIs", `parse prints the fields of an otpauth:// URI as JSON, the secret redacted
unless --show-secret; make prints a new otpauth://totp URI.`, `  twofold uri parse 'otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example'
  twofold uri parse - --show-secret < export.txt
  twofold uri make --issuer Example --account alice@example.com`)
	var showSecret bool
	parse := &cobra.Command{
		Use:   "parse URI",
		Short: "print an otpauth URI's fields as JSON",
		Long: `Prints the fields of an otpauth:// URI as a JSON object, the secret redacted
unless --show-secret. A Google Authenticator export (otpauth-migration://)
prints one object per account, each with a "batch" object (version, size,
index, id of the export code, and the account's place in it) and, with
--show-secret, the account as an otpauth URI. A URI of "-" is read from
standard input.`,
		Example: "  twofold uri parse 'otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example'",
		Args:    exactArgs(1, "give exactly one URI"),
		RunE:    func(_ *cobra.Command, args []string) error { return runURIParse(e, args[0], showSecret) },
	}
	parse.Flags().BoolVar(&showSecret, "show-secret", false, "show the secret (and an export's accounts as otpauth URIs)")
	var mf makeFlags
	mk := &cobra.Command{
		Use:   "make --issuer I --account A",
		Short: "print a new otpauth://totp URI",
		Long: `Prints a new otpauth://totp URI (SHA1, 6 digits, 30 s, which every app
supports) for the issuer and account. Without --secret the key is a fresh
160-bit secret from the system's secure random source; --secret takes a
base32 key as typed ("-" reads it from standard input).`,
		Example: "  twofold uri make --issuer Example --account alice@example.com",
		Args:    noArgs("every value goes with a flag"),
		RunE:    func(cmd *cobra.Command, _ []string) error { return runURIMake(e, cmd.Flags(), &mf) },
	}
	mk.Flags().StringVar(&mf.issuer, "issuer", "", "the `ISSUER`: the service the key is for")
	mk.Flags().StringVar(&mf.account, "account", "", "the `ACCOUNT` at that service")
	mk.Flags().StringVar(&mf.secret, "secret", "", "a `BASE32` key as typed (\"-\": standard input; default: a fresh one)")
	cmd.AddCommand(parse, mk)
	return cmd
}

// freshSecretBytes is the size of a made-up key: 160 bits, the HMAC-SHA1
// output size that RFC 4226 recommends.
const freshSecretBytes = 20

// redacted stands in for the secret in parse output without --show-secret.
const redacted = "[redacted]"

func runURIParse(e *env, arg string, showSecret bool) error {
	uri, err := readValue(e, arg)
	if err != nil {
		return usagef("%v", err)
	}
	var objects []keyJSON
	if isMigration(uri) {
		p, err := migration.Decode(uri)
		if err != nil {
			return usagef("%s", err.Error())
		}
		for i := range p.Accounts {
			k := &p.Accounts[i]
			obj := newKeyJSON(k, showSecret)
			obj.Batch = &batchJSON{Version: p.Version, Size: p.BatchSize, Index: p.BatchIndex, ID: p.BatchID,
				Account: i + 1, Accounts: len(p.Accounts)}
			if showSecret {
				obj.URI = k.URI()
			}
			objects = append(objects, obj)
		}
	} else {
		k, err := otpauth.Parse(uri)
		if err != nil {
			return usagef("%s", err.Error())
		}
		objects = append(objects, newKeyJSON(k, showSecret))
	}
	for _, obj := range objects {
		if err := printJSON(e.stdout, obj); err != nil {
			return err
		}
	}
	return nil
}

func isMigration(uri string) bool {
	const scheme = "otpauth-migration:"
	uri = strings.TrimSpace(uri)
	return len(uri) >= len(scheme) && strings.EqualFold(uri[:len(scheme)], scheme)
}

// keyJSON is the parse output for one key. Scripts read these names.
type keyJSON struct {
	Type       string      `json:"type"`
	Issuer     string      `json:"issuer"`
	Account    string      `json:"account"`
	Secret     string      `json:"secret"` // base32, or "[redacted]"
	SecretBits int         `json:"secret_bits"`
	Algorithm  string      `json:"algorithm"`
	Digits     int         `json:"digits"`
	Period     int         `json:"period,omitempty"`  // TOTP
	Counter    *uint64     `json:"counter,omitempty"` // HOTP
	Extra      []paramJSON `json:"extra,omitempty"`   // unknown parameters, in order
	Warnings   []string    `json:"warnings,omitempty"`
	URI        string      `json:"uri,omitempty"`   // export accounts, with --show-secret
	Batch      *batchJSON  `json:"batch,omitempty"` // export accounts
}

type paramJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type batchJSON struct {
	Version  int   `json:"version"`
	Size     int   `json:"size"`
	Index    int   `json:"index"`
	ID       int32 `json:"id"`
	Account  int   `json:"account"`  // this account's place in the code, from 1
	Accounts int   `json:"accounts"` // accounts in the code
}

func newKeyJSON(k *otpauth.Key, showSecret bool) keyJSON {
	obj := keyJSON{
		Type: string(k.Type), Issuer: k.Issuer, Account: k.Account,
		Secret: redacted, SecretBits: len(k.Secret) * 8,
		Algorithm: string(k.Algorithm), Digits: k.Digits, Period: k.Period,
	}
	if showSecret {
		obj.Secret = otpauth.EncodeSecret(k.Secret)
	}
	if k.Type == otpauth.HOTP {
		obj.Counter = &k.Counter
	}
	for _, p := range k.Extra {
		obj.Extra = append(obj.Extra, paramJSON{Name: p.Name, Value: p.Value})
	}
	for _, w := range k.Warnings() {
		obj.Warnings = append(obj.Warnings, string(w))
	}
	return obj
}

// makeFlags are uri make's flags.
type makeFlags struct{ issuer, account, secret string }

func runURIMake(e *env, fs *pflag.FlagSet, f *makeFlags) error {
	for _, name := range []string{"issuer", "account"} {
		if !fs.Changed(name) {
			return usagef("--%s is required (see twofold uri make --help)", name)
		}
	}
	k := &otpauth.Key{Type: otpauth.TOTP, Issuer: strings.TrimSpace(f.issuer), Account: strings.TrimSpace(f.account),
		Algorithm: otpauth.DefaultAlgorithm, Digits: otpauth.DefaultDigits, Period: otpauth.DefaultPeriod}
	if fs.Changed("secret") {
		text, err := readValue(e, f.secret)
		if err != nil {
			return usagef("--secret: %v", err)
		}
		if k.Secret, err = otpauth.DecodeSecret(text); err != nil {
			return usagef("--secret: %s", err.Error())
		}
	} else {
		k.Secret = make([]byte, freshSecretBytes)
		if _, err := rand.Read(k.Secret); err != nil {
			return failf("no random source: %v", err)
		}
	}
	if k.Issuer == "" {
		return usagef("--issuer is empty")
	}
	if err := k.Validate(); err != nil {
		return usagef("%s", err.Error())
	}
	fmt.Fprintln(e.stdout, k.URI())
	warn(e, k)
	return nil
}
