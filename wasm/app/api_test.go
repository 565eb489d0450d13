package main

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
	"github.com/twofold-auth/twofold/wasm/qr/qrtest"
	"github.com/twofold-auth/twofold/wasm/storage"
	"github.com/twofold-auth/twofold/wasm/vault"
)

const (
	pass    = "correct horse"
	seedURI = "otpauth://totp/Oracle:ana@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Oracle"
)

var t0 = time.Unix(1_700_000_000, 0)

func newTestApp(t *testing.T, st storage.Storage) *App {
	t.Helper()
	return NewApp(Config{
		Storage: st,
		Params:  vault.Params{MemoryKiB: 8, Time: 1, Threads: 1},
		Rand:    rand.NewChaCha8([32]byte{1}),
		Now:     func() time.Time { return t0 },
		// QR codes are decoded by the transfer module
		Transfer: &localTransfer{},
	})
}

func unlocked(t *testing.T) (*App, *storage.Memory) {
	t.Helper()
	st := storage.NewMemory()
	a := newTestApp(t, st)
	if err := a.Create(pass); err != nil {
		t.Fatal(err)
	}
	return a, st
}

// wantCode checks that err is an APIError (after toAPIError) with code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if e := toAPIError(err); e == nil || e.Code != code {
		t.Fatalf("err = %v (%+v), want code %s", err, e, code)
	}
}

func TestVaultLifecycle(t *testing.T) {
	st := storage.NewMemory()
	a := newTestApp(t, st)
	if s, err := a.Status(); err != nil || s.Exists || s.Unlocked {
		t.Fatalf("fresh status %+v %v", s, err)
	}
	wantCode(t, a.Unlock(pass), CodeNoVault)
	wantCode(t, a.Create("short"), CodeWeakPassphrase)
	if err := a.Create(pass); err != nil {
		t.Fatal(err)
	}
	wantCode(t, a.Create(pass), CodeVaultExists)
	if _, err := a.AddURI(seedURI); err != nil {
		t.Fatal(err)
	}
	a.Lock()
	_, err := a.List()
	wantCode(t, err, CodeLocked)
	wantCode(t, a.Unlock("wrong passphrase"), CodeWrongPassphrase)
	if e := toAPIError(a.Unlock("wrong passphrase")); e.Message != "wrong passphrase" {
		t.Errorf("message %q", e.Message)
	}

	// A fresh App over the same storage is a page reload.
	b := newTestApp(t, st)
	if err := b.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if s, _ := b.Status(); !s.Exists || !s.Unlocked || s.Accounts != 1 {
		t.Fatalf("status after reload %+v", s)
	}
	wantCode(t, b.ChangePassphrase("nope nope", "new passphrase"), CodeWrongPassphrase)
	wantCode(t, b.ChangePassphrase(pass, "short"), CodeWeakPassphrase)
	if err := b.ChangePassphrase(pass, "new passphrase"); err != nil {
		t.Fatal(err)
	}
	c := newTestApp(t, st)
	wantCode(t, c.Unlock(pass), CodeWrongPassphrase)
	if err := c.Unlock("new passphrase"); err != nil {
		t.Fatal(err)
	}
	if l, _ := c.List(); len(l) != 1 || l[0].Issuer != "Oracle" {
		t.Fatalf("list after passphrase change %+v", l)
	}
}

