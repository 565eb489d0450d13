package service

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClientTextIsStorable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Mozilla/5.0", "Mozilla/5.0"},
		{"Mozilla\xc3", "Mozilla\uFFFD"},
		{"a\x00b", "ab"},
		{strings.Repeat("é", 200), strings.Repeat("é", 128)}, // 400 bytes cut at 256, between characters
		{strings.Repeat("a", 255) + "é", strings.Repeat("a", 255)},
	} {
		got := clientText(tc.in, 256)
		if got != tc.want || !utf8.ValidString(got) || len(got) > 256 {
			t.Errorf("clientText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
