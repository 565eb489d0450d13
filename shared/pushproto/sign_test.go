//go:build !(js && wasm)

package pushproto

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
)

var seed = bytes.Repeat([]byte{3}, ed25519.SeedSize)

func TestSignVerify(t *testing.T) {
	msg := HelloMessage(bytes.Repeat([]byte{1}, NonceSize), "https://x.example", "dev_1")
	sig := Sign(seed, msg)
	if err := Verify(PublicKey(seed), msg, sig); err != nil {
		t.Fatal(err)
	}
	other := bytes.Repeat([]byte{4}, ed25519.SeedSize)
	for name, c := range map[string]struct{ key, msg, sig []byte }{
		"other key":     {PublicKey(other), msg, sig},
		"other message": {PublicKey(seed), append(bytes.Clone(msg), 0), sig},
		"short sig":     {PublicKey(seed), msg, sig[:10]},
		"short key":     {PublicKey(seed)[:5], msg, sig},
	} {
		if err := Verify(c.key, c.msg, c.sig); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
