package migration

import (
	"encoding/base64"
	"errors"
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/pbwire"
)

// gnomeExport is a Google Authenticator export published as a test vector by
// GNOME Authenticator: Discord / johndoe@example.com, SHA1, 6 digits, TOTP,
// version 1, batch 0 of 1. Its base64 has both "+" and "/".
const gnomeExport = "otpauth-migration://offline?data=CjYKEExyJfPiZeroMa/MdF%2BnkTISE2pvaG5kb2VAZXhhbXBsZS5jb20aB0Rpc2NvcmQgASgBMAIQARgBIAA%3D"

var gnomePayload = Payload{Version: 1, BatchSize: 1, Accounts: []otpauth.Key{{
	Type: otpauth.TOTP, Issuer: "Discord", Account: "johndoe@example.com",
	Secret:    []byte("Lr%\xf3\xe2e\xea\xe81\xaf\xcct_\xa7\x912"),
	Algorithm: otpauth.SHA1, Digits: 6, Period: 30,
}}}

// Builders for hand-made payloads: each returns one encoded field.
// Test messages are written with protowire, the reference encoder, and
// read by the package's shared/pbwire.
func bytesField(num pbwire.Number, v string) []byte {
	return protowire.AppendString(protowire.AppendTag(nil, protowire.Number(num), protowire.BytesType), v)
}

func varintField(num pbwire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, protowire.Number(num), protowire.VarintType), v)
}

func join(fields ...[]byte) string {
	var b []byte
	for _, f := range fields {
		b = append(b, f...)
	}
	return string(b)
}

// account is an OtpParameters message holding fields.
func account(fields ...[]byte) []byte { return bytesField(fieldOtpParameters, join(fields...)) }

// exportOf is the URI of a raw payload, written as Google writes it.
func exportOf(fields ...[]byte) string {
	return "otpauth-migration://offline?data=" + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(join(fields...))))
}

// secret20 is 20 bytes that read well in failures.
const secret20 = "twenty-byte-secret!!"

var (
	goodAccount = account(bytesField(fieldSecret, secret20), bytesField(fieldName, "alice"), varintField(fieldType, typeTOTP))
	gnomeRaw, _ = base64.StdEncoding.DecodeString("CjYKEExyJfPiZeroMa/MdF+nkTISE2pvaG5kb2VAZXhhbXBsZS5jb20aB0Rpc2NvcmQgASgBMAIQARgBIAA=")
)

func totp(issuer, account string) otpauth.Key {
	return otpauth.Key{Type: otpauth.TOTP, Issuer: issuer, Account: account, Secret: []byte(secret20), Algorithm: otpauth.SHA1, Digits: 6, Period: 30}
}

// goodExports are URIs Decode accepts, with the payload each means.
var goodExports = []struct {
	name, uri string
	want      Payload
}{
	{"Google's form", gnomeExport, gnomePayload},
	{"URL-safe alphabet, unpadded", "otpauth-migration://offline?data=" + base64.RawURLEncoding.EncodeToString(gnomeRaw), gnomePayload},
	{"standard alphabet unescaped, unpadded", "otpauth-migration://offline?data=" + base64.RawStdEncoding.EncodeToString(gnomeRaw), gnomePayload},
	{"plus arrived as a space", "otpauth-migration://offline?data=" + strings.ReplaceAll(base64.StdEncoding.EncodeToString(gnomeRaw), "+", " "), gnomePayload},
	{"plus arrived as %20", "otpauth-migration://offline?data=" + strings.ReplaceAll(base64.StdEncoding.EncodeToString(gnomeRaw), "+", "%20"), gnomePayload},
	{"upper-case scheme, other parameters, spaces", " OTPAUTH-MIGRATION://Offline/?x=1&data=" + base64.StdEncoding.EncodeToString(gnomeRaw) + "&y \n", gnomePayload},
	{"HOTP, SHA256, eight digits, issuer prefix in the name", exportOf(account(
		bytesField(fieldSecret, secret20), bytesField(fieldName, "Acme: bob"), varintField(fieldAlgorithm, algorithmSHA256),
		varintField(fieldDigits, digitsEight), varintField(fieldType, typeHOTP), varintField(fieldCounter, 42)), varintField(fieldVersion, 1)),
		Payload{Version: 1, Accounts: []otpauth.Key{{Type: otpauth.HOTP, Issuer: "Acme", Account: "bob", Secret: []byte(secret20), Algorithm: otpauth.SHA256, Digits: 8, Counter: 42}}}},
	{"SEVEN digits, SHA512", exportOf(account(
		bytesField(fieldSecret, secret20), bytesField(fieldName, "alice"), varintField(fieldAlgorithm, algorithmSHA512), varintField(fieldDigits, digitsSeven))),
		Payload{Accounts: []otpauth.Key{{Type: otpauth.TOTP, Account: "alice", Secret: []byte(secret20), Algorithm: otpauth.SHA512, Digits: 7, Period: 30}}}},
	{"unspecified enums read as defaults", exportOf(account(bytesField(fieldSecret, secret20), bytesField(fieldName, "alice"),
		varintField(fieldAlgorithm, 0), varintField(fieldDigits, 0), varintField(fieldType, 0))),
		Payload{Accounts: []otpauth.Key{totp("", "alice")}}},
	{"name prefix equal to the issuer field", exportOf(account(bytesField(fieldSecret, secret20), bytesField(fieldName, "Acme:alice"), bytesField(fieldIssuer, "Acme"))),
		Payload{Accounts: []otpauth.Key{totp("Acme", "alice")}}},
	{"name prefix that differs from the issuer field stays in the name", exportOf(account(bytesField(fieldSecret, secret20), bytesField(fieldName, "Old:alice"), bytesField(fieldIssuer, "New"))),
		Payload{Accounts: []otpauth.Key{totp("New", "Old:alice")}}},
	{"negative batch id, several accounts, unknown fields skipped", exportOf(goodAccount,
		account(bytesField(fieldSecret, secret20), bytesField(fieldName, "bob"), bytesField(9, "future"), varintField(10, 1)),
		varintField(fieldVersion, 1), varintField(fieldBatchSize, 2), varintField(fieldBatchIndex, 1),
		varintField(fieldBatchID, uint64(math.MaxUint64-1233)), bytesField(11, "future")),
		Payload{Version: 1, BatchSize: 2, BatchIndex: 1, BatchID: -1234, Accounts: []otpauth.Key{totp("", "alice"), totp("", "bob")}}},
}

