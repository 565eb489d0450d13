package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// qrImage draws text as a QR code with module size px and a four-module quiet
// zone, black on white.
func qrImage(t testing.TB, text string, px int) *image.RGBA {
	t.Helper()
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		t.Fatalf("qr.Encode: %v", err)
	}
	n := code.Bounds().Dx()
	scaled, err := barcode.Scale(code, n*px, n*px)
	if err != nil {
		t.Fatalf("barcode.Scale: %v", err)
	}
	quiet := 4 * px
	img := image.NewRGBA(image.Rect(0, 0, n*px+2*quiet, n*px+2*quiet))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(img, scaled.Bounds().Add(image.Pt(quiet, quiet)), scaled, image.Point{}, draw.Src)
	return img
}

// cameraFrame puts img in the middle of a w×h frame that looks like a camera
// picture of a desk: a grey gradient with a little noise, the code on a sheet
// of paper slightly dimmer than white.
func cameraFrame(img image.Image, w, h int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, 7))
	frame := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := 70 + 60*x/w + 30*y/h + r.IntN(12)
			frame.SetRGBA(x, y, color.RGBA{uint8(v), uint8(v - 5), uint8(v - 12), 255})
		}
	}
	b := img.Bounds()
	off := image.Pt((w-b.Dx())/2, (h-b.Dy())/2)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			v := int(c)*205/255 + 25 + r.IntN(14)
			frame.SetRGBA(off.X+x-b.Min.X, off.Y+y-b.Min.Y, color.RGBA{uint8(v), uint8(v), uint8(v - 4), 255})
		}
	}
	return frame
}

// writePNG writes img to dir/name and returns the path.
func writePNG(t testing.TB, dir, name string, img image.Image) string {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pngBytes encodes img as PNG.
func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeY4M writes frames as a YUV4MPEG2 clip (4:2:0, full-range BT.601, the
// "C420jpeg" colour space) that Chromium's --use-file-for-fake-video-capture
// plays in a loop. Every frame must have the size of the first; width and
// height must be even.
func writeY4M(t testing.TB, path string, fps int, frames ...*image.RGBA) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	b := frames[0].Bounds()
	width, height := b.Dx(), b.Dy()
	if width%2 != 0 || height%2 != 0 {
		t.Fatalf("writeY4M: %dx%d is not even", width, height)
	}
	fmt.Fprintf(w, "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n", width, height, fps)
	ys := make([]byte, width*height)
	us := make([]byte, width*height/4)
	vs := make([]byte, width*height/4)
	for _, img := range frames {
		if img.Bounds().Dx() != width || img.Bounds().Dy() != height {
			t.Fatal("writeY4M: frames differ in size")
		}
		for y := range height {
			for x := range width {
				c := img.RGBAAt(b.Min.X+x, b.Min.Y+y)
				ys[y*width+x] = clamp8(0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B))
			}
		}
		for y := 0; y < height; y += 2 {
			for x := 0; x < width; x += 2 {
				var r, g, bl float64
				for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
					c := img.RGBAAt(b.Min.X+x+d[0], b.Min.Y+y+d[1])
					r, g, bl = r+float64(c.R)/4, g+float64(c.G)/4, bl+float64(c.B)/4
				}
				i := (y/2)*(width/2) + x/2
				us[i] = clamp8(128 - 0.168736*r - 0.331264*g + 0.5*bl)
				vs[i] = clamp8(128 + 0.5*r - 0.418688*g - 0.081312*bl)
			}
		}
		_, _ = w.WriteString("FRAME\n")
		_, _ = w.Write(ys)
		_, _ = w.Write(us)
		_, _ = w.Write(vs)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func clamp8(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}
