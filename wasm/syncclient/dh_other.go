//go:build !(js && wasm)

package syncclient

import (
	"crypto/ecdh"
	"crypto/rand"
	"io"
)

// HostX25519 is X25519 over crypto/ecdh, for host builds (tests, tools).
type HostX25519 struct{}

// GenerateKey draws the key from r (crypto/rand when nil).
func (HostX25519) GenerateKey(r io.Reader) (priv, pub []byte, err error) {
	if r == nil {
		r = rand.Reader
	}
	k, err := ecdh.X25519().GenerateKey(r)
	if err != nil {
		return nil, nil, err
	}
	return k.Bytes(), k.PublicKey().Bytes(), nil
}

// PublicKey is the public key of priv.
func (HostX25519) PublicKey(priv []byte) ([]byte, error) {
	k, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return k.PublicKey().Bytes(), nil
}

// ECDH is X25519(priv, peer).
func (HostX25519) ECDH(priv, peer []byte) ([]byte, error) {
	k, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil {
		return nil, err
	}
	p, err := ecdh.X25519().NewPublicKey(peer)
	if err != nil {
		return nil, err
	}
	return k.ECDH(p)
}
