package otpauth

import (
	"encoding/hex"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// Secrets used in the tables: the 10-byte key of Google's Key Uri Format
// examples, and a 20-byte one long enough for assertNoSecret to look for.
const (
	secretGA = "JBSWY3DPEHPK3PXP"
	secret20 = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

var (
	bytesGA = []byte("Hello!\xde\xad\xbe\xef")
	bytes20 = append(append([]byte(nil), bytesGA...), bytesGA...)
)

// goodURIs are URIs Parse accepts, with the Key each means.
var goodURIs = []struct {
	name, uri string
	want      Key
}{
	{"Key Uri Format example", "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
		Key{Type: TOTP, Issuer: "Example", Account: "alice@google.com", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30}},
	{"Key Uri Format example with every parameter", "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
		Key{Type: TOTP, Issuer: "ACME Co", Account: "john.doe@email.com", Secret: mustHex("3dc6caa4824a6d288767b2331e20b43166cb85d9"), Algorithm: SHA1, Digits: 6, Period: 30}},
	{"issuer only in the label", "otpauth://totp/Example:alice?secret=" + secretGA,
		Key{Type: TOTP, Issuer: "Example", Account: "alice", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30}},
	{"issuer only as parameter", "otpauth://totp/alice?secret=" + secretGA + "&issuer=Example",
		Key{Type: TOTP, Issuer: "Example", Account: "alice", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30}},
	{"no issuer at all", "otpauth://totp/alice?secret=" + secretGA,
		Key{Type: TOTP, Account: "alice", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30}},
	{"percent-escaped colon", "otpauth://totp/Example%3Aalice?secret=" + secretGA,
		Key{Type: TOTP, Issuer: "Example", Account: "alice", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30}},
	{"spaces around the colon", "otpauth://totp/Big%20Corp%20%3A%20%20alice?secret=" + secretGA + "&issuer=Big+Corp",
		Key{Type: TOTP, Issuer: "Big Corp", Account: "alice", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30}},
	{"empty issuer prefix", "otpauth://totp/:alice?secret=" + secretGA,
		Key{Type: TOTP, Account: "alice", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30}},
	{"plus in the label is a plus", "otpauth://totp/Example:alice+2fa@example.com?secret=" + secretGA,
		Key{Type: TOTP, Issuer: "Example", Account: "alice+2fa@example.com", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30}},
	{"account with colons behind the issuer", "otpauth://totp/Example:urn:alice?secret=" + secretGA,
		Key{Type: TOTP, Issuer: "Example", Account: "urn:alice", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30}},
	{"Unicode label, raw and escaped", "otpauth://totp/Bänk:j%C3%B6rg@例え.jp?secret=" + secretGA + "&issuer=B%C3%A4nk",
		Key{Type: TOTP, Issuer: "Bänk", Account: "jörg@例え.jp", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30}},
	{"lower-case padded secret", "otpauth://totp/a?secret=mfrgg%3D%3D%3D",
		Key{Type: TOTP, Account: "a", Secret: []byte("abc"), Algorithm: SHA1, Digits: 6, Period: 30}},
	{"secret with raw padding and spaces", "otpauth://totp/a?secret=MFRG+G===",
		Key{Type: TOTP, Account: "a", Secret: []byte("abc"), Algorithm: SHA1, Digits: 6, Period: 30}},
	{"SHA256, 8 digits, 60 s", "otpauth://totp/a?secret=" + secret20 + "&algorithm=SHA256&digits=8&period=60",
		Key{Type: TOTP, Account: "a", Secret: bytes20, Algorithm: SHA256, Digits: 8, Period: 60}},
	{"SHA512 in lower case, 7 digits, longest period", "otpauth://totp/a?secret=" + secret20 + "&algorithm=sha512&digits=7&period=3600",
		Key{Type: TOTP, Account: "a", Secret: bytes20, Algorithm: SHA512, Digits: 7, Period: 3600}},
	{"period of one second, leading zeros", "otpauth://totp/a?secret=" + secretGA + "&period=0001&digits=06",
		Key{Type: TOTP, Account: "a", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 1}},
	{"hotp at 0", "otpauth://hotp/Example:alice?secret=" + secretGA + "&counter=0",
		Key{Type: HOTP, Issuer: "Example", Account: "alice", Secret: bytesGA, Algorithm: SHA1, Digits: 6}},
	{"hotp at the last counter", "otpauth://hotp/a?secret=" + secretGA + "&counter=18446744073709551615",
		Key{Type: HOTP, Account: "a", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Counter: 1<<64 - 1}},
	{"hotp ignores a period", "otpauth://hotp/a?secret=" + secretGA + "&counter=7&period=60",
		Key{Type: HOTP, Account: "a", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Counter: 7}},
	{"totp ignores a counter", "otpauth://totp/a?secret=" + secretGA + "&counter=7",
		Key{Type: TOTP, Account: "a", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30}},
	{"upper case, as alphanumeric QR codes carry it", "OTPAUTH://TOTP/ACME:ME?SECRET=JBSWY3DPEHPK3PXP&ALGORITHM=SHA256&ISSUER=ACME",
		Key{Type: TOTP, Issuer: "ACME", Account: "ME", Secret: bytesGA, Algorithm: SHA256, Digits: 6, Period: 30}},
	{"unknown parameters kept in order", "otpauth://totp/a?image=https%3A%2F%2Fexample.com%2Fa.png&secret=" + secretGA + "&Push=wss%3A%2F%2Fpush.example%2Fd%3Fx%3D1&flag&color=",
		Key{Type: TOTP, Account: "a", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30, Extra: []Param{
			{"image", "https://example.com/a.png"}, {"Push", "wss://push.example/d?x=1"}, {"flag", ""}, {"color", ""}}}},
	{"empty fields and spaces around", "  otpauth://totp/a?&secret=" + secretGA + "&&issuer=&\n",
		Key{Type: TOTP, Account: "a", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30}},
	{"short key (warned, not refused)", "otpauth://totp/a?secret=ME",
		Key{Type: TOTP, Account: "a", Secret: []byte("a"), Algorithm: SHA1, Digits: 6, Period: 30}},
}

// badURIs are malformed or hostile URIs, each with the error Parse must
// return. Most carry secret20 so the test can check no message quotes it.
var badURIs = []struct {
	name, uri string
	want      error
}{
	{"web address", "https://example.com/totp/a?secret=" + secret20, ErrScheme},
	{"no scheme", "totp/a?secret=" + secret20, ErrScheme},
	{"one slash", "otpauth:/totp/a?secret=" + secret20, ErrScheme},
	{"migration export", "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8", ErrScheme},
	{"empty", "", ErrScheme},
	{"unknown type", "otpauth://motp/a?secret=" + secret20, ErrType},
	{"no type", "otpauth:///a?secret=" + secret20, ErrType},
	{"hotp without counter", "otpauth://hotp/a?secret=" + secret20, ErrCounter},
	{"negative counter", "otpauth://hotp/a?secret=" + secret20 + "&counter=-1", ErrCounter},
	{"counter in exponent form", "otpauth://hotp/a?secret=" + secret20 + "&counter=1e3", ErrCounter},
	{"counter past 2^64", "otpauth://hotp/a?secret=" + secret20 + "&counter=18446744073709551616", ErrCounter},
	{"counter in Arabic-Indic digits", "otpauth://hotp/a?secret=" + secret20 + "&counter=%D9%A1%D9%A2", ErrCounter},
	{"digits 5", "otpauth://totp/a?secret=" + secret20 + "&digits=5", ErrDigits},
	{"digits 9", "otpauth://totp/a?secret=" + secret20 + "&digits=9", ErrDigits},
	{"digits in fullwidth form", "otpauth://totp/a?secret=" + secret20 + "&digits=%EF%BC%96", ErrDigits},
	{"digits with a sign", "otpauth://totp/a?secret=" + secret20 + "&digits=%2B6", ErrDigits},
	{"digits empty", "otpauth://totp/a?secret=" + secret20 + "&digits=", ErrDigits},
	{"period 0", "otpauth://totp/a?secret=" + secret20 + "&period=0", ErrPeriod},
	{"negative period", "otpauth://totp/a?secret=" + secret20 + "&period=-30", ErrPeriod},
	{"period over an hour", "otpauth://totp/a?secret=" + secret20 + "&period=3601", ErrPeriod},
	{"period past 2^64", "otpauth://totp/a?secret=" + secret20 + "&period=99999999999999999999999", ErrPeriod},
	{"period in Devanagari digits", "otpauth://totp/a?secret=" + secret20 + "&period=%E0%A5%A9%E0%A5%A6", ErrPeriod},
	{"period with a decimal point", "otpauth://totp/a?secret=" + secret20 + "&period=30.0", ErrPeriod},
	{"MD5", "otpauth://totp/a?secret=" + secret20 + "&algorithm=MD5", ErrAlgorithm},
	{"hyphenated algorithm", "otpauth://totp/a?secret=" + secret20 + "&algorithm=SHA-1", ErrAlgorithm},
	{"empty algorithm", "otpauth://totp/a?secret=" + secret20 + "&algorithm=", ErrAlgorithm},
	{"secret with a digit one", "otpauth://totp/a?secret=JBSWY3DPEHPK3PX1JBSWY3DPEHPK3PXP", ErrBase32},
	{"secret with padding inside", "otpauth://totp/a?secret=JBSWY3DP%3DEHPK3PXPJBSWY3DPEHPK3PXP", ErrBase32},
	{"secret with a NUL", "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP%00JBSWY3DPEHPK3PXP", ErrBase32},
	{"secret one character long", "otpauth://totp/a?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJ", ErrBase32},
	{"no secret", "otpauth://totp/a?issuer=Example", ErrSecretMissing},
	{"empty secret", "otpauth://totp/a?secret=", ErrSecretMissing},
	{"secret of padding only", "otpauth://totp/a?secret=%3D%3D%3D%3D", ErrSecretMissing},
	{"secret over 1024 bits", "otpauth://totp/a?secret=" + strings.Repeat(secret20, 7), ErrSecretLength},
	{"empty label", "otpauth://totp/?secret=" + secret20, ErrLabel},
	{"no label at all", "otpauth://totp?secret=" + secret20, ErrLabel},
	{"issuer without account", "otpauth://totp/Example:?secret=" + secret20, ErrLabel},
	{"label of spaces", "otpauth://totp/%20%20?secret=" + secret20, ErrLabel},
	{"newline in the label", "otpauth://totp/Example:alice%0Amallory?secret=" + secret20, ErrLabel},
	{"NUL in the issuer", "otpauth://totp/a?secret=" + secret20 + "&issuer=Ex%00ample", ErrLabel},
	{"right-to-left override", "otpauth://totp/%E2%80%AEelgoog:alice?secret=" + secret20, ErrLabel},
	{"colon in the issuer parameter", "otpauth://totp/alice?secret=" + secret20 + "&issuer=A:B", ErrLabel},
	{"10 KB label", "otpauth://totp/" + strings.Repeat("a", 10<<10) + "?secret=" + secret20, ErrTooLong},
	{"label over 256 bytes", "otpauth://totp/" + strings.Repeat("%C3%A9", 129) + "?secret=" + secret20, ErrTooLong},
	{"issuer parameter that makes the label too long", "otpauth://totp/alice?secret=" + secret20 + "&issuer=" + strings.Repeat("x", 252), ErrTooLong},
	{"URI over 4 KiB", "otpauth://totp/a?secret=" + secret20 + "&image=" + strings.Repeat("x", 4096), ErrTooLong},
	{"raw non-UTF-8 byte", "otpauth://totp/Ex\xffample:alice?secret=" + secret20, ErrEncoding},
	{"escaped non-UTF-8 byte", "otpauth://totp/Ex%FFample:alice?secret=" + secret20, ErrEncoding},
	{"overlong UTF-8", "otpauth://totp/%C0%BA?secret=" + secret20, ErrEncoding},
	{"broken percent-escape in the label", "otpauth://totp/Example%G1alice?secret=" + secret20, ErrEncoding},
	{"truncated percent-escape at the label's end", "otpauth://totp/alice%4?secret=" + secret20, ErrEncoding},
	{"broken percent-escape in a value", "otpauth://totp/a?secret=" + secret20 + "&issuer=%zz", ErrEncoding},
	{"broken percent-escape in a name", "otpauth://totp/a?secret=" + secret20 + "&%=1", ErrEncoding},
	{"secret twice", "otpauth://totp/a?secret=" + secret20 + "&secret=" + secretGA, ErrDuplicateParam},
	{"issuer twice in different case", "otpauth://totp/a?secret=" + secret20 + "&issuer=X&ISSUER=X", ErrDuplicateParam},
	{"unknown parameter twice", "otpauth://totp/a?secret=" + secret20 + "&push=a&Push=b", ErrDuplicateParam},
	{"digits twice, equal", "otpauth://totp/a?secret=" + secret20 + "&digits=6&digits=6", ErrDuplicateParam},
	{"parameter without a name", "otpauth://totp/a?secret=" + secret20 + "&=x", ErrParam},
	{"issuer conflict", "otpauth://totp/Example:alice?secret=" + secret20 + "&issuer=Evil", ErrIssuerConflict},
	{"issuer conflict in case only", "otpauth://totp/Example:alice?secret=" + secret20 + "&issuer=example", ErrIssuerConflict},
}

func TestParse(t *testing.T) {
	for _, tt := range goodURIs {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Parse(tt.uri)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.uri, err)
			}
			if !reflect.DeepEqual(*k, tt.want) {
				t.Errorf("Parse(%q)\n got %#v\nwant %#v", tt.uri, *k, tt.want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	if len(badURIs)+len(badKeys) < 40 {
		t.Fatalf("only %d hostile inputs; the issue asks for at least 40", len(badURIs)+len(badKeys))
	}
	for _, tt := range badURIs {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Parse(tt.uri)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%.80q) = %+v, %v; want %v", tt.uri, k, err, tt.want)
			}
			if k != nil {
				t.Errorf("Parse returned a key with the error %v", err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error %q is not one line", err)
			}
			assertNoSecret(t, err, secretOf(tt.uri))
		})
	}
}

