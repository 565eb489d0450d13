package transfer

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/transfer/transfertest"
)

const (
	password  = "correct horse battery staple"
	wrongPass = "incorrect horse"
)

// fixture is a file made by a writer in fixtures_test.go, with what
// Import must find in it.
type fixture struct {
	name     string
	format   Format
	file     []byte
	password string  // "" for a plain file
	want     []Entry // in file order
	skipped  []error // the reasons of the skipped entries, in order
	// distinct says a modified file is told apart from a wrong password.
	distinct bool
	kind     fixtureKind
	// explicit says the format cannot be detected and must be named.
	explicit bool
}

type fixtureKind int

const (
	kindJSON fixtureKind = iota
	kindCSV
	kindList
	kindBinary
	kindSealedJSON // JSON around a base64 ciphertext
)

var (
	fixturesOnce sync.Once
	allFixtures  []fixture
)

// testTwofoldOpener stands in for the authenticator's vault code (the CLI's
// tests use the real one): it "opens" a backup whose body is a SHA-256 of
// the rest, the password, a newline, and otpauth URIs.
func testTwofoldOpener(file, pw []byte) ([]otpauth.Key, error) {
	body := file[len(twofoldMagic)+1:]
	if len(body) < 32 {
		return nil, ErrDamaged
	}
	sum, rest := body[:32], body[32:]
	if want := sha256.Sum256(rest); !bytes.Equal(sum, want[:]) {
		return nil, ErrDamaged
	}
	given, list, ok := bytes.Cut(rest, []byte("\n"))
	if !ok {
		return nil, ErrDamaged
	}
	if !bytes.Equal(given, pw) {
		return nil, ErrWrongPassword
	}
	var keys []otpauth.Key
	for line := range strings.SplitSeq(strings.TrimSpace(string(list)), "\n") {
		k, err := otpauth.Parse(line)
		if err != nil {
			return nil, ErrDamaged
		}
		keys = append(keys, *k)
	}
	return keys, nil
}

func writeTestTwofold(entries []Entry) []byte {
	rest := []byte(password + "\n")
	for i := range entries {
		k := entries[i].key()
		rest = append(rest, k.URI()+"\n"...)
	}
	sum := sha256.Sum256(rest)
	return append(append([]byte(twofoldMagic+"B"), sum[:]...), rest...)
}

