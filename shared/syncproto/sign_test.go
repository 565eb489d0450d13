//go:build !(js && wasm)

package syncproto

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"testing"
	"time"
)

func TestSignVector(t *testing.T) {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize))
	if !bytes.Equal(key.Public().(ed25519.PublicKey), vectorKey) {
		t.Fatal("vector key")
	}
	body := []byte(`{"counter":1}`)
	s := Sign(key, "sdv_ginkfhqivcmavk26", "POST", "/api/v1/sync/sid_m43gspcqjzytqfmf/changes", time.Unix(1772366400, 0), body)
	const want = "YGI12BruOdh0UEoyJdMrlPoEQWIPtHq-FHMVGqfplHYSgf8NQZyv0BLC2Ny5rh3j8S5WhTf8vBM6AYifdCFlCA"
	if s.Device != "sdv_ginkfhqivcmavk26" || s.Time != "1772366400" || s.Signature != want {
		t.Fatalf("signed %+v", s)
	}
	sig, _ := base64.RawURLEncoding.DecodeString(s.Signature)
	if !ed25519.Verify(vectorKey, RequestMessage("POST", "/api/v1/sync/sid_m43gspcqjzytqfmf/changes", s.Time, body), sig) {
		t.Fatal("does not verify")
	}
}
