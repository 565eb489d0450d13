package qr

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/wasm/qr/qrtest"
)

const uri = "otpauth://totp/Twofold:ana@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Twofold"

func decode(img image.Image) (string, error) {
	pix, w, h := qrtest.RGBA(img)
	return Decode(pix, w, h)
}

func TestDecodeGeneratedImages(t *testing.T) {
	code := qrtest.MustCode(uri, 4)
	scene := func(code image.Image, w, h int) image.Image { return qrtest.Scene(w, h, code, w/3, h/5, 1) }
	tests := []struct {
		name string
		img  image.Image
	}{
		{"module 1 px", qrtest.MustCode(uri, 1)},
		{"module 2 px", qrtest.MustCode(uri, 2)},
		{"module 4 px", code},
		{"module 12 px", qrtest.MustCode(uri, 12)},
		{"rotated 90", qrtest.Rotate(code, 90)},
		{"rotated 180", qrtest.Rotate(code, 180)},
		{"rotated 270", qrtest.Rotate(code, 270)},
		{"rotated 15", qrtest.Rotate(qrtest.MustCode(uri, 6), 15)},
		{"rotated 45", qrtest.Rotate(qrtest.MustCode(uri, 6), 45)},
		{"blurred", qrtest.Blur(qrtest.MustCode(uri, 6), 2)},
		{"noisy", qrtest.Noise(code, 70, 1)},
		{"low contrast", qrtest.Contrast(code, 100, 150)},
		{"low contrast and dark", qrtest.Contrast(code, 20, 60)},
		{"inverted", qrtest.Invert(code)},
		{"inverted low contrast", qrtest.Invert(qrtest.Contrast(code, 90, 160))},
		{"JPEG quality 10", qrtest.JPEG(code, 10)},
		{"JPEG of a blurred noisy code", qrtest.JPEG(qrtest.Noise(qrtest.Blur(qrtest.MustCode(uri, 5), 1), 30, 2), 25)},
		{"transparent background", qrtest.Transparent(code)},
		{"in a 1280x720 scene", scene(code, 1280, 720)},
		{"rotated in a 1280x720 scene", scene(qrtest.Rotate(code, 20), 1280, 720)},
		{"small in a 1920x1080 scene", scene(qrtest.MustCode(uri, 3), 1920, 1080)},
		{"in a 4000x3000 photo (downscaled)", scene(qrtest.MustCode(uri, 16), 4000, 3000)},
		{"small in a 2560x1440 screen (full-size fallback)", scene(qrtest.MustCode(uri, 3), 2560, 1440)},
		{"JPEG of a scene", qrtest.JPEG(scene(qrtest.MustCode(uri, 5), 1280, 720), 40)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decode(tt.img)
			if err != nil || got != uri {
				t.Fatalf("decode = %q, %v", got, err)
			}
		})
	}
}

func TestNoQRCode(t *testing.T) {
	white := image.NewGray(image.Rect(0, 0, 300, 300))
	draw.Draw(white, white.Rect, image.NewUniform(color.White), image.Point{}, draw.Src)
	tests := map[string]image.Image{
		"white":                white,
		"black":                image.NewGray(image.Rect(0, 0, 300, 300)),
		"noise":                qrtest.Noise(white, 127, 3),
		"1280x720 scene":       qrtest.Scene(1280, 720, nil, 0, 0, 4),
		"one pixel":            image.NewGray(image.Rect(0, 0, 1, 1)),
		"half a code":          qrtest.MustCode(uri, 4).SubImage(image.Rect(0, 0, 90, 180)),
		"code heavily blurred": qrtest.Blur(qrtest.MustCode(uri, 2), 4),
	}
	for name, img := range tests {
		if got, err := decode(img); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: decode = %q, %v; want ErrNotFound", name, got, err)
		}
	}
	if ErrNotFound.Error() != "no QR code found in this image" {
		t.Error("ErrNotFound's message changed; the page and the e2e tests show it")
	}
}

func TestBadFrames(t *testing.T) {
	for _, f := range []struct {
		pix  []byte
		w, h int
	}{
		{make([]byte, 4*10*10-1), 10, 10},
		{make([]byte, 4*10*10), 10, 11},
		{nil, 0, 0},
		{make([]byte, 4), -1, -1},
		{nil, 1 << 20, 1 << 20},
	} {
		if _, err := Decode(f.pix, f.w, f.h); !errors.Is(err, ErrFrame) {
			t.Errorf("%dx%d with %d bytes: %v", f.w, f.h, len(f.pix), err)
		}
	}
}

