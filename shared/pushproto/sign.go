//go:build !(js && wasm)

package pushproto

import "crypto/ed25519"

// The Ed25519 helpers are for the server and for tests and tools. They are
// left out of GOOS=js builds on purpose: the authenticator signs with the
// browser's WebCrypto (wasm/pushclient.Keys), and linking crypto/ed25519 would add
// about 34 KB of brotli to its WebAssembly (docs/push.md).

// Sign signs message with the Ed25519 private key derived from seed.
func Sign(seed, message []byte) []byte {
	return ed25519.Sign(ed25519.NewKeyFromSeed(seed), message)
}

// Verify checks sig over message with an Ed25519 public key.
func Verify(publicKey, message, sig []byte) error {
	if len(publicKey) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize ||
		!ed25519.Verify(publicKey, message, sig) {
		return ErrSignature
	}
	return nil
}

// PublicKey is the public key of seed.
func PublicKey(seed []byte) []byte {
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
}
