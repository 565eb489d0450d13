package api

import (
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/store"
)

// Regression tests for the holes an attacker found (issue 11): each failed
// on the code before its fix.

// Every path that yields a seed follows enrollment's rule, and a pending
// device belongs to the session or token that created it (item 1).
func TestSeedTakeoverClosed(t *testing.T) {
	h := newHarness(t)
	owner := h.signUp("owner@example.com")
	token, _ := newToken(t, owner, map[string]string{"name": "script"}) // no MFA yet: a session may mint one
	intruder := h.signIn("owner@example.com")                           // the password, before MFA was on

	// A token cannot make the first device of an account (and so cannot
	// turn MFA on with its own authenticator and take the recovery codes).
	if r := h.client().do("POST", "/api/v1/totp-devices", `{}`, bearer(token)...); r.status != 403 || r.errorCode() != "token_not_allowed" {
		t.Fatalf("token enrolling the first device: %d %s", r.status, r.body)
	}

	var created wire.Enrollment
	owner.must(201, "POST", "/api/v1/totp-devices", `{"name":"phone"}`).decode(t, &created)
	seed := "/api/v1/totp-devices/" + created.Device.ID + "/seed"
	activate := "/api/v1/totp-devices/" + created.Device.ID + "/activate"
	// Neither the token nor the other session may see a new seed for the
	// owner's pending device, or activate it.
	if r := h.client().do("POST", seed, nil, bearer(token)...); r.status != 403 {
		t.Fatalf("token regenerating the owner's seed: %d %s", r.status, r.body)
	}
	if r := intruder.do("POST", seed, nil); r.status != 403 || r.errorCode() != "device_not_yours" {
		t.Fatalf("another session regenerating the owner's seed: %d %s", r.status, r.body)
	}
	if r := intruder.do("POST", activate, map[string]string{"code": h.code(secretOf(t, created.Enrollment.Secret))}); r.status != 403 || r.errorCode() != "device_not_yours" {
		t.Fatalf("another session activating the owner's device: %d %s", r.status, r.body)
	}

	// Activation turns MFA on and ends the password-only session (item 2).
	var act struct {
		RecoveryCodes     []string `json:"recovery_codes"`
		SignedOutSessions int64    `json:"signed_out_sessions"`
	}
	owner.must(200, "POST", activate, map[string]string{"code": h.code(secretOf(t, created.Enrollment.Secret))}).decode(t, &act)
	if act.SignedOutSessions != 1 || len(act.RecoveryCodes) != 10 {
		t.Fatalf("activation: %+v", act)
	}
	if r := intruder.do("GET", "/api/v1/session", nil); r.status != 401 {
		t.Fatalf("the password-only session outlived MFA: %d %s", r.status, r.body)
	}
	if types := auditTypes(t, h.stepUp(owner, secretOf(t, created.Enrollment.Secret))); types["unverified_sessions_ended"] != 1 {
		t.Fatalf("audit %v", types)
	}

	// With MFA on, the token needs a code for a new device, and its pending
	// device is its own: the owner's session cannot take its seed either.
	if r := h.client().do("POST", "/api/v1/totp-devices", `{}`, bearer(token)...); r.status != 403 || r.errorCode() != "fresh_factor_required" {
		t.Fatalf("token adding a device without a code: %d %s", r.status, r.body)
	}
	h.clock.Advance(30 * time.Second)
	var byToken wire.Enrollment
	h.client().must(201, "POST", "/api/v1/totp-devices", map[string]string{"code": h.code(secretOf(t, created.Enrollment.Secret))},
		bearer(token)...).decode(t, &byToken)
	tokenSeed := "/api/v1/totp-devices/" + byToken.Device.ID + "/seed"
	if r := h.client().do("POST", tokenSeed, nil, bearer(token)...); r.status != 403 || r.errorCode() != "fresh_factor_required" {
		t.Fatalf("token regenerating its own seed without a code: %d %s", r.status, r.body)
	}
	if r := owner.do("POST", tokenSeed, nil); r.status != 403 || r.errorCode() != "device_not_yours" {
		t.Fatalf("owner session regenerating the token's device: %d %s", r.status, r.body)
	}
	h.clock.Advance(30 * time.Second)
	h.client().must(200, "POST", tokenSeed, map[string]string{"code": h.code(secretOf(t, created.Enrollment.Secret))}, bearer(token)...)
}

