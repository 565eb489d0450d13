package accounts

import (
	"errors"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Issue 12, item 6: a key typed by hand is refused under 80 bits, accepted
// with a warning from 80 to 127 bits (RFC 4226 §4 R6 asks for 128), and
// the sentences read as English ("an 80-bit key").
func TestCheckKeyLength(t *testing.T) {
	for _, tt := range []struct {
		typed   string
		ok      bool
		bits    int
		summary string // when ok
		message string // when not ok
	}{
		// Refused: too short to be a service's key.
		{"JBSW", false, 0, "", "this key is too short: 16 bits, and a key has at least 80 bits (16 characters); check that you typed all of it"},
		{"JBSWY3DPEHPK3PX", false, 0, "", "this key is too short: 72 bits, and a key has at least 80 bits (16 characters); check that you typed all of it"},
		// Accepted with the warning.
		{"JBSW Y3DP EHPK 3PXP", true, 80, "An 80-bit key: it works, but it is shorter than the 128 bits RFC 4226 asks for. If the service can issue a longer key, ask for one.", ""},
		{"JBSWY3DPEHPK3PXPJBSWY3DP", true, 120, "A 120-bit key: it works, but it is shorter than the 128 bits RFC 4226 asks for. If the service can issue a longer key, ask for one.", ""},
		// Quiet.
		{"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", true, 160, "Looks right: a 160-bit key.", ""},
		{"GEZDGNBVGY3TQOJQGEZDGNBVGY", true, 128, "Looks right: a 128-bit key.", ""},
	} {
		c := CheckKey(tt.typed)
		if c.OK != tt.ok || c.Link || (tt.ok && (c.Bits != tt.bits || c.Summary != tt.summary)) || (!tt.ok && c.Message != tt.message) {
			t.Errorf("CheckKey(%q) = %+v\nwant ok=%v bits=%d summary=%q message=%q", tt.typed, c, tt.ok, tt.bits, tt.summary, tt.message)
		}
		_, err := Manual{Account: "ana", Secret: tt.typed}.Key()
		if (err == nil) != tt.ok || (!tt.ok && !errors.Is(err, otpauth.ErrSecretShort)) {
			t.Errorf("Manual{Secret: %q}.Key() = %v, want accepted %v", tt.typed, err, tt.ok)
		}
	}
}

func TestWithArticle(t *testing.T) {
	for n, want := range map[int]string{8: "an 8", 16: "a 16", 80: "an 80", 88: "an 88", 128: "a 128", 160: "a 160", 800: "an 800", 1024: "a 1024", 11: "an 11", 18: "an 18"} {
		if got := withArticle(n); got != want {
			t.Errorf("withArticle(%d) = %q, want %q", n, got, want)
		}
	}
}

// A bad character is named once, in words a person knows (no "base32"),
// with the letter it may have been meant as.
func TestKeyErrorWording(t *testing.T) {
	for typed, want := range map[string]string{
		"JBSW0Y3D":  "the key cannot have '0' (character 5): a key has only the letters A to Z and the digits 2 to 7; did you mean O?",
		"JBSW!Y3D":  "the key cannot have '!' (character 5): a key has only the letters A to Z and the digits 2 to 7",
		"JBSWY3DPE": "a character of this key is missing, or there is one too many: check that you typed all of it",
		"  ":        "enter the key",
	} {
		c := CheckKey(typed)
		if c.OK || c.Message != want {
			t.Errorf("CheckKey(%q).Message = %q, want %q", typed, c.Message, want)
		}
		if strings.Contains(strings.ToLower(c.Message), "base32") {
			t.Errorf("CheckKey(%q) says %q", typed, c.Message)
		}
	}
}

// An otpauth link pasted into the key field is recognised as a link (its
// account named, its key checked as a scanned one is), never as a key
// with bad characters.
func TestCheckKeyLink(t *testing.T) {
	c := CheckKey("  otpauth://totp/Example:ana@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example\n")
	if !c.OK || !c.Link || c.Label != "Example (ana@example.com)" || c.Bits != 160 || c.Pos != 0 ||
		c.Summary != "This is a complete otpauth link for Example (ana@example.com): Add account adds it with the link's own name and settings." {
		t.Errorf("a link: %+v", c)
	}
	c = CheckKey("OTPAUTH://totp/ana?secret=JBSWY3DPEHPK3PXP")
	if !c.OK || !c.Link || c.Label != "ana" || len(c.Warnings) != 1 {
		t.Errorf("an upper-case link with an 80-bit key: %+v", c)
	}
	c = CheckKey("otpauth://totp/ana?secret=JBSW1")
	if c.OK || !c.Link || !strings.HasPrefix(c.Message, "this otpauth link cannot be used: the key cannot have '1'") {
		t.Errorf("a link with a bad key: %+v", c)
	}
	c = CheckKey("otpauth-migration://offline?data=CgA")
	if !c.OK || !c.Link || !strings.Contains(c.Summary, "Google Authenticator export link") {
		t.Errorf("an export link: %+v", c)
	}
	if c := CheckKey("otpauth"); c.Link || c.OK {
		t.Errorf("a key that starts like a link: %+v", c)
	}
}

// FuzzCheckKey: whatever is typed or pasted into the key field, the check
// does not panic and agrees with adding it: a key it calls right is one
// Manual.Key accepts (and a refused one Manual.Key refuses), a link it
// calls right is one otpauth.Parse reads, and a refusal always says why.
func FuzzCheckKey(f *testing.F) {
	for _, s := range []string{"JBSW Y3DP EHPK 3PXP", "JBSW", "jbsw0y3d", "", "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP",
		"OTPAUTH://hotp/x:y?secret=AAAA&counter=1", "otpauth-migration://offline?data=", "otpauth:/", "====", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		c := CheckKey(typed)
		if !c.OK && c.Message == "" {
			t.Fatalf("CheckKey(%q) refuses without a reason: %+v", typed, c)
		}
		if c.OK && c.Summary == "" {
			t.Fatalf("CheckKey(%q) accepts without a summary: %+v", typed, c)
		}
		if c.Link {
			if c.OK && strings.HasPrefix(strings.ToLower(strings.TrimSpace(typed)), "otpauth://") {
				if _, err := otpauth.Parse(strings.TrimSpace(typed)); err != nil {
					t.Fatalf("CheckKey(%q) accepts a link Parse refuses: %v", typed, err)
				}
			}
			return
		}
		_, err := Manual{Account: "ana", Secret: typed}.Key()
		if (err == nil) != c.OK {
			t.Fatalf("CheckKey(%q).OK = %v, Manual.Key: %v", typed, c.OK, err)
		}
	})
}
