// Package transfermodule is what the authenticator's second WebAssembly
// module does (wasm/transferapp, web/app/twofold-transfer.wasm): it reads
// other apps' exports and backups with shared/transfer, writes Aegis files
// and Google Authenticator transfer codes, draws QR codes, and decodes the
// QR codes the authenticator scans (wasm/qr). Those need encoding/json,
// scrypt, PBKDF2, AES-CBC and a QR encoder (about 135 KB of brotli), and
// gozxing's decoder with golang.org/x/text's character sets (about 364 KB),
// which the authenticator's first load cannot afford
// (docs/import-formats.md, "Size"); so the authenticator fetches this
// module only when a person scans a QR code or imports or exports such a
// file. Accounts go in and out as otpauth URIs, with the rest in
// wasm/transferwire's form; errors are shared/transfer's and wasm/qr's,
// with their codes. The package is plain Go, so the authenticator's host
// tests call it in process where the browser goes through JavaScript.
package transfermodule

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"

	"github.com/twofold-auth/twofold/shared/errcode"
	"github.com/twofold-auth/twofold/shared/transfer"
	"github.com/twofold-auth/twofold/wasm/qr"
	"github.com/twofold-auth/twofold/wasm/transferwire"
)

// Errors of a request the authenticator should not make.
var (
	ErrFormat  = errcode.New("bad_argument", "the transfer module does not know this format")
	ErrQRSize  = errcode.New("not_exportable", "this text is too long for a QR code")
	errNoEntry = errcode.New("no_keys", "there are no accounts to export")
)

// Read imports file in format ("auto" or "" detects it) and returns the
// answer: the entries as otpauth URIs, with the format, the entries it
// cannot import and the warnings on "#" lines (wasm/transferwire).
// password nil means none was given.
func Read(file, password []byte, format string) ([]byte, error) {
	f, ok := transfer.ParseFormat(format)
	if format != "" && !ok {
		return nil, ErrFormat
	}
	res, err := transfer.Import(file, transfer.Options{Format: f, Password: password})
	if err != nil {
		return nil, err
	}
	defer func() {
		for i := range res.Entries {
			clear(res.Entries[i].Secret)
		}
	}()
	b := transferwire.AppendMeta(nil, &transferwire.Meta{Format: string(res.Format), FormatName: res.Format.Name(),
		Skipped: wireSkipped(res.Skipped), Warnings: res.Warnings})
	for i := range res.Entries {
		uri, err := res.Entries[i].URI()
		if err != nil {
			clear(b)
			return nil, err
		}
		b = append(append(b, uri...), '\n')
	}
	return b, nil
}

func wireSkipped(skipped []transfer.Skipped) []transferwire.Skipped {
	var out []transferwire.Skipped
	for _, s := range skipped {
		out = append(out, transferwire.Skipped{Index: s.Index, Issuer: s.Issuer, Account: s.Account,
			Code: errcode.Code(s.Err), Message: s.Err.Error()})
	}
	return out
}

// Write writes accounts, given as a list of otpauth URIs (Steam accounts
// as otpauth://steam/...), as format says: "aegis" (an Aegis plain vault),
// "otpauth" (a URI list), "google" (Google Authenticator transfer QR
// codes, batched as the app does) or "qr" (each account's otpauth URI as a
// QR code). rnd gives Aegis's UUIDs and Google's batch id (nil:
// crypto/rand).
func Write(format string, accounts []byte, rnd io.Reader) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if format != "aegis" && format != "otpauth" && format != "google" && format != "qr" {
		return nil, ErrFormat
	}
	res, err := transfer.Import(accounts, transfer.Options{Format: transfer.FormatOTPAuth})
	if errors.Is(err, transfer.ErrNoAccounts) {
		return nil, errNoEntry
	}
	if err != nil {
		return nil, err
	}
	defer func() {
		for i := range res.Entries {
			clear(res.Entries[i].Secret)
		}
	}()
	return write(format, res.Entries, rnd)
}

func write(format string, entries []transfer.Entry, rnd io.Reader) ([]byte, error) {
	switch format {
	case "aegis":
		file, err := transfer.WriteAegis(entries, rnd)
		if err != nil {
			return nil, err
		}
		defer clear(file)
		return transferwire.EncodeFile(file), nil
	case "otpauth":
		text, err := transfer.WriteOTPAuth(entries)
		return transferwire.EncodeFile([]byte(text)), err
	case "google":
		uris, skipped, err := transfer.WriteGoogle(entries, rnd)
		if err != nil {
			return nil, err
		}
		codes, err := qrCodes(uris)
		return transferwire.EncodeCodes(codes, wireSkipped(skipped)), err
	}
	uris := make([]string, len(entries))
	for i := range entries {
		var err error
		if uris[i], err = entries[i].URI(); err != nil {
			return nil, err
		}
	}
	codes, err := qrCodes(uris)
	return transferwire.EncodeCodes(codes, nil), err
}
func qrCodes(texts []string) ([]transferwire.QRCode, error) {
	codes := make([]transferwire.QRCode, len(texts))
	for i, t := range texts {
		c, err := QR(t)
		if err != nil {
			return nil, err
		}
		codes[i] = c
	}
	return codes, nil
}

// QR encodes text as a QR code with error correction level M (15 %), the
// level Twofold's enrollment codes use.
func QR(text string) (transferwire.QRCode, error) {
	code, err := encoder.Encoder_encodeWithoutHint(text, decoder.ErrorCorrectionLevel_M)
	if err != nil {
		return transferwire.QRCode{}, fmt.Errorf("%w (%v)", ErrQRSize, err)
	}
	m := code.GetMatrix()
	if m == nil || m.GetWidth() != m.GetHeight() {
		return transferwire.QRCode{}, errors.New("the QR encoder made no square matrix")
	}
	n := m.GetWidth()
	out := transferwire.QRCode{Size: n, Modules: make([]byte, n*n)}
	for y := range n {
		for x := range n {
			if m.Get(x, y) == 1 {
				out.Modules[y*n+x] = 1
			}
		}
	}
	return out, nil
}

// DecodeQR returns the text of the QR code in an RGBA frame (wasm/qr.Decode):
// the authenticator's scans come here, so that the decoder and its
// character sets (about 360 KB of brotli) stay out of its first load.
// Errors are wasm/qr's (no_qr, bad_frame).
func DecodeQR(rgba []byte, width, height int) ([]byte, error) {
	text, err := qr.Decode(rgba, width, height)
	if err != nil {
		return nil, err
	}
	return []byte(text), nil
}

// EncodeQR draws text (a sync pairing code) as one QR code, answered as
// transferwire.EncodeCodes: the encoder stays out of the first load too.
func EncodeQR(text string) ([]byte, error) {
	c, err := QR(text)
	if err != nil {
		return nil, err
	}
	return transferwire.EncodeCodes([]transferwire.QRCode{c}, nil), nil
}
