package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Push sign-in (issue 7) end to end: the site's enrollment QR code (which
// carries twofold_push) is scanned into the authenticator page, the
// authenticator's code activates the device, prompts are turned on there,
// and a password sign-in on the site is finished by approving the prompt in
// the authenticator tab; a second sign-in is denied.
func TestPushSignIn(t *testing.T) {
	s := newPushSetup(t)
	site, app, email := s.site, s.app, s.email
	signIn := func() {
		t.Helper()
		s.toSecondFactor()
		site.click("#push-send")
	}

	// Approve: the number shown on the site is picked in the authenticator,
	// and the site finishes the sign-in by itself.
	signIn()
	number := poll[string](site, `(document.querySelector('#push-number-value') || {}).textContent || ''`, 10*time.Second)
	poll[bool](app, `document.querySelector('#push-dialog')?.open === true`, 15*time.Second)
	who := eval[string](app, `document.querySelector('#push-who').textContent`)
	if !strings.Contains(who, email) {
		t.Errorf("the prompt says %q", who)
	}
	app.click(fmt.Sprintf(`#push-dialog .push-number[data-number=%q]`, number))
	app.shotView("app-push-prompt")
	app.click("#push-approve")
	site.waitPath("/account")
	poll[bool](site, `document.querySelector('#mfa-badge').textContent === 'On'`, 10*time.Second)
	poll[bool](app, `document.querySelector('#push-dialog').open === false`, 10*time.Second)

	// Deny: the site says so clearly.
	signIn()
	poll[string](site, `(document.querySelector('#push-number-value') || {}).textContent || ''`, 10*time.Second)
	poll[bool](app, `document.querySelector('#push-dialog')?.open === true`, 15*time.Second)
	app.click("#push-deny")
	site.fieldErrorShown("#push-error", "denied in your authenticator")
	if eval[string](site, `location.pathname`) != "/second-factor" {
		t.Error("a denied prompt signed in")
	}

	// Nobody answers (the authenticator's page is closed): after a while
	// the site says to open and unlock the authenticator.
	app.do(chromedp.Navigate("about:blank"))
	site.visit("/second-factor") // the password step still stands
	site.waitPath("/second-factor")
	site.click("#push-send")
	poll[string](site, `(document.querySelector('#push-number-value') || {}).textContent || ''`, 10*time.Second)
	if got := eval[string](site, `document.querySelector('#push-status').textContent`); strings.Contains(got, "unlock") {
		t.Errorf("the site nudges at once: %q", got)
	}
	poll[bool](site, `document.querySelector('#push-status').textContent.includes('Open and unlock your authenticator')`, 25*time.Second) // after 10 s
	site.shot("push-no-answer")
}
