package credential

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
)

// TokenBytes is the entropy of a session token: 256 bits.
const TokenBytes = 32

var tokenEncoding = base64.RawURLEncoding

// NewToken returns a fresh token (URL-safe base64 of 32 random bytes), for
// the client, and its SHA-256, the only form the server stores.
func NewToken(rand io.Reader) (token string, hash []byte, err error) {
	raw := make([]byte, TokenBytes)
	if _, err := io.ReadFull(rand, raw); err != nil {
		return "", nil, fmt.Errorf("credential: token: %w", err)
	}
	token = tokenEncoding.EncodeToString(raw)
	return token, HashToken(token), nil
}

// HashToken is the stored form of a token. Tokens carry 256 random bits, so
// one SHA-256 is enough: there is nothing for a slow hash to protect.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// ValidTokenSyntax reports whether s looks like a token NewToken made, so a
// garbage cookie is refused before any lookup.
func ValidTokenSyntax(s string) bool {
	if len(s) != tokenEncoding.EncodedLen(TokenBytes) {
		return false
	}
	_, err := tokenEncoding.DecodeString(s)
	return err == nil
}
