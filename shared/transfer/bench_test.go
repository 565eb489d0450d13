package transfer

import (
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
)

// BenchmarkKDF measures each format's key derivation at the parameters the
// apps themselves use; this is the time an import of an encrypted file
// takes before anything else (docs/import-formats.md has the figures).
// Tests use smaller parameters where the file stores them (Aegis, andOTP).
func BenchmarkKDF(b *testing.B) {
	pw, salt := []byte(password), make([]byte, 32)
	for _, bm := range []struct {
		name string
		kdf  func()
	}{
		{"aegis scrypt N=2^15 r=8 p=1", func() { scrypt.Key(pw, salt, 1<<15, 8, 1, 32) }},
		{"andotp PBKDF2-SHA1 150000", func() { pbkdf2Key(sha1New, pw, salt[:12], 150000) }},
		{"2fas PBKDF2-SHA256 10000", func() { pbkdf2Key(sha256New, pw, salt, twofasIterations) }},
		{"stratum Argon2id t=3 m=64MiB p=4", func() {
			argon2.IDKey(pw, salt[:16], stratumArgon2.time, stratumArgon2.memoryKiB, stratumArgon2.threads, 32)
		}},
		{"stratum legacy PBKDF2-SHA1 64000", func() { pbkdf2Key(sha1New, pw, salt[:20], stratumLegacyIter) }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				bm.kdf()
			}
		})
	}
}
