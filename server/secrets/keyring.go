package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// KeySize is the length of a master key: AES-256.
const KeySize = 32

// KeyID names a master key without revealing it: 16 hex digits of a SHA-256
// over a fixed label and the key.
func KeyID(key []byte) string {
	h := sha256.New()
	h.Write([]byte("twofold master key id v1\x00"))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// GenerateKey reads a fresh master key from r (crypto/rand.Reader in
// production).
func GenerateKey(r io.Reader) ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := io.ReadFull(r, key); err != nil {
		return nil, fmt.Errorf("secrets: generate key: %w", err)
	}
	return key, nil
}

// Keyring holds the primary master key, which seals, and any older keys,
// which only open, so a rotation can run while rows under the old key remain.
type Keyring struct {
	rand    io.Reader
	primary string
	aeads   map[string]cipher.AEAD
}

// NewKeyring builds a keyring whose primary key is primary; others stay
// readable. rand supplies the GCM nonces.
func NewKeyring(rand io.Reader, primary []byte, others ...[]byte) (*Keyring, error) {
	k := &Keyring{rand: rand, aeads: make(map[string]cipher.AEAD)}
	for i, key := range append([][]byte{primary}, others...) {
		if len(key) != KeySize {
			return nil, ErrKeyLength
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		id := KeyID(key)
		k.aeads[id] = aead
		if i == 0 {
			k.primary = id
		}
	}
	return k, nil
}

// PrimaryID is the key id new ciphertexts are sealed under.
func (k *Keyring) PrimaryID() string { return k.primary }

// Has reports whether the keyring can open ciphertexts sealed under id.
func (k *Keyring) Has(id string) bool { _, ok := k.aeads[id]; return ok }

// Seal encrypts plaintext under the primary key with aad (the row's
// identity) as associated data. The result is nonce || ciphertext || tag.
func (k *Keyring) Seal(plaintext, aad []byte) (keyID string, sealed []byte, err error) {
	aead := k.aeads[k.primary]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := io.ReadFull(k.rand, nonce); err != nil {
		return "", nil, fmt.Errorf("secrets: nonce: %w", err)
	}
	return k.primary, aead.Seal(nonce, nonce, plaintext, aad), nil
}

// Open decrypts a value sealed under keyID with the same aad. Any mismatch
// (other row, other key, tampering) is ErrOpen.
func (k *Keyring) Open(keyID string, sealed, aad []byte) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, ErrUnknownKey
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
