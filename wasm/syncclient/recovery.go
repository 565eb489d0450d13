package syncclient

import (
	"crypto/hkdf"
	"crypto/sha256"
	"io"
	"strings"

	"github.com/twofold-auth/twofold/shared/errcode"
)

// RecoveryKeySize is the recovery key's entropy in bytes (128 bits).
const RecoveryKeySize = 16

// crockford is Crockford's base32 alphabet (no I, L, O, U).
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// RecoveryKey is R: 16 random bytes, shown once at setup as 26 characters
// of Crockford base32 and 2 check characters (RecoveryKey.String).
type RecoveryKey [RecoveryKeySize]byte

// NewRecoveryKey draws a recovery key from rnd.
func NewRecoveryKey(rnd io.Reader) (RecoveryKey, error) {
	var r RecoveryKey
	_, err := io.ReadFull(rnd, r[:])
	return r, err
}

// check is the 2 check characters: the first 10 bits of
// SHA-256("twofold-sync-recovery-check-v1" ‖ R) in Crockford base32. A
// mistyped character is caught 1023 times in 1024.
func (r RecoveryKey) check() string {
	h := sha256.Sum256(append([]byte("twofold-sync-recovery-check-v1"), r[:]...))
	v := int(h[0])<<2 | int(h[1])>>6
	return string([]byte{crockford[v>>5], crockford[v&31]})
}

// String is the printable form: 28 characters in groups of four,
// "XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX" (26 of R, the 130 bits of which end
// with two zeros, then 2 check characters).
func (r RecoveryKey) String() string {
	var chars []byte
	var acc, bits uint
	for _, b := range r {
		acc = acc<<8 | uint(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			chars = append(chars, crockford[(acc>>bits)&31])
		}
	}
	chars = append(chars, crockford[(acc<<(5-bits))&31]) // 128 = 25×5 + 3
	chars = append(chars, r.check()...)
	var b strings.Builder
	for i, c := range chars {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// ErrRecoveryKey is a recovery key that is not 28 characters of the
// alphabet or whose check characters do not match (a typo).
var ErrRecoveryKey = errcode.New("sync_recovery_key", "this is not the recovery key: check each character (it has 28, in 7 groups of 4)")

// ParseRecoveryKey reads a recovery key as typed: any case, spaces and
// dashes ignored, O read as 0 and I, L as 1 (Crockford's rule).
func ParseRecoveryKey(s string) (RecoveryKey, error) {
	var r RecoveryKey
	var vals []uint
	for _, c := range strings.ToUpper(s) {
		switch c {
		case ' ', '-', '\t', '\n', '\r':
			continue
		case 'O':
			c = '0'
		case 'I', 'L':
			c = '1'
		}
		i := strings.IndexRune(crockford, c)
		if i < 0 {
			return r, ErrRecoveryKey
		}
		vals = append(vals, uint(i))
	}
	if len(vals) != 28 {
		return r, ErrRecoveryKey
	}
	var acc, bits uint
	n := 0
	for _, v := range vals[:26] {
		acc = acc<<5 | v
		bits += 5
		if bits >= 8 {
			bits -= 8
			if n < RecoveryKeySize {
				r[n] = byte(acc >> bits)
				n++
			}
		}
	}
	if acc&((1<<bits)-1) != 0 { // the 2 trailing bits are zero
		return RecoveryKey{}, ErrRecoveryKey
	}
	if r.check() != string([]byte{crockford[vals[26]], crockford[vals[27]]}) {
		return RecoveryKey{}, ErrRecoveryKey
	}
	return r, nil
}

// derive is HKDF-SHA256(R, salt "twofold-sync-recovery-v1", info, 32).
func (r RecoveryKey) derive(info string) ([]byte, error) {
	return hkdf.Key(sha256.New, r[:], []byte(saltRecovery), info, 32)
}

// SigningSeed is the recovery signing key's Ed25519 seed.
func (r RecoveryKey) SigningSeed() ([]byte, error) { return r.derive("sign") }

// WrapPrivate is the recovery wrap key's X25519 private key.
func (r RecoveryKey) WrapPrivate() ([]byte, error) { return r.derive("wrap") }