// badExports are malformed or hostile exports, each with the errors Decode
// must return (an ErrAccount also names the otpauth rule it broke).
var badExports = []struct {
	name, uri string
	want      []error
}{
	{"an otpauth URI", "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP", []error{ErrScheme}},
	{"online", "otpauth-migration://online?data=" + base64.StdEncoding.EncodeToString(gnomeRaw), []error{ErrScheme}},
	{"empty", "", []error{ErrScheme}},
	{"no data", "otpauth-migration://offline?version=1", []error{ErrData}},
	{"empty data", "otpauth-migration://offline?data=", []error{ErrData}},
	{"data twice", gnomeExport + "&data=CjYK", []error{ErrData}},
	{"not base64", "otpauth-migration://offline?data=!!!!", []error{ErrData}},
	{"both alphabets", "otpauth-migration://offline?data=ab-c/def", []error{ErrData}},
	{"impossible base64 length", "otpauth-migration://offline?data=AAAAA", []error{ErrData}},
	{"broken percent-escape", "otpauth-migration://offline?data=CjYK%G0", []error{ErrData}},
	{"oversized", "otpauth-migration://offline?data=" + strings.Repeat("A", MaxURILength), []error{ErrTooLarge}},
	{"truncated", "otpauth-migration://offline?data=" + base64.StdEncoding.EncodeToString(gnomeRaw[:30]), []error{ErrPayload}},
	{"truncated tag", exportOf(goodAccount, []byte{0x80}), []error{ErrPayload}},
	{"length past the end", exportOf([]byte{0x0a, 0x7f, 0x0a, 0x01}), []error{ErrPayload}},
	{"field number 0", exportOf(goodAccount, []byte{0x00, 0x01}), []error{ErrPayload}},
	{"accounts as a varint", exportOf(varintField(fieldOtpParameters, 1)), []error{ErrPayload}},
	{"version as bytes", exportOf(goodAccount, bytesField(fieldVersion, "1")), []error{ErrPayload}},
	{"secret as a varint", exportOf(account(varintField(fieldSecret, 1))), []error{ErrPayload}},
	{"truncated account", exportOf(bytesField(fieldOtpParameters, string(goodAccount[2:12]))), []error{ErrPayload}},
	{"batch index past the size", exportOf(goodAccount, varintField(fieldBatchSize, 2), varintField(fieldBatchIndex, 2)), []error{ErrPayload}},
	{"negative batch size", exportOf(goodAccount, varintField(fieldBatchSize, math.MaxUint64)), []error{ErrPayload}},
	{"zero accounts", exportOf(varintField(fieldVersion, 1), varintField(fieldBatchSize, 1)), []error{ErrNoAccount}},
	{"MD5", exportOf(account(bytesField(fieldSecret, secret20), bytesField(fieldName, "a"), varintField(fieldAlgorithm, algorithmMD5))), []error{ErrAccount, otpauth.ErrAlgorithm}},
	{"unknown algorithm", exportOf(account(bytesField(fieldSecret, secret20), bytesField(fieldName, "a"), varintField(fieldAlgorithm, 5))), []error{ErrAccount, otpauth.ErrAlgorithm}},
	{"unknown digit count", exportOf(account(bytesField(fieldSecret, secret20), bytesField(fieldName, "a"), varintField(fieldDigits, 4))), []error{ErrAccount, otpauth.ErrDigits}},
	{"unknown type", exportOf(account(bytesField(fieldSecret, secret20), bytesField(fieldName, "a"), varintField(fieldType, 3))), []error{ErrAccount, otpauth.ErrType}},
	{"negative counter", exportOf(account(bytesField(fieldSecret, secret20), bytesField(fieldName, "a"), varintField(fieldType, typeHOTP), varintField(fieldCounter, math.MaxUint64))), []error{ErrAccount, otpauth.ErrCounter}},
	{"no secret", exportOf(account(bytesField(fieldName, "a"))), []error{ErrAccount, otpauth.ErrSecretMissing}},
	{"secret over 1024 bits", exportOf(account(bytesField(fieldSecret, strings.Repeat("s", 129)), bytesField(fieldName, "a"))), []error{ErrAccount, otpauth.ErrSecretLength}},
	{"no name", exportOf(account(bytesField(fieldSecret, secret20))), []error{ErrAccount, otpauth.ErrLabel}},
	{"name not UTF-8", exportOf(account(bytesField(fieldSecret, secret20), bytesField(fieldName, "\xff"))), []error{ErrAccount, otpauth.ErrEncoding}},
	{"control character in the issuer", exportOf(account(bytesField(fieldSecret, secret20), bytesField(fieldName, "a"), bytesField(fieldIssuer, "x\x1b[31m"))), []error{ErrAccount, otpauth.ErrLabel}},
	{"second account bad", exportOf(goodAccount, account(bytesField(fieldName, "b"))), []error{ErrAccount, otpauth.ErrSecretMissing}},
}

