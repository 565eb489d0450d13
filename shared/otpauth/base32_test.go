package otpauth

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// goodKeys are keys as people type or paste them, with the bytes they mean.
var goodKeys = []struct {
	name, typed, hex string
}{
	{"canonical", "JBSWY3DPEHPK3PXP", "48656c6c6f21deadbeef"},
	{"lower case", "jbswy3dpehpk3pxp", "48656c6c6f21deadbeef"},
	{"grouped in fours", "JBSW Y3DP EHPK 3PXP", "48656c6c6f21deadbeef"},
	{"dashes and mixed case", "jbsw-Y3DP-ehpk-3PXP", "48656c6c6f21deadbeef"},
	{"tabs, newline and no-break space", "\tJBSW\u00a0Y3DP\nEHPK 3PXP ", "48656c6c6f21deadbeef"},
	{"padded", "MFRGG===", "616263"},
	{"padding left off", "MFRGG", "616263"},
	{"padding after a space", "MFRG G ===", "616263"},
	{"one byte", "ME", "61"},
	{"RFC 6238 SHA1 seed", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", hex.EncodeToString([]byte("12345678901234567890"))},
	{"longest allowed", strings.Repeat("A", 204) + "Q", strings.Repeat("00", 127) + "08"},
}

// badKeys are typed keys DecodeSecret must refuse; pos and char are set for a
// *Base32Error.
var badKeys = []struct {
	name, typed string
	want        error
	pos         int
	char        rune
}{
	{"digit one", "JBSWY31PEHPK3PXP", ErrBase32, 7, '1'},
	{"digit zero after a group", "JBSW 0Y3D", ErrBase32, 6, '0'},
	{"digit eight", "8BSWY3DP", ErrBase32, 1, '8'},
	{"position counts characters, not bytes", "ÄÖÜ!", ErrBase32, 1, 'Ä'},
	{"accented letter at the end", "jbswy3dpehpk3pxö", ErrBase32, 16, 'ö'},
	{"punctuation", "JBSW.Y3DP", ErrBase32, 5, '.'},
	{"underscore", "JBSW_Y3DP", ErrBase32, 5, '_'},
	{"padding before data", "MFRG=G==", ErrBase32, 5, '='},
	{"NUL byte", "JBSW\x00Y3DP", ErrBase32, 5, 0},
	{"invalid UTF-8", "JB\xffSW", ErrBase32, 3, utf8.RuneError},
	{"emoji", "JBSW🔑Y3DP", ErrBase32, 5, '🔑'},
	{"fullwidth letter", "ＪBSWY3DP", ErrBase32, 1, 'Ｊ'},
	{"one character too many", "JBSWY3DPE", ErrBase32, 0, 0},
	{"three characters past a block", "JBSWY3DPEHP", ErrBase32, 0, 0},
	{"six characters", "JBSWY3", ErrBase32, 0, 0},
	{"empty", "", ErrSecretMissing, 0, 0},
	{"only separators", " - -\t", ErrSecretMissing, 0, 0},
	{"only padding", "========", ErrSecretMissing, 0, 0},
	{"one byte over the limit", strings.Repeat("A", 206), ErrSecretLength, 0, 0},
	{"a megabyte", strings.Repeat("ABCD", 1<<18), ErrSecretLength, 0, 0},
}

func TestDecodeSecret(t *testing.T) {
	for _, tt := range goodKeys {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeSecret(tt.typed)
			if err != nil {
				t.Fatalf("DecodeSecret(%q): %v", tt.typed, err)
			}
			if hex.EncodeToString(got) != tt.hex {
				t.Errorf("DecodeSecret(%q) = %x, want %s", tt.typed, got, tt.hex)
			}
		})
	}
}

func TestDecodeSecretRefuses(t *testing.T) {
	for _, tt := range badKeys {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeSecret(tt.typed)
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeSecret(%q) = %x, %v; want %v", tt.typed, got, err, tt.want)
			}
			var b32 *Base32Error
			isB32 := errors.As(err, &b32)
			if want := tt.pos != 0; isB32 != want {
				t.Fatalf("error %v: *Base32Error = %v, want %v", err, isB32, want)
			}
			if isB32 && (b32.Pos != tt.pos || b32.Char != tt.char) {
				t.Errorf("Base32Error{Pos: %d, Char: %q}, want {%d, %q}", b32.Pos, b32.Char, tt.pos, tt.char)
			}
			assertNoSecret(t, err, tt.typed)
		})
	}
}

