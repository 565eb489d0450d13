//go:build !(js && wasm)

package syncclient

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
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/shared/syncproto"
)

// The formats of docs/vault-format.md computed here a second time, from
// the document, with the standard library only: what the package seals
// opens here and the other way round.

func refGCM(t *testing.T, k []byte) cipher.AEAD {
	b, err := aes.NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func refAD(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			b = append(b, v...)
		case uint32:
			b = binary.BigEndian.AppendUint32(b, v)
		case uint64:
			b = binary.BigEndian.AppendUint64(b, v)
		}
	}
	return b
}

const (
	testIdentity = "sid_abcdefghijklmnop"
	testDevice   = "sdv_abcdefghijklmnop"
)

func TestEnvelopeAsDocumented(t *testing.T) {
	w, _ := ecdh.X25519().GenerateKey(rand.Reader)
	k := bytes.Repeat([]byte{7}, 32)
	env, err := SealEnvelope(HostX25519{}, rand.Reader, k, w.PublicKey().Bytes(), testIdentity, 3, testDevice)
	if err != nil || len(env) != syncproto.EnvelopeSize {
		t.Fatalf("envelope of %d bytes: %v", len(env), err)
	}
	// Opened the document's way.
	eph, _ := ecdh.X25519().NewPublicKey(env[:32])
	shared, _ := w.ECDH(eph)
	wk, _ := hkdf.Key(sha256.New, shared, append(bytes.Clone(env[:32]), w.PublicKey().Bytes()...), "twofold-sync-wrap-v1", 32)
	got, err := refGCM(t, wk).Open(nil, env[32:44], env[44:], refAD("twofold-sync-envelope-v1", testIdentity, uint32(3), testDevice))
	if err != nil || !bytes.Equal(got, k) {
		t.Fatalf("the document's reading: %v", err)
	}
	// Sealed the document's way, opened here; another recipient or epoch fails.
	e2, _ := ecdh.X25519().GenerateKey(rand.Reader)
	shared, _ = e2.ECDH(w.PublicKey())
	wk, _ = hkdf.Key(sha256.New, shared, append(e2.PublicKey().Bytes(), w.PublicKey().Bytes()...), "twofold-sync-wrap-v1", 32)
	nonce := make([]byte, 12)
	ref := append(append(e2.PublicKey().Bytes(), nonce...), refGCM(t, wk).Seal(nil, nonce, k, refAD("twofold-sync-envelope-v1", testIdentity, uint32(3), "recovery"))...)
	if got, err := OpenEnvelope(HostX25519{}, ref, w.Bytes(), testIdentity, 3, "recovery"); err != nil || !bytes.Equal(got, k) {
		t.Fatalf("opening the document's envelope: %v", err)
	}
	for _, c := range []struct {
		epoch     uint32
		recipient string
	}{{4, "recovery"}, {3, testDevice}} {
		if _, err := OpenEnvelope(HostX25519{}, ref, w.Bytes(), testIdentity, c.epoch, c.recipient); err != ErrDecrypt {
			t.Errorf("epoch %d recipient %s: %v", c.epoch, c.recipient, err)
		}
	}
}

func TestChangeAndSnapshotAD(t *testing.T) {
	k := bytes.Repeat([]byte{9}, 32)
	ct, err := Seal(rand.Reader, k, []byte("plain"), ChangeAD(testIdentity, 2, testDevice, 41))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := refGCM(t, k).Open(nil, ct[:12], ct[12:], refAD("twofold-sync-change-v1", testIdentity, uint32(2), testDevice, uint64(41))); err != nil || string(p) != "plain" {
		t.Fatalf("change: %v", err)
	}
	ct, _ = Seal(rand.Reader, k, []byte("all"), SnapshotAD(testIdentity, 2, testDevice, 42, 300))
	if p, err := refGCM(t, k).Open(nil, ct[:12], ct[12:], refAD("twofold-sync-snapshot-v1", testIdentity, uint32(2), testDevice, uint64(42), uint64(300))); err != nil || string(p) != "all" {
		t.Fatalf("snapshot: %v", err)
	}
	if _, err := Open(k, ct, SnapshotAD(testIdentity, 2, testDevice, 42, 301)); err != ErrDecrypt {
		t.Fatalf("snapshot read at another seq: %v", err)
	}
}

