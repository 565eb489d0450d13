package qr

import (
	"errors"
	"image"
	"testing"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/wasm/qr/qrtest"
)

// Fuzz targets for the authenticator's QR input path: the page hands
// Decode the RGBA pixels, width and height of a camera frame or of an image
// file the browser decoded (twofold.qr.decode). Image files as bytes (PNG,
// JPEG, GIF) are decoded in Go only by the CLI: FuzzDecodeFile in
// cmd/twofold.
//
// Seeds stay small on purpose: the fuzzer minimizes every input that finds
// new coverage, and for a frame of a few kilobytes that alone takes the
// whole default minimizing budget (a minute) per input.

// checkDecode decodes a frame and checks Decode's contract: ErrFrame
// exactly when the sizes do not describe the bytes (or exceed MaxPixels),
// otherwise a text or ErrNotFound.
func checkDecode(t *testing.T, rgba []byte, width, height int) (string, bool) {
	t.Helper()
	text, err := Decode(rgba, width, height)
	frame := width > 0 && height > 0 && width <= MaxPixels/height && len(rgba) == 4*width*height
	switch {
	case !frame:
		if !errors.Is(err, ErrFrame) {
			t.Fatalf("Decode(%d bytes, %d, %d) = %q, %v; want ErrFrame", len(rgba), width, height, text, err)
		}
	case errors.Is(err, ErrNotFound):
	case err != nil:
		t.Fatalf("Decode(%d bytes, %d, %d): %v", len(rgba), width, height, err)
	default:
		_ = Classify(text)
		return text, true
	}
	return "", false
}

// FuzzDecode is Decode as the bridge calls it: any bytes, any sizes. With
// tile set and sizes of at most maxTiled pixels, the bytes are repeated to
// fill the frame, so that small inputs also make large frames (long sides
// over MaxSide are downscaled first).
func FuzzDecode(f *testing.F) {
	f.Add(make([]byte, 4), 1, 1, false)
	f.Add([]byte("\x00\x00\x00\xff\xff\xff\xff\xff\x80\x80\x80\x80\x00\x00\x00\x00"), 2, 2, false)
	f.Add(make([]byte, 4*3*2), 3, 2, false)
	f.Add(make([]byte, 4*3*2), 2, 2, false) // sizes that do not match the bytes
	f.Add([]byte{}, 0, 0, false)
	f.Add([]byte{}, -1, -4, false)
	f.Add([]byte{}, MaxPixels+1, 1, false)
	f.Add([]byte("\x00\x00\x00\xff\xff\xff\xff\xff"), MaxSide+1, 1, true) // a long side to downscale
	f.Add([]byte("\x00\x00\x00\xff\xff\xff\xff\xff\x00\x00\x00\x00"), MaxSide+2, 2, true)
	f.Fuzz(func(t *testing.T, rgba []byte, width, height int, tile bool) {
		if tile && len(rgba) > 0 && width > 0 && height > 0 && width <= maxTiled/height {
			frame := make([]byte, 4*width*height)
			for i := 0; i < len(frame); i += len(rgba) {
				copy(frame[i:], rgba)
			}
			rgba = frame
		}
		checkDecode(t, rgba, width, height)
	})
}

// maxTiled bounds the frames FuzzDecode makes, to keep each run within
// milliseconds.
const maxTiled = 1 << 12

// FuzzDecodeCode reaches what a fuzzer of raw frames rarely does: the
// decoding of a QR code's format, version and data. The input is a
// black-and-white picture, one bit per pixel, row by row, width pixels a
// row; each pixel becomes a module of 1 px (opaque black or white, or
// transparent for white when clear is set), so mutating the seeds (clean
// codes) flips modules of a real code.
func FuzzDecodeCode(f *testing.F) {
	export, err := migration.Encode(&migration.Payload{Version: 1, BatchSize: 1, Accounts: []otpauth.Key{{
		Type: otpauth.TOTP, Issuer: "GA", Account: "bob", Secret: []byte("0123456789"), Algorithm: otpauth.SHA1, Digits: 6, Period: 30}}})
	if err != nil {
		f.Fatal(err)
	}
	for _, text := range []string{
		"otpauth://totp/a?secret=AAAA",
		export,
		"WIFI:S:home;;",
		"12345678901234567890", // numeric mode
		"ÄÖÜ日本",                // byte mode with UTF-8
	} {
		bits, w := packBits(qrtest.MustCode(text, 1))
		f.Add(bits, w, false)
	}
	f.Add([]byte{0xff, 0x81, 0xbd, 0xbd, 0xbd, 0x81, 0xff}, uint8(8), true)
	f.Fuzz(func(t *testing.T, bits []byte, width uint8, clear bool) {
		if width == 0 || len(bits)*8/int(width) == 0 {
			return
		}
		height := len(bits) * 8 / int(width)
		rgba := make([]byte, 0, 4*int(width)*height)
		for i := range int(width) * height {
			switch {
			case bits[i/8]&(0x80>>(i%8)) != 0:
				rgba = append(rgba, 0, 0, 0, 255)
			case clear:
				rgba = append(rgba, 0, 0, 0, 0)
			default:
				rgba = append(rgba, 255, 255, 255, 255)
			}
		}
		checkDecode(t, rgba, int(width), height)
	})
}

// packBits is the picture of a code as FuzzDecodeCode reads it.
func packBits(img *image.Gray) ([]byte, uint8) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w > 255 {
		panic("qr: code too wide for FuzzDecodeCode")
	}
	bits := make([]byte, (w*h+7)/8)
	for i := range w * h {
		if img.Pix[(i/w)*img.Stride+i%w] < 128 {
			bits[i/8] |= 0x80 >> (i % 8)
		}
	}
	return bits, uint8(w)
}
