package api

import (
	"github.com/twofold-auth/twofold/server/api/wire"
	"maps"
	"strings"
	"testing"
	"time"
)

// Invariant 7: bad input of any kind gets a clear 4xx and changes nothing
// (every table's row count, the devices' last steps and the sessions' MFA
// times are the same before and after).
func TestInvariant7_BadInputChangesNothing(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("bad@example.com")
	pending := h.client()
	pending.must(200, "POST", "/api/v1/session", map[string]string{"email": "bad@example.com", "password": password})
	var created wire.Enrollment
	a.c.must(201, "POST", "/api/v1/totp-devices", `{"name":"pending","recovery_code":"`+a.recovery[9]+`"}`).decode(t, &created)
	anon := h.client()
	mfa := "/api/v1/session/mfa"
	big := `{"code":"` + strings.Repeat("1", 1<<20) + `"}`
	type tc struct {
		name         string
		c            *testClient
		method, path string
		body         any
		headers      []string
		status       int
		code         string
	}
	cases := []tc{
		{"malformed JSON", a.c, "POST", mfa, `{"code":`, nil, 400, "malformed_json"},
		{"not an object", a.c, "POST", mfa, `["123456"]`, nil, 400, "malformed_json"},
		{"null", a.c, "POST", mfa, ` null`, nil, 400, "malformed_json"},
		{"wrong type", a.c, "POST", mfa, `{"code":123456}`, nil, 400, "malformed_json"},
		{"trailing data", a.c, "POST", mfa, `{"code":"123456"} {}`, nil, 400, "malformed_json"},
		{"unknown field", a.c, "POST", mfa, `{"code":"123456","remember":true}`, nil, 400, "unknown_field"},
		{"1 MB body", a.c, "POST", mfa, big, nil, 413, "body_too_large"},
		{"wrong content type", a.c, "POST", mfa, `{"code":"123456"}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type"},
		{"form content type", a.c, "POST", mfa, `code=123456`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
		{"latin1 charset", a.c, "POST", mfa, `{"code":"123456"}`, []string{"Content-Type", "application/json; charset=latin1"}, 415, "unsupported_media_type"},
		{"empty body", a.c, "POST", mfa, ``, []string{"Content-Type", "application/json"}, 400, "malformed_json"},
		{"5 digits", a.c, "POST", mfa, `{"code":"12345"}`, nil, 400, "invalid_code_format"},
		{"9 digits", a.c, "POST", mfa, `{"code":"123456789"}`, nil, 400, "invalid_code_format"},
		{"letters", a.c, "POST", mfa, `{"code":"12a456"}`, nil, 400, "invalid_code_format"},
		{"Unicode digits", a.c, "POST", mfa, `{"code":"١٢٣٤٥٦"}`, nil, 400, "invalid_code_format"},
		{"fullwidth digits", a.c, "POST", mfa, `{"code":"１２３４５６"}`, nil, 400, "invalid_code_format"},
		{"empty code", a.c, "POST", mfa, `{"code":""}`, nil, 400, "factor_required"},
		{"blank code", a.c, "POST", mfa, `{"code":"   "}`, nil, 400, "factor_required"},
		{"no factor", a.c, "POST", mfa, `{}`, nil, 400, "factor_required"},
		{"two factors", a.c, "POST", mfa, `{"code":"123456","recovery_code":"` + a.recovery[0] + `"}`, nil, 400, "factor_required"},
		{"malformed recovery code", a.c, "POST", mfa, `{"recovery_code":"ABCD-EFGH"}`, nil, 400, "invalid_recovery_code_format"},
		{"partial session, bad code", pending, "POST", mfa, `{"code":"12345"}`, nil, 400, "invalid_code_format"},
		{"no session", anon, "POST", mfa, `{"code":"123456"}`, nil, 401, "unauthenticated"},
		{"wrong session", anon, "GET", "/api/v1/session", nil, []string{"Cookie", "twofold_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, 401, "unauthenticated"},
		{"garbage session", anon, "POST", mfa, `{"code":"123456"}`, []string{"Cookie", "twofold_session=<script>"}, 401, "unauthenticated"},
		{"partial session lists devices", pending, "GET", "/api/v1/totp-devices", nil, nil, 403, "second_factor_required"},
		{"partial session creates device", pending, "POST", "/api/v1/totp-devices", `{}`, nil, 403, "second_factor_required"},
		{"another device, no fresh factor", a.c, "POST", "/api/v1/totp-devices", `{"name":"x"}`, nil, 403, "fresh_factor_required"},
		{"another device, 5 digits", a.c, "POST", "/api/v1/totp-devices", `{"code":"12345"}`, nil, 400, "invalid_code_format"},
		{"another device, two factors", a.c, "POST", "/api/v1/totp-devices", `{"code":"123456","recovery_code":"` + a.recovery[0] + `"}`, nil, 400, "factor_required"},
		{"activate, 5 digits", a.c, "POST", "/api/v1/totp-devices/" + created.Device.ID + "/activate", `{"code":"12345"}`, nil, 400, "invalid_code_format"},
		{"activate, recovery code", a.c, "POST", "/api/v1/totp-devices/" + created.Device.ID + "/activate", `{"recovery_code":"` + a.recovery[0] + `"}`, nil, 400, "unknown_field"},
		{"activate, unknown device", a.c, "POST", "/api/v1/totp-devices/dev_aaaaaaaaaaaaaaaa/activate", `{"code":"123456"}`, nil, 404, "not_found"},
		{"activate, already active", a.c, "POST", "/api/v1/totp-devices/" + a.deviceID + "/activate", `{"code":"123456"}`, nil, 409, "device_active"},
		{"delete, malformed body", a.c, "DELETE", "/api/v1/totp-devices/" + a.deviceID, `{"code":`, nil, 400, "malformed_json"},
		{"delete, Unicode digits", a.c, "DELETE", "/api/v1/totp-devices/" + a.deviceID, `{"code":"١٢٣٤٥٦"}`, nil, 400, "invalid_code_format"},
		{"rename, too long", a.c, "PATCH", "/api/v1/totp-devices/" + a.deviceID, `{"name":"` + strings.Repeat("x", 65) + `"}`, nil, 400, "invalid_name"},
		{"rename, control character", a.c, "PATCH", "/api/v1/totp-devices/" + a.deviceID, `{"name":"a\u0007b"}`, nil, 400, "invalid_name"},
		{"rename, empty", a.c, "PATCH", "/api/v1/totp-devices/" + a.deviceID, `{"name":" "}`, nil, 400, "invalid_name"},
		{"create, unknown field", a.c, "POST", "/api/v1/totp-devices", `{"name":"x","secret":"JBSWY3DPEHPK3PXP"}`, nil, 400, "unknown_field"},
		{"sign-up, bad email", anon, "POST", "/api/v1/users", `{"email":"nope","password":"correct horse"}`, nil, 400, "invalid_email"},
		{"sign-up, domain without a dot", anon, "POST", "/api/v1/users", `{"email":"dana@example","password":"correct horse"}`, nil, 400, "invalid_email"},
		{"sign-up, short password", anon, "POST", "/api/v1/users", `{"email":"x@example.com","password":"short"}`, nil, 400, "invalid_password"},
		{"sign-up, taken", anon, "POST", "/api/v1/users", `{"email":"BAD@example.com","password":"correct horse"}`, nil, 409, "email_taken"},
		{"sign-up, unknown field", anon, "POST", "/api/v1/users", `{"email":"y@example.com","password":"correct horse","admin":true}`, nil, 400, "unknown_field"},
		{"unknown route", a.c, "GET", "/api/v1/nope", nil, nil, 404, "not_found"},
		{"wrong method", a.c, "PUT", "/api/v1/session", `{}`, nil, 405, "method_not_allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := h.rowCounts()
			r := tc.c.do(tc.method, tc.path, tc.body, tc.headers...)
			if r.status != tc.status || r.errorCode() != tc.code {
				t.Fatalf("%d %s, want %d %s", r.status, r.body, tc.status, tc.code)
			}
			var e wire.ErrorBody
			r.decode(t, &e)
			if e.Error.Message == "" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Fatalf("unclear error: %s", r.body)
			}
			if after := h.rowCounts(); !maps.Equal(before, after) {
				t.Fatalf("rows changed: %v → %v", before, after)
			}
		})
	}
	t.Run("expired partial session", func(t *testing.T) {
		h.clock.Advance(5 * time.Minute)
		before := h.rowCounts()
		r := pending.do("POST", mfa, map[string]string{"code": h.code(a.secret)})
		if r.status != 401 || r.errorCode() != "unauthenticated" {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if after := h.rowCounts(); !maps.Equal(before, after) {
			t.Fatalf("rows changed: %v → %v", before, after)
		}
	})
}

// Cross-origin state-changing requests are refused before any handler runs;
// same-origin browsers and header-less clients (curl, the CLI) pass.
func TestCrossOriginRequestRefused(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	body := map[string]string{"email": "csrf@example.com", "password": password}
	for _, hdr := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Origin", "https://evil.example"},
	} {
		before := h.rowCounts()
		r := c.do("POST", "/api/v1/users", body, hdr...)
		if r.status != 403 || r.errorCode() != "cross_origin_request" {
			t.Fatalf("%v: %d %s", hdr, r.status, r.body)
		}
		if r.header.Get("X-Frame-Options") != "DENY" {
			t.Fatal("refusal without security headers")
		}
		if after := h.rowCounts(); !maps.Equal(before, after) {
			t.Fatalf("%v changed rows", hdr)
		}
	}
	// Safe methods pass cross-site (no state changes).
	c.must(200, "GET", "/api/v1/time", nil, "Sec-Fetch-Site", "cross-site")
	c.must(201, "POST", "/api/v1/users", body, "Sec-Fetch-Site", "same-origin", "Origin", h.srv.URL)
	h.client().must(200, "POST", "/api/v1/session", body)
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	for _, p := range []string{"/", "/app/", "/app/twofold.wasm", "/api/v1/time", "/api/v1/nope", "/healthz", "/metrics", "/nope"} {
		r := c.do("GET", p, nil)
		for hdr, want := range map[string]string{
			"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
		} {
			if got := r.header.Get(hdr); got != want {
				t.Errorf("%s: %s = %q", p, hdr, got)
			}
		}
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "'unsafe-eval'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
	}
	if r := c.do("GET", "/api/v1/time", nil); r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("API response cacheable: %q", r.header.Get("Cache-Control"))
	}
}

func TestRateLimitPerClientAddress(t *testing.T) {
	h := newHarness(t, func(o *harnessOptions) { o.rateLimit = RateLimit{Requests: 3, Window: time.Minute} })
	c := h.client()
	body := map[string]string{"email": "nobody@example.com", "password": password}
	for range 3 {
		c.must(401, "POST", "/api/v1/session", body)
	}
	r := c.must(429, "POST", "/api/v1/session", body)
	if r.errorCode() != "rate_limited" || r.header.Get("Retry-After") == "" {
		t.Fatalf("%s %v", r.body, r.header)
	}
	// Routes without credentials are not limited.
	c.must(200, "GET", "/api/v1/time", nil)
}

// A User-Agent that is not UTF-8 (or carries NUL-free junk) is stored as
// valid text: the store's contract, which PostgreSQL enforces.
func TestInvalidUserAgentIsStoredAsText(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	c.must(201, "POST", "/api/v1/users", map[string]string{"email": "ua@example.com", "password": password}, "User-Agent", "Mozilla\xc3\xff/5.0")
	var list wire.AuditList
	c.must(200, "GET", "/api/v1/audit-events", nil).decode(t, &list)
	if len(list.Events) == 0 || list.Events[0].UserAgent != "Mozilla\uFFFD/5.0" {
		t.Fatalf("%+v", list.Events)
	}
}