func TestPairingMACAndConfirmation(t *testing.T) {
	secret := bytes.Repeat([]byte{1}, 16)
	sp, wp, meta := bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{3}, 32), []byte("Firefox")
	mk, _ := hkdf.Key(sha256.New, secret, nil, "twofold-pair-mac-v1", 32)
	m := hmac.New(sha256.New, mk)
	m.Write(sp)
	m.Write(wp)
	m.Write(meta)
	got, _ := pairingMAC(secret, sp, wp, meta)
	if !bytes.Equal(got, m.Sum(nil)) {
		t.Fatal("MAC differs from the document's")
	}
	ck, _ := hkdf.Key(sha256.New, secret, nil, "twofold-pair-confirm-v1"+string(sp)+string(wp), 8)
	want := strconv.FormatUint(binary.BigEndian.Uint64(ck)%1000000, 10)
	want = strings.Repeat("0", 6-len(want)) + want
	if c, _ := ConfirmationNumber(secret, sp, wp); c != want || len(c) != 6 {
		t.Fatalf("confirmation %q, want %q", c, want)
	}
}

func TestRecoveryKey(t *testing.T) {
	for range 200 {
		r, err := NewRecoveryKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		s := r.String()
		if len(strings.ReplaceAll(s, "-", "")) != 28 || strings.Count(s, "-") != 6 {
			t.Fatalf("printed as %q", s)
		}
		for _, typed := range []string{s, strings.ToLower(s), strings.ReplaceAll(s, "-", " "), strings.ReplaceAll(strings.ReplaceAll(s, "0", "O"), "1", "l")} {
			if got, err := ParseRecoveryKey(typed); err != nil || got != r {
				t.Fatalf("%q read back as %x: %v", typed, got, err)
			}
		}
	}
	// Every single-character typo of one key is caught but a few (the 2
	// check characters are 10 bits).
	r, _ := NewRecoveryKey(rand.Reader)
	plain := strings.ReplaceAll(r.String(), "-", "")
	missed := 0
	for i := range plain {
		for _, c := range crockford {
			if byte(c) == plain[i] {
				continue
			}
			if _, err := ParseRecoveryKey(plain[:i] + string(c) + plain[i+1:]); err == nil {
				missed++
			}
		}
	}
	if missed > 5 {
		t.Errorf("%d of %d typos not caught", missed, 28*31)
	}
	for _, bad := range []string{"", "too short", strings.Repeat("U", 28), plain + "0"} {
		if _, err := ParseRecoveryKey(bad); err != ErrRecoveryKey {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// The derived keys as the document says.
	seed, _ := r.SigningSeed()
	wrap, _ := r.WrapPrivate()
	ws, _ := hkdf.Key(sha256.New, r[:], []byte("twofold-sync-recovery-v1"), "sign", 32)
	ww, _ := hkdf.Key(sha256.New, r[:], []byte("twofold-sync-recovery-v1"), "wrap", 32)
	if !bytes.Equal(seed, ws) || !bytes.Equal(wrap, ww) {
		t.Fatal("recovery keys differ from the document's")
	}
	pub, _ := HostKeys{}.Public(seed)
	if !bytes.Equal(pub, ed25519.NewKeyFromSeed(ws).Public().(ed25519.PublicKey)) {
		t.Fatal("recovery signing public key")
	}
}

func TestChangeRoundTripAndJSON(t *testing.T) {
	c := &Change{Accounts: []AccountChange{{ID: "a1", UpdatedMs: -5, Account: []byte{1, 2}, Author: testDevice, BaseMs: 4, BaseAuthor: "x"},
		{ID: "a2", UpdatedMs: 9, Deleted: true, DeletedMs: 9, Pos: "Vx"}},
		Devices: []DeviceKey{{ID: testDevice, WrapKey: []byte{5}}, {ID: "z", Removed: true}}}
	got, err := UnmarshalChange(c.Marshal())
	if err != nil || !bytes.Equal(got.Marshal(), c.Marshal()) || got.Accounts[1].Deleted != true || got.Accounts[1].Pos != "Vx" {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := UnmarshalChange([]byte{0x0a, 0x05, 0x01}); err == nil {
		t.Fatal("a truncated change was read")
	}
	v, err := parseJSON([]byte(` {"a":[1,-2,{"b":"c\"\u00e9"}],"t":true,"n":null} `))
	j := jv{v}
	if err != nil || j.get("a").list()[1].int() != -2 || j.get("a").list()[2].get("b").str() != "c\"é" || !j.get("t").boolean() {
		t.Fatalf("json %v %v", v, err)
	}
	for _, bad := range []string{`{"a":1.5}`, `{"a"`, `[1,]`, "\"\x01\"", `{"a":1}x`} {
		if _, err := parseJSON([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if s := string(jsonObject("k", "q\"\\\n", "n", uint64(3), "o", jsonObject())); s != `{"k":"q\"\\\u000a","n":3,"o":{}}` {
		t.Fatalf("written %s", s)
	}
}
