package credential

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

// The production default must stay at or above OWASP's Argon2id minimum.
func TestDefaultArgon2AtLeast19MiB(t *testing.T) {
	if DefaultArgon2.MemoryKiB < 19*1024 || DefaultArgon2.Time < 2 || DefaultArgon2.Threads < 1 ||
		DefaultArgon2.SaltLen < 16 || DefaultArgon2.KeyLen < 32 {
		t.Fatalf("DefaultArgon2 = %+v, below 19 MiB / t=2 / p=1", DefaultArgon2)
	}
}

var fastArgon2 = Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestPasswordHash(t *testing.T) {
	phc, err := HashPassword(rand.Reader, "correct horse", fastArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("PHC string %q does not carry its parameters", phc)
	}
	if ok, err := VerifyPassword("correct horse", phc); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, err := VerifyPassword("correct horsE", phc); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	// Parameters travel with the hash: a hash made with other parameters
	// still verifies.
	other, _ := HashPassword(rand.Reader, "pw", Argon2Params{MemoryKiB: 128, Time: 2, Threads: 2, SaltLen: 8, KeyLen: 16})
	if ok, _ := VerifyPassword("pw", other); !ok {
		t.Fatal("hash with other parameters does not verify")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if _, err := VerifyPassword("pw", bad); err == nil {
			t.Errorf("VerifyPassword accepted %q", bad)
		}
	}
}

func TestToken(t *testing.T) {
	tok, h, err := NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 43 || !ValidTokenSyntax(tok) || !bytes.Equal(h, HashToken(tok)) || len(h) != 32 {
		t.Fatalf("token %q hash %x", tok, h)
	}
	for _, bad := range []string{"", "short", strings.Repeat("!", 43), tok + "A"} {
		if ValidTokenSyntax(bad) {
			t.Errorf("ValidTokenSyntax(%q)", bad)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, err := NewRecoveryCodes(rand.Reader, RecoveryCodeCount)
	if err != nil || len(codes) != 10 {
		t.Fatal(codes, err)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 19 || strings.Count(c, "-") != 3 || strings.ContainsAny(c, "ILOU") || seen[c] {
			t.Fatalf("bad code %q", c)
		}
		seen[c] = true
		h1, err := HashRecoveryCode(c)
		if err != nil {
			t.Fatal(err)
		}
		// Lenient input: lower case, spaces, look-alikes.
		typed := strings.ToLower(strings.ReplaceAll(c, "-", " "))
		typed = strings.NewReplacer("0", "o", "1", "l").Replace(typed)
		h2, err := HashRecoveryCode(typed)
		if err != nil || !bytes.Equal(h1, h2) {
			t.Fatalf("typed %q does not match %q: %v", typed, c, err)
		}
	}
	for _, bad := range []string{"", "ABCD", "ABCD-EFGH-JKMN-PQRSX", "ABCD-EFGH-JKMN-PQRU", "ABCD-EFGH-JKMN-PQR٣"} {
		if _, err := HashRecoveryCode(bad); !errors.Is(err, ErrRecoveryFormat) {
			t.Errorf("HashRecoveryCode(%q) = %v", bad, err)
		}
	}
	a, _ := HashRecoveryCode(codes[0])
	b, _ := HashRecoveryCode(codes[1])
	if MatchHash(a, [][]byte{b, a}) != 1 || MatchHash(a, [][]byte{b}) != -1 {
		t.Fatal("MatchHash")
	}
}
