package api

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestQRDataURLIsSmallAndReadable(t *testing.T) {
	uri := "otpauth://totp/Twofold:someone.with.a.long.name@example.com?secret=SUD62TA3JM7TGN25FEFEVGXNKUJTCXOW&issuer=Twofold&algorithm=SHA1&digits=6&period=30"
	d, err := qrDataURL(uri)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeQR(t, d); got != uri {
		t.Fatalf("decoded %q", got)
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(d, "data:image/png;base64,"))
	if len(raw) > 4096 {
		t.Fatalf("PNG of %d bytes", len(raw))
	}
}

func BenchmarkQRDataURL(b *testing.B) {
	for b.Loop() {
		qrDataURL("otpauth://totp/Twofold:a@example.com?secret=SUD62TA3JM7TGN25FEFEVGXNKUJTCXOW&issuer=Twofold&algorithm=SHA1&digits=6&period=30")
	}
}
