package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// The RFC 6238 seeds (see shared/otpcode's tests) as base32.
var (
	seed20 = otpauth.EncodeSecret([]byte("12345678901234567890"))
	seed32 = otpauth.EncodeSecret([]byte("12345678901234567890123456789012"))
	seed64 = otpauth.EncodeSecret([]byte("1234567890123456789012345678901234567890123456789012345678901234"))
)

const gnomeExport = "otpauth-migration://offline?data=CjYKEExyJfPiZeroMa/MdF%2BnkTISE2pvaG5kb2VAZXhhbXBsZS5jb20aB0Rpc2NvcmQgASgBMAIQARgBIAA%3D"

// cliTests run the built command. out and errOut are regular expressions
// that must match all of stdout and stderr.
var cliTests = []struct {
	name        string
	args        []string
	stdin       string
	status      int
	out, errOut string
}{
	// code: good input.
	{"RFC 6238 SHA1", []string{"code", "--secret", seed20, "--digits", "8", "--at", "59"}, "", 0, "94287082\n", ""},
	{"RFC 6238 SHA256", []string{"code", "--secret", seed32, "--algorithm", "SHA256", "--digits", "8", "--at", "1111111109"}, "", 0, "68084774\n", ""},
	{"RFC 6238 SHA512, algorithm in lower case", []string{"code", "--secret", seed64, "--algorithm", "sha512", "--digits=8", "--at=20000000000"}, "", 0, "47863826\n", ""},
	{"period and 7 digits", []string{"code", "--secret", seed20, "--digits", "7", "--period", "60", "--at", "59"}, "", 0, "4755224\n", ""},
	{"RFC 4226 HOTP", []string{"code", "--secret", seed20, "--hotp", "--counter", "9"}, "", 0, "520489\n", ""},
	{"secret as typed", []string{"code", "--secret", "gezd gnbv-gy3t qojq gezd gnbv gy3t qojq", "--hotp", "--counter", "0"}, "", 0, "755224\n", ""},
	{"secret from stdin", []string{"code", "--secret", "-", "--digits", "8", "--at", "59"}, seed20 + "\n", 0, "94287082\n", ""},
	{"TOTP URI", []string{"code", "--uri", "otpauth://totp/a?secret=" + seed20 + "&digits=8", "--at", "59"}, "", 0, "94287082\n", ""},
	{"HOTP URI", []string{"code", "--uri", "otpauth://hotp/a?secret=" + seed20 + "&counter=9"}, "", 0, "520489\n", ""},
	{"URI from stdin", []string{"code", "--uri", "-", "--at", "59"}, "otpauth://totp/a?secret=" + seed20 + "&digits=8\n", 0, "94287082\n", ""},
	{"now, with seconds left", []string{"code", "--secret", seed20}, "", 0, `\d{6}\n`, `([1-9]|[12]\d|30)s left\n`},
	{"short key warns", []string{"code", "--secret", "JBSWY3DPEHPK3PXP", "--at", "59"}, "", 0, `\d{6}\n`, "twofold: warning: the key is shorter than 128 bits.*\n"},
	{"help", []string{"code", "--help"}, "", 0, `(?s)Usage:.*--secret BASE32.*Examples:\n  twofold code --secret .*`, ""},

	// code: bad input.
	{"nothing", []string{"code"}, "", 2, "", "twofold: code: --secret or --uri is required.*\n"},
	{"bad base32", []string{"code", "--secret", "JBSWY31PEHPK3PXP"}, "", 2, "", "twofold: code: --secret: this key has a character that is not base32: '1' at position 7.*\n"},
	{"empty secret", []string{"code", "--secret", " "}, "", 2, "", "twofold: code: --secret: the key is missing or empty\n"},
	{"digits 5", []string{"code", "--secret", seed20, "--digits", "5"}, "", 2, "", "twofold: code: --digits must be 6, 7 or 8\n"},
	{"digits 9", []string{"code", "--secret", seed20, "--digits", "9"}, "", 2, "", "twofold: code: --digits must be 6, 7 or 8\n"},
	{"digits not a number", []string{"code", "--secret", seed20, "--digits", "six"}, "", 2, "", "twofold: code: --digits \"six\": not a whole number.*\n"},
	{"period 0", []string{"code", "--secret", seed20, "--period", "0"}, "", 2, "", "twofold: code: --period must be 1 to 3600 seconds\n"},
	{"MD5", []string{"code", "--secret", seed20, "--algorithm", "MD5"}, "", 2, "", "twofold: code: --algorithm must be SHA1, SHA256 or SHA512\n"},
	{"negative time", []string{"code", "--secret", seed20, "--at", "-1"}, "", 2, "", "twofold: code: --at must be .*\n"},
	{"hotp without counter", []string{"code", "--secret", seed20, "--hotp"}, "", 2, "", "twofold: code: --hotp needs --counter N\n"},
	{"counter without hotp", []string{"code", "--secret", seed20, "--counter", "1"}, "", 2, "", "twofold: code: --counter needs --hotp\n"},
	{"hotp with --at", []string{"code", "--secret", seed20, "--hotp", "--counter", "1", "--at", "59"}, "", 2, "", "twofold: code: --at is for TOTP.*\n"},
	{"secret and uri", []string{"code", "--secret", seed20, "--uri", "otpauth://totp/a?secret=" + seed20}, "", 2, "", "twofold: code: give --secret or --uri, not both\n"},
	{"uri and digits", []string{"code", "--uri", "otpauth://totp/a?secret=" + seed20, "--digits", "8"}, "", 2, "", "twofold: code: --digits cannot be combined with --uri.*\n"},
	{"bad uri", []string{"code", "--uri", "https://example.com"}, "", 2, "", "twofold: code: --uri: the link must start with otpauth://\n"},
	{"hotp uri without counter", []string{"code", "--uri", "otpauth://hotp/a?secret=" + seed20}, "", 2, "", "twofold: code: --uri: the counter is missing.*\n"},
	{"unknown flag", []string{"code", "--secret", seed20, "--frobnicate"}, "", 2, "", "twofold: code: unknown flag: --frobnicate.*\n"},
	{"stray argument", []string{"code", seed20}, "", 2, "", "twofold: code: unexpected argument.*\n"},

	// uri.
	{"uri help", []string{"uri", "--help"}, "", 0, `(?s)Usage:.*Examples:.*`, ""},
	{"uri parse help", []string{"uri", "parse", "-h"}, "", 0, `(?s)Usage:\n  twofold uri parse .*Examples:.*`, ""},
	{"uri make help", []string{"uri", "make", "--help"}, "", 0, `(?s)Usage:\n  twofold uri make .*Examples:.*`, ""},
	{"uri alone", []string{"uri"}, "", 2, "", `(?s)Usage:.*`},
	{"uri unknown subcommand", []string{"uri", "explain"}, "", 2, "", "twofold: uri: unknown subcommand \"explain\".*\n"},
	{"make with a secret", []string{"uri", "make", "--issuer", "ACME Co", "--account", "john.doe+1@email.com", "--secret", "jbsw y3dp ehpk 3pxp gezd gnbv gy3t qojq"}, "", 0,
		regexp.QuoteMeta("otpauth://totp/ACME%20Co:john.doe%2B1@email.com?secret=JBSWY3DPEHPK3PXPGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30") + "\n", ""},
	{"make with a fresh secret", []string{"uri", "make", "--account", "alice", "--issuer", "Example"}, "", 0,
		regexp.QuoteMeta("otpauth://totp/Example:alice?secret=") + "[A-Z2-7]{32}" + regexp.QuoteMeta("&issuer=Example&algorithm=SHA1&digits=6&period=30") + "\n", ""},
	{"make without issuer", []string{"uri", "make", "--account", "alice"}, "", 2, "", "twofold: uri make: --issuer is required.*\n"},
	{"make without account", []string{"uri", "make", "--issuer", "Example"}, "", 2, "", "twofold: uri make: --account is required.*\n"},
	{"make with a colon in the issuer", []string{"uri", "make", "--issuer", "a:b", "--account", "c"}, "", 2, "", "twofold: uri make: the account name is not valid: the issuer contains a colon\n"},
	{"make with bad base32", []string{"uri", "make", "--issuer", "a", "--account", "c", "--secret", "JBSW!"}, "", 2, "", "twofold: uri make: --secret: .*'!' at position 5\n"},
	{"parse without URI", []string{"uri", "parse"}, "", 2, "", "twofold: uri parse: give exactly one URI.*\n"},
	{"parse two URIs", []string{"uri", "parse", "otpauth://totp/a?secret=" + seed20, "otpauth://totp/b?secret=" + seed20}, "", 2, "", "twofold: uri parse: give exactly one URI.*\n"},
	{"parse digits 9", []string{"uri", "parse", "otpauth://totp/a?secret=" + seed20 + "&digits=9"}, "", 2, "", "twofold: uri parse: the digits must be 6, 7 or 8\n"},
	{"parse issuer conflict", []string{"uri", "parse", "otpauth://totp/A:b?secret=" + seed20 + "&issuer=C"}, "", 2, "", "twofold: uri parse: the issuer parameter differs from the issuer in the account name\n"},
	{"parse bad export", []string{"uri", "parse", "otpauth-migration://offline?data=!!"}, "", 2, "", "twofold: uri parse: the export's data parameter is missing or not base64\n"},
	{"parse empty export", []string{"uri", "parse", "otpauth-migration://offline?data=EAE"}, "", 2, "", "twofold: uri parse: the export holds no accounts\n"},
}

