package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

// The Security page's password change and signed-in sessions (issue 12,
// items 4 and 8): the list marks this browser and signs another out; the
// password form refuses bad input without changing anything, asks for a
// code when the server wants a fresh confirmation, and says how many other
// sessions it signed out; "Sign out everywhere" ends them all.

// otherBrowser is a second client (the API client with Go's user agent:
// "A program") signed in with a password.
type otherBrowser struct {
	t *testing.T
	c *client.Client
}

func signInElsewhere(t *testing.T, email, password string) *otherBrowser {
	t.Helper()
	c, err := client.New(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	o := &otherBrowser{t: t, c: c}
	if err := o.signIn(email, password); err != nil {
		t.Fatalf("signing in elsewhere: %v", err)
	}
	return o
}

func (o *otherBrowser) signIn(email, password string) error {
	_, err := o.c.SignIn(context.Background(), email, password)
	return err
}

// signedIn tells whether the client's session is still live.
func (o *otherBrowser) signedIn() bool {
	o.t.Helper()
	st, err := o.c.SessionStatus(context.Background())
	if err != nil {
		o.t.Fatal(err)
	}
	return st.SignedIn
}

func TestSitePasswordAndSessions(t *testing.T) {
	tb := newSiteTab(t)
	email := fmt.Sprintf("security-%d@example.com", time.Now().UnixNano())
	tb.visit("/sign-up")
	tb.waitPath("/sign-up")
	tb.typeInto("#email", email)
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/account")

	// The list: this browser, and another sign-in that can be signed out.
	other := signInElsewhere(t, email, sitePassword)
	tb.visit("/account")
	poll[bool](tb, `document.querySelectorAll('#sessions tr').length === 2`, 10*time.Second)
	rows := eval[[]string](tb, `[...document.querySelectorAll('#sessions tr')].map(tr => (tr.dataset.current || 'no') + ':' + tr.textContent)`)
	var mine, theirs string
	for _, r := range rows {
		if strings.HasPrefix(r, "yes:") {
			mine = r
		} else {
			theirs = r
		}
	}
	if !strings.Contains(mine, "This browser") || !strings.Contains(mine, "Chrome") || !strings.Contains(theirs, "A program") || !strings.Contains(theirs, "password") {
		t.Fatalf("sessions listed: %q", rows)
	}
	if tb.visible(`#sessions tr[data-current="yes"] .end-session`) {
		t.Error("this browser's row offers Sign out (the header has it)")
	}
	tb.click(`#sessions tr:not([data-current]) .end-session`)
	tb.fieldErrorShown("#sessions-status", "Signed out A program")
	poll[bool](tb, `document.querySelectorAll('#sessions tr').length === 1`, 10*time.Second)
	if other.signedIn() {
		t.Fatal("the session signed out from the list is still live")
	}

	// Turn MFA on in this browser: its session has then verified no second
	// factor, so the password change will ask for a code.
	tb.visit("/enable-mfa")
	poll[bool](tb, `!document.querySelector('#setup').hidden`, 10*time.Second)
	secret, err := otpauth.DecodeSecret(eval[string](tb, `document.querySelector('#k-secret').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tb.typeInto("#code", totpAt(t, secret, now))
	tb.click(`#activate-form button[type="submit"]`)
	poll[bool](tb, `document.querySelectorAll('#new-codes .codes-list li').length === 10`, 10*time.Second)
	tb.click(".rc-saved")
	tb.click(".rc-done")
	tb.waitPath("/account")
	other = signInElsewhere(t, email, sitePassword) // a partial session now
	tb.visit("/account#password")
	poll[bool](tb, `document.activeElement === document.querySelector('#current-password')`, 10*time.Second)
	if !strings.Contains(eval[string](tb, `document.querySelector('#sessions').textContent`), "waiting for the second step") {
		t.Error("the half-signed-in session is not described as such")
	}

	// Bad input: refused next to its field, nothing sent.
	submit := func() { tb.click(`#password-form button[type="submit"]`) }
	const newPassword = "a new horse battery"
	for _, tc := range []struct{ cur, p1, p2, want, field string }{
		{"", newPassword, newPassword, "Enter your current password", "current-password"},
		{sitePassword, "short", "short", "at least 8 characters", "new-password"},
		{sitePassword, newPassword, newPassword + "x", "not the same", "new-password2"},
		{sitePassword, sitePassword, sitePassword, "same as the current one", "new-password"},
	} {
		tb.typeInto("#current-password", tc.cur)
		tb.typeInto("#new-password", tc.p1)
		tb.typeInto("#new-password2", tc.p2)
		submit()
		tb.fieldErrorShown("#password-error", tc.want)
		if f := eval[string](tb, `document.activeElement.id`); f != tc.field {
			t.Errorf("%q: the focus is on %q, want %q", tc.want, f, tc.field)
		}
	}
	// A wrong current password: the server refuses, nothing changes.
	tb.typeInto("#current-password", "not my password")
	tb.typeInto("#new-password", newPassword)
	tb.typeInto("#new-password2", newPassword)
	submit()
	tb.fieldErrorShown("#password-error", "not your current password")
	if !other.signedIn() {
		t.Fatal("a refused password change signed the other session out")
	}

	// The right one: the server wants a fresh code; a wrong code is
	// refused; the next step's code changes the password.
	tb.typeInto("#current-password", sitePassword)
	submit()
	tb.fieldErrorShown("#password-error", "needs a fresh confirmation")
	if f := eval[string](tb, `document.activeElement.id`); f != "pw-code" {
		t.Errorf("the focus is on %q, want the code field", f)
	}
	tb.shot("change-password")
	tb.typeInto("#pw-code", "000000")
	submit()
	tb.fieldErrorShown("#password-error", "not accepted")
	if !other.signedIn() {
		t.Fatal("a refused code still changed the password")
	}
	tb.typeInto("#pw-code", totpAt(t, secret, now.Add(30*time.Second)))
	submit()
	tb.fieldErrorShown("#password-status", "Your password is changed. We signed out 1 other session.")
	poll[bool](tb, `document.querySelectorAll('#sessions tr').length === 1`, 10*time.Second)
	if eval[bool](tb, `document.querySelector('#current-password').value !== '' || !document.querySelector('#pw-code-field').hidden`) {
		t.Error("the form keeps the passwords or the code field after the change")
	}
	if other.signedIn() {
		t.Fatal("the other session outlived the password change")
	}
	if !client.IsCode(other.signIn(email, sitePassword), "invalid_credentials") || other.signIn(email, newPassword) != nil {
		t.Fatal("the old password still works, or the new one does not")
	}
	tb.do(chromedp.Reload())
	poll[bool](tb, `document.querySelectorAll('#sessions tr').length === 2`, 10*time.Second)
	tb.shot("sessions")

	// Sign out everywhere: this browser too.
	tb.click("#sign-out-everywhere")
	tb.waitPath("/")
	tb.fieldErrorShown("#flash", "signed out everywhere")
	if other.signedIn() {
		t.Fatal("sign out everywhere left the other session")
	}
	if eval[bool](tb, `fetch('/api/v1/session/status').then(r => r.json()).then(s => s.signed_in)`) {
		t.Fatal("sign out everywhere left this browser signed in")
	}
}
