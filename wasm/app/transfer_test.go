package main

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/transfer/transfertest"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/qr"
	"github.com/twofold-auth/twofold/wasm/storage"
	"github.com/twofold-auth/twofold/wasm/transfermodule"
	"github.com/twofold-auth/twofold/wasm/vault"
)

// localTransfer is the transfer module in process, as the bridge reaches
// it through JavaScript; it counts the calls (a native format must make
// none: the module is not even fetched).
type localTransfer struct {
	mu    sync.Mutex
	calls int
}

func (l *localTransfer) Read(file, password []byte, format string) ([]byte, error) {
	l.mu.Lock()
	l.calls++
	l.mu.Unlock()
	return transfermodule.Read(file, password, format)
}

func (l *localTransfer) Write(format string, accounts []byte) ([]byte, error) {
	l.mu.Lock()
	l.calls++
	l.mu.Unlock()
	return transfermodule.Write(format, accounts, rand.NewChaCha8([32]byte{9}))
}

func (l *localTransfer) DecodeQR(rgba []byte, width, height int) ([]byte, error) {
	l.mu.Lock()
	l.calls++
	l.mu.Unlock()
	return transfermodule.DecodeQR(rgba, width, height)
}

func (l *localTransfer) EncodeQR(text string) ([]byte, error) {
	l.mu.Lock()
	l.calls++
	l.mu.Unlock()
	return transfermodule.EncodeQR(text)
}

func (l *localTransfer) count() int { l.mu.Lock(); defer l.mu.Unlock(); return l.calls }

// transferApp is an unlocked App with the module and a counter of saves.
func transferApp(t *testing.T) (*App, *localTransfer, *fakeTabs, *storage.Memory) {
	t.Helper()
	st := storage.NewMemory()
	tr, tabs := &localTransfer{}, &fakeTabs{}
	a := NewApp(Config{Storage: st, Params: vault.Params{MemoryKiB: 8, Time: 1, Threads: 1},
		Rand: rand.NewChaCha8([32]byte{5}), Now: func() time.Time { return t0 }, Tabs: tabs, Transfer: tr})
	t.Cleanup(a.Lock)
	if err := a.Create(pass); err != nil {
		t.Fatal(err)
	}
	return a, tr, tabs, st
}

// sample is transfertest.Sample with a secret of its own for each account
// (the Sample shares RFC seeds between accounts, which one vault refuses).
func sample() []transfertest.Entry {
	out := slices.Clone(transfertest.Sample)
	for i := range out {
		out[i].Secret = append(bytes.Clone(out[i].Secret), byte('a'+i))
	}
	return out
}

func statuses(p PreviewView) string {
	var s []string
	for _, it := range p.Items {
		s = append(s, it.Status)
	}
	return strings.Join(s, " ")
}

func choose(p PreviewView, c string) []string {
	out := make([]string, len(p.Items))
	for i := range out {
		out[i] = c
	}
	return out
}

