package transfermodule

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/transfer"
	"github.com/twofold-auth/twofold/shared/transfer/transfertest"
	"github.com/twofold-auth/twofold/wasm/qr"
	"github.com/twofold-auth/twofold/wasm/transferwire"
)

func rnd() *rand.ChaCha8 { return rand.NewChaCha8([32]byte{3}) }

// sampleList is transfertest.Sample as the authenticator sends it: one
// otpauth URI a line.
func sampleList(t *testing.T) []byte {
	t.Helper()
	return transfertest.URIList(transfertest.Sample, false)
}

// read reads a file and returns its answer's meta and entry lines.
func read(t *testing.T, file []byte, password []byte, format string) (transferwire.Meta, []string) {
	t.Helper()
	b, err := Read(file, password, format)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	m, err := transferwire.ParseMeta(string(b))
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		if !strings.HasPrefix(line, "#") {
			uris = append(uris, line)
		}
	}
	return m, uris
}

func TestRead(t *testing.T) {
	aegis := transfertest.AegisVault(transfertest.Sample, nil, "pw", 1<<10)
	if _, err := Read(aegis, nil, "auto"); !errors.Is(err, transfer.ErrPasswordRequired) {
		t.Fatalf("no password: %v", err)
	}
	if _, err := Read(aegis, []byte("nope"), ""); !errors.Is(err, transfer.ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := Read(aegis[:len(aegis)/2], []byte("pw"), ""); !errors.Is(err, transfer.ErrDamaged) {
		t.Fatalf("truncated: %v", err)
	}
	m, uris := read(t, aegis, []byte("pw"), "")
	if m.Format != "aegis" || m.FormatName != "Aegis" || len(uris) != len(transfertest.Sample) {
		t.Fatalf("read %+v, %d entries", m, len(uris))
	}
	// Each URI is the entry as transfer reads it back.
	res, err := transfer.Import([]byte(strings.Join(uris, "\n")), transfer.Options{Format: transfer.FormatOTPAuth})
	if err != nil || len(res.Entries) != len(transfertest.Sample) || res.Entries[6].Type != transfer.Steam || res.Entries[5].Counter != 123456789 {
		t.Fatalf("entries back: %+v %v", res, err)
	}
	// Entries that cannot be imported come with their place, code and reason.
	m, uris = read(t, transfertest.FreeOTPPlus(transfertest.Sample[:1]), nil, "freeotp-plus")
	if len(uris) != 1 || len(m.Skipped) != 1 || m.Skipped[0].Code != "unsupported_account" || m.Skipped[0].Index != 2 {
		t.Fatalf("skipped %+v", m.Skipped)
	}
	if _, err := Read(aegis, nil, "nope"); !errors.Is(err, ErrFormat) {
		t.Errorf("unknown format name: %v", err)
	}
}

// Write then Read gives the same accounts back: Aegis and otpauth files,
// Google transfer codes (decoded from their modules by the authenticator's
// own QR decoder) and one account's QR code.
func TestWriteRoundTrips(t *testing.T) {
	for _, format := range []string{"aegis", "otpauth"} {
		w := writeAs(t, format, sampleList(t))
		if _, uris := read(t, w.File, nil, ""); len(uris) != len(transfertest.Sample) {
			t.Errorf("%s: %d entries back", format, len(uris))
		}
	}
	w := writeAs(t, "google", sampleList(t))
	if len(w.Skipped) != 3 { // Steam, and periods of 60 and 15 s
		t.Errorf("google skipped %+v", w.Skipped)
	}
	var accounts []otpauth.Key
	for _, c := range w.Codes {
		p, err := migration.Decode(decode(t, c))
		if err != nil {
			t.Fatal(err)
		}
		accounts = append(accounts, p.Accounts...)
	}
	if len(accounts) != len(transfertest.Sample)-3 {
		t.Errorf("google codes hold %d accounts", len(accounts))
	}
	one := writeAs(t, "qr", []byte("otpauth://steam/Steam:gaben?secret="+otpauth.EncodeSecret(transfertest.SteamSecret)+"\n"))
	if len(one.Codes) != 1 {
		t.Fatalf("%d QR codes", len(one.Codes))
	}
	if text := decode(t, one.Codes[0]); !strings.HasPrefix(text, "otpauth://steam/Steam:gaben?") {
		t.Errorf("Steam account's code: %s", text)
	}
	if _, err := Write("pdf", sampleList(t), rnd()); !errors.Is(err, ErrFormat) {
		t.Errorf("unknown format: %v", err)
	}
	if _, err := Write("aegis", nil, rnd()); !errors.Is(err, errNoEntry) {
		t.Errorf("an empty export: %v", err)
	}
	if _, err := QR(strings.Repeat("x", 5000)); !errors.Is(err, ErrQRSize) {
		t.Errorf("long text: %v", err)
	}
}

func writeAs(t *testing.T, format string, list []byte) *transferwire.Written {
	t.Helper()
	b, err := Write(format, list, rnd())
	if err != nil {
		t.Fatalf("Write %s: %v", format, err)
	}
	w, err := transferwire.DecodeWritten(b)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func decode(t *testing.T, c transferwire.QRCode) string {
	t.Helper()
	pix, w, h := c.RGBA(4)
	text, err := qr.Decode(pix, w, h)
	if err != nil {
		t.Fatalf("decoding a written QR code: %v", err)
	}
	return text
}
