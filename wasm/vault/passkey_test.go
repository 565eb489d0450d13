package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/wasm/storage"
)

// A credential as the page hands it over: its id and its PRF output on the
// vault's salt. A real authenticator's output depends on the salt; these
// tests stand for one evaluation, which is all the vault sees.
type credential struct{ id, prf []byte }

var (
	touchID  = credential{[]byte("credential-touch-id"), bytes.Repeat([]byte{0x11}, PRFSize)}
	yubikey  = credential{[]byte("credential-yubikey"), bytes.Repeat([]byte{0x22}, PRFSize)}
	stranger = credential{[]byte("credential-stranger"), bytes.Repeat([]byte{0x33}, PRFSize)}
	added    = time.UnixMilli(1764547200000) // 2025-12-01
)

// snapshot copies every blob of st, to check that nothing was written.
func snapshot(st *storage.Memory) map[string]string {
	out := map[string]string{}
	for _, name := range []string{pointerName, generationName(1), generationName(2), generationName(3), generationName(4)} {
		if b, err := st.Get(name); err == nil {
			out[name] = string(b)
		}
	}
	return out
}

func addPasskey(t *testing.T, v *Vault, c credential, plaintext string) {
	t.Helper()
	if _, err := v.PasskeySalt(); err != nil {
		t.Fatal(err)
	}
	if err := v.AddPasskey(pass, c.id, c.prf, added, []byte(plaintext)); err != nil {
		t.Fatalf("AddPasskey(%s): %v", c.id, err)
	}
}

func unlockWith(t *testing.T, st storage.Storage, c credential) (string, error) {
	t.Helper()
	v, plain, err := UnlockWithPasskey(st, c.id, c.prf, testConfig(6))
	if err != nil {
		if v != nil || plain != nil {
			t.Fatalf("UnlockWithPasskey failed with %v but returned a vault or contents", err)
		}
		return "", err
	}
	v.Lock()
	return string(plain), nil
}

// withPasskey is a vault holding "the seeds" with the Touch ID passkey.
func withPasskey(t *testing.T) (*storage.Memory, *Vault) {
	t.Helper()
	st := storage.NewMemory()
	v := mustCreate(t, st, "the seeds")
	addPasskey(t, v, touchID, "the seeds")
	return st, v
}

func TestPasskeyUnlock(t *testing.T) {
	st := storage.NewMemory()
	v := mustCreate(t, st, "the seeds")
	if salt, keys, err := Passkeys(st); err != nil || salt != nil || keys != nil {
		t.Fatalf("Passkeys of a new vault = %x, %v, %v; want none", salt, keys, err)
	}
	salt, err := v.PasskeySalt()
	if err != nil || len(salt) != PRFSize {
		t.Fatalf("PasskeySalt = %x, %v", salt, err)
	}
	if again, _ := v.PasskeySalt(); !bytes.Equal(again, salt) {
		t.Fatal("PasskeySalt changed before AddPasskey stored it")
	}
	if err := v.AddPasskey(pass, touchID.id, touchID.prf, added, []byte("the seeds")); err != nil {
		t.Fatal(err)
	}
	_, blob := currentBlob(t, st)
	if blob[5] != VersionPasskeys {
		t.Fatalf("a vault with a passkey is version %d, want %d", blob[5], VersionPasskeys)
	}
	stored, keys, err := Passkeys(st)
	if err != nil || !bytes.Equal(stored, salt) || len(keys) != 1 || !bytes.Equal(keys[0].CredentialID, touchID.id) || !keys[0].Added.Equal(added) {
		t.Fatalf("Passkeys = %x, %+v, %v; want the salt and Touch ID added %v", stored, keys, err, added)
	}

	if got, err := unlockWith(t, st, touchID); err != nil || got != "the seeds" {
		t.Fatalf("UnlockWithPasskey = %q, %v", got, err)
	}
	if got := mustUnlock(t, st, pass); got != "the seeds" {
		t.Fatalf("passphrase after adding a passkey: %q", got)
	}

	// A session opened by passkey saves like any other, and a second
	// passkey opens the same vault.
	w, _, err := UnlockWithPasskey(st, touchID.id, touchID.prf, testConfig(7))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Save([]byte("more seeds")); err != nil {
		t.Fatal(err)
	}
	addPasskey(t, w, yubikey, "more seeds")
	if salt2, _ := w.PasskeySalt(); !bytes.Equal(salt2, salt) {
		t.Fatal("the second passkey changed the vault's PRF salt")
	}
	for _, c := range []credential{touchID, yubikey} {
		if got, err := unlockWith(t, st, c); err != nil || got != "more seeds" {
			t.Fatalf("%s: %q, %v", c.id, got, err)
		}
	}
	if n := len(w.Passkeys()); n != 2 {
		t.Fatalf("%d passkeys listed, want 2", n)
	}
	if err := w.AddPasskey(pass, yubikey.id, yubikey.prf, added, []byte("more seeds")); !errors.Is(err, ErrPasskeyExists) {
		t.Fatalf("adding a passkey twice: %v, want ErrPasskeyExists", err)
	}
}

