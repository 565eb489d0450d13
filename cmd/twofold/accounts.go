package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/transfer"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/vault"
)

// accounts registers itself, so the verb lives in this file alone.
func init() {
	commands["accounts"] = command{"read other apps' exports and backups, and write exports for them", runAccounts}
}

const accountsUsage = `Usage:
  twofold accounts import [--format F] [--password-file FILE] [--show-secrets] [-o table|json] FILE
  twofold accounts export --format otpauth|aegis|google [--from F] [--password-file FILE] [--out FILE] INPUT

import prints the accounts a file holds: an export or backup of Aegis,
2FAS, andOTP, Bitwarden, FreeOTP+, Ente Auth, Proton Authenticator,
Authenticator Pro / Stratum, Steam Desktop Authenticator (.maFile), Google
Authenticator (otpauth-migration:// lines), an otpauth:// list or a Twofold
backup. export converts any of those into a file for another app. See
twofold accounts import --help and twofold accounts export --help.
`

const accountsImportUsage = `Usage: twofold accounts import [--format F] [--password-file FILE] [--show-secrets] [-o table|json] FILE

Prints the accounts FILE holds: issuer, account, type (totp, hotp, steam),
algorithm, digits, period, counter, and with --show-secrets the secret in
base32. The format is detected unless --format names it. Entries that
cannot be imported (a Yandex or mOTP account, MD5, ...) are listed on
standard error with the reason; the others are printed. An encrypted file
needs --password-file; a wrong password or a damaged file is one line on
standard error and exit status 2, and nothing is printed. FILE "-" is
standard input. Nothing is saved anywhere.

Flags:
  --format F            auto (default), aegis, 2fas, andotp, bitwarden,
                        freeotp-plus, ente, proton, stratum, steam, google,
                        otpauth or twofold (an andOTP backup from before
                        andOTP 0.6.3 must be named: andotp)
  --password-file FILE  the file's password, the first line of FILE ("-":
                        standard input), so it stays out of the process list
  --show-secrets        also print each secret (base32)
  -o table|json         a table (default) or one JSON object with
                        format, accounts, skipped and warnings

Examples:
  twofold accounts import aegis-export.json
  twofold accounts import --password-file pw.txt -o json backup.2fas
`

const accountsExportUsage = `Usage: twofold accounts export --format otpauth|aegis|google [--from F] [--password-file FILE] [--out FILE] INPUT

Reads INPUT like "accounts import" (any format it reads: another app's
export, a Twofold backup) and writes its accounts for another app, to
--out FILE (created with mode 0600, never over an existing file) or to
standard output. This is how you move out, or between apps:

  otpauth  one otpauth:// URI a line: every authenticator imports it
  aegis    an unencrypted Aegis vault (Aegis: Import from file, Aegis)
  google   Google Authenticator transfer URIs (otpauth-migration://),
           one a line, ten accounts at most each, as the app makes them:
           show each as a QR code (e.g. qrencode -t ansiutf8) and scan
           them in order with Google Authenticator's "Import accounts".
           Steam accounts and periods other than 30 s have no place in
           them: they are listed on standard error and left out.

The output holds every secret in plaintext: keep it safe and delete it
once imported. Entries INPUT holds that cannot be exported are listed on
standard error.

Flags:
  --format F            otpauth, aegis or google (required)
  --from F              INPUT's format, as import's --format (default auto)
  --password-file FILE  INPUT's password ("-": standard input)
  --out FILE            write here instead of standard output

Examples:
  twofold accounts export --format aegis --password-file pw.txt --out aegis.json twofold-backup-2026-01-01.twofold
  twofold accounts export --format google export.2fas > transfer.txt
`

func runAccounts(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, accountsUsage)
		return exitUsage
	}
	switch args[0] {
	case "import":
		return runAccountsImport(e, args[1:])
	case "export":
		return runAccountsExport(e, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, accountsUsage)
		return exitOK
	}
	return fail(e, exitUsage, "accounts: unknown subcommand %q; use import or export (see twofold accounts --help)", args[0])
}