// stepUp verifies a second factor in c's session and returns c.
func (h *harness) stepUp(c *testClient, secret []byte) *testClient {
	h.t.Helper()
	h.clock.Advance(30 * time.Second)
	c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": h.code(secret)})
	return c
}

// Minting a token needs a fresh second factor once MFA is on (item 10).
func TestTokenNeedsFreshFactor(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("mint@example.com")
	h.clock.Advance(30 * time.Second)
	c := h.signIn(a.email)
	c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": h.code(a.secret)})
	h.clock.Advance(5*time.Minute + time.Second) // verified, but not freshly
	if r := c.do("POST", "/api/v1/app-tokens", `{"name":"x"}`); r.status != 403 || r.errorCode() != "fresh_factor_required" {
		t.Fatalf("stale session minting a token: %d %s", r.status, r.body)
	}
	if r := c.do("POST", "/api/v1/app-tokens", map[string]string{"name": "x", "code": "000000"}); r.status != 403 || r.errorCode() != "verification_failed" {
		t.Fatalf("wrong code: %d %s", r.status, r.body)
	}
	newToken(t, c, map[string]string{"name": "x", "code": h.code(a.secret)})
	var list wire.AppTokenList
	c.must(200, "GET", "/api/v1/app-tokens", nil).decode(t, &list)
	if len(list.Tokens) != 1 {
		t.Fatalf("tokens %+v", list.Tokens)
	}
}

// Password guesses are bounded per account whatever the addresses, the
// bound outlives a restart, and a browser that signed in before still gets
// in during the lock (item 4).
func TestPasswordGuessesBoundedPerAccount(t *testing.T) {
	h := newHarness(t)
	owner := h.signUp("guessed@example.com") // a known browser from now on
	owner.must(204, "DELETE", "/api/v1/session", nil)
	wrong := map[string]string{"email": "guessed@example.com", "password": "not the password"}
	right := map[string]string{"email": "guessed@example.com", "password": password}

	// Five free failures, then backoff: even the right password is refused,
	// with the same answer as a wrong one.
	for i := range 6 {
		if r := h.client().do("POST", "/api/v1/session", wrong); r.status != 401 || r.errorCode() != "invalid_credentials" {
			t.Fatalf("guess %d: %d %s", i, r.status, r.body)
		}
	}
	locked := h.client().do("POST", "/api/v1/session", right)
	if locked.status != 401 || locked.errorCode() != "invalid_credentials" {
		t.Fatalf("right password during the backoff: %d %s", locked.status, locked.body)
	}
	// The known browser is not locked by a stranger's guesses.
	owner.must(200, "POST", "/api/v1/session", right)
	owner.must(204, "DELETE", "/api/v1/session", nil)

	// Guessing as fast as the backoff allows (from fresh clients: the
	// bound is the account's, not an address's), the daily budget of 100
	// holds: then not even the right password gets in from a new browser.
	id := userID(t, h, "guessed@example.com")
	for i := 0; i < 150; i++ {
		th := h.passwordThrottle(id)
		if th.WindowFailures >= 100 {
			break
		}
		if th.LockedUntil.After(h.clock.Now()) {
			h.clock.Advance(th.LockedUntil.Sub(h.clock.Now()))
		}
		if r := h.client().do("POST", "/api/v1/session", wrong); r.status != 401 {
			t.Fatalf("guess %d: %d", i, r.status)
		}
	}
	th := h.passwordThrottle(id)
	if th.WindowFailures != 100 || !th.LockedUntil.Equal(th.WindowStart.Add(24*time.Hour)) || h.clock.Now().Sub(th.WindowStart) > 24*time.Hour {
		t.Fatalf("budget record %+v at %v", th, h.clock.Now())
	}
	h.restart()
	if r := h.client().do("POST", "/api/v1/session", right); r.status != 401 {
		t.Fatalf("right password from a new browser after the budget and a restart: %d %s", r.status, r.body)
	}
	owner.must(200, "POST", "/api/v1/session", right)

	// The known browser has its own backoff against guesses made from it.
	owner.must(204, "DELETE", "/api/v1/session", nil)
	for range 6 {
		owner.do("POST", "/api/v1/session", wrong)
	}
	if r := owner.do("POST", "/api/v1/session", right); r.status != 401 {
		t.Fatalf("known browser during its own backoff: %d %s", r.status, r.body)
	}
	h.clock.Advance(2 * time.Second)
	owner.must(200, "POST", "/api/v1/session", right)
}

