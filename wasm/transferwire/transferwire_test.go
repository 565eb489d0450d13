package transferwire

import (
	"errors"
	"reflect"
	"testing"
)

func TestMetaRoundTrip(t *testing.T) {
	m := Meta{Format: "aegis", FormatName: "Aegis",
		Skipped:  []Skipped{{Index: 4, Code: "unsupported_account", Issuer: "Yan\tdex", Account: "x", Message: "not supported:\nYandex"}},
		Warnings: []string{"a warning"}}
	text := string(AppendMeta(nil, &m)) + "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP\n"
	got, err := ParseMeta(text)
	m.Skipped[0].Issuer, m.Skipped[0].Message = "Yan dex", "not supported: Yandex" // kept on one line
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("ParseMeta = %+v, %v", got, err)
	}
	for _, bad := range []string{"#skipped\tx\ta\tb\tc\td\n", "#format\tonly\n", "#unknown\n"} {
		if _, err := ParseMeta(bad); !errors.Is(err, ErrMessage) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestWrittenRoundTrip(t *testing.T) {
	codes := []QRCode{{Size: 2, Modules: []byte{1, 0, 0, 1}}, {Size: 1, Modules: []byte{1}}}
	skipped := []Skipped{{Index: 7, Code: "not_exportable", Issuer: "Steam", Account: "gaben", Message: "no Steam"}}
	w, err := DecodeWritten(EncodeCodes(codes, skipped))
	if err != nil || !reflect.DeepEqual(w, &Written{Codes: codes, Skipped: skipped}) {
		t.Fatalf("codes: %+v %v", w, err)
	}
	w, err = DecodeWritten(EncodeFile([]byte("{}")))
	if err != nil || string(w.File) != "{}" {
		t.Fatalf("file: %+v %v", w, err)
	}
	for name, b := range map[string][]byte{"empty": nil, "short code": {'Q', 0, 1, 3, 1}, "zero size": {'Q', 0, 1, 0}, "other": {'X'}} {
		if _, err := DecodeWritten(b); !errors.Is(err, ErrMessage) {
			t.Errorf("%s: %v", name, err)
		}
	}
	w.Wipe()
}

// FuzzDecode: any answer decodes without a panic, to ErrMessage or to
// codes and meta that encode back to the same.
func FuzzDecode(f *testing.F) {
	f.Add(EncodeCodes([]QRCode{{Size: 1, Modules: []byte{1}}}, []Skipped{{Index: 1, Code: "x"}}))
	f.Add(EncodeFile([]byte("{}")))
	f.Add(AppendMeta(nil, &Meta{Format: "a", FormatName: "A", Warnings: []string{"w"}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := ParseMeta(string(b)); err == nil {
			if again, err := ParseMeta(string(AppendMeta(nil, &m))); err != nil || (m.Format != "" && !reflect.DeepEqual(again, m)) {
				t.Fatalf("meta again: %+v %v", again, err)
			}
		}
		if w, err := DecodeWritten(b); err == nil && w.File == nil {
			if again, err := DecodeWritten(EncodeCodes(w.Codes, w.Skipped)); err != nil || len(again.Codes) != len(w.Codes) {
				t.Fatalf("codes again: %+v %v", again, err)
			}
		} else if err != nil && !errors.Is(err, ErrMessage) {
			t.Fatal(err)
		}
	})
}
