// Package qrtest makes QR code images for tests: clean codes of a given
// module size, and the damage a camera or a screenshot adds (rotation, blur,
// noise, low contrast, inversion, JPEG artefacts, a cluttered photo-like
// scene around the code). Tests of the decoder, the CLI and the browser
// end-to-end suite use it so no binary test image is committed. It is not
// imported by the authenticator itself.
package qrtest

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Code renders text as a QR code (error correction M), module pixels per
// module, with the standard 4-module quiet zone, black on white.
func Code(text string, module int) (*image.Gray, error) {
	hints := map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_ERROR_CORRECTION: "M"}
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 0, 0, hints)
	if err != nil {
		return nil, err
	}
	w, h := m.GetWidth(), m.GetHeight()
	img := image.NewGray(image.Rect(0, 0, w*module, h*module))
	for y := range h * module {
		for x := range w * module {
			v := uint8(255)
			if m.Get(x/module, y/module) {
				v = 0
			}
			img.Pix[y*img.Stride+x] = v
		}
	}
	return img, nil
}

// MustCode is Code for texts known to fit.
func MustCode(text string, module int) *image.Gray {
	img, err := Code(text, module)
	if err != nil {
		panic(err)
	}
	return img
}

func gray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok && g.Rect.Min == (image.Point{}) {
		return g
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Rect, img, b.Min, draw.Src)
	return g
}

func mapPix(img image.Image, f func(x, y int, v uint8) uint8) *image.Gray {
	src := gray(img)
	out := image.NewGray(src.Rect)
	for y := range src.Rect.Dy() {
		for x := range src.Rect.Dx() {
			out.Pix[y*out.Stride+x] = f(x, y, src.Pix[y*src.Stride+x])
		}
	}
	return out
}

// Invert makes a light-on-dark code.
func Invert(img image.Image) *image.Gray {
	return mapPix(img, func(_, _ int, v uint8) uint8 { return 255 - v })
}

// Contrast maps black to dark and white to light.
func Contrast(img image.Image, dark, light uint8) *image.Gray {
	return mapPix(img, func(_, _ int, v uint8) uint8 {
		return uint8(int(dark) + (int(light)-int(dark))*int(v)/255)
	})
}

// Noise adds uniform noise of ±amp to every pixel, reproducibly from seed.
func Noise(img image.Image, amp int, seed uint64) *image.Gray {
	r := rand.New(rand.NewPCG(seed, 1))
	return mapPix(img, func(_, _ int, v uint8) uint8 {
		return clamp(int(v) + r.IntN(2*amp+1) - amp)
	})
}

// Blur applies a box blur of the given radius (in pixels) twice, which is
// close to a Gaussian of sigma ≈ radius.
func Blur(img image.Image, radius int) *image.Gray {
	g := gray(img)
	for range 2 {
		g = boxBlur(g, radius)
	}
	return g
}

func boxBlur(src *image.Gray, r int) *image.Gray {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	at := func(x, y int) int {
		x, y = min(max(x, 0), w-1), min(max(y, 0), h-1)
		return int(src.Pix[y*src.Stride+x])
	}
	tmp := image.NewGray(src.Rect)
	out := image.NewGray(src.Rect)
	n := 2*r + 1
	for y := range h {
		for x := range w {
			s := 0
			for d := -r; d <= r; d++ {
				s += at(x+d, y)
			}
			tmp.Pix[y*tmp.Stride+x] = uint8(s / n)
		}
	}
	src = tmp
	for y := range h {
		for x := range w {
			s := 0
			for d := -r; d <= r; d++ {
				s += at(x, y+d)
			}
			out.Pix[y*out.Stride+x] = uint8(s / n)
		}
	}
	return out
}