// TestRoundTrip: format(parse(x)) keeps every field, Extra included, and
// formatting is stable.
func TestRoundTrip(t *testing.T) {
	keys := []Key{
		{Type: TOTP, Issuer: "ACME Co", Account: "john.doe+1@email.com", Secret: bytes20, Algorithm: SHA512, Digits: 8, Period: 45},
		{Type: HOTP, Issuer: "Bank & Trust #1", Account: "50% off: you?=yes/no", Secret: bytesGA, Algorithm: SHA256, Digits: 7, Counter: 1 << 40},
		{Type: TOTP, Account: "日本語 ☃ (snow) ~ 'quoted' \"double\"", Secret: []byte{0}, Algorithm: SHA1, Digits: 6, Period: 30},
		{Type: TOTP, Issuer: "x", Account: "a:b:c", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30,
			Extra: []Param{{"push", "wss://h.example/p?d=1&e=2"}, {"Zeta Name", "+ plus & amp = eq % pct"}, {"empty", ""}}},
	}
	for _, tt := range goodURIs {
		keys = append(keys, tt.want)
	}
	for _, want := range keys {
		uri := want.URI()
		got, err := Parse(uri)
		if err != nil {
			t.Errorf("Parse(%q): %v", uri, err)
			continue
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("Parse(%q)\n got %#v\nwant %#v", uri, *got, want)
		}
		if again := got.URI(); again != uri {
			t.Errorf("URI not stable:\n%s\n%s", uri, again)
		}
	}
}

