package api

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/wasm/qr"
)

// Every enrollment QR code the server draws must scan in Twofold's own
// authenticator. Some codes (about 1 in 130, depending on the secret) defeat
// ZXing's finder-pattern search although the image is perfect; this set of
// seeded secrets holds such codes, so the decoder's pure-barcode fallback is
// what keeps them readable.
func TestEnrollmentQRCodesScanInTheAuthenticator(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes dozens of images")
	}
	rng := rand.New(rand.NewPCG(7, 13))
	for i := range 40 { // code 3 of this seed needs the fallback
		secret := make([]byte, 20)
		for j := range secret {
			secret[j] = byte(rng.UintN(256))
		}
		k := otpauth.Key{Type: otpauth.TOTP, Issuer: "Twofold", Account: fmt.Sprintf("user-%d@example.com", i), Secret: secret,
			Extra: []otpauth.Param{{Name: "twofold_push", Value: "http://127.0.0.1:41234"}, {Name: "twofold_device", Value: "dev_r3yv5lz6ulxgrp4x"}}}
		uri := k.URI()
		dataURL, err := qrDataURL(uri)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(dataURL, "data:image/png;base64,"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := qr.DecodeImage(img); err != nil || got != uri {
			t.Errorf("code %d does not scan: %v", i, err)
		}
	}
}
