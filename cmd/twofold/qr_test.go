package main

import (
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/wasm/qr/qrtest"
)

const qrTestURI = "otpauth://totp/Twofold:ana@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Twofold"

// writeImage saves img as name (PNG, or JPEG for .jpg) in dir.
func writeImage(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(name, ".jpg") {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 60})
	} else {
		err = png.Encode(f, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestQRDecodeRaw(t *testing.T) {
	dir := t.TempDir()
	export, err := migration.Encode(&migration.Payload{Version: 1, BatchSize: 2, BatchIndex: 1, BatchID: 9, Accounts: []otpauth.Key{{
		Type: otpauth.TOTP, Issuer: "GA", Account: "bob", Secret: []byte("0123456789abcdefghij"), Algorithm: otpauth.SHA1, Digits: 6, Period: 30}}})
	if err != nil {
		t.Fatal(err)
	}
	files := []string{
		writeImage(t, dir, "key.png", qrtest.MustCode(qrTestURI, 4)),
		writeImage(t, dir, "no-code.png", qrtest.Scene(640, 480, nil, 0, 0, 1)),
		writeImage(t, dir, "photo.jpg", qrtest.Scene(1280, 720, qrtest.MustCode("https://example.com/ünïcode", 5), 400, 200, 2)),
		writeImage(t, dir, "export.png", qrtest.MustCode(export, 3)),
	}
	status, stdout, stderr := runTwofold(t, "", append([]string{"qr", "decode", "--raw"}, files...)...)
	if status != exitFail {
		t.Errorf("status = %d, want %d (one file has no code)", status, exitFail)
	}
	if want := qrTestURI + "\nhttps://example.com/ünïcode\n" + export + "\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	if want := "twofold: " + files[1] + ": no QR code found in this image\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
}

func TestQRDecodeDescribesWithoutSecrets(t *testing.T) {
	dir := t.TempDir()
	key := writeImage(t, dir, "key.png", qrtest.MustCode(qrTestURI, 4))
	other := writeImage(t, dir, "other.png", qrtest.MustCode("WIFI:S:home;;", 4))
	status, stdout, stderr := runTwofold(t, "", "qr", "decode", key, other)
	if status != exitOK || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	want := key + ": otpauth key: Twofold (ana@example.com), TOTP SHA1 6 digits 30 s\n" +
		other + ": not an authenticator key: \"WIFI:S:home;;\"\n"
	if stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	if strings.Contains(stdout, "JBSWY3DP") {
		t.Error("the secret was printed without --raw")
	}
}

func TestQRDecodeErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	key := writeImage(t, dir, "key.png", qrtest.MustCode(qrTestURI, 2))
	missing := filepath.Join(dir, "missing.png")

	status, stdout, stderr := runTwofold(t, "", "qr", "decode", "--raw", text, missing, key)
	if status != exitFail || stdout != qrTestURI+"\n" {
		t.Errorf("status %d stdout %q", status, stdout)
	}
	for _, want := range []string{text + ": not a PNG, JPEG or GIF image", missing + ": no such file or directory"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}

	png, _ := os.ReadFile(key)
	if status, stdout, _ := runTwofold(t, string(png), "qr", "decode", "--raw", "-"); status != exitOK || stdout != qrTestURI+"\n" {
		t.Errorf("stdin: status %d stdout %q", status, stdout)
	}

	for _, args := range [][]string{{"qr"}, {"qr", "decode"}, {"qr", "decode", "--bogus", key}, {"qr", "encode", key}} {
		if status, _, _ := runTwofold(t, "", args...); status != exitUsage {
			t.Errorf("%q: status %d, want %d", args, status, exitUsage)
		}
	}
	if status, stdout, _ := runTwofold(t, "", "qr", "--help"); status != exitOK || !strings.Contains(stdout, "twofold qr decode") {
		t.Errorf("--help: %d %q", status, stdout)
	}
}
