// Package transferwire is what the authenticator (wasm/app) and its
// transfer module (wasm/transferapp, loaded on demand: it reads and writes
// other apps' files) say to each other through JavaScript: the accounts a
// file holds and those it cannot give, a request to write accounts in a
// format, and what was written. Messages are protobuf (shared/pbwire, which
// the authenticator links already) so that neither side needs
// encoding/json for them. They hold secrets: each side clears the bytes
// it no longer needs, and the bridge zeroes the JavaScript copies.
package transferwire

import (
	"errors"
	"fmt"

	"github.com/twofold-auth/twofold/shared/pbwire"
)

// Entry is one account: type "totp", "hotp" or "steam", names, the raw
// secret and the code parameters.
type Entry struct {
	Type      string
	Issuer    string
	Account   string
	Secret    []byte
	Algorithm string
	Digits    int
	Period    int
	Counter   uint64
}

// Skipped is an entry of a file (or of an export) that cannot go through,
// and why: an error code (shared/errcode) and the sentence.
type Skipped struct {
	Index   int // place in the file, from 1 (a line, for text)
	Issuer  string
	Account string
	Code    string
	Message string
}

// Result is what a file holds.
type Result struct {
	Format     string // the format read, as transfer.Format spells it
	FormatName string // as people know it: "Aegis"
	Entries    []Entry
	Skipped    []Skipped
	Warnings   []string
}

// WriteRequest asks for entries written in a format: "aegis" (a file),
// "google" (transfer QR codes) or "qr" (one QR code per entry, of its
// otpauth URI).
type WriteRequest struct {
	Format  string
	Entries []Entry
}

// QRCode is a QR code's modules, Size × Size, row by row, one byte each
// (1 dark, 0 light), without the quiet zone.
type QRCode struct {
	Size    int
	Modules []byte
}

// WriteResult is what was written: a file, or QR codes in order, and the
// entries the format has no place for.
type WriteResult struct {
	File    []byte
	Codes   []QRCode
	Skipped []Skipped
}

// ErrMessage is a message that does not decode: a bug on one side.
var ErrMessage = errors.New("transferwire: a message between the authenticator and its transfer module does not decode")

// Field numbers; never reuse one.
const (
	entryType      = 1
	entryIssuer    = 2
	entryAccount   = 3
	entrySecret    = 4
	entryAlgorithm = 5
	entryDigits    = 6
	entryPeriod    = 7
	entryCounter   = 8

	skippedIndex   = 1
	skippedIssuer  = 2
	skippedAccount = 3
	skippedCode    = 4
	skippedMessage = 5

	resultFormat     = 1
	resultFormatName = 2
	resultEntry      = 3
	resultSkipped    = 4
	resultWarning    = 5

	requestFormat = 1
	requestEntry  = 2

	writtenFile    = 1
	writtenCode    = 2
	writtenSkipped = 3

	codeSize    = 1
	codeModules = 2
)

func appendString(b []byte, num pbwire.Number, v string) []byte {
	if v == "" {
		return b
	}
	return pbwire.AppendString(pbwire.AppendTag(b, num, pbwire.BytesType), v)
}

func appendBytes(b []byte, num pbwire.Number, v []byte) []byte {
	return pbwire.AppendBytes(pbwire.AppendTag(b, num, pbwire.BytesType), v)
}

func appendVarint(b []byte, num pbwire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	return pbwire.AppendVarint(pbwire.AppendTag(b, num, pbwire.VarintType), v)
}

func (e *Entry) marshal() []byte {
	var b []byte
	b = appendString(b, entryType, e.Type)
	b = appendString(b, entryIssuer, e.Issuer)
	b = appendString(b, entryAccount, e.Account)
	b = appendBytes(b, entrySecret, e.Secret)
	b = appendString(b, entryAlgorithm, e.Algorithm)
	b = appendVarint(b, entryDigits, uint64(e.Digits))
	b = appendVarint(b, entryPeriod, uint64(e.Period))
	return appendVarint(b, entryCounter, e.Counter)
}

