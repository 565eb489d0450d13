package main

import (
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/qr/qrtest"
)

// The account of seedURI with another key, and that key in base32.
const (
	otherKey = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"
	sameName = "otpauth://totp/Oracle:ana@example.com?secret=" + otherKey + "&issuer=Oracle"
)

// conflictID checks that err is a name_conflict with the account existing
// and returns the id to resolve it with.
func conflictID(t *testing.T, err error, existing AccountView) string {
	t.Helper()
	e := toAPIError(err)
	if e == nil || e.Code != CodeNameConflict || e.Details["existingId"] != existing.ID || e.Details["existingLabel"] != existing.Label {
		t.Fatalf("err = %v (%+v), want a name conflict with %s", err, e, existing.ID)
	}
	id, _ := e.Details["conflictId"].(string)
	return id
}

func secretOf(t *testing.T, a *App, id string) string {
	t.Helper()
	var out string
	_ = a.read(func(s *accounts.State) error {
		acct, ok := s.Find(id)
		if ok {
			out = otpauth.EncodeSecret(acct.Key.Secret)
		}
		return nil
	})
	return strings.TrimRight(out, "=")
}

// TestNameConflictEveryWayOfAdding: a key for an account name already in
// the list, with another key, is never refused for good nor skipped: every
// way of adding holds it and offers the choice; the same key is skipped and
// named.
func TestNameConflictEveryWayOfAdding(t *testing.T) {
	a, _ := unlocked(t)
	first, err := a.AddURI(seedURI)
	if err != nil {
		t.Fatal(err)
	}
	gaPart, _ := migration.Encode(&migration.Payload{Version: 1, BatchSize: 1, Accounts: []otpauth.Key{{Type: otpauth.TOTP,
		Issuer: "Oracle", Account: "ana@example.com", Secret: []byte("another key, 20 byte"), Algorithm: otpauth.SHA1, Digits: 6, Period: 30}}})
	pix, w, h := qrtest.RGBA(qrtest.MustCode(sameName, 3))
	backup := func() []byte {
		src, _ := unlocked(t)
		if _, err := src.AddURI(sameName); err != nil {
			t.Fatal(err)
		}
		b, err := src.ExportBackup("backup passphrase")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}()
	single := map[string]func() error{
		"uri": func() error { _, err := a.AddURI(sameName); return err },
		"manual": func() error {
			_, err := a.AddManual(ManualEntry{Issuer: "Oracle", Account: "ana@example.com", Secret: otherKey})
			return err
		},
		"qr": func() error { _, err := a.DecodeQR(pix, w, h); return err },
	}
	for name, add := range single {
		err := add()
		conflictID(t, err, first)
		if l := toAPIError(err).Details["label"]; l != "Oracle (ana@example.com)" {
			t.Errorf("%s: the conflict names the new account %q", name, l)
		}
		if l, _ := a.List(); len(l) != 1 {
			t.Fatalf("%s: the conflict added an account", name)
		}
	}
	imports := map[string]func() (ImportResult, error){
		"uri list": func() (ImportResult, error) { return a.ImportURIs("# mine\n" + sameName + "\n") },
		"google":   func() (ImportResult, error) { return a.ImportGA(gaPart) },
		"backup":   func() (ImportResult, error) { return a.ImportBackup(backup, "backup passphrase") },
	}
	for name, imp := range imports {
		r, err := imp()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(r.Added) != 0 || len(r.Problems) != 0 || len(r.Conflicts) != 1 ||
			r.Conflicts[0].ExistingID != first.ID || r.Conflicts[0].Label != "Oracle (ana@example.com)" || r.Conflicts[0].ID == "" {
			t.Fatalf("%s: %+v, want one conflict with %s", name, r, first.ID)
		}
	}
	// The same key under another name: skipped, and the page learns which.
	_, err = a.AddURI(strings.Replace(seedURI, "ana@", "someone@", 1))
	wantCode(t, err, CodeDuplicate)
	if msg := toAPIError(err).Message; msg != "this key is already in your list as Oracle (ana@example.com)" {
		t.Errorf("message %q", msg)
	}
}

