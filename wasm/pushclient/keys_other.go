//go:build !(js && wasm)

package pushclient

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
)

// HostKeys is Keys over crypto/ed25519, for host builds (tests, tools). The
// wasm does not have it: it signs with the browser's WebCrypto.
type HostKeys struct{}

// Generate draws the seed from r (crypto/rand when nil).
func (HostKeys) Generate(r io.Reader) (seed, public []byte, err error) {
	if r == nil {
		r = rand.Reader
	}
	seed = make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(r, seed); err != nil {
		return nil, nil, errors.New("reading randomness: " + err.Error())
	}
	return seed, ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey), nil
}

// Load returns a Signer holding its own copy of the private key.
func (HostKeys) Load(seed []byte) (Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, ErrKeySize
	}
	return hostSigner(ed25519.NewKeyFromSeed(seed)), nil
}

type hostSigner ed25519.PrivateKey

func (k hostSigner) Sign(message []byte) ([]byte, error) {
	return ed25519.Sign(ed25519.PrivateKey(k), message), nil
}