// TestURIForm pins the exact text other apps read: label escaped with %20
// and %2B, a literal colon, defaults written out.
func TestURIForm(t *testing.T) {
	for _, tt := range []struct {
		key  Key
		want string
	}{
		{Key{Type: TOTP, Issuer: "ACME Co", Account: "john.doe+1@email.com", Secret: bytesGA, Algorithm: SHA1, Digits: 6, Period: 30},
			"otpauth://totp/ACME%20Co:john.doe%2B1@email.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"},
		{Key{Type: HOTP, Account: "alice", Secret: bytesGA, Algorithm: SHA256, Digits: 8, Counter: 3, Extra: []Param{{"image", "https://x.example/i.png"}}},
			"otpauth://hotp/alice?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256&digits=8&counter=3&image=https%3A%2F%2Fx.example%2Fi.png"},
		{Key{Account: "zero values", Secret: bytesGA},
			"otpauth://totp/zero%20values?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30"},
	} {
		if got := tt.key.URI(); got != tt.want {
			t.Errorf("URI()\n got %s\nwant %s", got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	valid := Key{Type: TOTP, Issuer: "Example", Account: "alice", Secret: bytes20, Algorithm: SHA1, Digits: 6, Period: 30}
	for _, tt := range []struct {
		name   string
		change func(k *Key)
		want   error
	}{
		{"valid", func(k *Key) {}, nil},
		{"hotp ignores period", func(k *Key) { k.Type, k.Period = HOTP, 0 }, nil},
		{"emoji and spaces inside", func(k *Key) { k.Account = "alice 🔑 smith" }, nil},
		{"no type", func(k *Key) { k.Type = "" }, ErrType},
		{"type in upper case", func(k *Key) { k.Type = "TOTP" }, ErrType},
		{"no account", func(k *Key) { k.Account = "" }, ErrLabel},
		{"colon in the issuer", func(k *Key) { k.Issuer = "Ex:ample" }, ErrLabel},
		{"colon in the account without issuer", func(k *Key) { k.Issuer, k.Account = "", "a:b" }, ErrLabel},
		{"untrimmed account", func(k *Key) { k.Account = " alice" }, ErrLabel},
		{"untrimmed issuer", func(k *Key) { k.Issuer = "Example\t" }, ErrLabel},
		{"control character", func(k *Key) { k.Account = "al\x7fice" }, ErrLabel},
		{"isolate control", func(k *Key) { k.Issuer = "\u2067Example" }, ErrLabel},
		{"invalid UTF-8", func(k *Key) { k.Account = "al\xc3ice" }, ErrEncoding},
		{"label too long", func(k *Key) { k.Account = strings.Repeat("a", MaxLabelLength-len("Example:")+1) }, ErrTooLong},
		{"no secret", func(k *Key) { k.Secret = nil }, ErrSecretMissing},
		{"secret too long", func(k *Key) { k.Secret = make([]byte, MaxSecretLength+1) }, ErrSecretLength},
		{"algorithm in lower case", func(k *Key) { k.Algorithm = "sha1" }, ErrAlgorithm},
		{"no algorithm", func(k *Key) { k.Algorithm = "" }, ErrAlgorithm},
		{"digits 5", func(k *Key) { k.Digits = 5 }, ErrDigits},
		{"totp period 0", func(k *Key) { k.Period = 0 }, ErrPeriod},
		{"extra without name", func(k *Key) { k.Extra = []Param{{"", "x"}} }, ErrParam},
		{"extra that is a known parameter", func(k *Key) { k.Extra = []Param{{"Secret", "x"}} }, ErrDuplicateParam},
		{"extra twice", func(k *Key) { k.Extra = []Param{{"push", "a"}, {"PUSH", "b"}} }, ErrDuplicateParam},
		{"extra value not UTF-8", func(k *Key) { k.Extra = []Param{{"push", "\xff"}} }, ErrEncoding},
		{"URI too long", func(k *Key) { k.Extra = []Param{{"image", strings.Repeat("x", MaxURILength)}} }, ErrTooLong},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := valid
			tt.change(&k)
			if err := k.Validate(); !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Errorf("Validate() = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestWarningsAndParam(t *testing.T) {
	k, err := Parse("otpauth://totp/a?secret=ME&Push=wss%3A%2F%2Fx&image=")
	if err != nil {
		t.Fatal(err)
	}
	if got := k.Warnings(); !reflect.DeepEqual(got, []Warning{WarnShortSecret}) {
		t.Errorf("Warnings() = %v, want [WarnShortSecret]", got)
	}
	k.Secret = make([]byte, MinSecretBits/8)
	if got := k.Warnings(); got != nil {
		t.Errorf("Warnings() of a 128-bit key = %v, want none", got)
	}
	for _, tt := range []struct {
		name, value string
		ok          bool
	}{{"push", "wss://x", true}, {"PUSH", "wss://x", true}, {"image", "", true}, {"secret", "", false}, {"absent", "", false}} {
		if value, ok := k.Param(tt.name); value != tt.value || ok != tt.ok {
			t.Errorf("Param(%q) = %q, %v; want %q, %v", tt.name, value, ok, tt.value, tt.ok)
		}
	}
}

// FuzzParse: no panic; a parsed key formats to a URI that parses back to an
// equal key and formats identically; errors match exactly one sentinel and
// never quote the secret.
func FuzzParse(f *testing.F) {
	for _, tt := range goodURIs {
		f.Add(tt.uri)
	}
	for _, tt := range badURIs {
		f.Add(tt.uri)
	}
	sentinels := []error{ErrTooLong, ErrEncoding, ErrScheme, ErrType, ErrLabel, ErrIssuerConflict, ErrDuplicateParam,
		ErrParam, ErrSecretMissing, ErrSecretLength, ErrBase32, ErrAlgorithm, ErrDigits, ErrPeriod, ErrCounter}
	f.Fuzz(func(t *testing.T, uri string) {
		k, err := Parse(uri)
		if err != nil {
			matches := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					matches++
				}
			}
			if matches != 1 {
				t.Fatalf("Parse(%q): error %q matches %d sentinels, want 1", uri, err, matches)
			}
			assertNoSecret(t, err, secretOf(uri))
			return
		}
		formatted := k.URI()
		again, err := Parse(formatted)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but Parse of its URI %q: %v", uri, formatted, err)
		}
		if !reflect.DeepEqual(k, again) {
			t.Fatalf("round trip of %q via %q\n got %#v\nwant %#v", uri, formatted, again, k)
		}
		if again.URI() != formatted {
			t.Fatalf("URI not stable for %q", uri)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	uri := goodURIs[1].uri
	for b.Loop() {
		if _, err := Parse(uri); err != nil {
			b.Fatal(err)
		}
	}
}

// secretOf finds the secret parameter of a URI the way a careless error
// message might quote it: decoded if it decodes, else raw.
func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func secretOf(uri string) string {
	_, query, _ := strings.Cut(uri, "?")
	for field := range strings.SplitSeq(query, "&") {
		name, value, _ := strings.Cut(field, "=")
		if strings.EqualFold(name, "secret") {
			if decoded, err := url.QueryUnescape(value); err == nil {
				return decoded
			}
			return value
		}
	}
	return ""
}

func TestSteamKey(t *testing.T) {
	k := SteamKey("Steam", "gaben", []byte("steam-guard-secret!!"))
	if err := k.Validate(); err != nil || !k.IsSteam() {
		t.Fatalf("SteamKey: %v, IsSteam %v", err, k.IsSteam())
	}
	back, err := Parse(k.URI())
	if err != nil || !back.IsSteam() {
		t.Fatalf("Parse(%q): %v, IsSteam %v", k.URI(), err, back.IsSteam())
	}
	back.Type, back.Period = HOTP, 0
	if back.IsSteam() {
		t.Error("an HOTP key with encoder=steam is Steam")
	}
	plain := Key{Type: TOTP, Account: "a", Secret: []byte("x"), Extra: []Param{{Name: "encoder", Value: "other"}}}
	if plain.IsSteam() {
		t.Error("encoder=other is Steam")
	}
}
