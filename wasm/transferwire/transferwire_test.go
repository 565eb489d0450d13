package transferwire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

var sample = []Entry{
	{Type: "totp", Issuer: "Example", Account: "alice@example.com", Secret: []byte("12345678901234567890"), Algorithm: "SHA1", Digits: 6, Period: 30},
	{Type: "hotp", Issuer: "", Account: "carol", Secret: []byte("x"), Algorithm: "SHA512", Digits: 8, Counter: 1 << 40},
	{Type: "steam", Issuer: "Steam", Account: "gaben", Secret: []byte("steam-guard-secret!!"), Algorithm: "SHA1", Digits: 5, Period: 30},
}

func TestRoundTrips(t *testing.T) {
	r := &Result{Format: "aegis", FormatName: "Aegis", Entries: sample,
		Skipped:  []Skipped{{Index: 4, Issuer: "Yandex", Account: "x", Code: "unsupported_account", Message: "this kind of code is not supported: Yandex"}},
		Warnings: []string{"a warning"}}
	got, err := UnmarshalResult(r.Marshal())
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("Result: %+v, %v", got, err)
	}
	req := &WriteRequest{Format: "google", Entries: sample}
	gotReq, err := UnmarshalWriteRequest(req.Marshal())
	if err != nil || !reflect.DeepEqual(gotReq, req) {
		t.Fatalf("WriteRequest: %+v, %v", gotReq, err)
	}
	w := &WriteResult{File: []byte("{}"), Codes: []QRCode{{Size: 2, Modules: []byte{1, 0, 0, 1}}}, Skipped: r.Skipped}
	gotW, err := UnmarshalWriteResult(w.Marshal())
	if err != nil || !reflect.DeepEqual(gotW, w) {
		t.Fatalf("WriteResult: %+v, %v", gotW, err)
	}
	// An empty file is still a file.
	if gotW, err := UnmarshalWriteResult((&WriteResult{File: []byte{}}).Marshal()); err != nil || gotW.File == nil {
		t.Fatalf("empty file: %+v, %v", gotW, err)
	}
}

func TestRefusesDamage(t *testing.T) {
	good := (&Result{Entries: sample}).Marshal()
	for name, b := range map[string][]byte{
		"truncated": good[:len(good)-3],
		"garbage":   {0xff, 0xff, 0xff},
	} {
		if _, err := UnmarshalResult(b); !errors.Is(err, ErrMessage) {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := (&WriteResult{Codes: []QRCode{{Size: 3, Modules: []byte{1}}}}).Marshal()
	if _, err := UnmarshalWriteResult(bad); !errors.Is(err, ErrMessage) {
		t.Errorf("short QR code: %v", err)
	}
}

func TestWipe(t *testing.T) {
	r, _ := UnmarshalResult((&Result{Entries: sample}).Marshal())
	secret := r.Entries[0].Secret
	r.Wipe()
	if !bytes.Equal(secret, make([]byte, len(secret))) {
		t.Error("Wipe left the secret")
	}
}

// FuzzUnmarshal: any bytes decode without a panic, to ErrMessage or to
// messages that encode and decode again the same.
func FuzzUnmarshal(f *testing.F) {
	f.Add((&Result{Format: "aegis", Entries: sample, Skipped: []Skipped{{Index: 1, Code: "x"}}, Warnings: []string{"w"}}).Marshal())
	f.Add((&WriteResult{File: []byte("{}"), Codes: []QRCode{{Size: 1, Modules: []byte{1}}}}).Marshal())
	f.Add((&WriteRequest{Format: "qr", Entries: sample}).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := UnmarshalResult(b); err == nil {
			if again, err := UnmarshalResult(r.Marshal()); err != nil || !reflect.DeepEqual(again, r) {
				t.Fatalf("Result again: %+v %v", again, err)
			}
		} else if !errors.Is(err, ErrMessage) {
			t.Fatal(err)
		}
		if r, err := UnmarshalWriteRequest(b); err == nil {
			if again, err := UnmarshalWriteRequest(r.Marshal()); err != nil || !reflect.DeepEqual(again, r) {
				t.Fatalf("WriteRequest again: %+v %v", again, err)
			}
		}
		if r, err := UnmarshalWriteResult(b); err == nil {
			if again, err := UnmarshalWriteResult(r.Marshal()); err != nil || !reflect.DeepEqual(again, r) {
				t.Fatalf("WriteResult again: %+v %v", again, err)
			}
		}
	})
}
