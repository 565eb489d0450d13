package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/transfer"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/vault"
)

func accountsCmd(e *env) *cobra.Command {
	cmd := group(e, "accounts", "read other apps' exports and backups, and write exports for them",
		`import prints the accounts a file holds: an export or backup of Aegis,
2FAS, andOTP, Bitwarden, FreeOTP+, Ente Auth, Proton Authenticator,
Authenticator Pro / Stratum, Steam Desktop Authenticator (.maFile), Google
Authenticator (otpauth-migration:// lines), an otpauth:// list or a Twofold
backup. export converts any of those into a file for another app.`,
		`  twofold accounts import aegis-export.json
  twofold accounts export --format aegis --out aegis.json export.txt`)
	cmd.AddCommand(accountsImportCmd(e), accountsExportCmd(e))
	return cmd
}

// importFlags are accounts import's flags.
type importFlags struct {
	format, passwordFile string
	showSecrets          bool
	output               *outputFormat
}

func accountsImportCmd(e *env) *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "print the accounts an export or backup holds",
		Long: `Prints the accounts FILE holds: issuer, account, type (totp, hotp, steam),
algorithm, digits, period, counter, and with --show-secrets the secret in
base32. The format is detected unless --format names it. Entries that
cannot be imported (a Yandex or mOTP account, MD5, ...) are listed on
standard error with the reason; the others are printed. An encrypted file
needs --password-file; a wrong password or a damaged file is one line on
standard error and exit status 2, and nothing is printed. FILE "-" is
standard input. Nothing is saved anywhere. With -o json the output is one
object with format, accounts, skipped and warnings.`,
		Example: `  twofold accounts import aegis-export.json
  twofold accounts import --password-file pw.txt -o json backup.2fas`,
		Args: exactArgs(1, "name exactly one FILE"),
		RunE: func(_ *cobra.Command, args []string) error { return runAccountsImport(e, args[0], &f) },
	}
	fs := cmd.Flags()
	fs.StringVar(&f.format, "format", string(transfer.FormatAuto), "the file's format `F`: auto, aegis, 2fas, andotp, bitwarden, freeotp-plus, ente, proton, "+
		"stratum, steam, google, otpauth or twofold (an andOTP backup from before andOTP 0.6.3 must be named: andotp)")
	fs.StringVar(&f.passwordFile, "password-file", "", "the file's password, the first line of `FILE` (\"-\": standard input), so it stays out of the process list")
	fs.BoolVar(&f.showSecrets, "show-secrets", false, "also print each secret (base32)")
	f.output = addOutputFlag(fs)
	completeOutput(cmd)
	return cmd
}

// exportFlags are accounts export's flags.
type exportFlags struct{ format, from, passwordFile, out string }

func accountsExportCmd(e *env) *cobra.Command {
	var f exportFlags
	cmd := &cobra.Command{
		Use:   "export --format otpauth|aegis|google INPUT",
		Short: "write an export or backup's accounts for another app",
		Long: `Reads INPUT like "accounts import" (any format it reads: another app's
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
standard error.`,
		Example: `  twofold accounts export --format aegis --password-file pw.txt --out aegis.json twofold-backup-2026-01-01.twofold
  twofold accounts export --format google export.2fas > transfer.txt`,
		Args: exactArgs(1, "name exactly one INPUT"),
		RunE: func(_ *cobra.Command, args []string) error { return runAccountsExport(e, args[0], &f) },
	}
	fs := cmd.Flags()
	fs.StringVar(&f.format, "format", "", "what to write, `F`: otpauth, aegis or google (required)")
	fs.StringVar(&f.from, "from", string(transfer.FormatAuto), "INPUT's format `F`, as import's --format")
	fs.StringVar(&f.passwordFile, "password-file", "", "INPUT's password, the first line of `FILE` (\"-\": standard input)")
	fs.StringVar(&f.out, "out", "", "write to `FILE` instead of standard output")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"otpauth", "aegis", "google"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// readAccounts reads and imports the file named by the arguments shared by
// import and export, and lists on stderr what it could not import.
func readAccounts(e *env, verb, name, format, passwordFile string) (*transfer.Result, error) {
	f, ok := transfer.ParseFormat(format)
	if !ok {
		return nil, usagef("unknown format %q (see twofold %s --help)", format, verb)
	}
	data, err := readInput(e, name)
	if err != nil {
		return nil, usagef("%s: %v", name, err)
	}
	opt := transfer.Options{Format: f, OpenTwofold: openTwofoldBackup}
	if passwordFile != "" {
		if opt.Password, err = readPassword(e, passwordFile); err != nil {
			return nil, usagef("--password-file: %v", err)
		}
	}
	res, err := transfer.Import(data, opt)
	if errors.Is(err, transfer.ErrPasswordRequired) && passwordFile == "" {
		return nil, usagef("%s: the file is encrypted: give its password with --password-file FILE", name)
	}
	if err != nil {
		return nil, usagef("%s: %s", name, err.Error())
	}
	for i := range res.Skipped {
		fmt.Fprintf(e.stderr, "twofold: %s: not imported: %s\n", verb, res.Skipped[i].Error())
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "twofold: %s: warning: %s\n", verb, w)
	}
	return res, nil
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

func runAccountsImport(e *env, name string, f *importFlags) error {
	res, err := readAccounts(e, "accounts import", name, f.format, f.passwordFile)
	if err != nil {
		return err
	}
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
		if f.showSecrets {
			obj.Secret = otpauth.EncodeSecret(a.Secret)
		}
		out.Accounts = append(out.Accounts, obj)
	}
	for _, s := range res.Skipped {
		out.Skipped = append(out.Skipped, skippedJSON{Entry: s.Index, Issuer: s.Issuer, Account: s.Account, Reason: s.Err.Error()})
	}
	return f.output.print(e.stdout, out, func(w io.Writer) { accountsTable(w, out.Accounts, f.showSecrets) })
}