// TestPasskeyRefusedChangesNothing: a wrong PRF output, another
// credential's, an unknown credential, and a vault with no passkey are
// each refused with their own error, and no blob is written.
func TestPasskeyRefusedChangesNothing(t *testing.T) {
	st, _ := withPasskey(t)
	before := snapshot(st)
	for _, tc := range []struct {
		name string
		c    credential
		want error
	}{
		{"wrong PRF output", credential{touchID.id, yubikey.prf}, ErrPasskeyRefused},
		{"PRF output of another salt", credential{touchID.id, bytes.Repeat([]byte{0x12}, PRFSize)}, ErrPasskeyRefused},
		{"short PRF output", credential{touchID.id, touchID.prf[:16]}, ErrPasskeyRefused},
		{"unknown credential", stranger, ErrPasskeyUnknown},
		{"another credential's id", credential{yubikey.id, touchID.prf}, ErrPasskeyUnknown},
		{"empty credential id", credential{nil, touchID.prf}, ErrPasskeyUnknown},
	} {
		if _, err := unlockWith(t, st, tc.c); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if msg := errorText(tc.want); !strings.Contains(msg, "passphrase") {
			t.Errorf("%s: the message %q does not point to the passphrase", tc.name, msg)
		}
	}
	if after := snapshot(st); !maps.Equal(before, after) {
		t.Fatal("a refused passkey changed the stored vault")
	}
	if got := mustUnlock(t, st, pass); got != "the seeds" {
		t.Fatalf("passphrase after refused passkeys: %q", got)
	}

	plain := storage.NewMemory()
	mustCreate(t, plain, "x")
	if _, err := unlockWith(t, plain, touchID); !errors.Is(err, ErrPasskeyUnknown) {
		t.Fatalf("vault without passkeys: %v, want ErrPasskeyUnknown", err)
	}
}

func errorText(err error) string { return err.Error() }

