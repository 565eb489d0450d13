package transfermodule

import (
	"bytes"
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

// sample is transfertest.Sample as wire entries.
func sample() []transferwire.Entry {
	var out []transferwire.Entry
	for _, e := range transfertest.Sample {
		out = append(out, transferwire.Entry{Type: e.Type, Issuer: e.Issuer, Account: e.Account, Secret: bytes.Clone(e.Secret),
			Algorithm: e.Algorithm, Digits: e.Digits, Period: e.Period, Counter: e.Counter})
	}
	return out
}

func read(t *testing.T, file []byte, password []byte, format string) *transferwire.Result {
	t.Helper()
	b, err := Read(file, password, format)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	r, err := transferwire.UnmarshalResult(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
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
	r := read(t, aegis, []byte("pw"), "")
	if r.Format != "aegis" || r.FormatName != "Aegis" || len(r.Entries) != len(transfertest.Sample) {
		t.Fatalf("read %s %s %d entries", r.Format, r.FormatName, len(r.Entries))
	}
	want := sample()
	for i := range want {
		if g := r.Entries[i]; g.Type != want[i].Type || g.Account != want[i].Account || !bytes.Equal(g.Secret, want[i].Secret) ||
			g.Digits != want[i].Digits || g.Period != want[i].Period || g.Counter != want[i].Counter || g.Algorithm != want[i].Algorithm {
			t.Errorf("entry %d: %+v, want %+v", i, g, want[i])
		}
	}
	// A Yandex entry is skipped with its code and reason.
	withYandex := append([]byte("otpauth://yandex/Y:x?secret=JBSWY3DPEHPK3PXP\n"), transfertest.URIList(transfertest.Sample[:1], false)...)
	r = read(t, withYandex, nil, "otpauth")
	if len(r.Skipped) == 0 || r.Skipped[0].Code != "unsupported_account" || r.Skipped[0].Index != 1 || len(r.Entries) != 1 {
		t.Fatalf("skipped %+v", r.Skipped)
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
		out := writeAs(t, format)
		r := read(t, out.File, nil, "")
		if len(r.Entries) != len(transfertest.Sample) {
			t.Errorf("%s: %d entries back", format, len(r.Entries))
		}
	}
	out := writeAs(t, "google")
	if len(out.Skipped) != 3 { // Steam, and periods of 60 and 15 s
		t.Errorf("google skipped %+v", out.Skipped)
	}
	var accounts []otpauth.Key
	for _, c := range out.Codes {
		text := decode(t, c)
		p, err := migration.Decode(text)
		if err != nil {
			t.Fatal(err)
		}
		accounts = append(accounts, p.Accounts...)
	}
	if len(accounts) != len(transfertest.Sample)-3 {
		t.Errorf("google codes hold %d accounts", len(accounts))
	}
	one := writeAs(t, "qr")
	if len(one.Codes) != len(transfertest.Sample) {
		t.Fatalf("%d QR codes", len(one.Codes))
	}
	if text := decode(t, one.Codes[len(one.Codes)-1]); !strings.HasPrefix(text, "otpauth://steam/Steam:gaben?") {
		t.Errorf("Steam account's code: %s", text)
	}
	if _, err := Write((&transferwire.WriteRequest{Format: "pdf", Entries: sample()}).Marshal(), rnd()); !errors.Is(err, ErrFormat) {
		t.Errorf("unknown format: %v", err)
	}
	if _, err := Write((&transferwire.WriteRequest{Format: "aegis"}).Marshal(), rnd()); err == nil {
		t.Error("an empty export was written")
	}
	if _, err := QR(strings.Repeat("x", 5000)); !errors.Is(err, ErrQRSize) {
		t.Errorf("long text: %v", err)
	}
}

func writeAs(t *testing.T, format string) *transferwire.WriteResult {
	t.Helper()
	b, err := Write((&transferwire.WriteRequest{Format: format, Entries: sample()}).Marshal(), rnd())
	if err != nil {
		t.Fatalf("Write %s: %v", format, err)
	}
	out, err := transferwire.UnmarshalWriteResult(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
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