func TestDecodeImageConvertsAnyImage(t *testing.T) {
	code := qrtest.MustCode(uri, 3)
	offset := image.NewGray(image.Rect(50, 50, 50+code.Rect.Dx(), 50+code.Rect.Dy())) // bounds not at 0,0
	draw.Draw(offset, offset.Rect, code, image.Point{}, draw.Src)
	for name, img := range map[string]image.Image{"gray": code, "offset": offset, "jpeg (YCbCr)": qrtest.JPEG(code, 90), "transparent": qrtest.Transparent(code)} {
		if got, err := DecodeImage(img); err != nil || got != uri {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := map[string]Kind{
		uri:                                  KindOTPAuth,
		"OTPAUTH://hotp/x?secret=AA":         KindOTPAuth,
		" otpauth-migration://offline?data=": KindMigration,
		"https://example.com/":               KindOther,
		"WIFI:S:home;T:WPA;P:pass;;":         KindOther,
		"plain text":                         KindOther,
		"":                                   KindOther,
	}
	for text, want := range tests {
		if got := Classify(text); got != want {
			t.Errorf("Classify(%q) = %s, want %s", text, got, want)
		}
	}
}

// A Google Authenticator export of many accounts is several QR codes; each
// must decode to its own part.
func TestMultiPartExport(t *testing.T) {
	const parts = 3
	for i := range parts {
		k := otpauth.Key{Type: otpauth.TOTP, Issuer: "Issuer", Account: string(rune('a' + i)), Secret: []byte("0123456789abcdefghij"),
			Algorithm: otpauth.SHA1, Digits: 6, Period: 30}
		text, err := migration.Encode(&migration.Payload{Version: 1, BatchSize: parts, BatchIndex: i, BatchID: 42, Accounts: []otpauth.Key{k, k, k}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := decode(qrtest.Scene(1280, 720, qrtest.MustCode(text, 4), 300, 100, uint64(i)))
		if err != nil || got != text || Classify(got) != KindMigration {
			t.Fatalf("part %d: %q, %v", i, got, err)
		}
		p, err := migration.Decode(got)
		if err != nil || p.BatchIndex != i || p.BatchSize != parts || p.BatchID != 42 || len(p.Accounts) != 3 {
			t.Fatalf("part %d decoded to %+v, %v", i, p, err)
		}
	}
}

func benchmarkDecode(b *testing.B, img image.Image) {
	pix, w, h := qrtest.RGBA(img)
	b.SetBytes(int64(len(pix)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Decode(pix, w, h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeCameraFrame is a 1280x720 camera-like frame with a code
// about 200 px wide in it.
func BenchmarkDecodeCameraFrame(b *testing.B) {
	benchmarkDecode(b, qrtest.Scene(1280, 720, qrtest.MustCode(uri, 4), 500, 250, 1))
}

// BenchmarkDecodeCameraFrame800 is the same frame as the canvas would hand it
// over after scaling to 800 px wide.
func BenchmarkDecodeCameraFrame800(b *testing.B) {
	benchmarkDecode(b, qrtest.Scene(800, 450, qrtest.MustCode(uri, 3), 300, 150, 1))
}

// BenchmarkDecodeCameraFrameInverted needs the inverted retry.
func BenchmarkDecodeCameraFrameInverted(b *testing.B) {
	benchmarkDecode(b, qrtest.Scene(1280, 720, qrtest.Invert(qrtest.MustCode(uri, 4)), 500, 250, 1))
}

// BenchmarkDecodeSmallCleanCode is a screenshot-sized clean code.
func BenchmarkDecodeSmallCleanCode(b *testing.B) {
	benchmarkDecode(b, qrtest.MustCode(uri, 4))
}

// BenchmarkDecodeLargePhoto is a 4000x3000 photo, downscaled by MaxSide.
func BenchmarkDecodeLargePhoto(b *testing.B) {
	benchmarkDecode(b, qrtest.Scene(4000, 3000, qrtest.MustCode(uri, 16), 1500, 1000, 1))
}

// BenchmarkNoCodeCameraFrame is the cost of a frame without a code (every
// attempt fails), which is most frames while the camera looks for one.
func BenchmarkNoCodeCameraFrame(b *testing.B) {
	pix, w, h := qrtest.RGBA(qrtest.Scene(1280, 720, nil, 0, 0, 5))
	for b.Loop() {
		if _, err := Decode(pix, w, h); err == nil {
			b.Fatal("found a code in a frame without one")
		}
	}
}
