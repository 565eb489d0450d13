//go:build js && wasm

package main

import (
	"bytes"
	"crypto/ed25519"
	"testing"

	"github.com/twofold-auth/twofold/wasm/pushclient"
)

// testKeys: under GOOS=js the push tests run on the bridge's WebCrypto keys
// (node 20 and later has Ed25519), and verifies checks them with Go's
// crypto/ed25519, as the server does.
var testKeys pushclient.Keys = webCryptoKeys{}

// TestWebCryptoKeys: the seed kept in the vault is the RFC 8032 seed (Go
// derives the same public key from it), an imported seed signs so that
// crypto/ed25519 verifies, and the fixed PKCS#8 prefix holds for a known
// key.
func TestWebCryptoKeys(t *testing.T) {
	seed, pub, err := webCryptoKeys{}.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(seed) != ed25519.SeedSize || !bytes.Equal(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey), pub) {
		t.Fatalf("seed %x does not give the public key %x", seed, pub)
	}
	signer, err := webCryptoKeys{}.Load(seed)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("twofold")
	sig, err := signer.Sign(msg)
	if err != nil || !ed25519.Verify(pub, msg, sig) {
		t.Fatalf("signature %x: %v", sig, err)
	}
	// Ed25519 is deterministic: for a fixed seed WebCrypto's signature is
	// Go's, byte for byte.
	known := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	signer, err = webCryptoKeys{}.Load(known)
	if err != nil {
		t.Fatal(err)
	}
	if sig, err := signer.Sign(msg); err != nil || !bytes.Equal(sig, ed25519.Sign(ed25519.NewKeyFromSeed(known), msg)) {
		t.Fatalf("signature %x: %v", sig, err)
	}
	if _, err := (webCryptoKeys{}).Load(seed[:5]); err != pushclient.ErrKeySize {
		t.Fatalf("short seed: %v", err)
	}
}
