package pushclient

import (
	"errors"
	"io"
)

// Sizes of the device key (RFC 8032 Ed25519).
const (
	SeedSize      = 32 // the private key as RFC 8032 defines it; the vault keeps it
	PublicKeySize = 32
	SignatureSize = 64
)

// Signer signs with one device key. Sign may block (the browser's WebCrypto
// is asynchronous), so it is only called off the JavaScript event loop: from
// a Client's goroutine and from Answer, which the bridge runs in a Promise's
// goroutine.
type Signer interface {
	Sign(message []byte) ([]byte, error)
}

// Keys is the Ed25519 implementation the authenticator uses. The wasm uses
// the browser's WebCrypto (bridge_js.go in wasm/app) rather than linking
// crypto/ed25519, which would add about 34 KB of brotli to it; host builds
// have HostKeys, over crypto/ed25519, for tests and tools.
type Keys interface {
	// Generate makes a new key pair: its seed (kept in the vault) and its
	// public key (registered with the server). An implementation may draw
	// on rand or on its own generator (WebCrypto does).
	Generate(rand io.Reader) (seed, public []byte, err error)
	// Load prepares seed for signing. The caller may wipe seed afterwards.
	Load(seed []byte) (Signer, error)
}

// ErrKeySize is a seed or public key that is not 32 bytes.
var ErrKeySize = errors.New("the key is not an Ed25519 key")
