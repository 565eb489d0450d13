package pushproto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// TestSignedMessagesAreDistinct: fields that would run together without
// length prefixes, and the two message kinds, never share bytes.
func TestSignedMessagesAreDistinct(t *testing.T) {
	msgs := [][]byte{
		HelloMessage([]byte("ab"), "https://x.example", "dev_1"),
		HelloMessage([]byte("a"), "bhttps://x.example", "dev_1"),
		HelloMessage([]byte("ab"), "https://x.example", "dev_2"),
		Answer{Origin: "https://x.example", ChallengeID: "c1", Decision: Approve, Number: 12, DeviceID: "d"}.Message(),
		Answer{Origin: "https://x.example", ChallengeID: "c1", Decision: Approve, Number: 1, DeviceID: "2d"}.Message(),
		Answer{Origin: "https://x.example", ChallengeID: "c1", Decision: Deny, Number: 12, DeviceID: "d"}.Message(),
		Answer{Origin: "https://y.example", ChallengeID: "c1", Decision: Approve, Number: 12, DeviceID: "d"}.Message(),
	}
	for i := range msgs {
		for j := range i {
			if bytes.Equal(msgs[i], msgs[j]) {
				t.Errorf("messages %d and %d are equal", i, j)
			}
		}
	}
}

// TestAnswerMessageVector pins the signed bytes: a change here breaks every
// deployed authenticator.
func TestAnswerMessageVector(t *testing.T) {
	got := Answer{Origin: "https://x.example", ChallengeID: "pch_a", Decision: Approve, Number: 42, DeviceID: "dev_b"}.Message()
	want := "\x00\x00\x00\x16twofold-push-v1 answer\x00\x00\x00\x11https://x.example\x00\x00\x00\x05pch_a" +
		"\x00\x00\x00\x07approve\x00\x00\x00\x0242\x00\x00\x00\x05dev_b"
	if string(got) != want {
		t.Fatalf("got %q", got)
	}
}

func TestFramesRoundTrip(t *testing.T) {
	p := Prompt{ChallengeID: "pch_1", Numbers: [3]int{12, 47, 99}, Service: "Twofold", Account: "a@example.com",
		ClientAddr: "192.0.2.1", Browser: "Firefox on Linux", CreatedMs: 1700000000000, ExpiresMs: 1700000060000}
	f, err := Decode(EncodePrompt(p))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.Prompt(); err != nil || got != p {
		t.Fatalf("prompt %+v, %v", got, err)
	}
	a := AnswerFrame{ChallengeID: "pch_1", Decision: Report, Number: 0, Signature: []byte{1, 2}}
	if f, _ := Decode(EncodeAnswer(a)); true {
		got, err := f.Answer()
		if err != nil || got.ChallengeID != a.ChallengeID || got.Decision != a.Decision || !bytes.Equal(got.Signature, a.Signature) {
			t.Fatalf("answer %+v, %v", got, err)
		}
	}
	nonce := bytes.Repeat([]byte{9}, NonceSize)
	if f, _ := Decode(EncodeNonce(nonce)); true {
		if got, err := f.Nonce(); err != nil || !bytes.Equal(got, nonce) {
			t.Fatal("nonce", err)
		}
	}
	if f, _ := Decode(EncodeHello(Hello{DeviceID: "dev_1", Signature: []byte("s")})); true {
		if got, err := f.Hello(); err != nil || got.DeviceID != "dev_1" {
			t.Fatal("hello", err)
		}
	}
	if f, _ := Decode(EncodeSettled(Settled{"pch_1", OutcomeDenied})); true {
		if got, err := f.Settled(); err != nil || got.Outcome != OutcomeDenied {
			t.Fatal("settled", err)
		}
	}
	if f, _ := Decode(EncodeReady(5)); true {
		if got, err := f.Ready(); err != nil || got != 5 {
			t.Fatal("ready", err)
		}
	}
}

