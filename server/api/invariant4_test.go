package api

import (
	"bytes"
	"crypto/sha256"
	"os"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/server/credential"
)

// Invariant 4: session tokens and recovery codes are stored only as
// hashes; the database files never hold them in clear.
func TestInvariant4_TokensAndRecoveryCodesStoredOnlyAsHashes(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("hash@example.com")
	var token string
	for _, c := range a.c.http.Jar.Cookies(mustURL(h.srv.URL)) {
		if c.Name == cookieName {
			token = c.Value
		}
	}
	if !credential.ValidTokenSyntax(token) {
		t.Fatalf("session cookie %q is not a 256-bit token", token)
	}
	sum := sha256.Sum256([]byte(token))
	if _, err := h.st.SessionByHash(t.Context(), sum[:]); err != nil {
		t.Fatalf("session not found by SHA-256 of its token: %v", err)
	}
	hashes, _ := h.st.UnusedRecoveryCodes(t.Context(), mustPrincipalUser(t, h, a))
	if len(hashes) != 10 {
		t.Fatalf("%d stored recovery codes", len(hashes))
	}
	h.st.Close()
	var files []byte
	for _, suffix := range []string{"", "-wal"} {
		data, _ := os.ReadFile(h.dbPath + suffix)
		files = append(files, data...)
	}
	needles := []string{token}
	for _, c := range a.recovery {
		needles = append(needles, c, strings.ReplaceAll(c, "-", ""))
	}
	for _, n := range needles {
		if bytes.Contains(files, []byte(n)) {
			t.Errorf("database holds %q in clear", n)
		}
	}
}

func mustPrincipalUser(t *testing.T, h *harness, a *account) string {
	u, err := h.st.UserByEmail(t.Context(), a.email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
