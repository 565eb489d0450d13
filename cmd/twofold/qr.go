package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // formats a QR screenshot or photo comes in
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/wasm/qr"
)

func qrCmd(e *env) *cobra.Command {
	cmd := group(e, "qr", "decode QR codes from image files", "Reads QR codes with the authenticator's own decoder.",
		"  twofold qr decode --raw enrollment.png | twofold uri parse -")
	var raw bool
	decode := &cobra.Command{
		Use:   "decode FILE...",
		Short: "print what the QR code in each image holds",
		Long: `Reads the QR code in each image file (PNG, JPEG or GIF; "-" is standard
input) with the authenticator's own decoder.

Without --raw, prints one line per file describing what the code holds,
without the secret. With --raw, prints each file's decoded text exactly, one
line per file, in order (this shows secrets). A file without a readable QR
code gets an error naming it on standard error, and the exit status is 1;
the other files are still decoded.`,
		Example: "  twofold qr decode --raw enrollment.png | twofold uri parse -",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("name at least one image file (see %s --help)", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error { return runQRDecode(e, args, raw) },
	}
	decode.Flags().BoolVar(&raw, "raw", false, "print the decoded text exactly (this shows secrets)")
	cmd.AddCommand(decode)
	return cmd
}

func runQRDecode(e *env, files []string, raw bool) error {
	var failed error
	for _, name := range files {
		text, err := decodeFile(e, name)
		if err != nil {
			fmt.Fprintf(e.stderr, "twofold: %s: %v\n", name, err)
			failed = errReported
			continue
		}
		if raw {
			fmt.Fprintln(e.stdout, text)
		} else {
			fmt.Fprintf(e.stdout, "%s: %s\n", name, describeQRText(text))
		}
	}
	return failed
}

// decodeFile reads one image (checking its size before decoding the pixels,
// so a decompression bomb is refused cheaply) and decodes its QR code.
func decodeFile(e *env, name string) (string, error) {
	var r io.Reader
	if name == "-" {
		r = e.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return "", errors.Unwrap(err) // "no such file or directory", without repeating the name
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, 64<<20+1))
	if err != nil {
		return "", err
	}
	if len(data) > 64<<20 {
		return "", errors.New("file too large (over 64 MiB)")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", errors.New("not a PNG, JPEG or GIF image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return "", errors.New("the image has no pixels")
	}
	if cfg.Width > maxImagePixels/cfg.Height {
		return "", fmt.Errorf("image too large (%dx%d; at most %d megapixels)", cfg.Width, cfg.Height, maxImagePixels/1_000_000)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("damaged image: %v", err)
	}
	return qr.DecodeImage(img)
}

// maxImagePixels bounds the images qr decode reads: a camera photo (24
// megapixels) fits, while a small file that declares a huge image is refused
// before its pixels are allocated (a 16-bit image costs 8 bytes a pixel).
const maxImagePixels = 24_000_000

// describeQRText says what a decoded text is without printing a secret.
func describeQRText(text string) string {
	switch qr.Classify(text) {
	case qr.KindOTPAuth:
		k, err := otpauth.Parse(text)
		if err != nil {
			return fmt.Sprintf("otpauth URI that does not parse: %v", err)
		}
		return "otpauth key: " + qrKeySummary(k)
	case qr.KindMigration:
		p, err := migration.Decode(text)
		if err != nil {
			return fmt.Sprintf("Google Authenticator export that does not parse: %v", err)
		}
		names := make([]string, len(p.Accounts))
		for i := range p.Accounts {
			names[i] = qrKeySummary(&p.Accounts[i])
		}
		return fmt.Sprintf("Google Authenticator export, part %d of %d (batch %d), %d accounts: %s",
			p.BatchIndex+1, max(p.BatchSize, 1), p.BatchID, len(p.Accounts), strings.Join(names, "; "))
	}
	return fmt.Sprintf("not an authenticator key: %q", text)
}

func qrKeySummary(k *otpauth.Key) string {
	name := k.Account
	if k.Issuer != "" {
		name = k.Issuer + " (" + k.Account + ")"
	}
	if k.Type == otpauth.HOTP {
		return fmt.Sprintf("%s, HOTP %s %d digits, counter %d", name, k.Algorithm, k.Digits, k.Counter)
	}
	return fmt.Sprintf("%s, TOTP %s %d digits %d s", name, k.Algorithm, k.Digits, k.Period)
}
