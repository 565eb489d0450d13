// Package qr reads the QR code in a camera frame or an image with
// github.com/makiuchi-d/gozxing and says what kind of payload it holds. Frames
// arrive as the browser's ImageData gives them (width, height, non-premultiplied
// RGBA bytes); transparent pixels count as white, so a screenshot of a QR code
// on a transparent background reads. Decoding tries harder, then retries
// inverted for light-on-dark codes, then with a global-histogram binarizer for
// blurred or low-contrast frames; frames larger than MaxSide on their long side
// are box-downscaled first. Errors are the sentences the page shows.
//
// The authenticator's first load does not link this package: its scans
// reach Decode through the transfer module (wasm/transfermodule.DecodeQR),
// and it keeps only wasm/qrtext (Classify, the frame check, the errors),
// which this package re-exports.
package qr
