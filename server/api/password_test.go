package api

import (
	"github.com/twofold-auth/twofold/server/api/wire"
	"testing"
	"time"
)

// Changing the password needs the current one and (with MFA) a fresh
// factor; it ends every other session and keeps this one.
func TestChangePassword(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("pw@example.com")
	other := h.signIn(a.email) // partial: another browser mid sign-in
	h.clock.Advance(30 * time.Second)
	other.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": h.code(a.secret)})
	token, _ := newToken(t, other, map[string]string{"name": "cli"})

	const next = "a new horse battery staple"
	for _, tc := range []struct {
		name   string
		body   map[string]string
		status int
		code   string
	}{
		{"wrong current", map[string]string{"current_password": "nope nope nope", "new_password": next}, 403, "wrong_password"},
		{"too short", map[string]string{"current_password": password, "new_password": "short"}, 400, "invalid_password"},
		{"no fresh factor", map[string]string{"current_password": password, "new_password": next}, 403, "fresh_factor_required"},
		{"wrong code", map[string]string{"current_password": password, "new_password": next, "code": "000000"}, 403, "verification_failed"},
	} {
		if r := a.c.do("POST", "/api/v1/password", tc.body); r.status != tc.status || r.errorCode() != tc.code {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	if r := h.client().do("POST", "/api/v1/password", map[string]string{"current_password": password, "new_password": next},
		bearer(token)...); r.status != 403 || r.errorCode() != "token_not_allowed" {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	h.clock.Advance(30 * time.Second)
	var out wire.ChangePasswordResponse
	a.c.must(200, "POST", "/api/v1/password", map[string]string{"current_password": password, "new_password": next,
		"code": h.code(a.secret)}).decode(t, &out)
	if out.SignedOutSessions != 1 {
		t.Fatalf("signed out %d", out.SignedOutSessions)
	}
	if r := other.do("GET", "/api/v1/session", nil); r.status != 401 {
		t.Fatalf("the other session after the change: %d", r.status)
	}
	a.c.must(200, "GET", "/api/v1/session", nil)
	if r := h.client().do("POST", "/api/v1/session", map[string]string{"email": a.email, "password": password}); r.status != 401 {
		t.Fatalf("old password: %d", r.status)
	}
	h.client().must(200, "POST", "/api/v1/session", map[string]string{"email": a.email, "password": next})
	h.client().must(200, "GET", "/api/v1/app-tokens", nil, bearer(token)...) // tokens stay
	if types := auditTypes(t, a.c); types["password_changed"] != 1 {
		t.Fatalf("audit %v", types)
	}
}

// The sessions list shows each live session once with the current one
// marked; one can be ended by id, never another user's.
func TestSessionsListAndEndOne(t *testing.T) {
	h := newHarness(t)
	me := h.signUp("list@example.com")
	laptop := h.signIn("list@example.com")
	stranger := h.signUp("stranger@example.com")
	var list wire.SessionList
	me.must(200, "GET", "/api/v1/sessions", nil).decode(t, &list)
	if len(list.Sessions) != 2 {
		t.Fatalf("sessions %+v", list)
	}
	var mine, theirs string
	for _, s := range list.Sessions {
		if s.Current {
			mine = s.ID
		} else {
			theirs = s.ID
		}
		if s.Browser == "" || s.ClientAddr == "" {
			t.Errorf("session %+v lacks where it signed in", s)
		}
	}
	if mine == "" || theirs == "" {
		t.Fatalf("current not marked: %+v", list)
	}
	if r := stranger.do("DELETE", "/api/v1/sessions/"+theirs, nil); r.status != 404 {
		t.Fatalf("another user's session: %d", r.status)
	}
	laptop.must(200, "GET", "/api/v1/session", nil)
	me.must(204, "DELETE", "/api/v1/sessions/"+theirs, nil)
	if r := laptop.do("GET", "/api/v1/session", nil); r.status != 401 {
		t.Fatalf("ended session still works: %d", r.status)
	}
	me.must(204, "DELETE", "/api/v1/sessions/"+mine, nil)
	if r := me.do("GET", "/api/v1/session", nil); r.status != 401 {
		t.Fatalf("ending this session: %d", r.status)
	}
}
