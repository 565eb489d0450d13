package api

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/syncproto"
)

// The authenticator's side as docs/vault-format.md describes it, done
// here with the standard library, so the server is tested with real
// envelopes and ciphertexts (which it never opens) and the document is
// shown to be implementable as written.

// syncBrowser is a browser in a test: its keys, its identity and device
// id once it has them, its counter, and the client it sends through.
type syncBrowser struct {
	h        *harness
	c        *testClient
	sign     ed25519.PrivateKey
	wrap     *ecdh.PrivateKey
	identity string
	device   string
	counter  int64
	at       time.Time // signs at this time (zero: the harness's clock)
}

func newSyncBrowser(h *harness, c *testClient, seed byte) *syncBrowser {
	wrap, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{seed ^ 0x55}, 32))
	if err != nil {
		h.t.Fatal(err)
	}
	return &syncBrowser{h: h, c: c, sign: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32)), wrap: wrap}
}

func (b *syncBrowser) signPub() []byte { return b.sign.Public().(ed25519.PublicKey) }
func (b *syncBrowser) next() int64     { b.counter++; return b.counter }
func (b *syncBrowser) path(rest string) string {
	return "/api/v1/sync/" + b.identity + rest
}

// headers signs body for method and path as signer with key.
func (b *syncBrowser) headers(signer string, key ed25519.PrivateKey, method, path string, body []byte) []string {
	at := b.at
	if at.IsZero() {
		at = b.h.clock.Now()
	}
	s := syncproto.Sign(key, signer, method, path, at, body)
	return []string{syncproto.HeaderDevice, s.Device, syncproto.HeaderTime, s.Time, syncproto.HeaderSignature, s.Signature}
}

// sendAs sends body (JSON) signed as signer with key.
func (b *syncBrowser) sendAs(signer string, key ed25519.PrivateKey, method, path string, body any) response {
	b.h.t.Helper()
	var data []byte
	if body != nil {
		data, _ = json.Marshal(body)
	}
	var sent any
	if data != nil {
		sent = data
	}
	return b.c.do(method, path, sent, b.headers(signer, key, method, path, data)...)
}

// send sends a request of the browser as its device.
func (b *syncBrowser) send(method, path string, body any) response {
	b.h.t.Helper()
	return b.sendAs(b.device, b.sign, method, path, body)
}

func enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func dec(t testing.TB, s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gcm(t testing.TB, key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	a, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func envelopeAD(identity string, epoch uint32, recipient string) []byte {
	return bytes.Join([][]byte{[]byte("twofold-sync-envelope-v1"), []byte(identity), u32(epoch), []byte(recipient)}, nil)
}

// sealEnvelope wraps the epoch's key k to the wrap key w.
func sealEnvelope(t testing.TB, k []byte, w *ecdh.PublicKey, identity string, epoch uint32, recipient string) []byte {
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := eph.ECDH(w)
	if err != nil {
		t.Fatal(err)
	}
	wk, err := hkdf.Key(sha256.New, shared, append(eph.PublicKey().Bytes(), w.Bytes()...), "twofold-sync-wrap-v1", 32)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, 12)
	rand.Read(nonce)
	out := append(append(eph.PublicKey().Bytes(), nonce...), gcm(t, wk).Seal(nil, nonce, k, envelopeAD(identity, epoch, recipient))...)
	if len(out) != syncproto.EnvelopeSize {
		t.Fatalf("envelope of %d bytes", len(out))
	}
	return out
}

// openEnvelope unwraps an epoch's key with the wrap key w.
func openEnvelope(t testing.TB, env []byte, w *ecdh.PrivateKey, identity string, epoch uint32, recipient string) []byte {
	ephPub, err := ecdh.X25519().NewPublicKey(env[:32])
	if err != nil {
		t.Fatal(err)
	}
	shared, err := w.ECDH(ephPub)
	if err != nil {
		t.Fatal(err)
	}
	wk, err := hkdf.Key(sha256.New, shared, append(bytes.Clone(env[:32]), w.PublicKey().Bytes()...), "twofold-sync-wrap-v1", 32)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gcm(t, wk).Open(nil, env[32:44], env[44:], envelopeAD(identity, epoch, recipient))
	if err != nil {
		t.Fatalf("opening an envelope: %v", err)
	}
	return k
}

// changeAD is a change's associated data; with seq set, a snapshot's.
func changeAD(identity string, epoch uint32, author string, counter uint64, seq *uint64) []byte {
	domain, tail := "twofold-sync-change-v1", []byte(nil)
	if seq != nil {
		domain, tail = "twofold-sync-snapshot-v1", u64(*seq)
	}
	return bytes.Join([][]byte{[]byte(domain), []byte(identity), u32(epoch), []byte(author), u64(counter), tail}, nil)
}

func seal(t testing.TB, k, plaintext, ad []byte) []byte {
	nonce := make([]byte, 12)
	rand.Read(nonce)
	return append(nonce, gcm(t, k).Seal(nil, nonce, plaintext, ad)...)
}

func open(t testing.TB, k, ciphertext, ad []byte) []byte {
	p, err := gcm(t, k).Open(nil, ciphertext[:12], ciphertext[12:], ad)
	if err != nil {
		t.Fatalf("opening a ciphertext: %v", err)
	}
	return p
}

// recoveryKeys derives the recovery signing and wrap keys from R's 16
// bytes.
func recoveryKeys(t testing.TB, r []byte) (ed25519.PrivateKey, *ecdh.PrivateKey) {
	derive := func(info string) []byte {
		k, err := hkdf.Key(sha256.New, r, []byte("twofold-sync-recovery-v1"), info, 32)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	w, err := ecdh.X25519().NewPrivateKey(derive("wrap"))
	if err != nil {
		t.Fatal(err)
	}
	return ed25519.NewKeyFromSeed(derive("sign")), w
}

// pairingMAC is the joining browser's MAC under the pairing code's secret.
func pairingMAC(t testing.TB, secret, signPub, wrapPub, meta []byte) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, "twofold-pair-mac-v1", 32)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, k)
	m.Write(signPub)
	m.Write(wrapPub)
	m.Write(meta)
	return m.Sum(nil)
}

// syncMarker stands for a seed: it goes into every ciphertext of the
// tests and must never be found in the database, a response or the log.
const syncMarker = "SEED-JBSWY3DPEHPK3PXP-Twofold-sync-marker"

// assertNoMarker searches the database files, the recorded responses and
// the log for the marker, raw, in base64 and in hex.
func assertNoMarker(t *testing.T, h *harness) {
	t.Helper()
	forms := []string{syncMarker, enc([]byte(syncMarker)), base64.StdEncoding.EncodeToString([]byte(syncMarker)), hex.EncodeToString([]byte(syncMarker))}
	var haystacks = map[string][]byte{"log": []byte(h.logs.String())}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if b, err := os.ReadFile(h.dbPath + suffix); err == nil {
			haystacks["database"+suffix] = b
		}
	}
	h.mu.Lock()
	haystacks["responses"] = bytes.Join(h.recorded, nil)
	h.mu.Unlock()
	if len(haystacks["database"]) == 0 || len(haystacks["responses"]) == 0 {
		t.Fatal("nothing to search")
	}
	for name, hay := range haystacks {
		for _, f := range forms {
			if bytes.Contains(hay, []byte(f)) || strings.Contains(strings.ToLower(string(hay)), strings.ToLower(f)) {
				t.Errorf("the marker is in the %s", name)
			}
		}
	}
}
