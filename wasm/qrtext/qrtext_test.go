package qrtext

import "testing"

func TestFrame(t *testing.T) {
	for _, c := range []struct {
		n, w, h int
		want    bool
	}{
		{4 * 10 * 10, 10, 10, true},
		{4*10*10 - 1, 10, 10, false},
		{0, 0, 0, false},
		{4, -1, -1, false},
		{0, 1 << 32, 1 << 32, false}, // the product overflows to 0
	} {
		rgba := make([]byte, c.n)
		if got := Frame(rgba, c.w, c.h); got != c.want {
			t.Errorf("Frame(%d bytes, %d, %d) = %v, want %v", c.n, c.w, c.h, got, c.want)
		}
	}
}

func TestFits(t *testing.T) {
	if !Fits(8192, 8192) || Fits(8192, 8193) || Fits(1<<32, 1<<32) || Fits(1, 0) {
		t.Error("Fits: MaxPixels is 8192 × 8192")
	}
}

func TestClassify(t *testing.T) {
	for text, want := range map[string]Kind{
		"otpauth://totp/A:b?secret=AAAA":     KindOTPAuth,
		" OTPAUTH-MIGRATION://offline?data=": KindMigration,
		"https://example.com":                KindOther,
		"no scheme":                          KindOther,
	} {
		if got := Classify(text); got != want {
			t.Errorf("Classify(%q) = %s, want %s", text, got, want)
		}
	}
}
