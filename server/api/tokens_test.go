package api

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/wire"
)

// bearer is the header pair for a token.
func bearer(secret string) []string { return []string{"Authorization", "Bearer " + secret} }

// newToken creates a token from c's session and returns its secret and id.
func newToken(t *testing.T, c *testClient, body any) (secret, id string) {
	t.Helper()
	var out wire.CreatedAppToken
	c.must(201, "POST", "/api/v1/app-tokens", body).decode(t, &out)
	if !strings.HasPrefix(out.Secret, "tft_") || out.Token.ID == "" {
		t.Fatalf("created %+v", out)
	}
	return out.Secret, out.Token.ID
}

func auditTypes(t *testing.T, c *testClient) map[string]int {
	t.Helper()
	var list struct {
		Events []wire.AuditEvent `json:"events"`
	}
	c.must(200, "GET", "/api/v1/audit-events", nil).decode(t, &list)
	out := map[string]int{}
	for _, e := range list.Events {
		out[e.Type]++
	}
	return out
}

func TestAppTokenLifecycleAndLimits(t *testing.T) {
	h := newHarness(t)
	c := h.signUp("tok@example.com")
	secret, id := newToken(t, c, map[string]string{"name": "laptop"})
	anon := h.client()

	// The list never shows the secret again.
	r := anon.must(200, "GET", "/api/v1/app-tokens", nil, bearer(secret)...)
	if strings.Contains(string(r.body), secret) || !strings.Contains(string(r.body), `"name":"laptop"`) {
		t.Fatalf("list: %s", r.body)
	}
	// A token lists devices, but cannot make an account's first one...
	if r := anon.do("POST", "/api/v1/totp-devices", `{"name":"cli"}`, bearer(secret)...); r.status != 403 || r.errorCode() != "token_not_allowed" {
		t.Fatalf("token enrolling the first device: %d %s", r.status, r.body)
	}
	anon.must(200, "GET", "/api/v1/totp-devices", nil, bearer(secret)...)
	// ...but does not mint tokens, read the session or the audit log.
	for _, op := range [][2]string{{"POST", "/api/v1/app-tokens"}, {"GET", "/api/v1/session"}, {"DELETE", "/api/v1/sessions"},
		{"GET", "/api/v1/audit-events"}, {"GET", "/api/v1/demo/protected"}} {
		if r := anon.do(op[0], op[1], `{"name":"x"}`, bearer(secret)...); r.status != 403 || r.errorCode() != "token_not_allowed" {
			t.Errorf("%s %s with a token: %d %s", op[0], op[1], r.status, r.body)
		}
	}
	// Revoked: refused, and no fallback to a cookie sent alongside.
	anon.must(204, "DELETE", "/api/v1/app-tokens/"+id, nil, bearer(secret)...)
	if r := c.do("GET", "/api/v1/totp-devices", nil, bearer(secret)...); r.status != 401 || r.errorCode() != "invalid_token" ||
		r.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("revoked token: %d %s", r.status, r.body)
	}
	for _, bad := range []string{"", "tft_short", secret + "x", strings.TrimPrefix(secret, "tft_")} {
		if r := anon.do("GET", "/api/v1/totp-devices", nil, bearer(bad)...); r.status != 401 {
			t.Errorf("token %q: %d", bad, r.status)
		}
	}
	if r := c.do("DELETE", "/api/v1/app-tokens/"+id, nil); r.status != 404 {
		t.Errorf("revoke twice: %d", r.status)
	}

	// Bad input changes nothing.
	for _, tc := range []struct {
		body any
		code string
	}{
		{`{"name":""}`, "invalid_token_name"},
		{map[string]string{"name": strings.Repeat("n", 65)}, "invalid_token_name"},
		{map[string]string{"name": "x", "expires_at": t0.Add(-time.Hour).Format(time.RFC3339)}, "invalid_expiry"},
		{map[string]string{"name": "x", "expires_at": t0.Add(400 * 24 * time.Hour).Format(time.RFC3339)}, "invalid_expiry"},
		{`{"name":"x","scope":"all"}`, "unknown_field"},
	} {
		if r := c.do("POST", "/api/v1/app-tokens", tc.body); r.status != 400 || r.errorCode() != tc.code {
			t.Errorf("%v: %d %s", tc.body, r.status, r.body)
		}
	}
	var list wire.AppTokenList
	c.must(200, "GET", "/api/v1/app-tokens", nil).decode(t, &list)
	if len(list.Tokens) != 0 {
		t.Fatalf("tokens left: %+v", list)
	}
}