func TestDecodeRefusesMalformed(t *testing.T) {
	ok := EncodeAnswer(AnswerFrame{ChallengeID: "c", Decision: Approve, Number: 12, Signature: []byte("s")})
	cases := map[string][]byte{
		"empty":          {},
		"truncated len":  ok[:3],
		"truncated body": ok[:len(ok)-1],
		"trailing":       append(bytes.Clone(ok), 0),
		"huge field":     {byte(KindAnswer), 0x7f, 0, 0, 0},
		"oversized":      bytes.Repeat([]byte{1}, MaxFrame+1),
	}
	for name, b := range cases {
		f, err := Decode(b)
		if err == nil {
			_, err = f.Answer()
		}
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, a := range map[string]AnswerFrame{
		"decision":   {ChallengeID: "c", Decision: "maybe", Number: 12},
		"no id":      {Decision: Approve, Number: 12},
		"big number": {ChallengeID: "c", Decision: Approve, Number: 100},
	} {
		f, _ := Decode(EncodeAnswer(a))
		if _, err := f.Answer(); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	f, _ := Decode(frame(KindAnswer, "c", "approve", "012", "s"))
	if _, err := f.Answer(); err == nil {
		t.Error("leading zero accepted")
	}
	f, _ = Decode(frame(KindPrompt, "c", "1", "2", "3", "", "", "", "", "0", "0"))
	if _, err := f.Prompt(); err == nil {
		t.Error("one-digit number accepted")
	}
}

func TestEndpointFromEnrollmentURI(t *testing.T) {
	k := otpauth.Key{Type: otpauth.TOTP, Issuer: "Twofold", Account: "a@example.com", Secret: bytes.Repeat([]byte{1}, 20),
		Algorithm: otpauth.SHA1, Digits: 6, Period: 30, Extra: EnrollmentParams("https://id.example.com", "dev_abc")}
	uri := k.URI()
	if !strings.Contains(uri, "twofold_push=https%3A%2F%2Fid.example.com") {
		t.Fatalf("uri %s", uri)
	}
	parsed, err := otpauth.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	origin, dev, ok := Endpoint(*parsed)
	if !ok || origin != "https://id.example.com" || dev != "dev_abc" {
		t.Fatalf("%q %q %v", origin, dev, ok)
	}
	for _, bad := range []string{"javascript:alert(1)", "https://x.example/path", "ftp://x", "https://u@x.example"} {
		parsed.Extra = EnrollmentParams(bad, "dev_abc")
		if _, _, ok := Endpoint(*parsed); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRegistrationProof(t *testing.T) {
	seed := []byte("12345678901234567890")
	pub := bytes.Repeat([]byte{7}, 32)
	now := time.Unix(1_800_000_000, 0)
	proof := RegistrationProof(seed, "https://id.example.com", "dev_a", pub, now.Unix())
	if len(proof) != ProofSize {
		t.Fatalf("proof is %d bytes", len(proof))
	}
	if !CheckRegistrationProof(seed, "https://id.example.com", "dev_a", pub, now.Unix(), proof, now.Add(4*time.Minute)) {
		t.Fatal("a fresh proof does not check")
	}
	other := bytes.Repeat([]byte{8}, 32)
	for name, ok := range map[string]bool{
		"other seed":   CheckRegistrationProof([]byte("12345678901234567891"), "https://id.example.com", "dev_a", pub, now.Unix(), proof, now),
		"other origin": CheckRegistrationProof(seed, "https://evil.example.com", "dev_a", pub, now.Unix(), proof, now),
		"other device": CheckRegistrationProof(seed, "https://id.example.com", "dev_b", pub, now.Unix(), proof, now),
		"other key":    CheckRegistrationProof(seed, "https://id.example.com", "dev_a", other, now.Unix(), proof, now),
		"other time":   CheckRegistrationProof(seed, "https://id.example.com", "dev_a", pub, now.Unix()+1, proof, now),
		"too old":      CheckRegistrationProof(seed, "https://id.example.com", "dev_a", pub, now.Unix(), proof, now.Add(RegistrationSkew+time.Second)),
		"too new":      CheckRegistrationProof(seed, "https://id.example.com", "dev_a", pub, now.Unix(), proof, now.Add(-RegistrationSkew-time.Second)),
		"truncated":    CheckRegistrationProof(seed, "https://id.example.com", "dev_a", pub, now.Unix(), proof[:31], now),
	} {
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
	// Fields are length-prefixed: moving a byte between fields changes the proof.
	if bytes.Equal(RegistrationProof(seed, "https://a.example", "bdev", pub, 1), RegistrationProof(seed, "https://a.exampleb", "dev", pub, 1)) {
		t.Fatal("field boundaries are not part of the proof")
	}
}
