package otpauth

import (
	"encoding/base32"
	"strings"
	"unicode"
)

// canonicalBase32 is the form URIs carry: RFC 4648 alphabet, no padding.
var canonicalBase32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// maxEncodedSecret is the number of base32 characters that MaxSecretLength
// bytes take; counting characters lets DecodeSecret stop early on a huge key.
var maxEncodedSecret = canonicalBase32.EncodedLen(MaxSecretLength)

// DecodeSecret normalises a base32 key as a person types it (any case; spaces,
// dashes and missing "=" padding accepted) and decodes it. Any other character
// is a *Base32Error naming its position; an empty key is ErrSecretMissing and
// one over MaxSecretLength bytes ErrSecretLength. "=" is accepted only at the
// end, where padding belongs; a key whose length no byte string has (a
// character missing or one too many) is an error that matches ErrBase32.
func DecodeSecret(typed string) ([]byte, error) {
	var (
		clean      = make([]byte, 0, min(len(typed), maxEncodedSecret))
		pos        = 0 // characters seen, counted from 1 as a person would
		paddingPos = 0 // position of the first "=", 0 if none yet
	)
	for _, r := range typed {
		pos++
		switch {
		case r == '-' || unicode.IsSpace(r):
			// Separators people type or paste; they carry nothing.
		case r == '=':
			if paddingPos == 0 {
				paddingPos = pos
			}
		case 'A' <= r && r <= 'Z', '2' <= r && r <= '7', 'a' <= r && r <= 'z':
			if paddingPos != 0 {
				// Data after padding: the "=" is the misplaced character.
				return nil, &Base32Error{Pos: paddingPos, Char: '='}
			}
			if len(clean) == maxEncodedSecret {
				return nil, ErrSecretLength
			}
			clean = append(clean, byte(unicode.ToUpper(r)))
		default:
			return nil, &Base32Error{Pos: pos, Char: r}
		}
	}
	if len(clean) == 0 {
		return nil, ErrSecretMissing
	}
	switch len(clean) % 8 {
	case 1, 3, 6:
		return nil, errBase32Length
	}
	secret, err := canonicalBase32.DecodeString(string(clean))
	if err != nil {
		// Unreachable: every character and the length were checked above.
		return nil, errBase32Length
	}
	if len(secret) > MaxSecretLength {
		return nil, ErrSecretLength
	}
	return secret, nil
}

// EncodeSecret gives the canonical form of a secret: upper-case base32 with
// no padding, as URIs carry it.
func EncodeSecret(secret []byte) string { return canonicalBase32.EncodeToString(secret) }

// GroupSecret formats a secret for typing by hand: canonical base32 in groups
// of four separated by spaces ("JBSW Y3DP EHPK 3PXP").
func GroupSecret(secret []byte) string {
	encoded := EncodeSecret(secret)
	var b strings.Builder
	b.Grow(len(encoded) + len(encoded)/4)
	for i := 0; i < len(encoded); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(encoded[i:min(i+4, len(encoded))])
	}
	return b.String()
}
