package pushproto

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// FuzzDecode feeds arbitrary bytes to Decode and to every frame reader:
// the server reads Hello and Answer from a device, the authenticator reads
// Nonce, Ready, Prompt and Settled from a server. For any input: no panic;
// an error is ErrMalformed; a decoded frame is exact (its fields framed
// again give the input back); and a reader that accepts a frame returns a
// value whose encoding is the input, so nothing is lost, added or read
// loosely (no sign, no leading zero, no number out of range), and only the
// reader of the frame's own kind accepts it.
func FuzzDecode(f *testing.F) {
	seeds := [][]byte{
		EncodeNonce(bytes.Repeat([]byte{7}, NonceSize)),
		EncodeHello(Hello{DeviceID: "dev_r3yv5lz6ulxgrp4x", Signature: bytes.Repeat([]byte{1}, 64)}),
		EncodeReady(1700000000000),
		EncodeReady(0),
		EncodePrompt(Prompt{ChallengeID: "pch_1", Numbers: [3]int{12, 47, 99}, Service: "Twofold", Account: "a@example.com",
			ClientAddr: "192.0.2.1", Browser: "Firefox on Linux", CreatedMs: 1700000000000, ExpiresMs: 1700000060000}),
		EncodeAnswer(AnswerFrame{ChallengeID: "pch_1", Decision: Approve, Number: 47, Signature: bytes.Repeat([]byte{2}, 64)}),
		EncodeAnswer(AnswerFrame{ChallengeID: "pch_1", Decision: Deny, Number: 0}),
		EncodeSettled(Settled{ChallengeID: "pch_1", Outcome: OutcomeApproved}),
		// Malformed: empty, a truncated length, a field longer than the
		// frame, a leading zero, a one-digit number, too many fields.
		{},
		{byte(KindAnswer), 0, 0},
		{byte(KindAnswer), 0x7f, 0, 0, 0},
		frame(KindAnswer, "c", "approve", "012", "s"),
		frame(KindPrompt, "c", "1", "2", "3", "", "", "", "", "0", "0"),
		frame(KindSettled, strings.Split(strings.Repeat("x,", 17), ",")...),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := bytes.Clone(b)
		fr, err := Decode(b)
		if !bytes.Equal(in, b) {
			t.Fatal("Decode changed its input")
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode: %v, want ErrMalformed", err)
			}
			return
		}
		if again := frame(fr.Kind, fr.Fields...); !bytes.Equal(again, b) {
			t.Fatalf("Decode(%q) = %+v, which frames as %q", b, fr, again)
		}
		if len(fr.Fields) > 16 {
			t.Fatalf("%d fields accepted", len(fr.Fields))
		}
		check := func(name string, k Kind, err error, encode func() []byte) {
			t.Helper()
			if err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("%s: %v, want ErrMalformed", name, err)
				}
				return
			}
			if fr.Kind != k {
				t.Fatalf("%s accepted a frame of kind %d", name, fr.Kind)
			}
			if enc := encode(); !bytes.Equal(enc, b) {
				t.Fatalf("%s read %q and encodes it as %q", name, b, enc)
			}
		}
		nonce, err := fr.Nonce()
		check("Nonce", KindNonce, err, func() []byte { return EncodeNonce(nonce) })
		hello, err := fr.Hello()
		check("Hello", KindHello, err, func() []byte { return EncodeHello(hello) })
		ready, err := fr.Ready()
		check("Ready", KindReady, err, func() []byte { return EncodeReady(ready) })
		prompt, err := fr.Prompt()
		check("Prompt", KindPrompt, err, func() []byte { return EncodePrompt(prompt) })
		if err == nil {
			for _, n := range prompt.Numbers {
				if n < 10 || n > 99 {
					t.Fatalf("prompt number %d is not two digits", n)
				}
			}
		}
		answer, err := fr.Answer()
		check("Answer", KindAnswer, err, func() []byte { return EncodeAnswer(answer) })
		if err == nil && (!answer.Decision.Valid() || answer.Number < 0 || answer.Number > 99) {
			t.Fatalf("answer %+v accepted", answer)
		}
		settled, err := fr.Settled()
		check("Settled", KindSettled, err, func() []byte { return EncodeSettled(settled) })
	})
}

// FuzzEndpoint reads the push endpoint of an enrollment URI (from a QR
// code, so untrusted): for any twofold_push and twofold_device values,
// either no endpoint, or a canonical origin (CanonicalOrigin of it is
// itself) and a device id of 1 to 64 bytes.
func FuzzEndpoint(f *testing.F) {
	f.Add("https://id.example.com", "dev_r3yv5lz6ulxgrp4x")
	f.Add("HTTP://127.0.0.1:41234", "d")
	f.Add("https://id.example.com/path", "dev_1")
	f.Add("https://user@id.example.com", "dev_1")
	f.Add("ftp://id.example.com", "dev_1")
	f.Add(" https://id.example.com ", "")
	f.Fuzz(func(t *testing.T, origin, device string) {
		k := otpauth.Key{Extra: EnrollmentParams(origin, device)}
		o, d, ok := Endpoint(k)
		if !ok {
			if o != "" || d != "" {
				t.Fatalf("no endpoint, but %q %q", o, d)
			}
			return
		}
		if again, err := CanonicalOrigin(o); err != nil || again != o {
			t.Fatalf("origin %q is not canonical: %q, %v", o, again, err)
		}
		if !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://") {
			t.Fatalf("origin %q", o)
		}
		if d != device || d == "" || len(d) > 64 {
			t.Fatalf("device %q from %q", d, device)
		}
	})
}