// TestAddPasskeyNeedsPassphrase: adding a passkey checks the passphrase and
// writes nothing when it is wrong, or when the vault is full.
func TestAddPasskeyNeedsPassphrase(t *testing.T) {
	st := storage.NewMemory()
	v := mustCreate(t, st, "the seeds")
	if err := v.AddPasskey(pass, touchID.id, touchID.prf, added, []byte("the seeds")); err == nil {
		t.Fatal("AddPasskey without PasskeySalt first was accepted")
	}
	before := snapshot(st)
	if _, err := v.PasskeySalt(); err != nil {
		t.Fatal(err)
	}
	if err := v.AddPasskey(other, touchID.id, touchID.prf, added, []byte("the seeds")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	if !maps.Equal(before, snapshot(st)) {
		t.Fatal("a refused AddPasskey wrote")
	}
	for i := range MaxPasskeys {
		c := credential{[]byte{'k', byte(i)}, touchID.prf}
		if err := v.AddPasskey(pass, c.id, c.prf, added, []byte("the seeds")); err != nil {
			t.Fatal(err)
		}
	}
	before = snapshot(st)
	if err := v.AddPasskey(pass, stranger.id, stranger.prf, added, []byte("the seeds")); !errors.Is(err, ErrPasskeyLimit) {
		t.Fatalf("passkey %d: %v, want ErrPasskeyLimit", MaxPasskeys+1, err)
	}
	if !maps.Equal(before, snapshot(st)) {
		t.Fatal("a refused AddPasskey wrote")
	}
	v.Lock()
	if err := v.AddPasskey(pass, stranger.id, stranger.prf, added, nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("locked: %v", err)
	}
}

// TestAddPasskeyOfAnotherSalt: two tabs add a first passkey at once; the
// one whose PRF was evaluated on a salt the vault no longer takes is
// refused (ErrStale, nothing written), rather than storing a slot that
// could never open, and succeeds once it asks for the salt again.
func TestAddPasskeyOfAnotherSalt(t *testing.T) {
	st := storage.NewMemory()
	mustCreate(t, st, "x").Lock()
	a, b := openTwice(t, st)
	if _, err := b.PasskeySalt(); err != nil { // b draws its own salt
		t.Fatal(err)
	}
	addPasskey(t, a, touchID, "x")
	if _, _, err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	before := snapshot(st)
	if err := b.AddPasskey(pass, yubikey.id, yubikey.prf, added, []byte("x")); !errors.Is(err, ErrStale) {
		t.Fatalf("a passkey of the old salt: %v, want ErrStale", err)
	}
	if !maps.Equal(before, snapshot(st)) {
		t.Fatal("a refused AddPasskey wrote")
	}
	addPasskey(t, b, yubikey, "x")
	for _, c := range []credential{touchID, yubikey} {
		if got, err := unlockWith(t, st, c); err != nil || got != "x" {
			t.Fatalf("%s: %q, %v", c.id, got, err)
		}
	}
}

func TestRemovePasskey(t *testing.T) {
	st, v := withPasskey(t)
	addPasskey(t, v, yubikey, "the seeds")
	if err := v.RemovePasskey(touchID.id, []byte("the seeds")); err != nil {
		t.Fatal(err)
	}
	if _, err := unlockWith(t, st, touchID); !errors.Is(err, ErrPasskeyUnknown) {
		t.Fatalf("removed passkey: %v, want ErrPasskeyUnknown", err)
	}
	if got, err := unlockWith(t, st, yubikey); err != nil || got != "the seeds" {
		t.Fatalf("remaining passkey: %q, %v", got, err)
	}
	if err := v.RemovePasskey(touchID.id, []byte("the seeds")); !errors.Is(err, ErrPasskeyUnknown) {
		t.Fatalf("removing twice: %v", err)
	}
	salt, _ := v.PasskeySalt()
	if err := v.RemovePasskey(yubikey.id, []byte("the seeds")); err != nil {
		t.Fatal(err)
	}
	stored, keys, err := Passkeys(st)
	if err != nil || len(keys) != 0 || !bytes.Equal(stored, salt) {
		t.Fatalf("after removing the last: %x, %v, %v; want the salt kept and no passkey", stored, keys, err)
	}
	if got := mustUnlock(t, st, pass); got != "the seeds" {
		t.Fatalf("passphrase after removing every passkey: %q", got)
	}
	// The passkey is gone from the vault even if the slot's bytes are
	// remembered: the credential's output finds nothing to open.
	if _, err := unlockWith(t, st, yubikey); !errors.Is(err, ErrPasskeyUnknown) {
		t.Fatalf("after removing the last: %v", err)
	}
}

// TestPasskeySurvivesPassphraseChange: the slots wrap the master key, which
// a passphrase change keeps; the old passphrase no longer opens.
func TestPasskeySurvivesPassphraseChange(t *testing.T) {
	st, v := withPasskey(t)
	if err := v.ChangePassphrase(pass, other, []byte("the seeds")); err != nil {
		t.Fatal(err)
	}
	if got, err := unlockWith(t, st, touchID); err != nil || got != "the seeds" {
		t.Fatalf("passkey after a passphrase change: %q, %v", got, err)
	}
	if got := mustUnlock(t, st, other); got != "the seeds" {
		t.Fatalf("new passphrase: %q", got)
	}
	if _, _, err := Unlock(st, pass, testConfig(2)); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase: %v", err)
	}
}

