//go:build !(js && wasm)

package syncclient

import (
	"crypto/ed25519"

	"github.com/twofold-auth/twofold/wasm/pushclient"
)

// HostKeys is Keys over crypto/ed25519, for host builds (tests, tools).
type HostKeys struct{ pushclient.HostKeys }

// Public is the public key of seed.
func (HostKeys) Public(seed []byte) ([]byte, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, pushclient.ErrKeySize
	}
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey), nil
}
