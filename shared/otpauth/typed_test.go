package otpauth

import (
	"errors"
	"reflect"
	"testing"
)

// A key typed by hand: under 80 bits refused, 80 to 127 bits accepted
// with a warning, 128 bits and more quiet (RFC 4226 §4 R6 asks for 128).
func TestCheckTypedSecret(t *testing.T) {
	for _, tt := range []struct {
		bytes   int
		refused bool
		warned  bool
	}{
		{1, true, true},
		{2, true, true}, // 16 bits: "Looks right" before issue 12
		{9, true, true}, // 72 bits
		{10, false, true},
		{15, false, true}, // 120 bits
		{16, false, false},
		{20, false, false},
		{MaxSecretLength, false, false},
	} {
		secret := make([]byte, tt.bytes)
		err := CheckTypedSecret(secret)
		if refused := err != nil; refused != tt.refused || (refused && !errors.Is(err, ErrSecretShort)) {
			t.Errorf("%d bits: CheckTypedSecret = %v, want refused %v", 8*tt.bytes, err, tt.refused)
		}
		k := &Key{Secret: secret}
		if warned := reflect.DeepEqual(k.Warnings(), []Warning{WarnShortSecret}); warned != tt.warned {
			t.Errorf("%d bits: Warnings() = %v, want a warning %v", 8*tt.bytes, k.Warnings(), tt.warned)
		}
	}
}

func TestLookalike(t *testing.T) {
	for r, want := range map[rune]string{'0': "O", '1': "I or L", '8': "B", '9': "", 'A': "", '!': ""} {
		if got := Lookalike(r); got != want {
			t.Errorf("Lookalike(%q) = %q, want %q", r, got, want)
		}
	}
}