func (s *Skipped) marshal() []byte {
	var b []byte
	b = appendVarint(b, skippedIndex, uint64(s.Index))
	b = appendString(b, skippedIssuer, s.Issuer)
	b = appendString(b, skippedAccount, s.Account)
	b = appendString(b, skippedCode, s.Code)
	return appendString(b, skippedMessage, s.Message)
}

func appendEntries(b []byte, num pbwire.Number, entries []Entry) []byte {
	for i := range entries {
		m := entries[i].marshal()
		b = appendBytes(b, num, m)
		clear(m)
	}
	return b
}

func appendSkipped(b []byte, num pbwire.Number, skipped []Skipped) []byte {
	for i := range skipped {
		b = appendBytes(b, num, skipped[i].marshal())
	}
	return b
}

// Marshal encodes r.
func (r *Result) Marshal() []byte {
	var b []byte
	b = appendString(b, resultFormat, r.Format)
	b = appendString(b, resultFormatName, r.FormatName)
	b = appendEntries(b, resultEntry, r.Entries)
	b = appendSkipped(b, resultSkipped, r.Skipped)
	for _, w := range r.Warnings {
		b = appendBytes(b, resultWarning, []byte(w))
	}
	return b
}

// Marshal encodes r.
func (r *WriteRequest) Marshal() []byte {
	b := appendString(nil, requestFormat, r.Format)
	return appendEntries(b, requestEntry, r.Entries)
}

// Marshal encodes r.
func (r *WriteResult) Marshal() []byte {
	var b []byte
	if r.File != nil {
		b = appendBytes(b, writtenFile, r.File)
	}
	for _, c := range r.Codes {
		m := appendVarint(nil, codeSize, uint64(c.Size))
		b = appendBytes(b, writtenCode, appendBytes(m, codeModules, c.Modules))
	}
	return appendSkipped(b, writtenSkipped, r.Skipped)
}

// walk calls field for each field of a message; a field of the wrong wire
// type or a number nobody knows is skipped (a newer side may add fields).
func walk(b []byte, field func(num pbwire.Number, v []byte, x uint64, isBytes bool) error) error {
	for len(b) > 0 {
		num, typ, n := pbwire.ConsumeTag(b)
		if n < 0 {
			return ErrMessage
		}
		m := pbwire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return ErrMessage
		}
		value := b[n : n+m]
		var v []byte
		var x uint64
		switch typ {
		case pbwire.BytesType:
			v, _ = pbwire.ConsumeBytes(value)
		case pbwire.VarintType:
			x, _ = pbwire.ConsumeVarint(value)
		}
		if err := field(num, v, x, typ == pbwire.BytesType); err != nil {
			return err
		}
		b = b[n+m:]
	}
	return nil
}

// small reads a count that must fit an int comfortably (digits, periods,
// indexes, sizes).
func small(x uint64) (int, error) {
	if x > 1<<31 {
		return 0, ErrMessage
	}
	return int(x), nil
}

func unmarshalEntry(b []byte) (Entry, error) {
	var e Entry
	err := walk(b, func(num pbwire.Number, v []byte, x uint64, isBytes bool) (err error) {
		switch {
		case num == entryType && isBytes:
			e.Type = string(v)
		case num == entryIssuer && isBytes:
			e.Issuer = string(v)
		case num == entryAccount && isBytes:
			e.Account = string(v)
		case num == entrySecret && isBytes:
			e.Secret = append([]byte(nil), v...)
		case num == entryAlgorithm && isBytes:
			e.Algorithm = string(v)
		case num == entryDigits && !isBytes:
			e.Digits, err = small(x)
		case num == entryPeriod && !isBytes:
			e.Period, err = small(x)
		case num == entryCounter && !isBytes:
			e.Counter = x
		}
		return err
	})
	return e, err
}