func fixtures(t testing.TB) []fixture {
	fixturesOnce.Do(func() {
		tt := transfertest.Sample
		noSteam := only(tt, notSteam)
		totpSteam := only(tt, onlyTOTPAndSteam)
		google := only(tt, googleFits)
		unsupported := []error{ErrUnsupportedType, ErrUnsupportedType, ErrUnsupportedAlgorithm}
		steam := tt[len(tt)-1]
		allFixtures = []fixture{
			{name: "aegis plain", format: FormatAegis, file: transfertest.AegisVault(tt, transfertest.AegisUnsupported, "", 0), want: sample, skipped: unsupported},
			{name: "aegis encrypted", format: FormatAegis, file: transfertest.AegisVault(tt, transfertest.AegisUnsupported, password, 1<<10), password: password,
				want: sample, skipped: unsupported, distinct: true, kind: kindSealedJSON},
			{name: "2fas plain", format: Format2FAS, file: transfertest.TwoFAS(tt, "", false), want: sample, skipped: []error{ErrUnsupportedAlgorithm}},
			{name: "2fas encrypted", format: Format2FAS, file: transfertest.TwoFAS(tt, password, true), password: password,
				want: sample, skipped: []error{ErrUnsupportedAlgorithm}, distinct: true, kind: kindSealedJSON},
			{name: "2fas encrypted without reference", format: Format2FAS, file: transfertest.TwoFAS(tt, password, false), password: password,
				want: sample, skipped: []error{ErrUnsupportedAlgorithm}, kind: kindSealedJSON},
			{name: "andotp plain", format: FormatAndOTP, file: transfertest.AndOTP(tt, "", 0), want: sample, skipped: []error{ErrUnsupportedType}},
			{name: "andotp encrypted", format: FormatAndOTP, file: transfertest.AndOTP(tt, password, 1000), password: password,
				want: sample, skipped: []error{ErrUnsupportedType}, kind: kindBinary},
			{name: "andotp old encrypted", format: FormatAndOTP, file: transfertest.AndOTP(tt, password, 0), password: password,
				want: sample, skipped: []error{ErrUnsupportedType}, kind: kindBinary, explicit: true},
			{name: "bitwarden json", format: FormatBitwarden, file: transfertest.BitwardenJSON(tt), want: sample, skipped: []error{ErrUnsupportedType}},
			{name: "bitwarden csv", format: FormatBitwarden, file: transfertest.BitwardenCSV(tt), want: sample, skipped: []error{ErrUnsupportedType}, kind: kindCSV},
			{name: "freeotp+", format: FormatFreeOTPPlus, file: transfertest.FreeOTPPlus(tt), want: sample, skipped: []error{ErrUnsupportedAlgorithm}},
			{name: "ente", format: FormatEnte, file: transfertest.URIList(tt, true), want: sample, skipped: []error{ErrUnsupportedType, otpauth.ErrDigits}, kind: kindList},
			{name: "proton", format: FormatProton, file: transfertest.Proton(totpSteam), want: fromTest(totpSteam), skipped: []error{ErrUnsupportedAlgorithm}},
			{name: "stratum plain", format: FormatStratum, file: transfertest.Stratum(tt, "", false), want: sample, skipped: unsupported[:2]},
			{name: "stratum encrypted", format: FormatStratum, file: transfertest.Stratum(tt, password, false), password: password,
				want: sample, skipped: unsupported[:2], kind: kindBinary},
			{name: "stratum legacy encrypted", format: FormatStratum, file: transfertest.Stratum(tt, password, true), password: password,
				want: sample, skipped: unsupported[:2], kind: kindBinary},
			{name: "steam maFile", format: FormatSteam, file: transfertest.MaFile(&steam), want: fromTest([]transfertest.Entry{steam})},
			{name: "google", format: FormatGoogle, file: transfertest.Google(google), want: fromTest(google), skipped: []error{ErrUnsupportedAlgorithm}, kind: kindList},
			{name: "otpauth list", format: FormatOTPAuth, file: transfertest.URIList(tt, false), want: sample, skipped: []error{ErrUnsupportedType, otpauth.ErrDigits}, kind: kindList},
			{name: "twofold (test opener)", format: FormatTwofold, file: writeTestTwofold(fromTest(noSteam)), password: password, want: fromTest(noSteam), distinct: true, kind: kindBinary},
		}
	})
	return allFixtures
}

func options(f *fixture, pw string, format Format) Options {
	if f.explicit {
		format = f.format
	}
	opt := Options{Format: format, OpenTwofold: testTwofoldOpener}
	if pw != "" {
		opt.Password = []byte(pw)
	}
	return opt
}

// checkResult compares a result with the fixture's expectations.
func checkResult(t *testing.T, f *fixture, res *Result) {
	t.Helper()
	if res.Format != f.format {
		t.Errorf("format %q, want %q", res.Format, f.format)
	}
	if !reflect.DeepEqual(res.Entries, f.want) {
		t.Errorf("entries differ:\n%s", diffEntries(res.Entries, f.want))
	}
	if len(res.Skipped) != len(f.skipped) {
		t.Fatalf("skipped %v, want %d", res.Skipped, len(f.skipped))
	}
	for i, s := range res.Skipped {
		if !errors.Is(s.Err, f.skipped[i]) {
			t.Errorf("skipped[%d] = %v, want %v", i, &s, f.skipped[i])
		}
		assertNoSecrets(t, s.Error())
	}
}