// An encrypted Aegis vault with a new account, one already in the list,
// one named like another with another key, and a Yandex one: no password,
// a wrong one, a truncated and a tampered file change nothing; the right
// one previews, and the chosen entries are added in one save.
func TestPreviewAndCommit(t *testing.T) {
	a, tr, tabs, _ := transferApp(t)
	sample := sample()
	dup := sample[0]
	if _, err := a.AddURI((&otpauth.Key{Type: otpauth.TOTP, Issuer: "Mine", Account: "same key", Secret: dup.Secret,
		Algorithm: otpauth.SHA1, Digits: 6, Period: 30}).URI()); err != nil {
		t.Fatal(err)
	}
	named := sample[1]
	if _, err := a.AddURI((&otpauth.Key{Type: otpauth.TOTP, Issuer: named.Issuer, Account: named.Account, Secret: []byte("another key 0123456"),
		Algorithm: otpauth.SHA1, Digits: 6, Period: 30}).URI()); err != nil {
		t.Fatal(err)
	}
	saves := tabs.count()
	file := transfertest.AegisVault(sample, nil, "file password", 1<<10)
	for _, tc := range []struct {
		name, password, code string
		file                 []byte
	}{
		{"no password", "", CodePasswordRequired, file},
		{"wrong password", "nope", CodeWrongPassword, file},
		{"truncated", "file password", CodeDamagedFile, file[:len(file)*2/3]},
		{"not a file", "", CodeUnknownFormat, []byte("hello")},
	} {
		_, err := a.Preview(tc.file, "auto", tc.password)
		wantCode(t, err, tc.code)
	}
	tampered := bytes.Clone(file)
	i := bytes.Index(tampered, []byte(`"db": "`)) + 20
	tampered[i] ^= 'A' ^ 'B'
	if _, err := a.Preview(tampered, "", "file password"); err == nil {
		t.Error("a tampered file previews")
	}
	if list, _ := a.List(); len(list) != 2 || tabs.count() != saves {
		t.Fatalf("a failed preview changed the vault: %d accounts, %d saves", len(list), tabs.count()-saves)
	}

	p, err := a.Preview(file, "auto", "file password")
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != "aegis" || p.FormatName != "Aegis" || tr.count() != 6 {
		t.Errorf("format %s %q, %d module calls", p.Format, p.FormatName, tr.count())
	}
	if got := statuses(p); got != "duplicate conflict new new new new new" {
		t.Fatalf("statuses %s", got)
	}
	if p.Items[0].ExistingLabel != "Mine (same key)" || p.Items[1].Code != CodeNameConflict || p.Items[6].Type != "steam" {
		t.Errorf("items %+v", p.Items)
	}
	if tabs.count() != saves {
		t.Fatal("the preview saved")
	}
	_, err = a.Commit("not it", choose(p, "add"))
	wantCode(t, err, CodeNotFound)
	_, err = a.Commit(p.ID, []string{"add"})
	wantCode(t, err, CodeBadArgument)

	choices := choose(p, "add")
	choices[1], choices[2] = "keep", "skip"
	r, err := a.Commit(p.ID, choices)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Added) != 5 || tabs.count() != saves+1 {
		t.Fatalf("added %d in %d saves", len(r.Added), tabs.count()-saves)
	}
	list, _ := a.List()
	if len(list) != 7 || list[2].Account != named.Account+" #2" {
		t.Fatalf("list %+v", list)
	}
	_, err = a.Commit(p.ID, choices)
	wantCode(t, err, CodeNotFound) // the preview closed
}

// Twofold backups and otpauth lists (Google Authenticator exports, Steam
// lines) are read without the module.
func TestPreviewNativeFormats(t *testing.T) {
	a, _, _, _ := transferApp(t)
	if _, err := a.AddURI(seedURI); err != nil {
		t.Fatal(err)
	}
	backup, err := a.ExportBackup("backup passphrase")
	if err != nil {
		t.Fatal(err)
	}
	b, tr, _, _ := transferApp(t)
	_, err = b.Preview(backup, "", "")
	wantCode(t, err, CodePasswordRequired)
	_, err = b.Preview(backup, "", "wrong passphrase")
	wantCode(t, err, CodeWrongPassword)
	_, err = b.Preview(backup[:len(backup)-5], "", "backup passphrase")
	wantCode(t, err, CodeDamagedFile)
	p, err := b.Preview(backup, "auto", "backup passphrase")
	if err != nil || p.Format != "twofold" || statuses(p) != "new" {
		t.Fatalf("backup: %+v %v", p, err)
	}
	ga, _ := migration.Encode(&migration.Payload{Version: 1, BatchSize: 2, BatchID: 4, Accounts: []otpauth.Key{{Type: otpauth.TOTP,
		Issuer: "GA", Account: "x", Secret: []byte("ga-secret-0123456"), Algorithm: otpauth.SHA1, Digits: 6, Period: 30}}})
	steam := "otpauth://steam/Steam:gaben?secret=" + otpauth.EncodeSecret([]byte("steam-guard-secret!!")) + "&issuer=Steam"
	p, err = b.Preview([]byte(seedURI+"\n"+steam+"\n"+ga+"\n"), "", "")
	if err != nil || p.Format != "google" || statuses(p) != "new new new" || len(p.Warnings) != 1 {
		t.Fatalf("list: %+v %v", p, err)
	}
	if p.Items[1].Type != "steam" {
		t.Errorf("Steam line: %+v", p.Items[1])
	}
	if tr.count() != 0 {
		t.Errorf("%d calls to the transfer module for native formats", tr.count())
	}
	// A line this side cannot read goes to the module, which says what is wrong.
	_, err = b.Preview([]byte(seedURI+"\notpauth://totp/X:y?secret=!!!\n"), "", "")
	wantCode(t, err, CodeDamagedFile)
	if tr.count() != 1 {
		t.Errorf("the module was not asked about a broken list")
	}
	// Without the module, other apps' files say so.
	c := newTestApp(t, storage.NewMemory())
	c.transfer = nil
	_ = c.Create(pass)
	_, err = c.Preview(transfertest.FreeOTPPlus(transfertest.Sample), "", "")
	wantCode(t, err, CodeModuleUnavailable)
}