func TestResolveReplaceKeepSkip(t *testing.T) {
	a, st := unlocked(t)
	first, _ := a.AddURI(seedURI)
	_, err := a.AddURI(sameName)
	id := conflictID(t, err, first)

	// Replace: the same row (id, place) now has the new key.
	v, err := a.Resolve(id, "replace")
	if err != nil || v.ID != first.ID || v.Label != first.Label {
		t.Fatalf("replace: %+v %v", v, err)
	}
	if got := secretOf(t, a, first.ID); got != otherKey {
		t.Fatalf("the account's key is %s, want the new one", got)
	}
	_, err = a.Resolve(id, "replace")
	wantCode(t, err, CodeNotFound)

	// Keep both: "#2"; both keys are stored.
	_, err = a.AddURI(seedURI)
	id = conflictID(t, err, first)
	v, err = a.Resolve(id, "keep")
	if err != nil || v.ID == first.ID || v.Label != "Oracle (ana@example.com #2)" {
		t.Fatalf("keep: %+v %v", v, err)
	}
	if l := labels(t, a); fmtList(l) != "[Oracle (ana@example.com) Oracle (ana@example.com #2)]" {
		t.Fatalf("list %v", l)
	}

	// Skip: nothing changes; a wrong choice is a clear error.
	_, err = a.AddManual(ManualEntry{Issuer: "Oracle", Account: "ana@example.com", Secret: "JBSWY3DPEHPK3PXPJBSWY3DP"})
	id = conflictID(t, err, first)
	_, err = a.Resolve(id, "both")
	wantCode(t, err, CodeBadArgument)
	if v, err := a.Resolve(id, "skip"); err != nil || v.ID != "" {
		t.Fatalf("skip: %+v %v", v, err)
	}
	if got := stored(t, st); len(got) != 2 {
		t.Fatalf("after skip the vault holds %v", got)
	}

	// A held choice does not outlive the lock.
	_, err = a.AddURI("otpauth://totp/Oracle:ana@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJA&issuer=Oracle")
	id = conflictID(t, err, first)
	held := a.held[id]
	a.Lock()
	if string(held.Key.Secret) != string(make([]byte, len(held.Key.Secret))) {
		t.Fatal("lock left a held key in memory")
	}
	if err := a.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	_, err = a.Resolve(id, "keep")
	wantCode(t, err, CodeNotFound)
}

// TestResolveReplaceStopsOldPrompts: the old key's push registration goes
// with it, and so does its connection.
func TestResolveReplaceStopsOldPrompts(t *testing.T) {
	a, f, _, _ := pushApp(t)
	acct, _ := a.AddURI(pushURI)
	if _, err := a.PushEnable(acct.ID); err != nil {
		t.Fatal(err)
	}
	c := f.conn(t)
	_, err := a.AddURI(strings.Replace(pushURI, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", otherKey, 1))
	if _, err := a.Resolve(conflictID(t, err, acct), "replace"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second): // a bound, not a measurement
		t.Fatal("the replaced key's connection stays open")
	}
	if l, _ := a.List(); len(l) != 1 || l[0].Push {
		t.Fatalf("after replace %+v", l)
	}
}

// TestConflictsOfSeveralImportsWait: an export read part by part (or files
// read one after another) holds every part's conflicts until the page has
// asked about them all.
func TestConflictsOfSeveralImportsWait(t *testing.T) {
	a, _ := unlocked(t)
	if _, err := a.AddURI(seedURI); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddURI("otpauth://totp/GitHub:bob?secret=JBSWY3DPEHPK3PXPJBSWY3DP"); err != nil {
		t.Fatal(err)
	}
	var held []ConflictView
	for _, text := range []string{sameName, "otpauth://totp/GitHub:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJA"} {
		r, err := a.ImportURIs(text)
		if err != nil || len(r.Conflicts) != 1 {
			t.Fatalf("import %+v %v", r, err)
		}
		held = append(held, r.Conflicts...)
	}
	for _, c := range held {
		if _, err := a.Resolve(c.ID, "keep"); err != nil {
			t.Fatalf("%s: %v", c.Label, err)
		}
	}
	if l := labels(t, a); len(l) != 4 {
		t.Fatalf("list %v", l)
	}
}
