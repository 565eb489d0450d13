package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/wasm/qr/qrtest"
)

// fuzzMaxPixels bounds the images FuzzDecodeFile decodes: an input that
// declares more pixels (up to maxImagePixels, which decodeFile allows) is
// valid but would make one run allocate and scan megabytes.
const fuzzMaxPixels = 1 << 14

// FuzzDecodeFile is the Go path from an image file's bytes to a QR code's
// text (`twofold qr decode`): the size check on the declared dimensions,
// PNG, JPEG or GIF decoding, then the authenticator's decoder. In the
// browser the image file is decoded by the browser and only its pixels
// reach Go (FuzzDecode in wasm/qr). For any bytes: no panic; an image
// declaring more than maxImagePixels is refused before its pixels are
// decoded; an error comes with no text.
func FuzzDecodeFile(f *testing.F) {
	code := qrtest.MustCode(qrTestURI, 1)
	var pngFile, jpegFile, gifFile bytes.Buffer
	if err := png.Encode(&pngFile, code); err != nil {
		f.Fatal(err)
	}
	if err := jpeg.Encode(&jpegFile, qrtest.MustCode("otpauth://totp/a?secret=AAAA", 2), &jpeg.Options{Quality: 90}); err != nil {
		f.Fatal(err)
	}
	pal := image.NewPaletted(code.Rect, color.Palette{color.White, color.Black})
	for i, v := range code.Pix {
		if v < 128 {
			pal.Pix[i] = 1
		}
	}
	if err := gif.Encode(&gifFile, pal, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(pngFile.Bytes())
	f.Add(jpegFile.Bytes())
	f.Add(gifFile.Bytes())
	f.Add(pngFile.Bytes()[:pngFile.Len()/2])
	f.Add(pngHeader(1<<20, 1<<20)) // a bomb: 2⁴⁰ pixels declared in 45 bytes
	f.Add(pngHeader(1, 1))
	f.Add([]byte("GIF89a\xff\xff\xff\xff\x00\x00\x00"))
	f.Add([]byte("\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"))
	f.Add([]byte("otpauth://totp/a?secret=AAAA"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, _, cfgErr := image.DecodeConfig(bytes.NewReader(data))
		big := cfgErr == nil && cfg.Width > 0 && cfg.Height > 0 && cfg.Width > maxImagePixels/cfg.Height
		if cfgErr == nil && !big && cfg.Width*cfg.Height > fuzzMaxPixels {
			return
		}
		var stderr bytes.Buffer
		e := &env{stdin: bytes.NewReader(data), stdout: &stderr, stderr: &stderr, getenv: func(string) string { return "" }}
		text, err := decodeFile(e, "-")
		switch {
		case big:
			if err == nil || !strings.HasPrefix(err.Error(), "image too large") {
				t.Fatalf("%dx%d image: %q, %v; want refused as too large", cfg.Width, cfg.Height, text, err)
			}
		case err != nil:
			if text != "" {
				t.Fatalf("error %v with text %q", err, text)
			}
		default:
			_ = describeQRText(text)
		}
	})
}

// pngHeader is the start of a PNG file that declares an 8-bit RGBA image of
// width × height and holds no pixels.
func pngHeader(width, height uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), width)
	ihdr = binary.BigEndian.AppendUint32(ihdr, height)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, uint32(len(ihdr)-4))
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}
