// Package qrtext is the part of wasm/qr the authenticator's first load
// keeps: what kind of payload a QR code's text is, the frame size check and
// the errors the page shows. Decoding itself (github.com/makiuchi-d/gozxing
// with golang.org/x/text's character sets, about 360 KB of brotli) runs in
// the on-demand transfer module (wasm/transfermodule.DecodeQR); wasm/qr
// re-exports everything here, so its callers see one package.
package qrtext

import (
	"strings"

	"github.com/twofold-auth/twofold/shared/errcode"
)

// Errors, worded for the page.
var (
	ErrNotFound         = errcode.New("no_qr", "no QR code found in this image")
	ErrNotAuthenticator = errcode.New("not_authenticator", "this QR code is not an authenticator key")
	ErrFrame            = errcode.New("bad_frame", "the image data does not match its width and height")
)

// MaxPixels bounds the frames a decoder accepts (a 64-megapixel photo).
const MaxPixels = 64 << 20

// Fits reports whether a width × height frame is within MaxPixels, without
// multiplying first: sizes from the page can be any integers, and a product
// that overflows (2³² × 2³² is 0) would pass a check of the product.
func Fits(width, height int) bool {
	return width > 0 && height > 0 && width <= MaxPixels/height
}

// Frame reports whether rgba is a width × height RGBA frame (4 bytes per
// pixel) within MaxPixels.
func Frame(rgba []byte, width, height int) bool {
	return Fits(width, height) && len(rgba) == width*height*4
}

// Kind is what a QR code's text is, for the page to route it.
type Kind string

// The kinds of payload.
const (
	KindOTPAuth   Kind = "otpauth"           // one key: otpauth://totp/… or hotp/…
	KindMigration Kind = "otpauth-migration" // a Google Authenticator export part
	KindOther     Kind = "other"             // anything else: not for an authenticator
)

// Classify tells the kind of a decoded text by its URI scheme.
func Classify(text string) Kind {
	scheme, _, ok := strings.Cut(strings.TrimSpace(text), ":")
	switch {
	case !ok:
		return KindOther
	case strings.EqualFold(scheme, "otpauth"):
		return KindOTPAuth
	case strings.EqualFold(scheme, "otpauth-migration"):
		return KindMigration
	}
	return KindOther
}