// readAccounts reads and imports the file named by the arguments shared by
// import and export. On failure it has printed the one-line error and
// returns the exit status.
func readAccounts(e *env, verb, name, format, passwordFile string) (*transfer.Result, int) {
	f, ok := transfer.ParseFormat(format)
	if !ok {
		return nil, fail(e, exitUsage, "%s: unknown format %q (see twofold %s --help)", verb, format, verb)
	}
	data, err := readInput(e, name)
	if err != nil {
		return nil, fail(e, exitUsage, "%s: %s: %v", verb, name, err)
	}
	opt := transfer.Options{Format: f, OpenTwofold: openTwofoldBackup}
	if passwordFile != "" {
		if opt.Password, err = readPassword(e, passwordFile); err != nil {
			return nil, fail(e, exitUsage, "%s: --password-file: %v", verb, err)
		}
	}
	res, err := transfer.Import(data, opt)
	if errors.Is(err, transfer.ErrPasswordRequired) && passwordFile == "" {
		return nil, fail(e, exitUsage, "%s: %s: the file is encrypted: give its password with --password-file FILE", verb, name)
	}
	if err != nil {
		return nil, fail(e, exitUsage, "%s: %s: %s", verb, name, describeTransfer(err))
	}
	for i := range res.Skipped {
		fmt.Fprintf(e.stderr, "twofold: %s: not imported: %s\n", verb, describeTransfer(&res.Skipped[i]))
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "twofold: %s: warning: %s\n", verb, w)
	}
	return res, exitOK
}