func TestCLI(t *testing.T) {
	for _, tt := range cliTests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, errOut := runTwofold(t, tt.stdin, tt.args...)
			if status != tt.status {
				t.Errorf("exit status %d, want %d (stderr %q)", status, tt.status, errOut)
			}
			if !regexp.MustCompile(`^(?:` + tt.out + `)$`).MatchString(out) {
				t.Errorf("stdout %q, want it to match %q", out, tt.out)
			}
			if !regexp.MustCompile(`^(?:` + tt.errOut + `)$`).MatchString(errOut) {
				t.Errorf("stderr %q, want it to match %q", errOut, tt.errOut)
			}
			if status == exitUsage && strings.HasPrefix(errOut, "twofold: ") && strings.Count(errOut, "\n") != 1 {
				t.Errorf("error is not one line: %q", errOut)
			}
		})
	}
}

// TestURIParse decodes parse's JSON output: the fields, the redaction, and
// one object per account of an export.
func TestURIParse(t *testing.T) {
	const uri = "otpauth://hotp/ACME%20Co:john?secret=" + "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" + "&counter=7&digits=8&algorithm=SHA256&image=https%3A%2F%2Fx.example%2Fa.png"
	counter := uint64(7)
	john := keyJSON{Type: "hotp", Issuer: "ACME Co", Account: "john", Secret: redacted, SecretBits: 160, Algorithm: "SHA256", Digits: 8,
		Counter: &counter, Extra: []paramJSON{{"image", "https://x.example/a.png"}}}
	johnShown := john
	johnShown.Secret = seed20
	discord := keyJSON{Type: "totp", Issuer: "Discord", Account: "johndoe@example.com", Secret: redacted, SecretBits: 128,
		Algorithm: "SHA1", Digits: 6, Period: 30, Batch: &batchJSON{Version: 1, Size: 1, Index: 0, ID: 0, Account: 1, Accounts: 1}}
	discordShown := discord
	discordShown.Secret = "JRZCL47CMXVOQMNPZR2F7J4RGI"
	discordShown.URI = "otpauth://totp/Discord:johndoe@example.com?secret=JRZCL47CMXVOQMNPZR2F7J4RGI&issuer=Discord&algorithm=SHA1&digits=6&period=30"

	for _, tt := range []struct {
		name string
		args []string
		want []keyJSON
	}{
		{"redacted", []string{"uri", "parse", uri}, []keyJSON{john}},
		{"shown", []string{"uri", "parse", "--show-secret", uri}, []keyJSON{johnShown}},
		{"export, redacted", []string{"uri", "parse", gnomeExport}, []keyJSON{discord}},
		{"export, shown, flag after the URI", []string{"uri", "parse", gnomeExport, "--show-secret"}, []keyJSON{discordShown}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, out, errOut := runTwofold(t, "", tt.args...)
			if status != 0 {
				t.Fatalf("exit status %d: %s", status, errOut)
			}
			var got []keyJSON
			dec := json.NewDecoder(strings.NewReader(out))
			dec.DisallowUnknownFields()
			for {
				var obj keyJSON
				if err := dec.Decode(&obj); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("output %q: %v", out, err)
				}
				got = append(got, obj)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if tt.want[0].Secret == redacted && (strings.Contains(out, seed20) || strings.Contains(out, "JRZCL47CMXVOQMNPZR2F7J4RGI")) {
				t.Errorf("output shows the secret without --show-secret:\n%s", out)
			}
		})
	}
}

