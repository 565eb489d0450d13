package accounts

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// FuzzUnmarshal decodes arbitrary bytes as vault contents: what the vault
// holds, and what a backup file holds once its envelope is open (a backup
// can come from anyone who also gives its passphrase; the envelope is
// FuzzOpenBackup in wasm/vault). For any bytes: no panic; an error is
// ErrContents; a decoded state encodes to bytes that decode and encode the
// same again (nothing lost or read differently the second time); its views
// and codes never panic; and importing it as a backup (Entries, then Import
// into an empty state, as the authenticator does) keeps only valid keys.
func FuzzUnmarshal(f *testing.F) {
	r := rnd()
	k := totpKey("Oracle", "ana", []byte("0123456789abcdef"))
	k.Extra = []otpauth.Param{{Name: "twofold_push", Value: "https://id.example.com"}, {Name: "twofold_device", Value: "dev-1"}}
	h := totpKey("", "hotp-only", rfcSecret)
	h.Type, h.Period, h.Counter, h.Algorithm, h.Digits = otpauth.HOTP, 0, 42, otpauth.SHA512, 8
	s := &State{}
	for _, k := range []otpauth.Key{k, h} {
		a, err := New(k, r, epoch)
		if err == nil {
			s, err = s.Add(a)
		}
		if err != nil {
			f.Fatal(err)
		}
	}
	s.accounts[1].Push = &PushRegistration{Server: "https://id.example.com", DeviceID: "dev-1", PrivateKey: bytes.Repeat([]byte{9}, 32), Registered: epoch}
	s, _ = s.WithClockOffset(-1500 * time.Millisecond)
	plain := s.Marshal()
	future := protowire.AppendTag(nil, 99, protowire.BytesType)
	future = protowire.AppendString(future, "from the future")
	f.Add(plain)
	f.Add(append(bytes.Clone(plain), future...))
	f.Add(append(bytes.Clone(plain), plain...)) // the same ids twice
	f.Add(plain[:len(plain)-3])
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Unmarshal(data)
		if err != nil {
			if s != nil || !errors.Is(err, ErrContents) {
				t.Fatalf("Unmarshal = %v, %v; want nil and ErrContents", s, err)
			}
			return
		}
		enc := s.Marshal()
		again, err := Unmarshal(enc)
		if err != nil {
			t.Fatalf("Unmarshal(Marshal(s)): %v", err)
		}
		if enc2 := again.Marshal(); !bytes.Equal(enc2, enc) {
			t.Fatalf("encodings differ:\n%x\n%x", enc, enc2)
		}
		_ = s.Views()
		_, _ = s.Codes(epoch)
		imported, _, err := (&State{}).Import(s.Entries(), rnd(), epoch)
		if err != nil {
			t.Fatalf("Import: %v", err)
		}
		for _, a := range imported.Accounts() {
			if err := a.Key.Validate(); err != nil || a.Key.Account == "" {
				t.Fatalf("imported %+v: %v", a.View(), err)
			}
		}
		if _, err := imported.Codes(epoch); err != nil {
			t.Fatalf("codes of imported accounts: %v", err)
		}
	})
}