// accountsTable is import's table.
func accountsTable(w io.Writer, accounts []accountJSON, showSecrets bool) {
	header := []string{"ISSUER", "ACCOUNT", "TYPE", "ALGORITHM", "DIGITS", "PERIOD", "COUNTER"}
	if showSecrets {
		header = append(header, "SECRET")
	}
	rows := make([][]string, len(accounts))
	for i, a := range accounts {
		period, counter := strconv.Itoa(a.Period), "-"
		if a.Counter != nil {
			period, counter = "-", strconv.FormatUint(*a.Counter, 10)
		}
		issuer := a.Issuer
		if issuer == "" {
			issuer = "-"
		}
		rows[i] = []string{issuer, a.Account, a.Type, a.Algorithm, strconv.Itoa(a.Digits), period, counter}
		if showSecrets {
			rows[i] = append(rows[i], a.Secret)
		}
	}
	table(w, header, rows)
}

func runAccountsExport(e *env, input string, f *exportFlags) error {
	switch f.format {
	case "otpauth", "aegis", "google":
	case "":
		return usagef("--format otpauth, aegis or google is required (see twofold accounts export --help)")
	default:
		return usagef("--format must be otpauth, aegis or google")
	}
	res, err := readAccounts(e, "accounts export", input, f.from, f.passwordFile)
	if err != nil {
		return err
	}
	if len(res.Entries) == 0 {
		return usagef("%s: no account can be exported", input)
	}
	data, written, err := writeExport(e, f.format, res.Entries)
	if err != nil {
		return err
	}
	if err := writeOutput(e, f.out, data); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "twofold: accounts export: wrote %d accounts; the output holds their secrets in plaintext: keep it safe and delete it once imported\n", written)
	return nil
}

// writeExport is the export file of entries in format, and how many
// accounts it holds.
func writeExport(e *env, format string, entries []transfer.Entry) ([]byte, int, error) {
	switch format {
	case "otpauth":
		text, err := transfer.WriteOTPAuth(entries)
		if err != nil {
			return nil, 0, failf("%s", err.Error())
		}
		return []byte(text), len(entries), nil
	case "aegis":
		data, err := transfer.WriteAegis(entries, rand.Reader)
		if err != nil {
			return nil, 0, failf("%s", err.Error())
		}
		return data, len(entries), nil
	}
	uris, skipped, err := transfer.WriteGoogle(entries, rand.Reader)
	for i := range skipped {
		fmt.Fprintf(e.stderr, "twofold: accounts export: left out: %s\n", skipped[i].Error())
	}
	if err != nil {
		return nil, 0, usagef("%s", err.Error())
	}
	return []byte(strings.Join(uris, "\n") + "\n"), len(entries) - len(skipped), nil
}

// writeOutput writes data to standard output, or to a new file (mode
// 0600, never over an existing one).
func writeOutput(e *env, out string, data []byte) error {
	if out == "" {
		if _, err := e.stdout.Write(data); err != nil {
			return failf("writing output: %v", err)
		}
		return nil
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return usagef("--out: %v", errors.Unwrap(err))
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
		return failf("writing %s: %v", out, err)
	}
	return nil
}
