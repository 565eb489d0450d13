package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/transfer/transfertest"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/vault"
)

const (
	accountsPassword = "correct horse battery staple"
	wrongPassword    = "incorrect horse"
)

// importCase is a file written by transfertest (or, for Twofold, by the
// authenticator's own vault code) with the accounts it holds.
type importCase struct {
	name      string
	file      []byte
	password  bool // encrypted with accountsPassword
	format    string
	want      []transfertest.Entry
	skipped   int
	explicit  bool // the format cannot be detected: name it
	truncated int  // a length that cuts the file where it is detectably damaged
}

func only(es []transfertest.Entry, keep func(e *transfertest.Entry) bool) []transfertest.Entry {
	var out []transfertest.Entry
	for i := range es {
		if keep(&es[i]) {
			out = append(out, es[i])
		}
	}
	return out
}

// twofoldBackup seals entries into a real Twofold backup, with small
// Argon2 parameters (the envelope stores them).
func twofoldBackup(t *testing.T, entries []transfertest.Entry) []byte {
	t.Helper()
	st := &accounts.State{}
	for i := range entries {
		e := &entries[i]
		k := otpauth.Key{Type: otpauth.Type(e.Type), Issuer: e.Issuer, Account: e.Account, Secret: e.Secret,
			Algorithm: otpauth.Algorithm(e.Algorithm), Digits: e.Digits, Period: e.Period, Counter: e.Counter}
		a, err := accounts.New(k, rand.Reader, time.Unix(1700000000, 0))
		if err != nil {
			t.Fatal(err)
		}
		if st, err = st.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	blob, err := vault.SealBackup([]byte(accountsPassword), st.Marshal(), vault.Config{Params: vault.Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return blob
}

func importCases(t *testing.T) []importCase {
	s := transfertest.Sample
	noSteam := only(s, func(e *transfertest.Entry) bool { return e.Type != "steam" })
	google := only(s, func(e *transfertest.Entry) bool { return e.Type == "hotp" || e.Type == "totp" && e.Period == 30 })
	totpSteam := only(s, func(e *transfertest.Entry) bool { return e.Type != "hotp" })
	steam := s[len(s)-1]
	// The vault refuses two accounts with one key: give each its own.
	var distinct []transfertest.Entry
	for i, e := range noSteam {
		e.Secret = append(bytes.Clone(e.Secret), byte(i))
		distinct = append(distinct, e)
	}
	cases := []importCase{
		{name: "aegis", file: transfertest.AegisVault(s, transfertest.AegisUnsupported, "", 0), format: "aegis", want: s, skipped: 3},
		{name: "aegis encrypted", file: transfertest.AegisVault(s, nil, accountsPassword, 1<<10), password: true, format: "aegis", want: s},
		{name: "2fas", file: transfertest.TwoFAS(s, "", false), format: "2fas", want: s, skipped: 1},
		{name: "2fas encrypted", file: transfertest.TwoFAS(s, accountsPassword, true), password: true, format: "2fas", want: s, skipped: 1},
		{name: "andotp", file: transfertest.AndOTP(s, "", 0), format: "andotp", want: s, skipped: 1},
		{name: "andotp encrypted", file: transfertest.AndOTP(s, accountsPassword, 1000), password: true, format: "andotp", want: s, skipped: 1},
		{name: "andotp old encrypted", file: transfertest.AndOTP(s, accountsPassword, 0), password: true, format: "andotp", want: s, skipped: 1, explicit: true},
		{name: "bitwarden json", file: transfertest.BitwardenJSON(s), format: "bitwarden", want: s, skipped: 1},
		{name: "bitwarden csv", file: transfertest.BitwardenCSV(s), format: "bitwarden", want: s, skipped: 1, truncated: -1},
		{name: "freeotp+", file: transfertest.FreeOTPPlus(s), format: "freeotp-plus", want: s, skipped: 1},
		{name: "ente", file: transfertest.URIList(s, true), format: "ente", want: s, skipped: 2, truncated: -1},
		{name: "proton", file: transfertest.Proton(totpSteam), format: "proton", want: totpSteam, skipped: 1},
		{name: "stratum", file: transfertest.Stratum(s, "", false), format: "stratum", want: s, skipped: 2},
		{name: "stratum encrypted", file: transfertest.Stratum(s, accountsPassword, false), password: true, format: "stratum", want: s, skipped: 2},
		{name: "stratum legacy encrypted", file: transfertest.Stratum(s, accountsPassword, true), password: true, format: "stratum", want: s, skipped: 2},
		{name: "steam", file: transfertest.MaFile(&steam), format: "steam", want: []transfertest.Entry{steam}},
		{name: "google", file: transfertest.Google(google), format: "google", want: google, skipped: 1, truncated: -1},
		{name: "otpauth", file: transfertest.URIList(s, false), format: "otpauth", want: s, skipped: 2, truncated: -1},
		{name: "twofold", file: twofoldBackup(t, distinct), password: true, format: "twofold", want: distinct},
	}
	for i := range cases {
		c := &cases[i]
		if c.truncated == 0 {
			c.truncated = len(c.file) * 2 / 3
		} else {
			// Text and CSV carry no check: cut inside the first secret,
			// one character into it, which no base32 key can be.
			c.truncated = bytes.Index(c.file, []byte("secret=")) + 8
			if c.format == "bitwarden" {
				c.truncated = bytes.Index(c.file, []byte("with, a comma")) + 4
			}
			if c.format == "google" {
				c.truncated = bytes.Index(c.file, []byte("data=")) + 12
			}
		}
	}
	return cases
}

func wantJSON(entries []transfertest.Entry, secrets bool) []accountJSON {
	out := []accountJSON{}
	for i := range entries {
		e := entries[i]
		a := accountJSON{Issuer: e.Issuer, Account: e.Account, Type: e.Type, Algorithm: e.Algorithm, Digits: e.Digits, Period: e.Period}
		if e.Type == "hotp" {
			a.Period, a.Counter = 0, &e.Counter
		}
		if secrets {
			a.Secret = otpauth.EncodeSecret(e.Secret)
		}
		out = append(out, a)
	}
	return out
}

// writeFiles writes a case's file and a password file into dir.
func writeFiles(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, strings.NewReplacer(" ", "-", "+", "plus").Replace(name))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAccountsImport(t *testing.T) {
	dir := t.TempDir()
	right := writeFiles(t, dir, "right.txt", []byte(accountsPassword+"\n"))
	wrong := writeFiles(t, dir, "wrong.txt", []byte(wrongPassword+"\r\n"))
	for _, c := range importCases(t) {
		t.Run(c.name, func(t *testing.T) {
			file := writeFiles(t, dir, c.name, c.file)
			args := []string{"accounts", "import", "-o", "json", "--show-secrets"}
			if c.explicit {
				args = append(args, "--format", c.format)
			}
			if c.password {
				args = append(args, "--password-file", right)
			}
			status, out, errOut := runTwofold(t, "", append(args, file)...)
			if status != 0 {
				t.Fatalf("exit %d: %s", status, errOut)
			}
			var got importJSON
			dec := json.NewDecoder(strings.NewReader(out))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			if got.Format != c.format || !reflect.DeepEqual(got.Accounts, wantJSON(c.want, true)) || len(got.Skipped) != c.skipped {
				t.Errorf("got format %s, %d skipped, accounts\n%+v\nwant %s, %d skipped\n%+v", got.Format, len(got.Skipped), got.Accounts, c.format, c.skipped, wantJSON(c.want, true))
			}
			if n := strings.Count(errOut, "not imported: "); n != c.skipped {
				t.Errorf("stderr names %d entries not imported, want %d:\n%s", n, c.skipped, errOut)
			}

			// Damaged files, and passwords: one line, exit 2, nothing out.
			bad := []struct {
				what string
				args []string
				data []byte
				msg  string
			}{
				{"truncated", nil, c.file[:c.truncated], "damaged|cut short|wrong password, or the file"},
			}
			if c.password {
				bad = append(bad,
					struct {
						what string
						args []string
						data []byte
						msg  string
					}{"wrong password", []string{"--password-file", wrong}, c.file, "wrong password"},
					struct {
						what string
						args []string
						data []byte
						msg  string
					}{"no password", nil, c.file, "the file is encrypted: give its password with --password-file"})
			}
			for _, b := range bad {
				path := writeFiles(t, dir, c.name+"-"+b.what, b.data)
				args := []string{"accounts", "import"}
				if c.explicit {
					args = append(args, "--format", c.format)
				}
				if c.password && b.what == "truncated" {
					args = append(args, "--password-file", right)
				}
				args = append(append(args, b.args...), path)
				status, out, errOut := runTwofold(t, "", args...)
				if status != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !matchAny(errOut, b.msg) {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2, nothing, one line saying %q", b.what, status, out, errOut, b.msg)
				}
				if strings.Contains(errOut, accountsPassword) || strings.Contains(errOut, otpauth.EncodeSecret(transfertest.Seed20)[:16]) {
					t.Errorf("%s: stderr %q holds a secret", b.what, errOut)
				}
			}
		})
	}
}

func matchAny(s, alternatives string) bool {
	for _, a := range strings.Split(alternatives, "|") {
		if strings.Contains(s, a) {
			return true
		}
	}
	return false
}

// TestAccountsImportTable: the table names every account and, without
// --show-secrets, holds no secret.
func TestAccountsImportTable(t *testing.T) {
	dir := t.TempDir()
	file := writeFiles(t, dir, "aegis.json", transfertest.AegisVault(transfertest.Sample, nil, "", 0))
	status, out, errOut := runTwofold(t, "", "accounts", "import", file)
	if status != 0 {
		t.Fatalf("exit %d: %s", status, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(transfertest.Sample)+1 || strings.Join(strings.Fields(lines[0]), " ") != "ISSUER ACCOUNT TYPE ALGORITHM DIGITS PERIOD COUNTER" {
		t.Fatalf("table:\n%s", out)
	}
	if got := strings.Join(strings.Fields(lines[6]), " "); got != "Big Counter dave hotp SHA256 8 - 123456789" {
		t.Errorf("HOTP row %q", got)
	}
	if got := strings.Join(strings.Fields(lines[7]), " "); got != "Steam gaben steam SHA1 5 30 -" {
		t.Errorf("Steam row %q", got)
	}
	for _, e := range transfertest.Sample {
		if strings.Contains(out, otpauth.EncodeSecret(e.Secret)[:16]) {
			t.Errorf("the table shows a secret without --show-secrets:\n%s", out)
		}
	}
	_, shown, _ := runTwofold(t, "", "accounts", "import", "--show-secrets", file)
	if !strings.Contains(shown, "SECRET") || !strings.Contains(shown, otpauth.EncodeSecret(transfertest.SteamSecret)) {
		t.Errorf("--show-secrets table:\n%s", shown)
	}
}

// TestAccountsExport: each export format, from an encrypted file, imports
// back to the same accounts (Google's without those it cannot hold); --out
// is private and never overwrites.
func TestAccountsExport(t *testing.T) {
	dir := t.TempDir()
	pw := writeFiles(t, dir, "pw.txt", []byte(accountsPassword))
	input := writeFiles(t, dir, "in.2fas", transfertest.TwoFAS(transfertest.Sample, accountsPassword, true))
	google := only(transfertest.Sample, func(e *transfertest.Entry) bool { return e.Type == "hotp" || e.Type == "totp" && e.Period == 30 })
	for _, tt := range []struct {
		format  string
		imports string
		want    []transfertest.Entry
		leftOut int
	}{
		{"otpauth", "otpauth", transfertest.Sample, 0},
		{"aegis", "aegis", transfertest.Sample, 0},
		{"google", "google", google, 3},
	} {
		t.Run(tt.format, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+tt.format)
			status, stdout, errOut := runTwofold(t, "", "accounts", "export", "--format", tt.format, "--password-file", pw, "--out", out, input)
			if status != 0 || stdout != "" {
				t.Fatalf("exit %d, stdout %q: %s", status, stdout, errOut)
			}
			if !strings.Contains(errOut, "plaintext") || strings.Count(errOut, "left out: ") != tt.leftOut {
				t.Errorf("stderr %q: want the plaintext warning and %d left out", errOut, tt.leftOut)
			}
			if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("--out file: %v, %v; want mode 0600", fi, err)
			}
			status, stdout, errOut = runTwofold(t, "", "accounts", "import", "-o", "json", "--show-secrets", out)
			var got importJSON
			if status != 0 || json.Unmarshal([]byte(stdout), &got) != nil {
				t.Fatalf("importing the export: exit %d: %s", status, errOut)
			}
			if got.Format != tt.imports || !reflect.DeepEqual(got.Accounts, wantJSON(tt.want, true)) {
				t.Errorf("round trip: format %s, accounts\n%+v\nwant\n%+v", got.Format, got.Accounts, wantJSON(tt.want, true))
			}
			status, _, errOut = runTwofold(t, "", "accounts", "export", "--format", tt.format, "--password-file", pw, "--out", out, input)
			if status != exitUsage || !strings.Contains(errOut, "exists") {
				t.Errorf("export over an existing file: exit %d, %q", status, errOut)
			}
		})
	}
}

func TestAccountsUsage(t *testing.T) {
	dir := t.TempDir()
	file := writeFiles(t, dir, "list.txt", transfertest.URIList(transfertest.Sample, false))
	for _, tt := range []struct {
		name   string
		args   []string
		status int
		out    string
		errOut string
	}{
		{"help", []string{"accounts", "--help"}, 0, "Usage:", ""},
		{"import help", []string{"accounts", "import", "--help"}, 0, "--show-secrets", ""},
		{"export help", []string{"accounts", "export", "-h"}, 0, "Google Authenticator", ""},
		{"alone", []string{"accounts"}, 2, "", "Usage:"},
		{"unknown subcommand", []string{"accounts", "merge"}, 2, "", "unknown subcommand"},
		{"no file", []string{"accounts", "import"}, 2, "", "name exactly one FILE"},
		{"missing file", []string{"accounts", "import", filepath.Join(dir, "nope")}, 2, "", "no such file"},
		{"unknown format", []string{"accounts", "import", "--format", "lastpass", file}, 2, "", "unknown format"},
		{"wrong format named", []string{"accounts", "import", "--format", "aegis", file}, 2, "", "not valid JSON"},
		{"bad -o", []string{"accounts", "import", "-o", "yaml", file}, 2, "", "want table or json"},
		{"not an export", []string{"accounts", "import", "-"}, 2, "", "not a file format Twofold can import"},
		{"export without format", []string{"accounts", "export", file}, 2, "", "--format otpauth, aegis or google is required"},
		{"export to a bad format", []string{"accounts", "export", "--format", "csv", file}, 2, "", "--format must be"},
		{"empty password file", []string{"accounts", "import", "--password-file", file + "-empty", file}, 2, "", "--password-file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.WriteFile(file+"-empty", nil, 0o600)
			status, out, errOut := runTwofold(t, "dear diary\n", tt.args...)
			if status != tt.status || !strings.Contains(out, tt.out) || !strings.Contains(errOut, tt.errOut) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", status, out, errOut, tt.status, tt.out, tt.errOut)
			}
			if status == exitUsage && tt.errOut != "Usage:" && strings.Count(errOut, "\n") != 1 {
				t.Errorf("error is not one line: %q", errOut)
			}
		})
	}
}