func TestImport(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			for _, format := range []Format{FormatAuto, f.format} {
				res, err := Import(f.file, options(&f, f.password, format))
				if err != nil {
					t.Fatalf("Import(format %s): %v", format, err)
				}
				checkResult(t, &f, res)
			}
		})
	}
}

// diffEntries lists the entries that differ, one a line.
func diffEntries(got, want []Entry) string {
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w any = "(none)", "(none)"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if !reflect.DeepEqual(g, w) {
			fmt.Fprintf(&b, "entry %d:\n got %+v\nwant %+v\n", i+1, g, w)
		}
	}
	return b.String()
}

func TestDetect(t *testing.T) {
	for _, f := range fixtures(t) {
		if f.explicit {
			if got, err := Detect(f.file); !errors.Is(err, ErrUnknownFormat) {
				t.Errorf("%s: Detect = %q, %v; want ErrUnknownFormat (to be named)", f.name, got, err)
			}
			continue
		}
		got, err := Detect(f.file)
		if err != nil || got != f.format && !(f.format == FormatEnte && got == FormatOTPAuth) {
			t.Errorf("%s: Detect = %q, %v; want %q", f.name, got, err, f.format)
		}
	}
	for _, tt := range []struct {
		name string
		data string
		want error
	}{
		{"empty", "", ErrUnknownFormat},
		{"PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ErrUnknownFormat},
		{"other JSON", `{"hello": "world"}`, ErrUnknownFormat},
		{"JSON cut before its keys", `{"vers`, ErrDamaged},
		{"prose", "dear diary\n", ErrUnknownFormat},
		{"too large", strings.Repeat(" ", MaxFileSize+1), ErrTooLarge},
	} {
		if got, err := Detect([]byte(tt.data)); !errors.Is(err, tt.want) {
			t.Errorf("%s: Detect = %q, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestPasswords(t *testing.T) {
	for _, f := range fixtures(t) {
		if f.password == "" {
			continue
		}
		t.Run(f.name, func(t *testing.T) {
			if res, err := Import(f.file, options(&f, "", FormatAuto)); !errors.Is(err, ErrPasswordRequired) || res != nil {
				t.Errorf("no password: %v, %v; want ErrPasswordRequired", res, err)
			}
			res, err := Import(f.file, options(&f, wrongPass, FormatAuto))
			if !errors.Is(err, ErrWrongPassword) || res != nil {
				t.Errorf("wrong password: %v, %v; want ErrWrongPassword", res, err)
			}
			if f.distinct && errors.Is(err, ErrDamaged) {
				t.Errorf("wrong password: %v; this format can tell it from damage", err)
			}
			assertNoSecrets(t, err.Error())
		})
	}
}

// cuts are where a fixture is cut short: for text lists, inside a
// percent-escape and one character into a secret; for CSV, inside a quoted
// field and within a row (a list or CSV cut between two parameters or rows
// cannot be told from a whole one: they carry no check; see urilist.go).
func cuts(f *fixture) []int {
	n := len(f.file)
	s := string(f.file)
	if f.kind == kindCSV {
		// Inside the quoted notes, and a row cut after a field.
		row := strings.Index(s, "\nWork,") + 1
		return []int{strings.Index(s, "with, a comma") + 4, row + strings.Index(s[row:], "example.com") + 12}
	}
	if f.kind != kindList {
		return []int{n / 3, n * 2 / 3, n - 5}
	}
	if f.format == FormatGoogle {
		i := strings.LastIndex(s, "data=")
		return []int{i + 12, n - 6}
	}
	return []int{strings.LastIndex(s, "%") + 2, strings.LastIndex(s[:strings.LastIndex(s, "otpauth://motp")], "secret=") + 8}
}

func TestTruncated(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			for _, n := range cuts(&f) {
				res, err := Import(f.file[:n], options(&f, f.password, FormatAuto))
				if !errors.Is(err, ErrDamaged) || res != nil {
					t.Errorf("cut at %d of %d: %+v, %v; want ErrDamaged and nothing", n, len(f.file), res, err)
				}
			}
		})
	}
}

// tamper changes one byte where it breaks the file: inside the ciphertext
// of an encrypted file, a NUL in JSON, a lost field in CSV, a character
// that is not base32 or base64 in a text list.
func tamper(f *fixture) []byte {
	b := bytes.Clone(f.file)
	s := string(b)
	switch f.kind {
	case kindJSON:
		b[len(b)/2] = 0
	case kindCSV:
		i := strings.LastIndex(s, ",")
		b = append(b[:i], b[i+1:]...)
	case kindList:
		if f.format == FormatGoogle {
			b[strings.Index(s, "data=")+9] = '!'
		} else {
			b[strings.Index(s, "secret=")+9] = '1'
		}
	case kindSealedJSON:
		key := `"db": "`
		if f.format == Format2FAS {
			key = `"servicesEncrypted": "`
		}
		i := strings.Index(s, key) + len(key) + 20
		b[i] ^= 'A' ^ 'B' // still base64, another byte
		if b[i] == b[i]^'A'^'B' || !strings.ContainsRune(base64Alphabet, rune(b[i])) {
			b[i] = 'Q'
		}
	case kindBinary:
		b[len(b)-20] ^= 0x40
	}
	return b
}

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func TestTampered(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			changed := tamper(&f)
			if bytes.Equal(changed, f.file) {
				t.Fatal("tamper changed nothing")
			}
			res, err := Import(changed, options(&f, f.password, f.format))
			if !errors.Is(err, ErrDamaged) || res != nil {
				t.Fatalf("%+v, %v; want ErrDamaged and nothing", res, err)
			}
			if f.distinct && errors.Is(err, ErrWrongPassword) {
				t.Errorf("%v: with the right password this format says damaged, not wrong password", err)
			}
			assertNoSecrets(t, err.Error())
		})
	}
}

