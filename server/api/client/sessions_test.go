package client_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/wire"
)

// Sign-up, the two-step sign-in, the session list, ending one session,
// the password change and signing out everywhere.
func TestSessions(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	a, key, _ := e.enrolled(t, "ann@example.com")

	b := e.Client(t)
	s, err := b.SignIn(ctx, "ann@example.com", apitest.Password)
	if err != nil || s.Session.Stage != "partial" || !s.User.MFAEnrolled {
		t.Fatalf("sign-in: %+v %v", s, err)
	}
	_, err = b.Devices(ctx)
	wantCode(t, err, http.StatusForbidden, "second_factor_required")
	_, err = b.SecondFactor(ctx, wire.SecondFactorRequest{Code: "000000"})
	wantCode(t, err, http.StatusForbidden, "verification_failed")
	s, err = b.SecondFactor(ctx, wire.SecondFactorRequest{Code: e.code(t, key)})
	if err != nil || s.Session.Stage != "full" || !slices.Equal(s.Session.AMR, []string{"pwd", "otp"}) || !s.Session.MFATOTPVerified {
		t.Fatalf("second factor: %+v %v", s, err)
	}
	if got, err := b.Session(ctx); err != nil || got.User.Email != "ann@example.com" || got.Session.Stage != "full" {
		t.Fatalf("session: %+v %v", got, err)
	}

	list, err := a.Sessions(ctx)
	if err != nil || len(list.Sessions) != 2 {
		t.Fatalf("sessions: %+v %v", list, err)
	}
	var other string
	for _, x := range list.Sessions {
		if !x.Current {
			other = x.ID
		}
	}
	if err := a.EndSession(ctx, other); err != nil {
		t.Fatal(err)
	}
	_, err = b.Session(ctx)
	wantCode(t, err, http.StatusUnauthorized, "unauthenticated")
	wantCode(t, a.EndSession(ctx, other), http.StatusNotFound, "not_found")

	_, err = a.ChangePassword(ctx, wire.ChangePasswordRequest{CurrentPassword: "not it at all", NewPassword: "a new password"})
	wantCode(t, err, http.StatusForbidden, "wrong_password")
	change := wire.ChangePasswordRequest{CurrentPassword: apitest.Password, NewPassword: "a new password"}
	_, err = a.ChangePassword(ctx, change)
	wantCode(t, err, http.StatusForbidden, "fresh_factor_required")
	e.clock.Advance(30 * time.Second) // b's code spent the step
	change.Code = e.code(t, key)
	if _, err := a.ChangePassword(ctx, change); err != nil {
		t.Fatal(err)
	}
	_, err = e.Client(t).SignIn(ctx, "ann@example.com", apitest.Password)
	wantCode(t, err, http.StatusUnauthorized, "invalid_credentials")

	if err := a.SignOutEverywhere(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = a.Session(ctx)
	wantCode(t, err, http.StatusUnauthorized, "unauthenticated")
	_, err = e.Client(t).SignUp(ctx, "ann@example.com", apitest.Password)
	wantCode(t, err, http.StatusConflict, "email_taken")
}

func TestSignOutAndStatus(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	c := e.user(t, "bo@example.com")
	if st, err := c.SessionStatus(ctx); err != nil || !st.SignedIn || st.Stage != "full" {
		t.Fatalf("status signed in: %+v %v", st, err)
	}
	if err := c.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.SignOut(ctx), http.StatusUnauthorized, "unauthenticated")
	if st, err := c.SessionStatus(ctx); err != nil || st.SignedIn {
		t.Fatalf("status signed out: %+v %v", st, err)
	}
}

// Trust this browser: a second factor with TrustBrowser leaves a trusted
// browser, listed (this one marked) and revoked.
func TestTrustedBrowsers(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	a, key, _ := e.enrolled(t, "trust@example.com")
	b := e.Client(t)
	if _, err := b.SignIn(ctx, "trust@example.com", apitest.Password); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SecondFactor(ctx, wire.SecondFactorRequest{Code: e.code(t, key), TrustBrowser: true}); err != nil {
		t.Fatal(err)
	}
	list, err := b.TrustedBrowsers(ctx)
	if err != nil || len(list.Browsers) != 1 || !list.Browsers[0].Current || list.Browsers[0].ExpiresAt.IsZero() {
		t.Fatalf("trusted browsers: %+v %v", list, err)
	}
	if other, err := a.TrustedBrowsers(ctx); err != nil || len(other.Browsers) != 1 || other.Browsers[0].Current {
		t.Fatalf("seen from another session: %+v %v", other, err)
	}
	if err := a.RevokeTrustedBrowser(ctx, list.Browsers[0].ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, a.RevokeTrustedBrowser(ctx, list.Browsers[0].ID), http.StatusNotFound, "not_found")
	if list, err := b.TrustedBrowsers(ctx); err != nil || len(list.Browsers) != 0 {
		t.Fatalf("after revoking: %+v %v", list, err)
	}
}