func unmarshalSkipped(b []byte) (Skipped, error) {
	var s Skipped
	err := walk(b, func(num pbwire.Number, v []byte, x uint64, isBytes bool) (err error) {
		switch {
		case num == skippedIndex && !isBytes:
			s.Index, err = small(x)
		case num == skippedIssuer && isBytes:
			s.Issuer = string(v)
		case num == skippedAccount && isBytes:
			s.Account = string(v)
		case num == skippedCode && isBytes:
			s.Code = string(v)
		case num == skippedMessage && isBytes:
			s.Message = string(v)
		}
		return err
	})
	return s, err
}

// UnmarshalResult decodes a Result. Its secrets are copies: the caller may
// clear b.
func UnmarshalResult(b []byte) (*Result, error) {
	r := &Result{}
	err := walk(b, func(num pbwire.Number, v []byte, _ uint64, isBytes bool) error {
		if !isBytes {
			return nil
		}
		switch num {
		case resultFormat:
			r.Format = string(v)
		case resultFormatName:
			r.FormatName = string(v)
		case resultEntry:
			e, err := unmarshalEntry(v)
			r.Entries = append(r.Entries, e)
			return err
		case resultSkipped:
			s, err := unmarshalSkipped(v)
			r.Skipped = append(r.Skipped, s)
			return err
		case resultWarning:
			r.Warnings = append(r.Warnings, string(v))
		}
		return nil
	})
	if err != nil {
		r.Wipe()
		return nil, err
	}
	return r, nil
}

// UnmarshalWriteRequest decodes a WriteRequest; its secrets are copies.
func UnmarshalWriteRequest(b []byte) (*WriteRequest, error) {
	r := &WriteRequest{}
	err := walk(b, func(num pbwire.Number, v []byte, _ uint64, isBytes bool) error {
		switch {
		case num == requestFormat && isBytes:
			r.Format = string(v)
		case num == requestEntry && isBytes:
			e, err := unmarshalEntry(v)
			r.Entries = append(r.Entries, e)
			return err
		}
		return nil
	})
	if err != nil {
		WipeEntries(r.Entries)
		return nil, err
	}
	return r, nil
}

// UnmarshalWriteResult decodes a WriteResult; a QR code whose modules are
// not Size × Size is ErrMessage.
func UnmarshalWriteResult(b []byte) (*WriteResult, error) {
	r := &WriteResult{}
	err := walk(b, func(num pbwire.Number, v []byte, _ uint64, isBytes bool) error {
		if !isBytes {
			return nil
		}
		switch num {
		case writtenFile:
			r.File = append([]byte{}, v...)
		case writtenCode:
			c, err := unmarshalCode(v)
			r.Codes = append(r.Codes, c)
			return err
		case writtenSkipped:
			s, err := unmarshalSkipped(v)
			r.Skipped = append(r.Skipped, s)
			return err
		}
		return nil
	})
	if err != nil {
		r.Wipe()
		return nil, err
	}
	return r, nil
}

func unmarshalCode(b []byte) (QRCode, error) {
	var c QRCode
	err := walk(b, func(num pbwire.Number, v []byte, x uint64, isBytes bool) (err error) {
		switch {
		case num == codeSize && !isBytes:
			c.Size, err = small(x)
		case num == codeModules && isBytes:
			c.Modules = append([]byte(nil), v...)
		}
		return err
	})
	if err == nil && (c.Size == 0 || c.Size > 200 || len(c.Modules) != c.Size*c.Size) {
		err = fmt.Errorf("%w (a QR code of %d modules for size %d)", ErrMessage, len(c.Modules), c.Size)
	}
	return c, err
}

// WipeEntries zeroes the entries' secrets.
func WipeEntries(entries []Entry) {
	for i := range entries {
		clear(entries[i].Secret)
	}
}

// Wipe zeroes r's secrets.
func (r *Result) Wipe() { WipeEntries(r.Entries) }

// Wipe zeroes what r holds: a written file and QR codes hold secrets.
func (r *WriteResult) Wipe() {
	clear(r.File)
	for _, c := range r.Codes {
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
