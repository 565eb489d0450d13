package otpauth

import (
	"net/url"
	"testing"
)

// Unescape and QueryEscape agree with net/url, which the package no longer
// imports (escape.go says why).
func TestEscapeAgreesWithNetURL(t *testing.T) {
	for _, s := range []string{"", "plain", "a+b", "a%20b", "%2B%2f", "%", "%2", "%zz", "%e2%82%ac", "100%", "a b", "Ünïcode:名前",
		"x=y&z", "+%2B+", "%C3%A9t%C3%A9", "AbC-_.~", "\x00\xff"} {
		for _, query := range []bool{false, true} {
			want, wantErr := url.PathUnescape(s)
			if query {
				want, wantErr = url.QueryUnescape(s)
			}
			got, err := Unescape(s, query)
			if (err != nil) != (wantErr != nil) || err == nil && got != want {
				t.Errorf("Unescape(%q, %v) = %q, %v; net/url: %q, %v", s, query, got, err, want, wantErr)
			}
		}
		if got, want := QueryEscape(s), url.QueryEscape(s); got != want {
			t.Errorf("QueryEscape(%q) = %q; net/url: %q", s, got, want)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("a%20b+c")
	f.Fuzz(func(t *testing.T, s string) {
		for _, query := range []bool{false, true} {
			want, wantErr := url.PathUnescape(s)
			if query {
				want, wantErr = url.QueryUnescape(s)
			}
			got, err := Unescape(s, query)
			if (err != nil) != (wantErr != nil) || err == nil && got != want {
				t.Fatalf("Unescape(%q, %v) = %q, %v; net/url: %q, %v", s, query, got, err, want, wantErr)
			}
		}
		if got, want := QueryEscape(s), url.QueryEscape(s); got != want {
			t.Fatalf("QueryEscape(%q) = %q; net/url: %q", s, got, want)
		}
	})
}