// passwordThrottle reads the account's password failure record from the
// database file.
func (h *harness) passwordThrottle(userID string) store.Throttle {
	h.t.Helper()
	db, err := sql.Open("sqlite3", h.dbPath+"?_query_only=true")
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	var failures int
	var start, locked int64
	err = db.QueryRow(`SELECT window_failures, window_start, locked_until FROM password_throttle WHERE user_id = ?`, userID).Scan(&failures, &start, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Throttle{}
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return store.Throttle{WindowFailures: failures, WindowStart: time.UnixMilli(start).UTC(), LockedUntil: time.UnixMilli(locked).UTC()}
}

func userID(t *testing.T, h *harness, email string) string {
	t.Helper()
	u, err := h.st.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// /metrics tells why attempts failed: it is not on the public router
// (item 5; server.MetricsHandler serves it on its own listener).
func TestMetricsNotPublic(t *testing.T) {
	h := newHarness(t)
	if r := h.client().do("GET", "/metrics", nil); r.status != 404 || strings.Contains(string(r.body), "outcome") {
		t.Fatalf("/metrics on the public router: %d %s", r.status, r.body)
	}
}

// Invalid UTF-8 and unpaired surrogate escapes are refused, not rewritten
// to U+FFFD: two byte strings never become one password (item 6).
func TestInvalidUTF8Refused(t *testing.T) {
	h := newHarness(t)
	for name, body := range map[string]string{
		"raw invalid byte":     "{\"email\":\"u8@example.com\",\"password\":\"pass\xffword12\"}",
		"lone high surrogate":  `{"email":"u8@example.com","password":"pass\ud800word12"}`,
		"lone low surrogate":   `{"email":"u8@example.com","password":"pass\udc00word12"}`,
		"reversed pair":        `{"email":"u8@example.com","password":"pass\udc00\ud800word12"}`,
		"high then a non-pair": `{"email":"u8@example.com","password":"pass\ud800\u0041word12"}`,
	} {
		if r := h.client().do("POST", "/api/v1/users", body); r.status != 400 || r.errorCode() != "invalid_utf8" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if n := h.rowCounts()["users"]; n != 0 {
		t.Fatalf("%d users created from invalid bodies", n)
	}
	// A proper pair and an escaped backslash before a "u" are fine.
	h.client().must(201, "POST", "/api/v1/users", `{"email":"u8@example.com","password":"pass\ud83d\ude00word\\udc00"}`)
}

// Every state-changing request is JSON or has no body and no form type: an
// empty form POST no longer makes new recovery codes (item 7).
func TestStateChangesNeedJSON(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("forms@example.com")
	h.stepUp(a.c, a.secret)
	for _, ct := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"} {
		for _, body := range []string{"", "code=123456"} {
			if r := a.c.do("POST", "/api/v1/recovery-codes", body, "Content-Type", ct); r.status != 415 {
				t.Errorf("%s %q: %d %s", ct, body, r.status, r.body)
			}
		}
	}
	req, _ := http.NewRequest("POST", h.srv.URL+"/api/v1/recovery-codes", strings.NewReader(`{}`))
	resp, err := a.c.http.Do(req) // a body and no Content-Type
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Fatalf("body without a content type: %d", resp.StatusCode)
	}
	var status wire.RecoveryStatus
	a.c.must(200, "GET", "/api/v1/recovery-codes", nil).decode(t, &status)
	if status.Remaining != 10 {
		t.Fatalf("recovery codes changed: %d left", status.Remaining)
	}
	for _, code := range a.recovery {
		if strings.Contains(string(a.c.must(200, "GET", "/api/v1/recovery-codes", nil).body), code) {
			t.Fatal("a code in a response")
		}
	}
	// No body, no content type: a plain DELETE still works.
	req, _ = http.NewRequest("DELETE", h.srv.URL+"/api/v1/session", nil)
	resp, err = a.c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("bodiless DELETE: %d", resp.StatusCode)
	}
}
