package main

import (
	"bytes"
	"testing"
)

// TestPasskeyUnlockFlow is the page's sequence: salt, add (with the
// passphrase), lock, list while locked, unlock by passkey; a wrong output and
// a removed credential are refused with the codes the page falls back on,
// and leave the App locked; the PRF output handed over is wiped.
func TestPasskeyUnlockFlow(t *testing.T) {
	a, st := unlocked(t)
	if _, err := a.AddURI(seedURI); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PasskeySalt("not the passphrase"); err == nil {
		t.Fatal("PasskeySalt accepted a wrong passphrase")
	}
	salt, err := a.PasskeySalt(pass)
	if err != nil || salt == "" {
		t.Fatalf("PasskeySalt = %q, %v", salt, err)
	}
	id := b64.EncodeToString([]byte("credential"))
	prf := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	wantCode(t, a.AddPasskey("not the passphrase", id, prf(7)), CodeWrongPassphrase)
	given := prf(7)
	if err := a.AddPasskey(pass, id, given); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(given, make([]byte, 32)) {
		t.Fatal("AddPasskey did not wipe the PRF output")
	}
	a.Lock()

	b := newTestApp(t, st)
	info, err := b.Passkeys()
	if err != nil || info.Salt != salt || len(info.Passkeys) != 1 || info.Passkeys[0].ID != id || info.Passkeys[0].AddedMs != float64(t0.UnixMilli()) {
		t.Fatalf("Passkeys while locked = %+v, %v", info, err)
	}
	wantCode(t, b.UnlockWithPasskey(id, prf(8)), CodePasskeyRefused)
	wantCode(t, b.UnlockWithPasskey(b64.EncodeToString([]byte("other")), prf(7)), CodePasskeyUnknown)
	wantCode(t, b.UnlockWithPasskey("not base64!", prf(7)), CodeBadArgument)
	if s, _ := b.Status(); s.Unlocked {
		t.Fatal("unlocked after refused passkeys")
	}
	given = prf(7)
	if err := b.UnlockWithPasskey(id, given); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(given, make([]byte, 32)) {
		t.Fatal("UnlockWithPasskey did not wipe the PRF output")
	}
	if list, err := b.List(); err != nil || len(list) != 1 {
		t.Fatalf("accounts after passkey unlock: %v, %v", list, err)
	}
	if err := b.RemovePasskey(id); err != nil {
		t.Fatal(err)
	}
	b.Lock()
	wantCode(t, b.UnlockWithPasskey(id, prf(7)), CodePasskeyUnknown)
	if err := b.Unlock(pass); err != nil {
		t.Fatalf("passphrase after the passkey was removed: %v", err)
	}
}