// TestURIMakeFreshSecrets: without --secret every URI gets its own 160-bit key.
func TestURIMakeFreshSecrets(t *testing.T) {
	seen := map[string]bool{}
	for range 3 {
		_, out, _ := runTwofold(t, "", "uri", "make", "--issuer", "Example", "--account", "alice")
		k, err := otpauth.Parse(strings.TrimSpace(out))
		if err != nil {
			t.Fatalf("uri make printed %q: %v", out, err)
		}
		if len(k.Secret) != 20 || seen[string(k.Secret)] {
			t.Errorf("secret %x: want 20 bytes, new each time", k.Secret)
		}
		seen[string(k.Secret)] = true
	}
}

// TestCodeAgreesWithOathtool runs `twofold code` and oathtool on the same
// random keys, parameters and times (SHA1 HOTP, since that is all oathtool's
// HOTP mode has).
func TestCodeAgreesWithOathtool(t *testing.T) {
	oathtool, err := exec.LookPath("oathtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("oathtool is not installed; CI needs it (Debian/Ubuntu package oathtool)")
		}
		t.Skip("oathtool is not installed: apt-get install oathtool")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	algorithms := []string{"SHA1", "SHA256", "SHA512"}
	for i := range 40 {
		secret := make([]byte, 10+rng.IntN(55))
		for j := range secret {
			secret[j] = byte(rng.Uint32())
		}
		digits := 6 + rng.IntN(3)
		var ours, theirs []string
		if i%4 == 0 {
			counter := rng.Uint64() >> rng.IntN(64)
			ours = []string{"code", "--secret", otpauth.EncodeSecret(secret), "--digits", fmt.Sprint(digits), "--hotp", "--counter", fmt.Sprint(counter)}
			theirs = []string{"--hotp", "-c", fmt.Sprint(counter), fmt.Sprintf("--digits=%d", digits), hex.EncodeToString(secret)}
		} else {
			algorithm, period, at := algorithms[rng.IntN(3)], 1+rng.IntN(otpauth.MaxPeriod), rng.Int64N(1<<34)
			ours = []string{"code", "--secret", otpauth.GroupSecret(secret), "--algorithm", algorithm, "--digits", fmt.Sprint(digits),
				"--period", fmt.Sprint(period), "--at", fmt.Sprint(at)}
			theirs = []string{"--totp=" + algorithm, fmt.Sprintf("--digits=%d", digits), fmt.Sprintf("--time-step-size=%ds", period),
				fmt.Sprintf("--now=@%d", at), hex.EncodeToString(secret)}
		}
		status, out, errOut := runTwofold(t, "", ours...)
		want, err := exec.Command(oathtool, theirs...).Output()
		if err != nil || status != 0 {
			t.Fatalf("twofold %q: %d %s; oathtool %q: %v", ours, status, errOut, theirs, err)
		}
		if out != string(want) {
			t.Errorf("twofold %s = %q, oathtool %s = %q", strings.Join(ours, " "), out, strings.Join(theirs, " "), want)
		}
	}
}
