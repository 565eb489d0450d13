package credential

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"strings"
)

// Recovery codes are 16 symbols of Crockford's base32 (digits and upper-case
// letters without I, L, O, U), 80 random bits each, shown as XXXX-XXXX-XXXX-XXXX.
// Input is read leniently: any case, spaces and dashes ignored, O read as 0
// and I or L as 1, so nothing a person can mistype between look-alikes
// matters.
const (
	RecoveryCodeCount  = 10
	recoveryLen        = 16
	recoveryAlphabet   = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	recoveryHashDomain = "twofold recovery code v1\x00"
)

// NewRecoveryCodes returns n fresh codes in display form.
func NewRecoveryCodes(rand io.Reader, n int) ([]string, error) {
	codes := make([]string, n)
	raw := make([]byte, recoveryLen)
	for i := range codes {
		if _, err := io.ReadFull(rand, raw); err != nil {
			return nil, fmt.Errorf("credential: recovery code: %w", err)
		}
		var b strings.Builder
		for j, r := range raw {
			if j > 0 && j%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(recoveryAlphabet[r&31]) // 256 is a multiple of 32: no bias
		}
		codes[i] = b.String()
	}
	return codes, nil
}

// NormalizeRecoveryCode returns the canonical 16-symbol form of input.
func NormalizeRecoveryCode(input string) (string, error) {
	var b strings.Builder
	for _, r := range input {
		switch {
		case r == ' ' || r == '-':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(recoveryAlphabet, r) {
			return "", ErrRecoveryFormat
		}
		if b.Len() == recoveryLen {
			return "", ErrRecoveryFormat
		}
		b.WriteRune(r)
	}
	if b.Len() != recoveryLen {
		return "", ErrRecoveryFormat
	}
	return b.String(), nil
}

// HashRecoveryCode is the stored form of a recovery code. An 80-bit random
// code cannot be found from its SHA-256 by guessing (2^80 trials), so a
// fast hash is enough; a slow one would only slow the server down.
func HashRecoveryCode(input string) ([]byte, error) {
	code, err := NormalizeRecoveryCode(input)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(recoveryHashDomain + code))
	return sum[:], nil
}

// MatchHash returns the index of the stored hash equal to h, or -1. Every
// candidate is compared in constant time, with no early exit.
func MatchHash(h []byte, stored [][]byte) int {
	found := -1
	for i, s := range stored {
		if subtle.ConstantTimeCompare(h, s) == 1 {
			found = i
		}
	}
	return found
}
