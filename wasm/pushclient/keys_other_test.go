//go:build !(js && wasm)

package pushclient

import (
	"bytes"
	"crypto/ed25519"
	"testing"
)

func TestHostKeys(t *testing.T) {
	s, p, err := HostKeys{}.Generate(bytes.NewReader(seed))
	if err != nil || !bytes.Equal(s, seed) || !bytes.Equal(p, pub) {
		t.Fatalf("Generate: %x %x %v", s, p, err)
	}
	if _, _, err := (HostKeys{}).Generate(bytes.NewReader(seed[:5])); err == nil {
		t.Fatal("Generate from a short reader")
	}
	signer, err := HostKeys{}.Load(seed)
	if err != nil {
		t.Fatal(err)
	}
	clear(s) // Load keeps its own copy
	sig, err := signer.Sign([]byte("m"))
	if err != nil || !ed25519.Verify(pub, []byte("m"), sig) {
		t.Fatalf("Sign: %v", err)
	}
	if _, err := (HostKeys{}).Load(seed[:5]); err != ErrKeySize {
		t.Fatalf("Load of a short seed: %v", err)
	}
}
