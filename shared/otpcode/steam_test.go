package otpcode

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Published Steam Guard examples. Steam has no specification; these are
// the values other implementations' own tests pin.
var steamPublished = []struct {
	source string
	secret []byte
	unix   int64
	code   string
}{
	// MAKS11060/otp, src/steamTotp.test.ts: a 20-byte zero secret at
	// counters 0 and 1.
	{"MAKS11060/otp", make([]byte, 20), 0, "RYH4D"},
	{"MAKS11060/otp", make([]byte, 20), 30, "DR2DK"},
	// Proton's authenticator core (proton-pass-common), steam.rs,
	// generates_correct_code: the base32 secret "STEAMKEY" at 1742298317.
	{"proton-pass-common", mustBase32("STEAMKEY"), 1742298317, "VKFDN"},
}

// Computed by the npm package steam-totp 2.1.2 (DoctorMcKay, MIT), an
// implementation independent of this one, for the secrets (base64) and
// times below, by testdata/steam-totp-vectors.js. steam-totp also gives
// the two MAKS11060/otp values above.
var steamTOTPPackage = []struct {
	secret string
	unix   int64
	code   string
}{
	{"BRAbJjE8R1JdaA==", 2010404278, "794QB"},
	{"KjVAS1ZhbHeCjZijrrnE", 1586379055, "P2GP7"},
	{"T1plcHuGkZynsr3I097p9P8KFSA=", 1131479179, "2YCVG"},
	{"dH+KlaCrtsHM1+Lt+AMOGSQvOkVQW2ZxfA==", 679855358, "G5H9G"},
	{"maSvusXQ2+bx/AcSHSgzPklUX2p1gIuWoay3ws3Y", 1600376211, "QYDWG"},
	{"vsnU3+r1AAsWISw3Qk1YY255hI+apbC7xtHc5/L9CBMeKTQ=", 330847650, "HV5J3"},
	{"4+75BA8aJTA7RlFcZ3J9iJOeqbS/ytXg6/YBDBciLThDTllkb3qFkA==", 1658514058, "33JM8"},
	{"CBMeKTQ/SlVga3aBjJeirbjDztnk7/oFEBsmMTxHUl1oc36JlJ+qtcDL1uHs", 2089217205, "CVR2R"},
	{"LThDTllkb3qFkJumsbzH0t3o8/4JFB8qNUBLVmFsd4KNmKOuucTP2uXw+wYRHCcyPUg=", 624155788, "GMMK3"},
	{"Ul1oc36JlJ+qtcDL1uHs9wINGCMuOURPWmVwe4aRnKeyvcjT3un0/woVICs2QUxXYm14g46ZpA==", 1575958785, "PNCQG"},
	{"d4KNmKOuucTP2uXw+wYRHCcyPUhTXml0f4qVoKu2wczX4u34Aw4ZJC86RVBbZnF8h5KdqLO+ydTf6vUA", 645799407, "CT46D"},
	{"nKeyvcjT3un0/w==", 510555445, "GY6V4"},
}

func mustBase32(s string) []byte {
	b, err := otpauth.DecodeSecret(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestSteamPublished(t *testing.T) {
	for _, tt := range steamPublished {
		got, err := Steam(tt.secret, time.Unix(tt.unix, 0))
		if err != nil || got != tt.code {
			t.Errorf("%s: Steam(%x, %d) = %q, %v; want %q", tt.source, tt.secret, tt.unix, got, err, tt.code)
		}
	}
}

func TestSteamAgainstSteamTOTPPackage(t *testing.T) {
	for _, tt := range steamTOTPPackage {
		secret, err := base64.StdEncoding.DecodeString(tt.secret)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Steam(secret, time.Unix(tt.unix, 0))
		if err != nil || got != tt.code {
			t.Errorf("Steam(%s, %d) = %q, %v; want %q", tt.secret, tt.unix, got, err, tt.code)
		}
	}
}

// TestSteamShape: five characters from the alphabet, the same within a
// 30-second step and computed from that step alone.
func TestSteamShape(t *testing.T) {
	secret := []byte("12345678901234567890")
	for unix := int64(0); unix < 3000; unix += 7 {
		code, err := Steam(secret, time.Unix(unix, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != SteamDigits || strings.Trim(code, SteamAlphabet) != "" {
			t.Fatalf("Steam at %d = %q: not %d characters of %q", unix, code, SteamDigits, SteamAlphabet)
		}
		atStep, _ := SteamAt(secret, uint64(unix/30))
		start, _ := Steam(secret, time.Unix(unix/30*30, 0))
		if atStep != code || start != code {
			t.Fatalf("Steam at %d = %q, at its step %q, at the step's start %q", unix, code, atStep, start)
		}
	}
}

func TestSteamRefuses(t *testing.T) {
	for _, tt := range []struct {
		secret []byte
		want   error
	}{
		{nil, otpauth.ErrSecretMissing},
		{bytes.Repeat([]byte{1}, otpauth.MaxSecretLength+1), otpauth.ErrSecretLength},
	} {
		if code, err := Steam(tt.secret, time.Unix(59, 0)); !errors.Is(err, tt.want) || code != "" {
			t.Errorf("Steam(%d bytes) = %q, %v; want %v", len(tt.secret), code, err, tt.want)
		}
	}
}
