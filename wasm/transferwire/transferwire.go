// Package transferwire is what the authenticator (wasm/app) and its
// transfer module (wasm/transferapp, loaded on demand: it reads and writes
// other apps' files) say to each other through JavaScript. Accounts travel
// as otpauth URIs, one a line (Steam Guard accounts as otpauth://steam/...),
// which the authenticator reads with the code it has for lists of links
// (accounts.ParseList); what else an answer says is on lines starting with
// "#", which that reader skips:
//
//	#format<TAB>aegis<TAB>Aegis
//	#skipped<TAB>4<TAB>unsupported_account<TAB>Yandex<TAB>bob<TAB>this kind of code is not supported: Yandex
//	#warning<TAB>a Google Authenticator export of 3 QR codes is missing code 2 …
//	otpauth://totp/Example:alice?secret=…
//
// QR codes travel as bytes: "Q", their count (2 bytes), then each code's
// size (1 byte) and its size × size modules (1 dark, 0 light), then
// #skipped lines; a written file as "F" and the file. The format is text
// rather than protobuf because the authenticator's budget counts every
// kilobyte of decoder (docs/import-formats.md, "Size"). Messages hold
// secrets: each side clears the bytes it no longer needs, and the bridge
// zeroes the JavaScript copies.
package transferwire

import (
	"errors"
	"strconv"
	"strings"
)

// Skipped is an entry of a file (or of an export) that cannot go through,
// and why: an error code (shared/errcode) and the sentence.
type Skipped struct {
	Index   int // place in the file, from 1 (a line, for text); 0 if none
	Code    string
	Issuer  string
	Account string
	Message string
}

// Meta is what an answer says besides its accounts.
type Meta struct {
	Format     string // as transfer.Format spells it
	FormatName string // as people know it: "Aegis"
	Skipped    []Skipped
	Warnings   []string
}

// QRCode is a QR code's modules, Size × Size, row by row, one byte each
// (1 dark, 0 light), without the quiet zone.
type QRCode struct {
	Size    int
	Modules []byte
}

// ErrMessage is an answer that does not decode: a bug on one side.
var ErrMessage = errors.New("transferwire: an answer of the transfer module does not decode")

// clean keeps a field on its line: tabs and line breaks become spaces (the
// transfer module's names have none; its messages are its own sentences).
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// AppendMeta writes m's lines.
func AppendMeta(b []byte, m *Meta) []byte {
	if m.Format != "" {
		b = append(b, "#format\t"+clean(m.Format)+"\t"+clean(m.FormatName)+"\n"...)
	}
	for _, s := range m.Skipped {
		b = append(b, "#skipped\t"+strconv.Itoa(s.Index)+"\t"+clean(s.Code)+"\t"+clean(s.Issuer)+"\t"+clean(s.Account)+"\t"+clean(s.Message)+"\n"...)
	}
	for _, w := range m.Warnings {
		b = append(b, "#warning\t"+clean(w)+"\n"...)
	}
	return b
}

// ParseMeta reads the "#" lines of an answer; other lines are left to the
// reader of otpauth URIs.
func ParseMeta(text string) (Meta, error) {
	var m Meta
	for line := range strings.SplitSeq(text, "\n") {
		f := strings.Split(line, "\t")
		switch {
		case f[0] == "#format" && len(f) == 3:
			m.Format, m.FormatName = f[1], f[2]
		case f[0] == "#skipped" && len(f) == 6:
			i, err := strconv.Atoi(f[1])
			if err != nil {
				return Meta{}, ErrMessage
			}
			m.Skipped = append(m.Skipped, Skipped{Index: i, Code: f[2], Issuer: f[3], Account: f[4], Message: f[5]})
		case f[0] == "#warning" && len(f) == 2:
			m.Warnings = append(m.Warnings, f[1])
		case strings.HasPrefix(line, "#"):
			return Meta{}, ErrMessage
		}
	}
	return m, nil
}

// Written is what a write answered: a file, or QR codes and the accounts
// left out.
type Written struct {
	File    []byte
	Codes   []QRCode
	Skipped []Skipped
}

// EncodeFile is the answer of a written file.
func EncodeFile(file []byte) []byte { return append([]byte{'F'}, file...) }

// EncodeCodes is the answer of QR codes and the accounts left out.
func EncodeCodes(codes []QRCode, skipped []Skipped) []byte {
	b := []byte{'Q', byte(len(codes) >> 8), byte(len(codes))}
	for _, c := range codes {
		b = append(b, byte(c.Size))
		b = append(b, c.Modules...)
	}
	return AppendMeta(b, &Meta{Skipped: skipped})
}

// DecodeWritten reads a write's answer; the file and modules are copies.
func DecodeWritten(b []byte) (*Written, error) {
	switch {
	case len(b) > 0 && b[0] == 'F':
		return &Written{File: append([]byte{}, b[1:]...)}, nil
	case len(b) < 3 || b[0] != 'Q':
		return nil, ErrMessage
	}
	w := &Written{}
	n, b := int(b[1])<<8|int(b[2]), b[3:]
	for range n {
		if len(b) < 1 || len(b) < 1+int(b[0])*int(b[0]) || b[0] == 0 {
			return nil, ErrMessage
		}
		size := int(b[0])
		w.Codes = append(w.Codes, QRCode{Size: size, Modules: append([]byte(nil), b[1:1+size*size]...)})
		b = b[1+size*size:]
	}
	m, err := ParseMeta(string(b))
	w.Skipped = m.Skipped
	return w, err
}

// Wipe zeroes what w holds: a written file and QR codes hold secrets.
func (w *Written) Wipe() {
	clear(w.File)
	for _, c := range w.Codes {
		clear(c.Modules)
	}
}

// RGBA draws c black on white with a quiet zone of 4 modules, scale pixels
// a module: what a QR decoder (wasm/qr) reads back. For tests and tools.
func (c QRCode) RGBA(scale int) (pix []byte, width, height int) {
	side := (c.Size + 8) * scale
	pix = make([]byte, side*side*4)
	for i := range pix {
		pix[i] = 0xff
	}
	for y := range side {
		for x := range side {
			mx, my := x/scale-4, y/scale-4
			if mx >= 0 && my >= 0 && mx < c.Size && my < c.Size && c.Modules[my*c.Size+mx] == 1 {
				p := (y*side + x) * 4
				pix[p], pix[p+1], pix[p+2] = 0, 0, 0
			}
		}
	}
	return pix, side, side
}