func TestAppTokenExpires(t *testing.T) {
	h := newHarness(t)
	c := h.signUp("exp-tok@example.com")
	secret, _ := newToken(t, c, map[string]string{"name": "ci", "expires_at": t0.Add(time.Hour).Format(time.RFC3339)})
	h.client().must(200, "GET", "/api/v1/app-tokens", nil, bearer(secret)...)
	h.clock.Advance(time.Hour)
	if r := h.client().do("GET", "/api/v1/app-tokens", nil, bearer(secret)...); r.status != 401 {
		t.Fatalf("expired token: %d %s", r.status, r.body)
	}
}

// Every use is audited, at most one event per token per minute.
func TestAppTokenUseAuditedOncePerMinute(t *testing.T) {
	h := newHarness(t)
	c := h.signUp("audit-tok@example.com")
	secret, _ := newToken(t, c, map[string]string{"name": "cron"})
	for range 3 {
		h.client().must(200, "GET", "/api/v1/totp-devices", nil, bearer(secret)...)
	}
	if n := auditTypes(t, c)["app_token_used"]; n != 1 {
		t.Fatalf("%d use events in one minute, want 1", n)
	}
	h.clock.Advance(time.Minute)
	h.client().must(200, "GET", "/api/v1/totp-devices", nil, bearer(secret)...)
	if n := auditTypes(t, c)["app_token_used"]; n != 2 {
		t.Fatalf("%d use events after a minute, want 2", n)
	}
	var list wire.AppTokenList
	c.must(200, "GET", "/api/v1/app-tokens", nil).decode(t, &list)
	if lu := list.Tokens[0].LastUsedAt; lu == nil || !lu.Equal(t0.Add(time.Minute)) || list.Tokens[0].LastUsedAddr == "" {
		t.Fatalf("last use %+v", list.Tokens[0])
	}
}

// Bearer requests skip the cross-origin check (they are not cookie-based);
// cookie requests do not.
func TestBearerSkipsCrossOriginOnly(t *testing.T) {
	h := newHarness(t)
	c := h.signUp("xo-tok@example.com")
	secret, _ := newToken(t, c, map[string]string{"name": "x"})
	cross := []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}
	if r := c.do("DELETE", "/api/v1/totp-devices/inactive", nil, cross...); r.status != 403 || r.errorCode() != "cross_origin_request" {
		t.Fatalf("cookie cross-origin: %d %s", r.status, r.body)
	}
	h.client().must(200, "DELETE", "/api/v1/totp-devices/inactive", nil, append(cross, bearer(secret)...)...)
}

// With MFA, a token comes only from a session with a fresh second factor
// (or a code in the request); a token deleting an active device must give
// a code.
func TestAppTokenNeedsVerifiedSessionAndCodes(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("mfa-tok@example.com") // signed up before enrolling: no verified factor
	if r := a.c.do("POST", "/api/v1/app-tokens", `{"name":"x"}`); r.status != 403 || r.errorCode() != "fresh_factor_required" {
		t.Fatalf("unverified session: %d %s", r.status, r.body)
	}
	h.clock.Advance(time.Minute)
	c := h.signIn(a.email)
	c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": h.code(a.secret)})
	secret, _ := newToken(t, c, map[string]string{"name": "x"})

	tc := h.client()
	dev := "/api/v1/totp-devices/" + a.deviceID
	if r := tc.do("DELETE", dev, nil, bearer(secret)...); r.status != 403 || r.errorCode() != "fresh_factor_required" {
		t.Fatalf("delete without code: %d %s", r.status, r.body)
	}
	if r := tc.do("POST", "/api/v1/recovery-codes", nil, bearer(secret)...); r.status != 403 {
		t.Fatalf("regenerate without code: %d %s", r.status, r.body)
	}
	h.clock.Advance(time.Minute)
	tc.must(204, "DELETE", dev, map[string]string{"code": h.code(a.secret)}, bearer(secret)...)
}