// TestOldVaultStillOpens: an envelope written by the version before passkeys
// (testdata/vault-v1.hex, from that code) opens, saves as version 1 while it
// has no passkey, and takes a passkey.
func TestOldVaultStillOpens(t *testing.T) {
	h, err := os.ReadFile("testdata/vault-v1.hex")
	if err != nil {
		t.Fatal(err)
	}
	blob, err := hex.DecodeString(strings.TrimSpace(string(h)))
	if err != nil {
		t.Fatal(err)
	}
	st := storage.NewMemory()
	_ = st.Put(pointerName, []byte("1"))
	_ = st.Put(generationName(1), blob)
	v, plain, err := Unlock(st, pass, testConfig(2))
	if err != nil || string(plain) != "contents of a version 1 vault" {
		t.Fatalf("Unlock(version 1) = %q, %v", plain, err)
	}
	if err := v.Save(plain); err != nil {
		t.Fatal(err)
	}
	if _, b := currentBlob(t, st); b[5] != Version {
		t.Fatalf("a vault without passkeys saved as version %d", b[5])
	}
	addPasskey(t, v, touchID, string(plain))
	if got, err := unlockWith(t, st, touchID); err != nil || got != string(plain) {
		t.Fatalf("passkey on a converted vault: %q, %v", got, err)
	}
	if got := mustUnlock(t, st, pass); got != string(plain) {
		t.Fatalf("passphrase on a converted vault: %q", got)
	}
	backup, err := SealBackup(pass, plain, testConfig(3))
	if err != nil || backup[5] != Version {
		t.Fatalf("a backup file is version %d (%v), want %d", backup[5], err, Version)
	}
}

// TestPasskeyVaultTampering: every byte flip of a version 2 vault is
// damage for both doors; every edit with a fixed checksum is refused by
// one AEAD or another, never decrypted.
func TestPasskeyVaultTampering(t *testing.T) {
	st, v := withPasskey(t)
	addPasskey(t, v, yubikey, "the seeds")
	name, blob := currentBlob(t, st)
	for i := range blob {
		damaged := bytes.Clone(blob)
		damaged[i] ^= 0x01
		_ = st.Put(name, damaged)
		want := ErrTampered
		if i < len(magic) {
			want = ErrNotVault
		}
		if _, err := unlockWith(t, st, touchID); !errors.Is(err, want) {
			t.Fatalf("byte %d flipped, passkey: %v, want %v", i, err, want)
		}
	}
	body := blob[:len(blob)-checksumSize]
	for i := len(magic) + 2; i < len(body); i++ {
		edited := bytes.Clone(body)
		edited[i] ^= 0x01
		sum := sha256.Sum256(edited)
		_ = st.Put(name, append(edited, sum[:]...))
		for _, c := range []credential{touchID, yubikey} {
			if _, err := unlockWith(t, st, c); err == nil {
				t.Fatalf("byte %d edited with a fixed checksum opened with %s", i, c.id)
			} else if !isEnvelopeError(err) {
				t.Fatalf("byte %d, %s: unexpected error %v", i, c.id, err)
			}
		}
		if _, plain, err := Unlock(st, pass, testConfig(2)); err == nil || plain != nil {
			t.Fatalf("byte %d edited with a fixed checksum opened with the passphrase", i)
		}
	}
	// A backup file never has a passkey section.
	_ = st.Put(name, blob)
	backupLike := bytes.Clone(body)
	backupLike[4] = byte(KindBackup)
	if _, err := OpenBackup(fixChecksum(append(backupLike, make([]byte, checksumSize)...)), pass); !errors.Is(err, ErrTampered) {
		t.Fatalf("a version 2 backup: %v, want ErrTampered", err)
	}
}

