package credential

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the Argon2id cost parameters. They are written into every
// hash, so raising them later leaves old hashes verifiable.
type Argon2Params struct {
	MemoryKiB uint32 // memory in KiB
	Time      uint32 // passes
	Threads   uint8
	SaltLen   uint32
	KeyLen    uint32
}

// DefaultArgon2 is OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane.
var DefaultArgon2 = Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds a stored hash must respect before Verify spends resources on it.
const (
	maxMemoryKiB = 1 << 21 // 2 GiB
	maxTime      = 64
	maxKeyLen    = 128
)

// HashPassword hashes password with a fresh salt from rand and returns the
// PHC string "$argon2id$v=19$m=...,t=...,p=...$salt$hash".
func HashPassword(rand io.Reader, password string, p Argon2Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return "", fmt.Errorf("credential: salt: %w", err)
	}
	sum := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// ParsePHC reads the parameters, salt and hash of an argon2id PHC string.
func ParsePHC(phc string) (p Argon2Params, salt, sum []byte, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrHashFormat
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, ErrHashFormat
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &threads); err != nil {
		return p, nil, nil, ErrHashFormat
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, ErrHashFormat
	}
	if sum, err = b64.DecodeString(parts[5]); err != nil {
		return p, nil, nil, ErrHashFormat
	}
	if p.MemoryKiB < 8 || p.MemoryKiB > maxMemoryKiB || p.Time < 1 || p.Time > maxTime ||
		threads < 1 || threads > 255 || len(sum) < 16 || len(sum) > maxKeyLen || len(salt) < 8 {
		return p, nil, nil, ErrHashParams
	}
	p.Threads = uint8(threads)
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(sum))
	return p, salt, sum, nil
}

// VerifyPassword reports whether password matches the PHC string, comparing
// in constant time with the parameters stored in the hash.
func VerifyPassword(password, phc string) (bool, error) {
	p, salt, sum, err := ParsePHC(phc)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, sum) == 1, nil
}
