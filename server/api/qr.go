package api

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// qrModulePixels is the size of one QR module in the PNG: a URI of ~130
// characters gives 41 modules + 8 of quiet zone, so about 300 px.
const qrModulePixels = 6

// qrDataURL renders text as a QR code PNG (error correction M, quiet zone of
// 4 modules) in a data: URL an <img> can show. The image is a two-colour
// paletted PNG (1 bit per pixel) with whole-pixel modules: small, sharp and
// fast to encode.
func qrDataURL(text string) (string, error) {
	hints := map[gozxing.EncodeHintType]any{
		gozxing.EncodeHintType_ERROR_CORRECTION: "M",
		gozxing.EncodeHintType_MARGIN:           4,
	}
	// Width and height 0: one pixel per module.
	bm, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 0, 0, hints)
	if err != nil {
		return "", err
	}
	w, h := bm.GetWidth(), bm.GetHeight()
	img := image.NewPaletted(image.Rect(0, 0, w*qrModulePixels, h*qrModulePixels),
		color.Palette{color.White, color.Black})
	for y := range h {
		for x := range w {
			if !bm.Get(x, y) {
				continue
			}
			for dy := range qrModulePixels {
				row := img.Pix[(y*qrModulePixels+dy)*img.Stride:]
				for dx := range qrModulePixels {
					row[x*qrModulePixels+dx] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}