// TestReloadTakesOnPasskeyAddedElsewhere: a tab that was unlocked before
// another tab added (or removed) a passkey follows, without locking, and its
// next save keeps the passkey.
func TestReloadTakesOnPasskeyAddedElsewhere(t *testing.T) {
	st := storage.NewMemory()
	mustCreate(t, st, "x").Lock()
	a, b := openTwice(t, st)
	addPasskey(t, a, touchID, "x") // version 1 to 2: the passphrase wrap is re-made
	if _, changed, err := b.Reload(); err != nil || !changed {
		t.Fatalf("Reload after a passkey was added elsewhere: %v, %v", changed, err)
	}
	if err := b.Save([]byte("y")); err != nil {
		t.Fatal(err)
	}
	if got, err := unlockWith(t, st, touchID); err != nil || got != "y" {
		t.Fatalf("passkey after the other tab saved: %q, %v", got, err)
	}
	if _, changed, err := a.Reload(); err != nil || !changed {
		t.Fatalf("Reload: %v, %v", changed, err)
	}
	if err := a.RemovePasskey(touchID.id, []byte("y")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Reload(); err != nil {
		t.Fatalf("Reload after a passkey was removed elsewhere: %v", err)
	}
	if n := len(b.Passkeys()); n != 0 {
		t.Fatalf("%d passkeys after reload, want 0", n)
	}
}

func passkeySeeds(f *testing.F) [][]byte {
	st := storage.NewMemory()
	v, err := Create(st, pass, []byte(`{"accounts":[]}`), testConfig(1))
	if err != nil {
		f.Fatal(err)
	}
	if _, err := v.PasskeySalt(); err != nil {
		f.Fatal(err)
	}
	if err := v.AddPasskey(pass, touchID.id, touchID.prf, added, []byte(`{"accounts":[]}`)); err != nil {
		f.Fatal(err)
	}
	_, blob, _ := readCurrentBlob(st)
	edit := func(at int, b ...byte) []byte {
		e := bytes.Clone(blob)
		copy(e[at:], b)
		return fixChecksum(e)
	}
	const section = 93 // after the wrapped key, with a 16-byte salt
	return [][]byte{
		blob,
		edit(section+PRFSize, MaxPasskeys+1), // too many slots
		edit(section+PRFSize+1, 0, 0),        // an empty credential id
		edit(section+PRFSize+1, 0xff, 0xff),  // a credential id past the end
		edit(section+PRFSize+3, blob[section+PRFSize+3]^1), // an edited credential id
	}
}

func readCurrentBlob(st storage.Storage) (uint64, []byte, error) {
	gen, err := readPointer(st)
	if err != nil {
		return 0, nil, err
	}
	b, err := st.Get(generationName(gen))
	return gen, b, err
}

// FuzzUnlockWithPasskey: whatever the stored envelope, a passkey unlock
// either opens it or fails with an envelope error, and writes nothing.
func FuzzUnlockWithPasskey(f *testing.F) {
	for _, s := range append(envelopeSeeds(f), passkeySeeds(f)...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, blob := range [][]byte{data, fixChecksum(data)} {
			st := storage.NewMemory()
			_ = st.Put(pointerName, []byte("1"))
			_ = st.Put(generationName(1), blob)
			v, plain, err := UnlockWithPasskey(st, touchID.id, touchID.prf, testConfig(4))
			if err != nil {
				if v != nil || plain != nil || !isEnvelopeError(err) {
					t.Fatalf("UnlockWithPasskey = %v, %q, %v; want nil, nil and an envelope error", v, plain, err)
				}
				if b, _ := st.Get(generationName(1)); !bytes.Equal(b, blob) {
					t.Fatal("a failed unlock changed the envelope")
				}
				continue
			}
			v.Lock()
		}
	})
}

// BenchmarkUnlockWithPasskey measures an unlock by passkey natively: HKDF
// and two AES-GCM opens, no Argon2 (compare BenchmarkUnlock).
func BenchmarkUnlockWithPasskey(b *testing.B) {
	st := storage.NewMemory()
	v, err := Create(st, pass, make([]byte, 4096), Config{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := v.PasskeySalt(); err != nil {
		b.Fatal(err)
	}
	if err := v.AddPasskey(pass, touchID.id, touchID.prf, added, make([]byte, 4096)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		v, _, err := UnlockWithPasskey(st, touchID.id, touchID.prf, Config{})
		if err != nil {
			b.Fatal(err)
		}
		v.Lock()
	}
}
