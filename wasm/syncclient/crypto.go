package syncclient

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"io"

	"github.com/twofold-auth/twofold/shared/errcode"

	"github.com/twofold-auth/twofold/shared/syncproto"
)

// KeySize is the size of a sync key K_e, of the keys derived from it and of
// X25519 keys.
const KeySize = 32

const nonceSize = 12

// Domains of the associated data and of the KDFs (docs/vault-format.md).
const (
	adEnvelope   = "twofold-sync-envelope-v1"
	adChange     = "twofold-sync-change-v1"
	adSnapshot   = "twofold-sync-snapshot-v1"
	infoWrap     = "twofold-sync-wrap-v1"
	infoPairMAC  = "twofold-pair-mac-v1"
	infoConfirm  = "twofold-pair-confirm-v1"
	saltRecovery = "twofold-sync-recovery-v1"
)

// ErrDecrypt is a ciphertext or envelope that does not open under the key
// and associated data it should: damaged, forged, or moved by the server.
var ErrDecrypt = errcode.New("sync_decrypt", "a ciphertext from the sync server did not open: it is damaged, or not what it claims to be")

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// EnvelopeAD is an envelope's associated data.
func EnvelopeAD(identity string, epoch uint32, recipient string) []byte {
	return join([]byte(adEnvelope), []byte(identity), u32(epoch), []byte(recipient))
}

// ChangeAD is a change's associated data.
func ChangeAD(identity string, epoch uint32, author string, counter uint64) []byte {
	return join([]byte(adChange), []byte(identity), u32(epoch), []byte(author), u64(counter))
}

// SnapshotAD is a snapshot's associated data.
func SnapshotAD(identity string, epoch uint32, author string, counter, seq uint64) []byte {
	return join([]byte(adSnapshot), []byte(identity), u32(epoch), []byte(author), u64(counter), u64(seq))
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal encrypts plaintext under key (AES-256-GCM) as nonce ‖ ciphertext.
func Seal(rnd io.Reader, key, plaintext, ad []byte) ([]byte, error) {
	a, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, nonceSize, nonceSize+len(plaintext)+a.Overhead())
	if _, err := io.ReadFull(rnd, nonce); err != nil {
		return nil, err
	}
	return a.Seal(nonce, nonce, plaintext, ad), nil
}

// Open decrypts what Seal made; anything else is ErrDecrypt.
func Open(key, sealed, ad []byte) ([]byte, error) {
	a, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < nonceSize+a.Overhead() {
		return nil, ErrDecrypt
	}
	p, err := a.Open(nil, sealed[:nonceSize], sealed[nonceSize:], ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return p, nil
}

// wrapKey is the envelope's AES key: HKDF-SHA256(X25519(eph, W), salt =
// eph_pub ‖ W, info "twofold-sync-wrap-v1").
func wrapKey(shared, ephPub, w []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, shared, join(ephPub, w), infoWrap, KeySize)
}

// X25519 is the Diffie-Hellman of the wrap keys: the browser's WebCrypto
// in the wasm (crypto/ecdh would add about 108 KB of brotli to it), and
// crypto/ecdh on the host (HostX25519). Keys are the 32 bytes of RFC 7748.
type X25519 interface {
	// GenerateKey makes a key pair (an implementation may use its own
	// generator rather than rand).
	GenerateKey(rand io.Reader) (priv, pub []byte, err error)
	// PublicKey is the public key of priv.
	PublicKey(priv []byte) ([]byte, error)
	// ECDH is X25519(priv, peer); an all-zero result is an error.
	ECDH(priv, peer []byte) ([]byte, error)
}

// SealEnvelope wraps the epoch key k to the X25519 public key w of
// recipient: eph_pub ‖ nonce ‖ AES-256-GCM(k), 92 bytes.
func SealEnvelope(dh X25519, rnd io.Reader, k, w []byte, identity string, epoch uint32, recipient string) ([]byte, error) {
	if len(w) != KeySize {
		return nil, ErrDecrypt
	}
	ephPriv, ephPub, err := dh.GenerateKey(rnd)
	if err != nil {
		return nil, err
	}
	shared, err := dh.ECDH(ephPriv, w)
	clear(ephPriv)
	if err != nil {
		return nil, err
	}
	wk, err := wrapKey(shared, ephPub, w)
	clear(shared)
	if err != nil {
		return nil, err
	}
	sealed, err := Seal(rnd, wk, k, EnvelopeAD(identity, epoch, recipient))
	if err != nil {
		return nil, err
	}
	return append(ephPub, sealed...), nil
}

// OpenEnvelope unwraps an epoch key with the X25519 private key priv.
func OpenEnvelope(dh X25519, env, priv []byte, identity string, epoch uint32, recipient string) ([]byte, error) {
	if len(env) != syncproto.EnvelopeSize {
		return nil, ErrDecrypt
	}
	pub, err := dh.PublicKey(priv)
	if err != nil {
		return nil, err
	}
	shared, err := dh.ECDH(priv, env[:32])
	if err != nil {
		return nil, ErrDecrypt
	}
	wk, err := wrapKey(shared, env[:32], pub)
	clear(shared)
	if err != nil {
		return nil, err
	}
	k, err := Open(wk, env[32:], EnvelopeAD(identity, epoch, recipient))
	if err != nil || len(k) != KeySize {
		return nil, ErrDecrypt
	}
	return k, nil
}

// pairingMAC is HMAC-SHA256(HKDF(secret, info "twofold-pair-mac-v1"),
// signing_pub ‖ wrap_pub ‖ meta).
func pairingMAC(secret, signPub, wrapPub, meta []byte) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, secret, nil, infoPairMAC, 32)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, k)
	m.Write(signPub)
	m.Write(wrapPub)
	m.Write(meta)
	return m.Sum(nil), nil
}

// ConfirmationNumber is the 6 digits both browsers show while pairing:
// HKDF(secret, info "twofold-pair-confirm-v1" ‖ signing_pub ‖ wrap_pub)
// read as a big-endian integer, mod 10⁶, with leading zeros.
func ConfirmationNumber(secret, signPub, wrapPub []byte) (string, error) {
	b, err := hkdf.Key(sha256.New, secret, nil, string(join([]byte(infoConfirm), signPub, wrapPub)), 8)
	if err != nil {
		return "", err
	}
	n := binary.BigEndian.Uint64(b) % 1000000
	digits := []byte("000000")
	for i := 5; i >= 0; i-- {
		digits[i] = byte('0' + n%10)
		n /= 10
	}
	return string(digits), nil
}
