package vault

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/twofold-auth/twofold/wasm/storage"
)

// Fuzz targets for the two envelopes: a backup file (OpenBackup, from a
// file the person picks) and the vault (Unlock, from the browser's
// storage). A fuzzer cannot forge the trailing SHA-256, so each input is
// tried as given and again with its checksum recomputed, which reaches the
// field parsing, the parameter bounds and the AEADs. The seeds are written
// with testParams (Argon2 at its minimum); an input whose stored parameters
// would cost more than fuzzCheap is only parsed, not opened: its cost is
// what the bounds in params.go allow (at most 256 MiB, and 16 times the default's work), the
// same code for any bytes, and would make one run take seconds.

// envelopeErrors are the errors opening an envelope may return.
var envelopeErrors = []error{ErrNotVault, ErrNotBackup, ErrTampered, ErrUnsupportedVersion, ErrWrongPassphrase, ErrNoVault, ErrPasskeyUnknown, ErrPasskeyRefused}

func isEnvelopeError(err error) bool {
	for _, e := range envelopeErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// fixChecksum returns blob with its last 32 bytes replaced by the SHA-256
// of the rest (blob itself when it is too short to have a checksum).
func fixChecksum(blob []byte) []byte {
	if len(blob) < frameSize {
		return blob
	}
	body := bytes.Clone(blob[:len(blob)-checksumSize])
	sum := sha256.Sum256(body)
	return append(body, sum[:]...)
}

// fuzzCheap reports whether opening blob as kind runs Argon2 at a cost a
// fuzzer can afford; blobs that do not parse are always cheap (no Argon2).
func fuzzCheap(blob []byte, kind Kind) bool {
	p, err := parse(blob, kind)
	return err != nil || p.params.MemoryKiB <= 256 && p.params.Time <= 4
}

// envelopeSeeds are the seeds both targets share: valid envelopes of both
// kinds, the other passphrase's, damaged, truncated, another version, and
// edits with a recomputed checksum (parameters out of bounds, a short salt).
func envelopeSeeds(f *testing.F) [][]byte {
	st := storage.NewMemory()
	if _, err := Create(st, pass, []byte(`{"accounts":[]}`), testConfig(1)); err != nil {
		f.Fatal(err)
	}
	vaultBlob, err := st.Get(generationName(1))
	if err != nil {
		f.Fatal(err)
	}
	backup, err := SealBackup(pass, []byte(`{"accounts":[]}`), testConfig(2))
	if err != nil {
		f.Fatal(err)
	}
	otherBackup, err := SealBackup(other, nil, testConfig(3))
	if err != nil {
		f.Fatal(err)
	}
	edit := func(blob []byte, at int, b ...byte) []byte {
		e := bytes.Clone(blob)
		copy(e[at:], b)
		return fixChecksum(e)
	}
	seeds := [][]byte{vaultBlob, backup, otherBackup}
	for _, blob := range [][]byte{vaultBlob, backup} {
		damaged := bytes.Clone(blob)
		damaged[len(blob)/2] ^= 1
		seeds = append(seeds,
			damaged,
			blob[:len(blob)-1],
			blob[:frameSize],
			edit(blob, 5, Version+1),              // another version
			edit(blob, 6, 2),                      // another KDF
			edit(blob, 7, 0xff, 0xff, 0xff, 0xff), // memory over the bound
			edit(blob, 11, 0, 0, 0, 0),            // zero passes
			edit(blob, 16, 8),                     // a short salt
			edit(blob, len(blob)-checksumSize-1, blob[len(blob)-checksumSize-1]^1), // an edited ciphertext
		)
	}
	return append(seeds, []byte{}, []byte("TWFD"), []byte("otpauth://totp/x?secret=AAAA"))
}

func FuzzOpenBackup(f *testing.F) {
	for _, s := range envelopeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, blob := range [][]byte{data, fixChecksum(data)} {
			if !fuzzCheap(blob, KindBackup) {
				continue
			}
			in := bytes.Clone(blob)
			plain, err := OpenBackup(blob, pass)
			if !bytes.Equal(in, blob) {
				t.Fatal("OpenBackup changed its input")
			}
			if err != nil {
				if plain != nil || !isEnvelopeError(err) {
					t.Fatalf("OpenBackup = %q, %v; want nil and an envelope error", plain, err)
				}
				continue
			}
			// Only a backup sealed with pass opens; it opens the same way
			// again and refuses the other passphrase.
			if again, err := OpenBackup(blob, pass); err != nil || !bytes.Equal(again, plain) {
				t.Fatalf("second open: %q, %v; first %q", again, err, plain)
			}
			if _, err := OpenBackup(blob, other); !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("other passphrase: %v", err)
			}
		}
	})
}

func FuzzUnlock(f *testing.F) {
	for _, s := range append(envelopeSeeds(f), passkeySeeds(f)...) {
		f.Add([]byte("1"), s)
	}
	f.Add([]byte("0"), []byte{})
	f.Add([]byte("2"), []byte{})
	f.Add([]byte("-1"), []byte{})
	f.Add([]byte("18446744073709551616"), []byte{})
	f.Fuzz(func(t *testing.T, pointer, data []byte) {
		for _, blob := range [][]byte{data, fixChecksum(data)} {
			if !fuzzCheap(blob, KindVault) {
				continue
			}
			st := storage.NewMemory()
			_ = st.Put(pointerName, pointer)
			_ = st.Put(generationName(1), blob)
			v, plain, err := Unlock(st, pass, testConfig(4))
			if err != nil {
				if v != nil || plain != nil || !isEnvelopeError(err) {
					t.Fatalf("Unlock = %v, %q, %v; want nil, nil and an envelope error", v, plain, err)
				}
				if p, _ := st.Get(pointerName); !bytes.Equal(p, pointer) {
					t.Fatal("a failed unlock moved the pointer")
				}
				if b, _ := st.Get(generationName(1)); !bytes.Equal(b, blob) {
					t.Fatal("a failed unlock changed the envelope")
				}
				continue
			}
			// An unlocked vault saves and unlocks again with the same
			// contents, in the next generation.
			if err := v.Save(plain); err != nil {
				t.Fatalf("Save: %v", err)
			}
			v.Lock()
			v2, again, err := Unlock(st, pass, testConfig(5))
			if err != nil || !bytes.Equal(again, plain) {
				t.Fatalf("after Save: %q, %v; want %q", again, err, plain)
			}
			v2.Lock()
		}
	})
}
