package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

const uriUsage = `Usage:
  twofold uri parse URI [--show-secret]
  twofold uri make --issuer I --account A [--secret S]

parse prints the fields of an otpauth:// URI as JSON, the secret redacted
unless --show-secret. A Google Authenticator export (otpauth-migration://)
prints one JSON object per account, each with the export's batch numbers
(and, with --show-secret, the account's own otpauth URI). A URI of "-" is
read from standard input.

make prints a new otpauth://totp URI (SHA1, 6 digits, 30 s, which every app
supports) for the issuer and account, with the given base32 secret or a
fresh 160-bit one.

Examples:
  twofold uri parse 'otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example'
  twofold uri parse - --show-secret < export.txt
  twofold uri make --issuer Example --account alice@example.com
`

const uriParseUsage = `Usage: twofold uri parse URI [--show-secret]

Prints the fields of an otpauth:// URI as a JSON object, the secret redacted
unless --show-secret. A Google Authenticator export (otpauth-migration://)
prints one object per account, each with a "batch" object (version, size,
index, id of the export code, and the account's place in it) and, with
--show-secret, the account as an otpauth URI. A URI of "-" is read from
standard input.

Example:
  twofold uri parse 'otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example'
`

const uriMakeUsage = `Usage: twofold uri make --issuer I --account A [--secret S]

Prints a new otpauth://totp URI (SHA1, 6 digits, 30 s) for the issuer and
account. Without --secret the key is a fresh 160-bit secret from the
system's secure random source; --secret takes a base32 key as typed
("-" reads it from standard input).

Example:
  twofold uri make --issuer Example --account alice@example.com
`

// freshSecretBytes is the size of a made-up key: 160 bits, the HMAC-SHA1
// output size that RFC 4226 recommends.
const freshSecretBytes = 20

// redacted stands in for the secret in parse output without --show-secret.
const redacted = "[redacted]"

func runURI(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, uriUsage)
		return exitUsage
	}
	switch args[0] {
	case "parse":
		return runURIParse(e, args[1:])
	case "make":
		return runURIMake(e, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, uriUsage)
		return exitOK
	}
	return fail(e, exitUsage, "uri: unknown subcommand %q; use parse or make (see twofold uri --help)", args[0])
}

func runURIParse(e *env, args []string) int {
	fs := newFlagSet("uri parse")
	showSecret := fs.Bool("show-secret", false, "")
	rest, status, done := parseFlags(e, fs, args, uriParseUsage)
	if done {
		return status
	}
	if len(rest) != 1 {
		return fail(e, exitUsage, "uri parse: give exactly one URI (see twofold uri parse --help)")
	}
	uri, err := readValue(e, rest[0])
	if err != nil {
		return fail(e, exitUsage, "uri parse: %v", err)
	}

	var objects []keyJSON
	if isMigration(uri) {
		p, err := migration.Decode(uri)
		if err != nil {
			return fail(e, exitUsage, "uri parse: %s", describe(err))
		}
		for i := range p.Accounts {
			k := &p.Accounts[i]
			obj := newKeyJSON(k, *showSecret)
			obj.Batch = &batchJSON{Version: p.Version, Size: p.BatchSize, Index: p.BatchIndex, ID: p.BatchID,
				Account: i + 1, Accounts: len(p.Accounts)}
			if *showSecret {
				obj.URI = k.URI()
			}
			objects = append(objects, obj)
		}
	} else {
		k, err := otpauth.Parse(uri)
		if err != nil {
			return fail(e, exitUsage, "uri parse: %s", describe(err))
		}
		objects = append(objects, newKeyJSON(k, *showSecret))
	}

	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false) // URIs keep their "&"
	enc.SetIndent("", "  ")
	for _, obj := range objects {
		if err := enc.Encode(obj); err != nil {
			return fail(e, exitFail, "uri parse: writing output: %v", err)
		}
	}
	return exitOK
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

func runURIMake(e *env, args []string) int {
	fs := newFlagSet("uri make")
	var (
		issuer  = fs.String("issuer", "", "")
		account = fs.String("account", "", "")
		secret  = fs.String("secret", "", "")
	)
	rest, status, done := parseFlags(e, fs, args, uriMakeUsage)
	if done {
		return status
	}
	if len(rest) > 0 {
		return fail(e, exitUsage, "uri make: unexpected argument; every value goes with a flag (see twofold uri make --help)")
	}
	set := flagsSet(fs)
	for _, name := range []string{"issuer", "account"} {
		if !set[name] {
			return fail(e, exitUsage, "uri make: --%s is required (see twofold uri make --help)", name)
		}
	}

	k := &otpauth.Key{Type: otpauth.TOTP, Issuer: strings.TrimSpace(*issuer), Account: strings.TrimSpace(*account),
		Algorithm: otpauth.DefaultAlgorithm, Digits: otpauth.DefaultDigits, Period: otpauth.DefaultPeriod}
	if set["secret"] {
		text, err := readValue(e, *secret)
		if err != nil {
			return fail(e, exitUsage, "uri make: --secret: %v", err)
		}
		if k.Secret, err = otpauth.DecodeSecret(text); err != nil {
			return fail(e, exitUsage, "uri make: --secret: %s", describe(err))
		}
	} else {
		k.Secret = make([]byte, freshSecretBytes)
		if _, err := rand.Read(k.Secret); err != nil {
			return fail(e, exitFail, "uri make: no random source: %v", err)
		}
	}
	if k.Issuer == "" {
		return fail(e, exitUsage, "uri make: --issuer is empty")
	}
	if err := k.Validate(); err != nil {
		return fail(e, exitUsage, "uri make: %s", describe(err))
	}
	fmt.Fprintln(e.stdout, k.URI())
	warn(e, k)
	return exitOK
}