func TestDecode(t *testing.T) {
	for _, tt := range goodExports {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.uri)
			if err != nil {
				t.Fatalf("Decode(%q): %v", tt.uri, err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("Decode(%q)\n got %#v\nwant %#v", tt.uri, *got, tt.want)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, tt := range badExports {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode(tt.uri)
			if p != nil || err == nil {
				t.Fatalf("Decode(%.80q) = %+v, %v; want an error", tt.uri, p, err)
			}
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("Decode(%.80q): %v; want it to match %v", tt.uri, err, want)
				}
			}
			if msg := err.Error(); strings.Contains(msg, secret20) || strings.Contains(msg, otpauth.EncodeSecret([]byte(secret20))) {
				t.Errorf("error %q contains the secret", msg)
			}
		})
	}
}

// TestEncode pins Google's own form: standard padded base64, escaped.
func TestEncode(t *testing.T) {
	got, err := Encode(&gnomePayload)
	if want := "otpauth-migration://offline?data=CjYKEExyJfPiZeroMa%2FMdF%2BnkTISE2pvaG5kb2VAZXhhbXBsZS5jb20aB0Rpc2NvcmQgASgBMAIQARgB"; got != want || err != nil {
		t.Errorf("Encode = %q, %v; want %q", got, err, want)
	}
}