// readInput reads a whole file ("-": standard input), refusing one over
// transfer.MaxFileSize before reading it all.
func readInput(e *env, name string) ([]byte, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, errors.Unwrap(err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, transfer.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > transfer.MaxFileSize {
		return nil, fmt.Errorf("file too large (over %d MiB)", transfer.MaxFileSize>>20)
	}
	return data, nil
}

// readPassword returns the first line of a file ("-": standard input),
// without its line ending.
func readPassword(e *env, name string) ([]byte, error) {
	data, err := readInput(e, name)
	if err != nil {
		return nil, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return nil, errors.New("the first line is empty")
	}
	return []byte(line), nil
}

// describeTransfer is an error's message without the package prefixes.
func describeTransfer(err error) string {
	return strings.NewReplacer("transfer: ", "", "otpauth: ", "", "migration: ", "").Replace(err.Error())
}

// openTwofoldBackup opens a Twofold backup with the authenticator's own
// vault and accounts packages, for transfer.Options.OpenTwofold.
func openTwofoldBackup(file, password []byte) ([]otpauth.Key, error) {
	plain, err := vault.OpenBackup(file, password)
	switch {
	case errors.Is(err, vault.ErrWrongPassphrase), errors.Is(err, vault.ErrEmptyPassphrase):
		return nil, transfer.ErrWrongPassword
	case errors.Is(err, vault.ErrUnsupportedVersion):
		return nil, fmt.Errorf("%w (%v)", transfer.ErrUnsupported, err)
	case err != nil:
		return nil, fmt.Errorf("%w (%v)", transfer.ErrDamaged, err)
	}
	defer clear(plain)
	st, err := accounts.Unmarshal(plain)
	if err != nil {
		return nil, fmt.Errorf("%w (the backup's contents: %v)", transfer.ErrDamaged, err)
	}
	var keys []otpauth.Key
	for _, a := range st.Accounts() {
		keys = append(keys, a.Key)
	}
	return keys, nil
}

// accountJSON is one account in import's JSON output. Scripts read these
// names.
type accountJSON struct {
	Issuer    string  `json:"issuer"`
	Account   string  `json:"account"`
	Type      string  `json:"type"`
	Algorithm string  `json:"algorithm"`
	Digits    int     `json:"digits"`
	Period    int     `json:"period,omitempty"`  // TOTP and Steam
	Counter   *uint64 `json:"counter,omitempty"` // HOTP
	Secret    string  `json:"secret,omitempty"`  // base32, with --show-secrets
}

type skippedJSON struct {
	Entry   int    `json:"entry"` // place in the file from 1 (a line, for text)
	Issuer  string `json:"issuer,omitempty"`
	Account string `json:"account,omitempty"`
	Reason  string `json:"reason"`
}

type importJSON struct {
	Format   string        `json:"format"`
	Accounts []accountJSON `json:"accounts"`
	Skipped  []skippedJSON `json:"skipped"`
	Warnings []string      `json:"warnings"`
}

func runAccountsImport(e *env, args []string) int {
	fs := newFlagSet("accounts import")
	var (
		format       = fs.String("format", string(transfer.FormatAuto), "")
		passwordFile = fs.String("password-file", "", "")
		showSecrets  = fs.Bool("show-secrets", false, "")
		output       = fs.String("o", "table", "")
	)
	rest, status, done := parseFlags(e, fs, args, accountsImportUsage)
	if done {
		return status
	}
	if len(rest) != 1 {
		return fail(e, exitUsage, "accounts import: name exactly one FILE (see twofold accounts import --help)")
	}
	if *output != "table" && *output != "json" {
		return fail(e, exitUsage, "accounts import: -o must be table or json")
	}
	res, status := readAccounts(e, "accounts import", rest[0], *format, *passwordFile)
	if res == nil {
		return status
	}
	if *output == "json" {
		out := importJSON{Format: string(res.Format), Accounts: []accountJSON{}, Skipped: []skippedJSON{}, Warnings: res.Warnings}
		if out.Warnings == nil {
			out.Warnings = []string{}
		}
		for i := range res.Entries {
			a := &res.Entries[i]
			obj := accountJSON{Issuer: a.Issuer, Account: a.Account, Type: string(a.Type), Algorithm: string(a.Algorithm), Digits: a.Digits, Period: a.Period}
			if a.Type == transfer.HOTP {
				obj.Counter = &a.Counter
			}
			if *showSecrets {
				obj.Secret = otpauth.EncodeSecret(a.Secret)
			}
			out.Accounts = append(out.Accounts, obj)
		}
		for _, s := range res.Skipped {
			out.Skipped = append(out.Skipped, skippedJSON{Entry: s.Index, Issuer: s.Issuer, Account: s.Account, Reason: describeTransfer(s.Err)})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fail(e, exitFail, "accounts import: writing output: %v", err)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	header := "ISSUER\tACCOUNT\tTYPE\tALGORITHM\tDIGITS\tPERIOD\tCOUNTER"
	if *showSecrets {
		header += "\tSECRET"
	}
	fmt.Fprintln(tw, header)
	for i := range res.Entries {
		a := &res.Entries[i]
		period, counter := strconv.Itoa(a.Period), "-"
		if a.Type == transfer.HOTP {
			period, counter = "-", strconv.FormatUint(a.Counter, 10)
		}
		issuer := a.Issuer
		if issuer == "" {
			issuer = "-"
		}
		row := fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%s\t%s", issuer, a.Account, a.Type, a.Algorithm, a.Digits, period, counter)
		if *showSecrets {
			row += "\t" + otpauth.EncodeSecret(a.Secret)
		}
		fmt.Fprintln(tw, row)
	}
	if err := tw.Flush(); err != nil {
		return fail(e, exitFail, "accounts import: writing output: %v", err)
	}
	return exitOK
}

func runAccountsExport(e *env, args []string) int {
	fs := newFlagSet("accounts export")
	var (
		format       = fs.String("format", "", "")
		from         = fs.String("from", string(transfer.FormatAuto), "")
		passwordFile = fs.String("password-file", "", "")
		out          = fs.String("out", "", "")
	)
	rest, status, done := parseFlags(e, fs, args, accountsExportUsage)
	if done {
		return status
	}
	if len(rest) != 1 {
		return fail(e, exitUsage, "accounts export: name exactly one INPUT (see twofold accounts export --help)")
	}
	switch *format {
	case "otpauth", "aegis", "google":
	case "":
		return fail(e, exitUsage, "accounts export: --format otpauth, aegis or google is required (see twofold accounts export --help)")
	default:
		return fail(e, exitUsage, "accounts export: --format must be otpauth, aegis or google")
	}
	res, status := readAccounts(e, "accounts export", rest[0], *from, *passwordFile)
	if res == nil {
		return status
	}
	if len(res.Entries) == 0 {
		return fail(e, exitUsage, "accounts export: %s: no account can be exported", rest[0])
	}

	var (
		data    []byte
		written = len(res.Entries)
	)
	switch *format {
	case "otpauth":
		text, err := transfer.WriteOTPAuth(res.Entries)
		if err != nil {
			return fail(e, exitFail, "accounts export: %s", describeTransfer(err))
		}
		data = []byte(text)
	case "aegis":
		var err error
		if data, err = transfer.WriteAegis(res.Entries, rand.Reader); err != nil {
			return fail(e, exitFail, "accounts export: %s", describeTransfer(err))
		}
	case "google":
		uris, skipped, err := transfer.WriteGoogle(res.Entries, rand.Reader)
		for i := range skipped {
			fmt.Fprintf(e.stderr, "twofold: accounts export: left out: %s\n", describeTransfer(&skipped[i]))
		}
		if err != nil {
			return fail(e, exitUsage, "accounts export: %s", describeTransfer(err))
		}
		written -= len(skipped)
		data = []byte(strings.Join(uris, "\n") + "\n")
	}

	if *out == "" {
		if _, err := e.stdout.Write(data); err != nil {
			return fail(e, exitFail, "accounts export: writing output: %v", err)
		}
	} else {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fail(e, exitUsage, "accounts export: --out: %v", errors.Unwrap(err))
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(*out)
			return fail(e, exitFail, "accounts export: writing %s: %v", *out, err)
		}
	}
	fmt.Fprintf(e.stderr, "twofold: accounts export: wrote %d accounts; the output holds their secrets in plaintext: keep it safe and delete it once imported\n", written)
	return exitOK
}