// Rotate turns img by degrees (counter-clockwise) about its centre onto a
// white canvas large enough to hold it, with bilinear sampling.
func Rotate(img image.Image, degrees float64) *image.Gray {
	src := gray(img)
	w, h := float64(src.Rect.Dx()), float64(src.Rect.Dy())
	rad := degrees * math.Pi / 180
	sin, cos := math.Sin(rad), math.Cos(rad)
	ow := int(math.Ceil(math.Abs(w*cos) + math.Abs(h*sin)))
	oh := int(math.Ceil(math.Abs(w*sin) + math.Abs(h*cos)))
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	cx, cy, ocx, ocy := w/2, h/2, float64(ow)/2, float64(oh)/2
	for y := range oh {
		for x := range ow {
			dx, dy := float64(x)+0.5-ocx, float64(y)+0.5-ocy
			sx := cos*dx - sin*dy + cx - 0.5
			sy := sin*dx + cos*dy + cy - 0.5
			out.Pix[y*out.Stride+x] = bilinear(src, sx, sy)
		}
	}
	return out
}

func bilinear(src *image.Gray, x, y float64) uint8 {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= w || y >= h {
			return 255
		}
		return float64(src.Pix[y*src.Stride+x])
	}
	v := at(x0, y0)*(1-fx)*(1-fy) + at(x0+1, y0)*fx*(1-fy) + at(x0, y0+1)*(1-fx)*fy + at(x0+1, y0+1)*fx*fy
	return clamp(int(v + 0.5))
}

// JPEG re-encodes img at quality (1–100) and decodes it again.
func JPEG(img image.Image, quality int) image.Image {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		panic(err) // encoding to memory does not fail
	}
	out, err := jpeg.Decode(&buf)
	if err != nil {
		panic(err)
	}
	return out
}

// Scene is a width×height photo-like frame (a lit gradient, coloured shapes,
// sensor noise) with code pasted at (x, y), as a camera would see a code held
// up in a room. Without a code (nil) it is the negative case.
func Scene(width, height int, code image.Image, x, y int, seed uint64) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 2))
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for py := range height {
		for px := range width {
			base := 90 + 100*px/width - 40*py/height
			i := py*img.Stride + 4*px
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = clamp(base+30), clamp(base), clamp(base-20), 255
		}
	}
	for range 25 { // furniture: filled rectangles and rings of random colours
		c := color.NRGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		x0, y0 := r.IntN(width), r.IntN(height)
		rw, rh := 20+r.IntN(width/4), 20+r.IntN(height/4)
		if r.IntN(2) == 0 {
			draw.Draw(img, image.Rect(x0, y0, x0+rw, y0+rh), image.NewUniform(c), image.Point{}, draw.Over)
			continue
		}
		rad := float64(min(rw, rh)) / 2
		for py := max(y0-int(rad), 0); py < min(y0+int(rad), height); py++ {
			for px := max(x0-int(rad), 0); px < min(x0+int(rad), width); px++ {
				if d := math.Hypot(float64(px-x0), float64(py-y0)); d < rad && d > rad*0.7 {
					img.SetNRGBA(px, py, c)
				}
			}
		}
	}
	if code != nil {
		draw.Draw(img, code.Bounds().Sub(code.Bounds().Min).Add(image.Pt(x, y)), code, code.Bounds().Min, draw.Src)
	}
	for i := 0; i < len(img.Pix); i += 4 { // sensor noise on each channel
		for c := range 3 {
			img.Pix[i+c] = clamp(int(img.Pix[i+c]) + r.IntN(31) - 15)
		}
	}
	return img
}

// RGBA returns img as non-premultiplied RGBA bytes, as canvas getImageData
// gives them, with its width and height.
func RGBA(img image.Image) ([]byte, int, int) {
	b := img.Bounds()
	n := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(n, n.Rect, img, b.Min, draw.Src)
	return n.Pix, b.Dx(), b.Dy()
}

// Transparent returns the code as black modules on a fully transparent
// background, as a PNG screenshot of a web page often is.
func Transparent(img image.Image) *image.NRGBA {
	g := gray(img)
	out := image.NewNRGBA(g.Rect)
	for i, v := range g.Pix {
		if v < 128 {
			out.Pix[4*i+3] = 255 // black, opaque; white pixels stay (0,0,0,0)
		}
	}
	return out
}

func clamp(v int) uint8 { return uint8(min(max(v, 0), 255)) }