func TestRoundTrip(t *testing.T) {
	withExtra := totp("Acme", "carol")
	withExtra.Extra = []otpauth.Param{{Name: "push", Value: "wss://x"}}
	payloads := []Payload{
		{Version: 1, BatchSize: 3, BatchIndex: 2, BatchID: math.MinInt32, Accounts: []otpauth.Key{
			totp("Acme", "alice"), totp("", "bob"), totp("Acme", "Acme:tricky:colons"), totp("Ünïcode", "名前"),
			{Type: otpauth.HOTP, Account: "h", Secret: []byte{1}, Algorithm: otpauth.SHA512, Digits: 7, Counter: math.MaxInt64},
		}},
	}
	for _, tt := range goodExports {
		payloads = append(payloads, tt.want)
	}
	for _, want := range payloads {
		uri, err := Encode(&want)
		if err != nil {
			t.Fatalf("Encode(%+v): %v", want, err)
		}
		got, err := Decode(uri)
		if err != nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("Decode(Encode(p)) = %+v, %v\nwant %+v", got, err, want)
		}
	}

	// Extra parameters have no field in the format: left out, nothing else lost.
	uri, err := Encode(&Payload{Accounts: []otpauth.Key{withExtra}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(uri)
	withExtra.Extra = nil
	if err != nil || !reflect.DeepEqual(got.Accounts, []otpauth.Key{withExtra}) {
		t.Errorf("Extra: Decode(Encode(p)) = %+v, %v", got, err)
	}
}

func TestEncodeRefuses(t *testing.T) {
	oneMinute := totp("", "a")
	oneMinute.Period = 60
	hugeCounter := otpauth.Key{Type: otpauth.HOTP, Account: "a", Secret: []byte{1}, Algorithm: otpauth.SHA1, Digits: 6, Counter: math.MaxInt64 + 1}
	many := make([]otpauth.Key, 200)
	for i := range many {
		many[i] = totp("An issuer with a long name", "someone@example.com")
	}
	for _, tt := range []struct {
		name string
		p    Payload
		want []error
	}{
		{"no accounts", Payload{Version: 1}, []error{ErrNoAccount}},
		{"a period the format lacks", Payload{Accounts: []otpauth.Key{oneMinute}}, []error{ErrAccount, otpauth.ErrPeriod}},
		{"counter past 2^63", Payload{Accounts: []otpauth.Key{hugeCounter}}, []error{ErrAccount, otpauth.ErrCounter}},
		{"invalid key", Payload{Accounts: []otpauth.Key{totp("a:b", "c")}}, []error{ErrAccount, otpauth.ErrLabel}},
		{"batch index past the size", Payload{BatchSize: 1, BatchIndex: 1, Accounts: many[:1]}, []error{ErrPayload}},
		{"version past int32", Payload{Version: math.MaxInt32 + 1, Accounts: many[:1]}, []error{ErrPayload}},
		{"too many accounts for one code", Payload{Accounts: many}, []error{ErrTooLarge}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			uri, err := Encode(&tt.p)
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("Encode = %.60q, %v; want %v", uri, err, want)
				}
			}
		})
	}
}

// FuzzMigrationDecode: no panic; an accepted export encodes and decodes to
// an equal payload (unless re-encoding outgrows the limit, which a lenient
// input's unescaped base64 can); errors match a sentinel.
func FuzzMigrationDecode(f *testing.F) {
	for _, tt := range goodExports {
		f.Add(tt.uri)
	}
	for _, tt := range badExports {
		if len(tt.uri) < 1000 {
			f.Add(tt.uri)
		}
	}
	sentinels := []error{ErrScheme, ErrData, ErrPayload, ErrTooLarge, ErrNoAccount, ErrAccount}
	f.Fuzz(func(t *testing.T, uri string) {
		p, err := Decode(uri)
		if err != nil {
			matches := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					matches++
				}
			}
			if matches != 1 {
				t.Fatalf("Decode(%q): %q matches %d sentinels, want 1", uri, err, matches)
			}
			return
		}
		encoded, err := Encode(p)
		if errors.Is(err, ErrTooLarge) {
			return
		}
		if err != nil {
			t.Fatalf("Decode(%q) ok, Encode: %v", uri, err)
		}
		again, err := Decode(encoded)
		if err != nil || !reflect.DeepEqual(p, again) {
			t.Fatalf("round trip of %q via %q: %+v, %v; want %+v", uri, encoded, again, err, p)
		}
	})
}

// TestDecodeEach: the accounts that can be imported come through, each
// other one is reported by its place with its reason; Decode refuses the
// same export whole.
func TestDecodeEach(t *testing.T) {
	md5 := account(bytesField(fieldSecret, secret20), bytesField(fieldName, "m"), varintField(fieldAlgorithm, algorithmMD5))
	noSecret := account(bytesField(fieldName, "n"))
	uri := exportOf(goodAccount, md5, goodAccount, noSecret, varintField(fieldVersion, 1))
	p, bad, err := DecodeEach(uri)
	if err != nil {
		t.Fatalf("DecodeEach: %v", err)
	}
	if len(p.Accounts) != 2 || p.Accounts[0].Account != "alice" || p.Accounts[1].Account != "alice" || p.Version != 1 {
		t.Errorf("accounts %+v, want alice twice", p.Accounts)
	}
	if len(bad) != 2 || bad[0].Index != 1 || bad[1].Index != 3 ||
		!errors.Is(bad[0].Err, ErrAccount) || !errors.Is(bad[0].Err, otpauth.ErrAlgorithm) ||
		!errors.Is(bad[1].Err, otpauth.ErrSecretMissing) {
		t.Errorf("bad = %+v; want accounts 1 (MD5) and 3 (no secret)", bad)
	}
	if _, err := Decode(uri); !errors.Is(err, otpauth.ErrAlgorithm) {
		t.Errorf("Decode: %v, want the MD5 account's error", err)
	}
	broken := exportOf(goodAccount, bytesField(fieldOtpParameters, "\x0a\xff"))
	if p, bad, err := DecodeEach(broken); !errors.Is(err, ErrPayload) || p != nil || bad != nil {
		t.Errorf("DecodeEach(broken wire) = %+v, %+v, %v; want ErrPayload", p, bad, err)
	}
}