// A commit met by another tab's save is refused and the preview stays
// open; committed again, it applies to the current list.
func TestCommitAfterAnotherTabSaved(t *testing.T) {
	a, _, _, st := transferApp(t)
	p, err := a.Preview([]byte(seedURI), "", "")
	if err != nil {
		t.Fatal(err)
	}
	other := newTab(t, st, 8, nil)
	if err := other.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if _, err := other.AddURI("otpauth://totp/Other:o?secret=JBSWY3DPEHPK3PXPJBSWY3DP"); err != nil {
		t.Fatal(err)
	}
	_, err = a.Commit(p.ID, choose(p, "add"))
	wantCode(t, err, CodeVaultChanged)
	r, err := a.Commit(p.ID, choose(p, "add"))
	if err != nil || len(r.Added) != 1 {
		t.Fatalf("again: %+v %v", r, err)
	}
	if list, _ := a.List(); len(list) != 2 {
		t.Fatalf("%d accounts", len(list))
	}
}

// Every plaintext export asks for the passphrase again, and imports back
// into a fresh vault with nothing lost: otpauth and Aegis files whole,
// Google Authenticator's codes all but what Google cannot hold, and one
// account's QR code.
func TestExportsRoundTrip(t *testing.T) {
	a, _, _, _ := transferApp(t)
	for _, e := range sample() {
		k := otpauth.Key{Type: otpauth.Type(e.Type), Issuer: e.Issuer, Account: e.Account, Secret: e.Secret,
			Algorithm: otpauth.Algorithm(e.Algorithm), Digits: e.Digits, Period: e.Period, Counter: e.Counter}
		if e.Type == "steam" {
			k = otpauth.SteamKey(e.Issuer, e.Account, e.Secret)
		}
		if _, err := a.AddURI(k.URI()); err != nil {
			t.Fatalf("%s: %v", k.URI(), err)
		}
	}
	want, _ := a.List()
	_, err := a.ExportPlain(PassphraseProof("wrong passphrase"), "aegis", "")
	wantCode(t, err, CodeWrongPassphrase)
	_, err = a.ExportPlain(PassphraseProof(pass), "pdf", "")
	wantCode(t, err, CodeBadArgument)
	for _, format := range []string{"otpauth", "aegis", "google"} {
		out, err := a.ExportPlain(PassphraseProof(pass), format, "")
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		file := out.File
		if format == "google" {
			file = decodeAll(t, out)
			if len(out.Skipped) != 3 {
				t.Errorf("google skipped %+v", out.Skipped)
			}
		}
		b, _, _, _ := transferApp(t)
		p, err := b.Preview(file, "", "")
		if err != nil {
			t.Fatalf("%s back: %v", format, err)
		}
		if _, err := b.Commit(p.ID, choose(p, "add")); err != nil {
			t.Fatal(err)
		}
		got, _ := b.List()
		if format != "google" && !sameAccounts(got, want) {
			t.Errorf("%s lost something:\n%+v\n%+v", format, got, want)
		}
		if format == "google" && len(got) != len(want)-3 {
			t.Errorf("google gave back %d accounts", len(got))
		}
	}
	steam := want[len(want)-1]
	out, err := a.ExportPlain(PassphraseProof(pass), "qr", steam.ID)
	if err != nil || len(out.Codes) != 1 {
		t.Fatalf("qr: %+v %v", out, err)
	}
	if text := string(decodeAll(t, out)); !strings.HasPrefix(text, "otpauth://steam/Steam:gaben?") {
		t.Errorf("the Steam account's code holds %s", text)
	}
	_, err = a.ExportPlain(PassphraseProof(pass), "qr", "nope")
	wantCode(t, err, CodeNotFound)
}

