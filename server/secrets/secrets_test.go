package secrets

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestSealOpenRoundTrip(t *testing.T) {
	k, err := NewKeyring(rand.Reader, testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("12345678901234567890")
	id, sealed, err := k.Seal(secret, []byte("totp_device:dev_a:usr_a"))
	if err != nil {
		t.Fatal(err)
	}
	if id != KeyID(testKey(1)) || id != k.PrimaryID() {
		t.Fatalf("key id %q, want primary %q", id, k.PrimaryID())
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := k.Open(id, sealed, []byte("totp_device:dev_a:usr_a"))
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

// Invariant 1: the row's identity is the associated data, so a ciphertext
// moved to another row (or tampered with) does not open.
func TestInvariant1_CiphertextBoundToRow(t *testing.T) {
	k, _ := NewKeyring(rand.Reader, testKey(1))
	id, sealed, _ := k.Seal([]byte("seed"), []byte("totp_device:dev_a:usr_a"))
	for name, tc := range map[string]struct {
		id     string
		sealed []byte
		aad    string
	}{
		"other row":   {id, sealed, "totp_device:dev_b:usr_a"},
		"other user":  {id, sealed, "totp_device:dev_a:usr_b"},
		"tampered":    {id, append(append([]byte{}, sealed[:len(sealed)-1]...), sealed[len(sealed)-1]^1), "totp_device:dev_a:usr_a"},
		"truncated":   {id, sealed[:10], "totp_device:dev_a:usr_a"},
		"unknown key": {"0000000000000000", sealed, "totp_device:dev_a:usr_a"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := k.Open(tc.id, tc.sealed, []byte(tc.aad)); err == nil {
				t.Fatal("opened")
			}
		})
	}
}

func TestKeyringRotation(t *testing.T) {
	old, _ := NewKeyring(rand.Reader, testKey(1))
	id, sealed, _ := old.Seal([]byte("seed"), []byte("row"))
	both, err := NewKeyring(rand.Reader, testKey(2), testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := both.Open(id, sealed, []byte("row")); err != nil || string(got) != "seed" {
		t.Fatalf("old key not readable: %v", err)
	}
	newID, _, _ := both.Seal([]byte("seed"), []byte("row"))
	if newID == id || newID != KeyID(testKey(2)) {
		t.Fatalf("sealed under %q, want new primary", newID)
	}
	if _, err := NewKeyring(rand.Reader, []byte("short")); !errors.Is(err, ErrKeyLength) {
		t.Fatalf("short key: %v", err)
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "master.key")
	key, created, err := LoadOrCreateKeyFile(path, rand.Reader)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", info.Mode().Perm(), err)
	}
	again, created, err := LoadOrCreateKeyFile(path, rand.Reader)
	if err != nil || created || !bytes.Equal(again, key) {
		t.Fatalf("reload: created=%v err=%v", created, err)
	}
	if err := WriteKeyFile(path, key); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("overwrite allowed: %v", err)
	}
	os.Chmod(path, 0o644)
	if _, err := ReadKeyFile(path); !errors.Is(err, ErrKeyFileMode) {
		t.Fatalf("world-readable key accepted: %v", err)
	}
	for _, bad := range []string{"", "not base64!", EncodeKey([]byte("short"))} {
		if _, err := DecodeKey(bad); !errors.Is(err, ErrKeyFormat) {
			t.Fatalf("DecodeKey(%q) = %v", bad, err)
		}
	}
}