func TestBase32ErrorMessage(t *testing.T) {
	for _, tt := range []struct {
		err  Base32Error
		want string
	}{
		{Base32Error{7, '1'}, "this key has a character that is not base32: '1' at position 7 (did you mean I or L?)"},
		{Base32Error{2, '0'}, "this key has a character that is not base32: '0' at position 2 (did you mean O?)"},
		{Base32Error{3, '!'}, "this key has a character that is not base32: '!' at position 3"},
		{Base32Error{1, '\n'}, `this key has a character that is not base32: '\n' at position 1`},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestEncodeAndGroupSecret(t *testing.T) {
	for _, tt := range []struct {
		hex, encoded, grouped string
	}{
		{"48656c6c6f21deadbeef", "JBSWY3DPEHPK3PXP", "JBSW Y3DP EHPK 3PXP"},
		{"616263", "MFRGG", "MFRG G"},
		{"61", "ME", "ME"},
		{"", "", ""},
	} {
		secret, _ := hex.DecodeString(tt.hex)
		if got := EncodeSecret(secret); got != tt.encoded {
			t.Errorf("EncodeSecret(%s) = %q, want %q", tt.hex, got, tt.encoded)
		}
		if got := GroupSecret(secret); got != tt.grouped {
			t.Errorf("GroupSecret(%s) = %q, want %q", tt.hex, got, tt.grouped)
		}
	}
}

// FuzzDecodeSecret: no panic; a decoded key encodes and decodes to the same
// bytes (also from its grouped form); a *Base32Error points at the very
// character it names; errors match a sentinel and never quote the key.
func FuzzDecodeSecret(f *testing.F) {
	for _, tt := range goodKeys {
		f.Add(tt.typed)
	}
	for _, tt := range badKeys {
		if len(tt.typed) < 1000 {
			f.Add(tt.typed)
		}
	}
	f.Fuzz(func(t *testing.T, typed string) {
		secret, err := DecodeSecret(typed)
		if err != nil {
			if !errors.Is(err, ErrBase32) && !errors.Is(err, ErrSecretMissing) && !errors.Is(err, ErrSecretLength) {
				t.Fatalf("DecodeSecret(%q): unexpected error %v", typed, err)
			}
			var b32 *Base32Error
			if errors.As(err, &b32) {
				runes := []rune(typed)
				if b32.Pos < 1 || b32.Pos > len(runes) || runes[b32.Pos-1] != b32.Char {
					t.Fatalf("DecodeSecret(%q): %+v does not point at its character", typed, b32)
				}
			}
			assertNoSecret(t, err, typed)
			return
		}
		for _, form := range []string{EncodeSecret(secret), GroupSecret(secret), strings.ToLower(EncodeSecret(secret))} {
			again, err := DecodeSecret(form)
			if err != nil || !bytes.Equal(again, secret) {
				t.Fatalf("DecodeSecret(%q) = %x, %v; want %x (from %q)", form, again, err, secret, typed)
			}
		}
	})
}

// assertNoSecret fails if err's message contains secret in any spelling of
// it. Short secrets are skipped: "TOTP" is valid base32 and also a word an
// error may use.
func assertNoSecret(t *testing.T, err error, secret string) {
	t.Helper()
	if err == nil || len(secret) < 16 {
		return
	}
	msg := strings.ToUpper(err.Error())
	for _, form := range []string{secret, strings.ToUpper(secret), strings.Map(dropSeparators, strings.ToUpper(secret))} {
		if len(form) >= 16 && strings.Contains(msg, form) {
			t.Errorf("error %q contains the secret", err)
		}
	}
}

func dropSeparators(r rune) rune {
	if r == ' ' || r == '-' || r == '=' {
		return -1
	}
	return r
}