// decodeAll reads an export's QR codes as the camera would, one line each.
func decodeAll(t *testing.T, out Export) []byte {
	t.Helper()
	var lines []string
	for _, c := range out.Codes {
		pix, w, h := c.RGBA(3)
		text, err := qr.Decode(pix, w, h)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, text)
	}
	return []byte(strings.Join(lines, "\n"))
}

func sameAccounts(got, want []AccountView) bool {
	key := func(v AccountView) string {
		return strings.Join([]string{v.Issuer, v.Account, v.Type, v.Algorithm, string(rune('0' + v.Digits)),
			string(rune('0' + v.Period%60)), string(rune('0' + int(v.Counter)%50))}, "|")
	}
	var g, w []string
	for _, v := range got {
		g = append(g, key(v))
	}
	for _, v := range want {
		w = append(w, key(v))
	}
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

// The list's calls: edit with icon and groups, pin, the order setting,
// the HOTP counter and resync, Steam codes, and the last use.
func TestListAPI(t *testing.T) {
	a, _, _, _ := transferApp(t)
	b, _ := a.AddURI("otpauth://totp/Bravo:b?secret=JBSWY3DPEHPK3PXPJBSWY3DP")
	h, _ := a.AddManual(ManualEntry{Issuer: "Alpha", Account: "a", Secret: otpauth.EncodeSecret([]byte("12345678901234567890")), Type: "hotp"})
	s, _ := a.AddManual(ManualEntry{Issuer: "Steam", Account: "gaben", Secret: otpauth.EncodeSecret(make([]byte, 20)), Type: "steam"})
	if s.Type != "steam" || s.Digits != 5 {
		t.Fatalf("Steam account %+v", s)
	}
	v, err := a.Edit(b.ID, accounts.Edit{Issuer: "Bravo", Account: "b", Icon: "z", Tags: []string{"Work"}})
	if err != nil || v.Icon != "Z" || !slices.Equal(v.Tags, []string{"Work"}) {
		t.Fatalf("edit %+v %v", v, err)
	}
	if err := a.SetSettings(SettingsView{Sort: "issuer"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, a.SetSettings(SettingsView{Sort: "random"}), CodeBadArgument)
	if _, err := a.SetPinned(s.ID, true); err != nil {
		t.Fatal(err)
	}
	list, _ := a.List()
	if list[0].ID != s.ID || list[1].ID != h.ID || list[2].ID != b.ID || !list[0].Pinned {
		t.Fatalf("order %v %v %v", list[0].Issuer, list[1].Issuer, list[2].Issuer)
	}
	if set, _ := a.Settings(); set != (SettingsView{Sort: "issuer"}) {
		t.Errorf("settings %+v", set)
	}
	// RFC 4226: counters 3 and 4 show 969429 and 338314.
	if v, err := a.Resync(h.ID, "969429", "338314"); err != nil || v.Counter != 5 {
		t.Fatalf("resync %+v %v", v, err)
	}
	if c, _ := a.NextHOTP(h.ID); c.Code != "254676" || c.Counter != 5 {
		t.Errorf("next code after resync %+v", c)
	}
	_, err = a.Resync(h.ID, "969429", "338314")
	wantCode(t, err, CodeResyncFailed)
	_, err = a.Resync(h.ID, "96942", "338314")
	wantCode(t, err, CodeBadCode)
	if v, err := a.SetCounter(h.ID, 0); err != nil || v.Counter != 0 {
		t.Fatalf("counter %+v %v", v, err)
	}
	_, err = a.SetCounter(b.ID, 3)
	wantCode(t, err, CodeNotHOTP)
	codes, _ := a.Codes(30_000)
	for _, c := range codes {
		if c.ID == s.ID && (c.Current != "DR2DK" || c.Type != "steam" || c.Period != 30) {
			t.Errorf("Steam code %+v", c)
		}
	}
	if err := a.MarkUsed(b.ID); err != nil {
		t.Fatal(err)
	}
	if v, _ := a.List(); v[2].LastUsedMs != float64(t0.UnixMilli()) {
		t.Errorf("last use %v", v[2].LastUsedMs)
	}
}

// TestExportWithPasskey: a passkey confirms a plaintext export as the
// passphrase does, through the same Proof check. A wrong output, an unknown
// or removed credential and a malformed id export nothing; the PRF output
// is wiped whatever happens; the passphrase keeps working.
func TestExportWithPasskey(t *testing.T) {
	a, tr, _, _ := transferApp(t)
	if _, err := a.AddURI(seedURI); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PasskeySalt(pass); err != nil {
		t.Fatal(err)
	}
	id := b64.EncodeToString([]byte("credential"))
	prf := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	if err := a.AddPasskey(pass, id, prf(7)); err != nil {
		t.Fatal(err)
	}
	byPass, err := a.ExportPlain(PassphraseProof(pass), "otpauth", "")
	if err != nil {
		t.Fatal(err)
	}

	calls := tr.count()
	for _, tc := range []struct {
		name, id string
		prf      []byte
		want     string
	}{
		{"wrong PRF output", id, prf(8), CodePasskeyRefused},
		{"short PRF output", id, prf(7)[:16], CodePasskeyRefused},
		{"unknown credential", b64.EncodeToString([]byte("other")), prf(7), CodePasskeyUnknown},
		{"malformed credential id", "not base64!", prf(7), CodeBadArgument},
		{"no credential id", "", prf(7), CodeBadArgument},
	} {
		for _, format := range []string{"otpauth", "aegis", "google"} {
			given := bytes.Clone(tc.prf)
			out, err := a.ExportPlain(PasskeyProof(tc.id, given), format, "")
			wantCode(t, err, tc.want)
			if out.File != nil || out.Codes != nil || out.Count != 0 {
				t.Errorf("%s, %s: exported %+v", tc.name, format, out)
			}
			if !bytes.Equal(given, make([]byte, len(given))) {
				t.Errorf("%s, %s: the PRF output was not wiped", tc.name, format)
			}
		}
	}
	if tr.count() != calls {
		t.Fatal("a refused passkey reached the transfer module")
	}

	given := prf(7)
	out, err := a.ExportPlain(PasskeyProof(id, given), "otpauth", "")
	if err != nil || !bytes.Equal(out.File, byPass.File) || out.Count != 1 {
		t.Fatalf("otpauth by passkey = %q, %d, %v; want the passphrase's export", out.File, out.Count, err)
	}
	if !bytes.Equal(given, make([]byte, 32)) {
		t.Fatal("the PRF output was not wiped")
	}
	list, _ := a.List()
	if out, err := a.ExportPlain(PasskeyProof(id, prf(7)), "qr", list[0].ID); err != nil || len(out.Codes) != 1 {
		t.Fatalf("one account's QR code by passkey: %+v, %v", out, err)
	}
	if out, err := a.ExportPlain(PasskeyProof(id, prf(7)), "aegis", ""); err != nil || out.Count != 1 {
		t.Fatalf("aegis by passkey: %+v, %v", out, err)
	}

	if err := a.RemovePasskey(id); err != nil {
		t.Fatal(err)
	}
	_, err = a.ExportPlain(PasskeyProof(id, prf(7)), "otpauth", "")
	wantCode(t, err, CodePasskeyUnknown)
	if _, err := a.ExportPlain(PassphraseProof(pass), "otpauth", ""); err != nil {
		t.Fatalf("the passphrase after the passkey was removed: %v", err)
	}
	a.Lock()
	_, err = a.ExportPlain(PasskeyProof(id, prf(7)), "otpauth", "")
	wantCode(t, err, CodeLocked)
}
