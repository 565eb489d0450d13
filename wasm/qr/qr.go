package qr

import (
	"fmt"
	"image"
	"image/color"

	"github.com/twofold-auth/twofold/wasm/qrtext"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Errors, worded for the page (wasm/qrtext's).
var (
	ErrNotFound         = qrtext.ErrNotFound
	ErrNotAuthenticator = qrtext.ErrNotAuthenticator
	ErrFrame            = qrtext.ErrFrame
)

// MaxSide is the long side above which a frame is first tried box-downscaled
// (by an integer factor, to at most MaxSide) and only then, if no code is
// found, at full size. Measured natively on generated frames: halving a
// 4000x3000 photo cuts decoding from about 90 ms to 60 ms, but any
// downscale loses codes whose modules are under about 4 px (a small code in a
// 1920x1080 screen capture, or a 4000 px photo scaled by 3), so frames up to
// 2000 px are never scaled and larger ones fall back to full size. Camera
// frames should be scaled by the canvas (to about 800 px) before they arrive,
// which is cheaper than anything done here.
const MaxSide = 2000

// MaxPixels bounds the frames Decode accepts (a 64-megapixel photo).
const MaxPixels = qrtext.MaxPixels

// fits reports whether a width × height frame is within MaxPixels.
func fits(width, height int) bool { return qrtext.Fits(width, height) }

// Decode returns the text of the QR code in an RGBA frame: 4 bytes per pixel,
// row by row, not premultiplied (as canvas getImageData returns).
func Decode(rgba []byte, width, height int) (string, error) {
	if !fits(width, height) || len(rgba) != width*height*4 {
		return "", ErrFrame
	}
	lum := luminance(rgba, width, height)
	return decodeLuminance(lum, width, height)
}

// DecodeImage returns the text of the QR code in img.
func DecodeImage(img image.Image) (string, error) {
	b := img.Bounds()
	if !fits(b.Dx(), b.Dy()) {
		return "", ErrFrame
	}
	if n, ok := img.(*image.NRGBA); ok && n.Stride == 4*b.Dx() && b.Min == (image.Point{}) {
		return Decode(n.Pix, b.Dx(), b.Dy())
	}
	// Convert pixel by pixel rather than with image/draw, which would add
	// its code to the WebAssembly for a path only the CLI takes.
	pix := make([]byte, 0, 4*b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			pix = append(pix, c.R, c.G, c.B, c.A)
		}
	}
	return Decode(pix, b.Dx(), b.Dy())
}

// luminance converts RGBA to one byte of luma per pixel, (R + 2G + B) / 4 as
// ZXing does, composited over white so transparent backgrounds read as paper.
func luminance(rgba []byte, width, height int) []byte {
	lum := make([]byte, width*height)
	for i := range lum {
		p := rgba[4*i : 4*i+4 : 4*i+4]
		l := (uint32(p[0]) + 2*uint32(p[1]) + uint32(p[2])) / 4
		if a := uint32(p[3]); a != 255 {
			l = (l*a + 255*(255-a)) / 255
		}
		lum[i] = byte(l)
	}
	return lum
}

// downscale averages factor×factor blocks (a box filter: no aliasing of fine
// modules into false edges, and one pass over the pixels).
func downscale(lum []byte, width, height, factor int) ([]byte, int, int) {
	w, h := width/factor, height/factor
	out := make([]byte, w*h)
	area := uint32(factor * factor)
	sums := make([]uint32, w)
	for y := range h {
		clear(sums)
		for dy := range factor {
			row := lum[(y*factor+dy)*width:]
			for x := range w {
				for _, v := range row[x*factor : x*factor+factor] {
					sums[x] += uint32(v)
				}
			}
		}
		for x, s := range sums {
			out[y*w+x] = byte(s / area)
		}
	}
	return out, w, h
}

func decodeLuminance(lum []byte, width, height int) (string, error) {
	if long := max(width, height); long > MaxSide {
		factor := (long + MaxSide - 1) / MaxSide
		if text, ok := tryDecode(downscale(lum, width, height, factor)); ok {
			return text, nil
		}
	}
	if text, ok := tryDecode(lum, width, height); ok {
		return text, nil
	}
	return "", ErrNotFound
}

// tryDecode runs the reader with TRY_HARDER over the plain luma with ZXing's
// hybrid (local-threshold) binarizer, then inverted (light-on-dark codes),
// then with the global-histogram binarizer, which copes better with blur and
// low contrast.
func tryDecode(lum []byte, width, height int) (string, bool) {
	src := &lumSource{LuminanceSourceBase: gozxing.LuminanceSourceBase{Width: width, Height: height}, lum: lum}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	attempts := []func() gozxing.Binarizer{
		func() gozxing.Binarizer { return gozxing.NewHybridBinarizer(src) },
		func() gozxing.Binarizer { return gozxing.NewHybridBinarizer(src.Invert()) },
		func() gozxing.Binarizer { return gozxing.NewGlobalHistgramBinarizer(src) },
	}
	reader := qrcode.NewQRCodeReader()
	for _, binarizer := range attempts {
		bmp, err := gozxing.NewBinaryBitmap(binarizer())
		if err != nil {
			continue
		}
		if res, err := reader.Decode(bmp, hints); err == nil {
			return res.GetText(), true
		}
	}
	// A clean, upright code that fills the image (an uploaded enrollment
	// QR, a cropped screenshot) can still defeat the finder-pattern search
	// when its data happens to contain finder-like runs (about 1 in 130 of
	// the server's own enrollment codes did); read it as a pure barcode.
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		return "", false
	}
	pure := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	if res, err := reader.Decode(bmp, pure); err == nil {
		return res.GetText(), true
	}
	return "", false
}

// lumSource is a gozxing.LuminanceSource over a luma plane, so no []int
// copy of the frame is made (gozxing's RGB source wants one int per pixel).
type lumSource struct {
	gozxing.LuminanceSourceBase
	lum []byte
}

func (s *lumSource) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= s.Height {
		return row, fmt.Errorf("row %d is outside the image", y)
	}
	if len(row) < s.Width {
		row = make([]byte, s.Width)
	}
	copy(row, s.lum[y*s.Width:(y+1)*s.Width])
	return row, nil
}

func (s *lumSource) GetMatrix() []byte { return s.lum }

func (s *lumSource) Invert() gozxing.LuminanceSource { return gozxing.NewInvertedLuminanceSource(s) }

func (s *lumSource) String() string { return gozxing.LuminanceSourceString(s) }

// Kind is what a QR code's text is, for the page to route it.
type Kind = qrtext.Kind

// The kinds of payload.
const (
	KindOTPAuth   = qrtext.KindOTPAuth   // one key: otpauth://totp/… or hotp/…
	KindMigration = qrtext.KindMigration // a Google Authenticator export part
	KindOther     = qrtext.KindOther     // anything else: not for an authenticator
)

// Classify tells the kind of a decoded text by its URI scheme.
func Classify(text string) Kind { return qrtext.Classify(text) }