// A pending device's seed can be replaced (the old one stops working); an
// active device's never comes back.
func TestRegenerateSeedOnlyPending(t *testing.T) {
	h := newHarness(t)
	c := h.signUp("seed@example.com")
	var created, again wire.Enrollment
	c.must(201, "POST", "/api/v1/totp-devices", nil).decode(t, &created)
	id := created.Device.ID
	h.clock.Advance(9 * time.Minute)
	c.must(200, "POST", "/api/v1/totp-devices/"+id+"/seed", nil).decode(t, &again)
	if again.Enrollment.Secret == created.Enrollment.Secret || again.Device.ID != id ||
		!again.Device.ExpiresAt.Equal(t0.Add(19*time.Minute)) || !strings.HasPrefix(again.Enrollment.QRPNG, "data:image/png") {
		t.Fatalf("new seed %+v", again)
	}
	h.clock.Advance(2 * time.Minute) // past the first expiry: the new window holds
	if r := c.do("POST", "/api/v1/totp-devices/"+id+"/activate", map[string]string{"code": h.code(secretOf(t, created.Enrollment.Secret))}); r.status != 403 {
		t.Fatalf("old seed's code: %d %s", r.status, r.body)
	}
	h.clock.Advance(30 * time.Second)
	c.must(200, "POST", "/api/v1/totp-devices/"+id+"/activate", map[string]string{"code": h.code(secretOf(t, again.Enrollment.Secret))})
	if r := c.do("POST", "/api/v1/totp-devices/"+id+"/seed", nil); r.status != 409 || r.errorCode() != "device_active" {
		t.Fatalf("seed of an active device: %d %s", r.status, r.body)
	}
	if r := c.do("POST", "/api/v1/totp-devices/dev_aaaaaaaaaaaaaaaa/seed", nil); r.status != 404 {
		t.Fatalf("unknown device: %d", r.status)
	}
}

// The demo protected area needs mfa_totp_verified: 409 without MFA, 403
// mfa_required until a step-up, then 200.
func TestProtectedAreaStepUp(t *testing.T) {
	h := newHarness(t)
	if r := h.signUp("plain@example.com").do("GET", "/api/v1/demo/protected", nil); r.status != 409 || r.errorCode() != "mfa_not_enrolled" {
		t.Fatalf("no MFA: %d %s", r.status, r.body)
	}
	a := h.enroll("step@example.com")
	if r := a.c.do("GET", "/api/v1/demo/protected", nil); r.status != 403 || r.errorCode() != "mfa_required" {
		t.Fatalf("not verified: %d %s", r.status, r.body)
	}
	h.clock.Advance(time.Minute)
	a.c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": h.code(a.secret)})
	a.c.must(200, "GET", "/api/v1/demo/protected", nil)
	if r := h.client().do("GET", "/api/v1/demo/protected", nil); r.status != 401 {
		t.Fatalf("anonymous: %d", r.status)
	}
}

// twofold login --browser over HTTP: the browser's session makes the grant,
// the CLI (no cookie) redeems it with its verifier; a wrong verifier and a
// second redemption get one answer.
func TestCLIGrantOverHTTP(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("cli@example.com")
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	cli := h.client()
	if r := cli.do("POST", "/api/v1/cli-grants", map[string]string{"code_challenge": challenge, "name": "cli"}); r.status != 401 {
		t.Fatalf("without a session: %d %s", r.status, r.body)
	}
	h.clock.Advance(30 * time.Second)
	var g wire.CLIGrant
	a.c.must(201, "POST", "/api/v1/cli-grants", map[string]string{"code_challenge": challenge, "name": "twofold CLI", "code": h.code(a.secret)}).decode(t, &g)
	if g.Grant == "" || !g.ExpiresAt.Equal(h.clock.Now().Add(2*time.Minute)) {
		t.Fatalf("%+v", g)
	}
	for _, bad := range []map[string]string{{"grant": g.Grant, "code_verifier": strings.Repeat("w", 50)}, {"grant": "x", "code_verifier": verifier}} {
		if r := cli.do("POST", "/api/v1/cli-grants/token", bad); r.status != 400 || r.errorCode() != "invalid_grant" {
			t.Fatalf("%v: %d %s", bad, r.status, r.body)
		}
	}
	var created wire.CreatedAppToken
	cli.must(201, "POST", "/api/v1/cli-grants/token", map[string]string{"grant": g.Grant, "code_verifier": verifier}).decode(t, &created)
	if !created.Token.MFA || created.Token.Name != "twofold CLI" {
		t.Fatalf("%+v", created.Token)
	}
	if r := cli.do("POST", "/api/v1/cli-grants/token", map[string]string{"grant": g.Grant, "code_verifier": verifier}); r.errorCode() != "invalid_grant" {
		t.Fatalf("twice: %d %s", r.status, r.body)
	}
	h.client().must(200, "GET", "/api/v1/app-tokens", nil, bearer(created.Secret)...)
}