func TestAccountsThroughTheAPI(t *testing.T) {
	a, st := unlocked(t)
	v, err := a.AddURI(seedURI)
	if err != nil {
		t.Fatal(err)
	}
	if v.Label != "Oracle (ana@example.com)" || v.Type != "totp" || v.Digits != 6 {
		t.Fatalf("view %+v", v)
	}
	_, err = a.AddURI(strings.Replace(seedURI, "ana@", "other@", 1))
	wantCode(t, err, CodeDuplicate)
	if d := toAPIError(err).Details; d["existingId"] != v.ID {
		t.Fatalf("duplicate details %v", d)
	}
	_, err = a.AddURI("otpauth://totp/x:y?secret=JBSW1")
	wantCode(t, err, CodeBadKey)
	_, err = a.AddURI("https://example.com")
	wantCode(t, err, CodeBadURI)

	_, err = a.AddManual(ManualEntry{Issuer: "Bank", Account: "ana", Secret: "JBSWY3DPEHPK3PX1"})
	wantCode(t, err, CodeBadKey)
	if d := toAPIError(err).Details; d["position"] != 16 || d["char"] != "1" {
		t.Fatalf("bad key details %v", d)
	}
	h, err := a.AddManual(ManualEntry{Issuer: "Bank", Account: "ana", Secret: "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJR", Type: "hotp"})
	if err != nil {
		t.Fatal(err)
	}

	// HOTP: each action gives the next code and the counter survives a reload.
	first, err := a.NextHOTP(h.ID)
	if err != nil || first.Counter != 0 {
		t.Fatalf("NextHOTP %+v %v", first, err)
	}
	second, _ := a.NextHOTP(h.ID)
	if second.Counter != 1 || second.Code == first.Code {
		t.Fatalf("second code %+v", second)
	}
	_, err = a.NextHOTP(v.ID)
	wantCode(t, err, CodeNotHOTP)
	reload := newTestApp(t, st)
	_ = reload.Unlock(pass)
	if l, _ := reload.List(); l[1].Counter != 2 {
		t.Fatalf("counter after reload %v", l[1].Counter)
	}

	// Codes equal shared/otpcode at the same instant, with the clock offset applied.
	secret, _ := otpauth.DecodeSecret("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	p := otpcode.Params{Algorithm: otpauth.SHA1, Digits: 6, Period: 30}
	codes, err := a.Codes(float64(t0.UnixMilli()))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := otpcode.TOTP(secret, p, t0)
	wantNext, _ := otpcode.TOTP(secret, p, t0.Add(30*time.Second))
	if codes[0].Current != want || codes[0].Next != wantNext || codes[0].RemainingMs != 10000 || codes[1].Current != "" {
		t.Fatalf("codes %+v, want %s then %s", codes, want, wantNext)
	}
	if err := a.SetClockOffset(30000); err != nil {
		t.Fatal(err)
	}
	if codes, _ := a.Codes(float64(t0.UnixMilli())); codes[0].Current != wantNext {
		t.Fatalf("offset not applied: %+v", codes[0])
	}
	wantCode(t, a.SetClockOffset(48*3600*1000), CodeClockOffset)
	_, err = a.Codes(-1)
	wantCode(t, err, CodeBadArgument)

	if r, err := a.Rename(v.ID, "Oracle Cloud", "ana"); err != nil || r.Label != "Oracle Cloud (ana)" {
		t.Fatalf("rename %+v %v", r, err)
	}
	if found, _ := a.Search("cloud"); len(found) != 1 || found[0].ID != v.ID {
		t.Fatalf("search %+v", found)
	}
	if err := a.Reorder([]string{h.ID, v.ID}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, a.Reorder([]string{h.ID}), CodeBadOrder)
	if err := a.Delete(h.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, a.Delete(h.ID), CodeNotFound)
	if l, _ := a.List(); len(l) != 1 {
		t.Fatalf("after delete %+v", l)
	}
	// Deleted without sync: in the trash, restorable once, across a lock.
	a.Lock()
	if err := a.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if tr, err := a.Trash(); err != nil || len(tr) != 1 || tr[0].ID != h.ID {
		t.Fatalf("trash %+v %v", tr, err)
	}
	_, err = a.Restore("no-such-id")
	wantCode(t, err, CodeNotFound)
	if r, err := a.Restore(h.ID); err != nil || r.ID != h.ID {
		t.Fatalf("restore %+v %v", r, err)
	}
	if l, _ := a.List(); len(l) != 2 || l[1].ID != h.ID {
		t.Fatalf("after restore %+v", l)
	}
	_, err = a.Restore(h.ID)
	wantCode(t, err, CodeNotFound)
	if err := a.Delete(h.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, a.Purge("no-such-id"), CodeNotFound)
	if err := a.Purge(h.ID); err != nil {
		t.Fatal(err)
	}
	if tr, err := a.Trash(); err != nil || len(tr) != 0 {
		t.Fatalf("trash after purge %+v %v", tr, err)
	}
	_, err = a.Restore(h.ID)
	wantCode(t, err, CodeNotFound)
	if c := a.ValidateKey("JBSW Y3DP EHPK 3PX1"); c.OK || c.Position != 19 || c.Char != "1" ||
		c.Message != "the key cannot have '1' (character 19): a key has only the letters A to Z and the digits 2 to 7; did you mean I or L?" {
		t.Fatalf("ValidateKey %+v", c)
	}
}

// failingStore fails every Put once armed.
type failingStore struct {
	*storage.Memory
	fail bool
}

func (f *failingStore) Put(name string, b []byte) error {
	if f.fail {
		return errors.New("QuotaExceededError")
	}
	return f.Memory.Put(name, b)
}

// TestAddSteamURI: a Steam account's QR code, as the authenticator shows
// it for a second device (otpauth://steam/..., as Aegis and Ente Auth
// write it too) or as KeePassXC writes it (encoder=steam), adds a Steam
// account.
func TestAddSteamURI(t *testing.T) {
	a, _ := unlocked(t)
	for _, uri := range []string{
		"otpauth://steam/Steam:gaben?secret=ONZGKYLNFVTXKYLSMQWXGZLDOJSXIIJB&issuer=Steam&digits=5",
		"otpauth://totp/Steam:alyx?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Steam&encoder=steam",
	} {
		v, err := a.AddURI(uri)
		if err != nil || v.Type != "steam" {
			t.Errorf("%s: %+v, %v", uri, v, err)
		}
	}
}

func TestFailedSaveChangesNothing(t *testing.T) {
	st := &failingStore{Memory: storage.NewMemory()}
	a := newTestApp(t, st)
	_ = a.Create(pass)
	v, _ := a.AddURI(seedURI)
	st.fail = true
	_, err := a.Rename(v.ID, "Renamed", "x")
	wantCode(t, err, CodeStorage)
	if l, _ := a.List(); l[0].Issuer != "Oracle" {
		t.Fatal("a change that was not saved was published")
	}
}

func TestImports(t *testing.T) {
	a, _ := unlocked(t)
	text := "otpauth://totp/A:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\nnot a uri\notpauth://totp/B:b?secret=JBSWY3DPEHPK3PXPJBSWY3DP\n"
	r, err := a.ImportURIs(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Added) != 2 || len(r.Problems) != 1 || r.Problems[0].Line != 2 || r.Problems[0].Code != CodeInternal && r.Problems[0].Message == "" {
		t.Fatalf("import %+v", r)
	}
	r, _ = a.ImportURIs(text)
	if len(r.Added) != 0 || len(r.Problems) != 3 || r.Problems[1].Code != CodeDuplicate || r.Problems[1].ExistingID == "" {
		t.Fatalf("re-import %+v", r)
	}

	// Google Authenticator export in two parts, read in reverse order.
	var parts []string
	for i, name := range []string{"c", "d"} {
		u, _ := migration.Encode(&migration.Payload{Version: 1, BatchSize: 2, BatchIndex: i, BatchID: 3, Accounts: []otpauth.Key{{
			Type: otpauth.TOTP, Issuer: "GA", Account: name, Secret: []byte("secret-" + name + "-0123456789"),
			Algorithm: otpauth.SHA1, Digits: 6, Period: 30}}})
		parts = append(parts, u)
	}
	r, err = a.ImportGA(parts[1])
	if err != nil || len(r.Added) != 1 || r.Batches[0].Complete || r.Batches[0].Missing[0] != 0 || r.Batches[0].Message != "part 2 of 2 read; still missing: 1" {
		t.Fatalf("GA part 2: %+v %v", r, err)
	}
	pix, w, h := qrtest.RGBA(qrtest.MustCode(parts[0], 3))
	q, err := a.DecodeQR(pix, w, h)
	if err != nil || q.Kind != "otpauth-migration" || !q.Import.Batches[0].Complete {
		t.Fatalf("GA part 1 by QR: %+v %v", q, err)
	}
	_, err = a.ImportGA("otpauth-migration://offline?data=!!!")
	wantCode(t, err, CodeBadExport)

	// QR: a key is added, a web address is refused, an empty frame says so.
	pix, w, h = qrtest.RGBA(qrtest.MustCode("otpauth://totp/Oracle:qr@example.com?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U&issuer=Oracle", 3))
	if q, err := a.DecodeQR(pix, w, h); err != nil || q.Kind != "otpauth" || q.Account.Issuer != "Oracle" {
		t.Fatalf("QR key: %+v %v", q, err)
	}
	pix, w, h = qrtest.RGBA(qrtest.MustCode("https://example.com/", 3))
	_, err = a.DecodeQR(pix, w, h)
	wantCode(t, err, CodeNotAuthenticator)
	if toAPIError(err).Message != "this QR code is not an authenticator key" {
		t.Error(err)
	}
	_, err = a.DecodeQR(make([]byte, 4*20*20), 20, 20)
	wantCode(t, err, CodeNoQR)
	_, err = a.DecodeQR(make([]byte, 3), 20, 20)
	wantCode(t, err, CodeBadFrame)

	// Export as URIs, and an encrypted backup restored into a fresh vault.
	uris, _ := a.ExportURIs()
	if strings.Count(uris, "\n") != 5 || !strings.Contains(uris, "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ") {
		t.Fatalf("export %q", uris)
	}
	_, err = a.ExportBackup("short")
	wantCode(t, err, CodeWeakPassphrase)
	backup, err := a.ExportBackup("backup passphrase")
	if err != nil || bytes.Contains(backup, []byte("GA")) {
		t.Fatalf("backup %v (or plaintext inside)", err)
	}
	fresh, _ := unlocked(t)
	_, err = fresh.ImportBackup(backup, "wrong one!")
	wantCode(t, err, CodeWrongPassphrase)
	_, err = fresh.ImportBackup([]byte("not a backup"), "backup passphrase")
	wantCode(t, err, CodeNotBackup)
	r, err = fresh.ImportBackup(backup, "backup passphrase")
	if err != nil || len(r.Added) != 5 {
		t.Fatalf("restore %+v %v", r, err)
	}
	if again, _ := fresh.ExportURIs(); again != uris {
		t.Fatalf("restored export differs:\n%s\n%s", again, uris)
	}
}

func TestLockWipesSecrets(t *testing.T) {
	a, _ := unlocked(t)
	_, _ = a.AddURI(seedURI)
	state := a.state
	accts := state.Accounts()
	secret := accts[0].Key.Secret
	a.Lock()
	if !bytes.Equal(secret, make([]byte, len(secret))) {
		t.Fatal("secret not zeroed by Lock")
	}
	_, err := a.Codes(1)
	wantCode(t, err, CodeLocked)
	_, err = a.ExportURIs()
	wantCode(t, err, CodeLocked)
	pix, w, h := qrtest.RGBA(qrtest.MustCode(seedURI, 2))
	_, err = a.DecodeQR(pix, w, h)
	wantCode(t, err, CodeLocked)
}

// TestConcurrentUse runs reads, writes and a lock at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	a, _ := unlocked(t)
	v, _ := a.AddURI(seedURI)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 4 {
			case 0:
				_, _ = a.Codes(float64(t0.UnixMilli()))
			case 1:
				_, _ = a.Rename(v.ID, "Oracle", "ana"+strings.Repeat("x", i))
			case 2:
				_, _ = a.List()
			case 3:
				if i == 11 {
					a.Lock()
				}
			}
		}()
	}
	wg.Wait()
	_, err := a.List()
	wantCode(t, err, CodeLocked)
}
