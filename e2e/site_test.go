package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

// The demo site at /: journeys 1–7 of issue 8 in one browser, with bad
// input on every form. Codes come from shared/otpcode with the key the page
// shows under "Can't scan? Enter this key manually".

const sitePassword = "correct horse battery"

// newSiteTab is a tab for the site. The API answers refused requests with
// 4xx, which Chromium logs as "Failed to load resource"; those are expected.
func newSiteTab(t *testing.T) *tab {
	tb := newTab(t)
	tb.expectConsoleError("Failed to load resource: the server responded with a status of 4")
	return tb
}

// A page that sends the browser on before its load event (a signed-out
// or enroll-stage visitor) aborts the navigation, which Chromium reports
// as net::ERR_ABORTED: that is the redirect working, not a failure; the
// caller's waitPath checks where it went.
func (tb *tab) visit(path string) {
	tb.t.Helper()
	base := tb.base
	if base == "" {
		base = serverURL
	}
	if _, err := chromedp.Run(tb.ctx, chromedp.Navigate(base+path)); err != nil && !strings.Contains(err.Error(), "net::ERR_ABORTED") {
		tb.t.Fatalf("%v", err)
	}
}

// waitPath waits until the page is at path (and its script has run).
// Evaluations during a navigation fail; those are retried.
func (tb *tab) waitPath(path string) {
	tb.t.Helper()
	js := fmt.Sprintf(`location.pathname === %q && document.readyState === 'complete'`, path)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.t.Fatalf("the page did not reach %s: %s", path, tb.describe())
}