// TestExplicitFormatMismatch: naming the wrong format is a clear error,
// never a half-read file.
func TestExplicitFormatMismatch(t *testing.T) {
	aegis := fixtures(t)[0]
	for _, format := range []Format{Format2FAS, FormatBitwarden, FormatFreeOTPPlus, FormatProton, FormatStratum, FormatSteam, FormatOTPAuth, FormatTwofold, FormatAndOTP} {
		res, err := Import(aegis.file, Options{Format: format})
		if err == nil || res != nil {
			t.Errorf("an Aegis vault read as %s: %+v, %v; want an error", format, res, err)
		}
	}
}

// assertNoSecrets fails when a message holds a sample secret in base32 or
// the password.
func assertNoSecrets(t *testing.T, msg string) {
	t.Helper()
	for _, s := range [][]byte{seed20, seed32, seed64, steamSecret} {
		if strings.Contains(msg, b32(s)[:16]) || strings.Contains(msg, string(s)) {
			t.Errorf("message %q holds a secret", msg)
		}
	}
	if strings.Contains(msg, password) {
		t.Errorf("message %q holds the password", msg)
	}
}

// TestProtonVersionAsString: some writers put the version in quotes.
func TestProtonVersionAsString(t *testing.T) {
	entries := only(transfertest.Sample, onlyTOTPAndSteam)
	file := bytes.Replace(transfertest.Proton(entries), []byte(`"version": 1`), []byte(`"version": "1"`), 1)
	if !bytes.Contains(file, []byte(`"version": "1"`)) {
		t.Fatal("no version to quote")
	}
	res, err := Import(file, Options{})
	if err != nil || res.Format != FormatProton || !reflect.DeepEqual(res.Entries, fromTest(entries)) {
		t.Fatalf("Import: %v\n%s", err, diffEntries(res.Entries, fromTest(entries)))
	}
	if _, err := Import(bytes.Replace(file, []byte(`"version": "1"`), []byte(`"version": "2"`), 1), Options{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("version 2: %v, want ErrUnsupported", err)
	}
}