// fieldErrorShown waits for the error element to show text containing want
// and returns it.
func (tb *tab) fieldErrorShown(sel, want string) string {
	tb.t.Helper()
	return poll[string](tb, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !e.hidden && e.textContent.includes(%q) ? e.textContent : ''; })()`, sel, want), 10*time.Second)
}

// shot saves a screenshot of the page when TWOFOLD_SCREENSHOTS names a
// directory (relative to the repository), for docs/guide.md.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	tb.saveShot(name, chromedp.FullScreenshot(100))
}

// shotView saves what the viewport shows (a modal dialog over the page).
func (tb *tab) shotView(name string) {
	tb.t.Helper()
	tb.saveShot(name, chromedp.CaptureScreenshot())
}

func (tb *tab) saveShot(name string, capture chromedp.Action[[]byte]) {
	tb.t.Helper()
	dir := os.Getenv("TWOFOLD_SCREENSHOTS")
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(repoRoot, dir)
	}
	png, err := chromedp.Run(tb.ctx, capture)
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

func totpAt(t *testing.T, secret []byte, at time.Time) string {
	t.Helper()
	c, err := otpcode.TOTP(secret, otpcode.Params{Algorithm: otpauth.SHA1, Digits: 6, Period: 30}, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSiteJourneys(t *testing.T) {
	tb := newSiteTab(t)
	email := fmt.Sprintf("site-%d@example.com", time.Now().UnixNano())

	// Sign-up, with bad input first: each error is next to its field.
	tb.visit("/")
	tb.waitPath("/")
	tb.shot("sign-in")
	tb.click(`a[href="/sign-up"]`)
	tb.waitPath("/sign-up")
	tb.click(`#sign-up-form button[type="submit"]`)
	tb.fieldErrorShown("#sign-up-error", "Enter your email address")
	tb.typeInto("#email", strings.Repeat("a", 250)+"@example.com")
	tb.typeInto("#password", sitePassword)
	tb.click(`#sign-up-form button[type="submit"]`)
	tb.fieldErrorShown("#sign-up-error", "at most 254")
	tb.typeInto("#email", "dana@example")
	tb.click(`#sign-up-form button[type="submit"]`)
	tb.fieldErrorShown("#sign-up-error", "its domain has a dot")
	tb.typeInto("#email", email)
	tb.typeInto("#password", "short")
	tb.click(`#sign-up-form button[type="submit"]`)
	tb.fieldErrorShown("#sign-up-error", "at least 8")
	if eval[string](tb, `document.querySelector('#password').getAttribute('aria-invalid')`) != "true" {
		t.Error("the password field is not marked invalid")
	}
	tb.typeInto("#password", sitePassword+"\r") // Enter submits
	tb.waitPath("/account")
	poll[bool](tb, `document.querySelector('#mfa-badge').textContent === 'Off'`, 10*time.Second)
	tb.shot("account-mfa-off")
	// On a wide screen the navigation is one row of links, no menu button.
	if tb.visible("#menu-button") || !tb.visible(`#site-nav a[href="/tokens"]`) || !tb.visible("#sign-out") {
		t.Error("the desktop navigation is folded behind a menu")
	}

	// Journey 6 without MFA: the protected area sends you to enrollment.
	tb.visit("/protected")
	tb.waitPath("/enable-mfa")
	tb.fieldErrorShown("#flash", "needs two-factor sign-in")

	// Journeys 1 and 2: QR code and the manual key, then a code activates.
	poll[bool](tb, `!document.querySelector('#setup').hidden && document.querySelector('#qr').naturalWidth > 0`, 10*time.Second)
	tb.click("#manual summary")
	got := eval[[]string](tb, `['#k-issuer', '#k-account', '#k-secret', '#k-settings'].map(s => document.querySelector(s).textContent)`)
	if got[0] != "Twofold" || got[1] != email || !strings.Contains(got[3], "6 digits") || !strings.Contains(got[3], "30 seconds") {
		t.Fatalf("manual key shows %q", got)
	}
	for _, group := range strings.Fields(got[2]) {
		if len(group) > 4 {
			t.Fatalf("key %q is not grouped in fours", got[2])
		}
	}
	secret, err := otpauth.DecodeSecret(got[2])
	if err != nil {
		t.Fatal(err)
	}
	// The device is named here (a default suggested), and the page says
	// which device a code will activate.
	if got := eval[[]string](tb, `[document.querySelector('#device-name').value, document.querySelector('#activating-name').textContent]`); got[0] != "Authenticator" || got[1] != "Authenticator" {
		t.Fatalf("the suggested name and the activating line: %q", got)
	}
	tb.typeInto("#device-name", "Pixel phone")
	tb.fieldErrorShown("#activating", "Activating: Pixel phone")
	tb.shot("enable-mfa")
	tb.typeInto("#device-name", strings.Repeat("n", 65))
	tb.typeInto("#code", totpAt(t, secret, time.Now()))
	tb.click(`#activate-form button[type="submit"]`)
	tb.fieldErrorShown("#name-error", "at most 64")
	if tb.visible("#done") {
		t.Fatal("a refused name activated the device")
	}
	tb.typeInto("#device-name", "Pixel phone")
	if tb.visible("#name-error") {
		t.Error("the name's error stays after the name was corrected")
	}
	tb.typeInto("#code", "")
	tb.click(`#activate-form button[type="submit"]`)
	tb.fieldErrorShown("#activate-error", "Enter the 6-digit code")
	tb.typeInto("#code", "12345")
	tb.click(`#activate-form button[type="submit"]`)
	tb.fieldErrorShown("#activate-error", "6 digits")
	now := time.Now()
	tb.typeInto("#code", totpAt(t, secret, now.Add(-5*time.Minute))) // an old code: refused, nothing changes
	tb.click(`#activate-form button[type="submit"]`)
	tb.fieldErrorShown("#activate-error", "not accepted")
	tb.typeInto("#code", totpAt(t, secret, now))
	tb.click(`#activate-form button[type="submit"]`)

	// Journey 4: recovery codes, once, behind "I have saved these".
	poll[bool](tb, `document.querySelectorAll('#new-codes .codes-list li').length === 10`, 10*time.Second)
	tb.fieldErrorShown("#done-device", `"Pixel phone" is active`)
	recovery := eval[[]string](tb, `[...document.querySelectorAll('#new-codes .codes-list li')].map(li => li.textContent)`)
	if eval[bool](tb, `!document.querySelector('.rc-done').disabled`) {
		t.Error("Done is enabled before 'I have saved these'")
	}
	tb.shot("recovery-codes")
	tb.click(".rc-saved")
	tb.click(".rc-done")

	// Journey 6: enrollment returns to where the visitor was going (the
	// protected area); this session has not verified a factor, so the
	// protected area asks for one (a message, not a 403 page), then lets
	// you in.
	tb.waitPath("/second-factor")
	tb.fieldErrorShown("#flash", "fresh confirmation")
	// A step-up is for a signed-in visitor: the account's navigation and a
	// way back, not the sign-in page's.
	poll[bool](tb, `!document.querySelector('#step-up-cancel').hidden`, 10*time.Second)
	if !tb.visible(`#site-nav a[href="/account"]`) || tb.visible("#guest-nav") || tb.visible("#lost-line") {
		t.Error("the step-up page lacks the account's navigation")
	}
	if href := eval[string](tb, `document.querySelector('#cancel-step-up').getAttribute('href')`); href != "/account" {
		t.Errorf("the step-up's cancel goes to %q", href)
	}
	tb.shot("step-up")
	tb.typeInto("#code", totpAt(t, secret, now.Add(30*time.Second))) // the next step: activation spent this one
	tb.click(`#code-form button[type="submit"]`)
	tb.waitPath("/protected")
	poll[bool](tb, `!document.querySelector('#inside').hidden`, 10*time.Second)
	tb.shot("protected")
	tb.visit("/account")
	poll[bool](tb, `document.querySelector('#mfa-badge').textContent === 'On'`, 10*time.Second)

	// Rename the device: a blank name is refused and changes nothing.
	if name := eval[string](tb, `document.querySelector('#devices tr td').textContent`); name != "Pixel phone" {
		t.Fatalf("the device is listed as %q", name)
	}
	tb.click("#devices .rename-device")
	tb.typeInto("#rename-name", " ")
	tb.click(`#rename-form button[type="submit"]`)
	tb.fieldErrorShown("#rename-error", "Give this device a name")
	tb.key(kb.Escape)
	poll[bool](tb, `document.querySelector('#rename-form').hidden && document.activeElement.classList.contains('rename-device')`, 5*time.Second)
	tb.click("#devices .rename-device")
	tb.typeInto("#rename-name", "Work phone\r")
	tb.fieldErrorShown("#devices-status", `Renamed "Pixel phone" to "Work phone"`)
	poll[bool](tb, `document.querySelector('#devices tr td').textContent === 'Work phone' && document.querySelector('#rename-form').hidden &&
		document.activeElement.classList.contains('rename-device')`, 10*time.Second)

	// Journey 7: application tokens.
	tb.visit("/tokens")
	tb.waitPath("/tokens")
	tb.click(`#token-form button[type="submit"]`)
	tb.fieldErrorShown("#token-error", "Give the token a name")
	tb.typeInto("#token-name", strings.Repeat("n", 65))
	tb.click(`#token-form button[type="submit"]`)
	tb.fieldErrorShown("#token-error", "at most 64")
	tb.typeInto("#token-name", "laptop CLI")
	tb.click(`#token-form button[type="submit"]`)
	token := poll[string](tb, `document.querySelector('#token-created').hidden ? '' : document.querySelector('#token-secret').textContent`, 10*time.Second)
	poll[bool](tb, `document.querySelectorAll('#tokens tr').length === 1`, 10*time.Second)
	tb.shot("tokens")
	api, err := client.New(serverURL, client.WithToken(token))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Devices(context.Background()); err != nil {
		t.Fatalf("the new token: %v", err)
	}
	tb.click("#tokens .revoke")
	tb.click("#tokens .revoke") // the second click confirms
	poll[bool](tb, `document.querySelectorAll('#tokens tr').length === 0`, 10*time.Second)
	if _, err := api.Devices(context.Background()); !client.IsCode(err, "invalid_token") {
		t.Fatalf("the revoked token: %v", err)
	}

	// Journey 3: sign out, sign in: password, then the second factor. A
	// wrong password and a wrong code say what to do; an expired sign-in too.
	tb.click("#sign-out")
	tb.waitPath("/")
	tb.typeInto("#email", email)
	tb.typeInto("#password", "wrong password")
	tb.click(`#sign-in-form button[type="submit"]`)
	tb.fieldErrorShown("#sign-in-error", "email address or password is wrong")
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/second-factor")
	// push.js asks the session's stage first, then offers the prompt.
	poll[bool](tb, `!document.querySelector('#push-option').hidden && !!document.querySelector('#push-option #push-send')`, 10*time.Second)
	tb.shot("second-factor")
	tb.typeInto("#code", "000000")
	tb.click(`#code-form button[type="submit"]`)
	tb.fieldErrorShown("#code-error", "not accepted")
	tb.click("#use-recovery")
	tb.typeInto("#recovery-code", "")
	tb.click(`#recovery-form button[type="submit"]`)
	tb.fieldErrorShown("#recovery-error", "Enter one of your recovery codes")
	// A wrong recovery code gets a sentence about recovery codes, not the
	// server's "wait for a new code".
	tb.typeInto("#recovery-code", "AAAA-BBBB-CCCC-DDDD")
	tb.click(`#recovery-form button[type="submit"]`)
	if got := tb.fieldErrorShown("#recovery-error", "recovery code was not accepted"); strings.Contains(got, "wait for a new code") {
		t.Errorf("a wrong recovery code says %q", got)
	}
	if _, err := chromedp.Call(tb.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil { // the sign-in expires
		t.Fatal(err)
	}
	tb.typeInto("#recovery-code", recovery[0])
	tb.click(`#recovery-form button[type="submit"]`)
	tb.fieldErrorShown("#recovery-error", "expired")
	tb.visit("/")
	tb.typeInto("#email", email)
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/second-factor")
	tb.click("#use-recovery")
	tb.typeInto("#recovery-code", recovery[0])
	tb.click(`#recovery-form button[type="submit"]`)
	tb.waitPath("/account")

	// Journey 5: an inactive device is listed first and removed; recovery
	// codes regenerated; the active device deleted with a recovery code.
	tb.visit("/enable-mfa")
	poll[bool](tb, `!document.querySelector('#setup').hidden`, 10*time.Second)
	tb.visit("/account")
	poll[bool](tb, `document.querySelectorAll('#devices tr').length === 2`, 10*time.Second)
	if first := eval[string](tb, `document.querySelector('#devices tr').dataset.state`); first != "pending" {
		t.Errorf("first row is %s, want the pending device", first)
	}
	// Expiry has its own column: a pending device has never been used and
	// expires; an active one does not expire.
	cells := eval[map[string][]string](tb, `(() => { const o = {}; for (const tr of document.querySelectorAll('#devices tr')) o[tr.dataset.state] = [...tr.querySelectorAll('td')].map(td => td.dataset.label + '=' + td.textContent); return o; })()`)
	if p, a := strings.Join(cells["pending"], "|"), strings.Join(cells["active"], "|"); !strings.Contains(p, "Last used=—") || strings.Contains(p, "Expires=—") ||
		!strings.Contains(a, "Expires=—") || strings.Contains(a, "Last used=Expires") || strings.Contains(a, "Last used=—") {
		t.Errorf("device rows: pending %s; active %s", p, a)
	}
	tb.shot("account")
	tb.click("#delete-inactive")
	poll[bool](tb, `document.querySelectorAll('#devices tr').length === 1 && document.querySelector('#delete-inactive').hidden`, 10*time.Second)

	tb.click(`#regenerate-form button[type="submit"]`)
	tb.fieldErrorShown("#regenerate-error", "Enter a current code")
	tb.fieldErrorShown("#rc-remaining", "9 unused") // recovery[0] signed in
	tb.typeInto("#regenerate-code", recovery[1])
	tb.click(`#regenerate-form button[type="submit"]`)
	poll[bool](tb, `document.querySelectorAll('#new-codes .codes-list li').length === 10`, 10*time.Second)
	// The count is the new set's at once, while the codes are on screen.
	tb.fieldErrorShown("#rc-remaining", "10 unused")
	fresh := eval[[]string](tb, `[...document.querySelectorAll('#new-codes .codes-list li')].map(li => li.textContent)`)
	tb.click(".rc-saved")
	tb.click(".rc-done")
	poll[bool](tb, `document.querySelector('#new-codes').children.length === 0`, 10*time.Second)

	tb.click("#devices .delete-device")
	tb.click(`#confirm-form button[type="submit"]`)
	tb.fieldErrorShown("#confirm-error", "Enter a current code")
	tb.typeInto("#confirm-code", recovery[2]) // from the old set: no longer valid
	tb.click(`#confirm-form button[type="submit"]`)
	tb.fieldErrorShown("#confirm-error", "not accepted")
	if n := eval[int](tb, `document.querySelectorAll('#devices tr').length`); n != 1 {
		t.Fatalf("%d devices after a refused delete", n)
	}
	tb.typeInto("#confirm-code", fresh[0])
	tb.click(`#confirm-form button[type="submit"]`)
	poll[bool](tb, `document.querySelector('#mfa-badge').textContent === 'Off' && document.querySelector('#devices-wrap').hidden`, 10*time.Second)
}

// The site's pages carry the strict CSP: no inline script or style.
func TestSiteHeaders(t *testing.T) {
	requireBrowser(t)
	for _, p := range []string{"/", "/sign-up", "/second-factor", "/account", "/enable-mfa", "/tokens", "/protected", "/site/site.js",
		"/admin", "/admin/users", "/admin/groups", "/admin/audit", "/admin/outbox", "/site/admin.js"} {
		resp, err := http.Get(serverURL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-inline") ||
			resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: %d, CSP %q", p, resp.StatusCode, csp)
		}
	}
}
