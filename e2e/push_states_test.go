package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The states of a push sign-in that TestPushSignIn does not walk through:
// "Deny, this wasn't me" and the pause it causes, the fatigue cap, and the
// prompt dialog used with the keyboard alone.
//
// Expiry is not tested here: the server's clock cannot be moved in this
// harness and a prompt lives 60 s. The server's side is
// server/pushhub TestExpiredChallenge (frozen clock: the device is told
// "expired", the browser's event stream says "expired", a late answer is
// rejected); the site's sentence for it is the same path as "denied".

// pushSetup is a site account whose device is the authenticator in app,
// with sign-in prompts on and connected.
type pushSetup struct {
	site, app *tab
	email     string
}

// newPushSetup signs up on the site, scans its enrollment QR code into the
// authenticator, activates the device with the authenticator's code and
// turns prompts on; TestPushSignIn and the tests of its other states start
// from here.
func newPushSetup(t *testing.T) *pushSetup {
	t.Helper()
	site := newSiteTab(t)
	app := newTab(t)
	app.beforeScripts(storageGranted) // the guide's pictures show the prompts, not the storage notice
	// Activation has just spent the current step's code, so the first
	// registration attempt is refused (403) and the next step's code is sent.
	app.expectConsoleError("Failed to load resource: the server responded with a status of 403")
	email := fmt.Sprintf("push-states-%d@example.com", time.Now().UnixNano())

	site.visit("/sign-up")
	site.waitPath("/sign-up")
	site.typeInto("#email", email)
	site.typeInto("#password", sitePassword+"\r")
	site.waitPath("/account")
	site.visit("/enable-mfa")
	site.waitPath("/enable-mfa")
	src := poll[string](site, `(() => { const i = document.querySelector('#qr'); return !document.querySelector('#setup').hidden && i.naturalWidth > 0 ? i.src : ''; })()`, 10*time.Second)
	b64, ok := strings.CutPrefix(src, "data:image/png;base64,")
	if !ok {
		t.Fatalf("the QR code is %q", abbrev(src))
	}
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "enroll.png")
	if err := os.WriteFile(file, png, 0o600); err != nil {
		t.Fatal(err)
	}

	app.createVault(passphrase)
	app.openAdd()
	app.do(chromedp.SetUploadFiles(chromedp.CSS("#image-input"), []string{file}))
	r := app.waitNewRow(0)
	if r.Name != email {
		t.Fatalf("the authenticator added %+v", r)
	}
	sel := fmt.Sprintf(`.account[data-id=%q] .push-row`, r.ID)
	poll[bool](app, fmt.Sprintf(`!!document.querySelector('%s .push-on')`, sel), 10*time.Second)

	code := app.codeOf(r.ID, 30).Code
	site.typeInto("#code", strings.ReplaceAll(code, " ", ""))
	site.click(`#activate-form button[type="submit"]`)
	poll[bool](site, `document.querySelectorAll('#new-codes .codes-list li').length === 10`, 10*time.Second)
	site.click(".rc-saved")
	site.click(".rc-done")
	site.waitPath("/account")

	// The account shows a small indicator; the button is behind it.
	app.click(sel + " > summary")
	app.click(sel + " .push-on")
	poll[bool](app, fmt.Sprintf(`(document.querySelector('%s .push-state') || {}).textContent?.includes('connected to') || false`, sel), 15*time.Second)
	return &pushSetup{site: site, app: app, email: email}
}

// toSecondFactor signs the site out and in with the password: the
// second-factor page, with its push option.
func (s *pushSetup) toSecondFactor() {
	s.site.t.Helper()
	s.site.visit("/account")
	s.site.waitPath("/account")
	s.site.click("#sign-out")
	s.site.waitPath("/")
	s.site.typeInto("#email", s.email)
	s.site.typeInto("#password", sitePassword)
	s.site.click(`#sign-in-form button[type="submit"]`)
	s.site.waitPath("/second-factor")
}

// send clicks "Send a push" and returns the number the site shows.
func (s *pushSetup) send() string {
	s.site.t.Helper()
	s.site.click("#push-send")
	return poll[string](s.site, `(() => { const n = document.querySelector('#push-number'); return n && !n.hidden ? n.querySelector('#push-number-value').textContent : ''; })()`, 10*time.Second)
}

// focused describes the element that has the keyboard focus.
func focused(tb *tab) string {
	tb.t.Helper()
	return eval[string](tb, `(() => { const a = document.activeElement; return a ? (a.id || a.dataset.number || a.tagName) : ''; })()`)
}

func (tb *tab) key(keys string) {
	tb.t.Helper()
	tb.do(chromedp.KeyEvent(keys))
}

// The prompt dialog works with the keyboard alone: focus starts on the
// first number, Tab walks the numbers, then "Or type it", then Approve;
// Space picks a number (aria-pressed) and enables Approve, Enter on Approve
// answers, and the site signs in. Then the fatigue cap: with three
// prompts pending, a fourth is refused and the site says to answer or
// wait, or to enter a code.
func TestPushPromptKeyboardAndFatigueCap(t *testing.T) {
	s := newPushSetup(t)
	app, site := s.app, s.site

	s.toSecondFactor()
	number := s.send()
	poll[bool](app, `document.querySelector('#push-dialog')?.open === true`, 15*time.Second)
	poll[bool](app, `document.activeElement?.classList.contains('push-number') || false`, 5*time.Second)
	numbers := eval[[]string](app, `[...document.querySelectorAll('#push-dialog .push-number')].map(b => b.dataset.number)`)
	at := -1
	for i, n := range numbers {
		if n == number {
			at = i
		}
	}
	if len(numbers) != 3 || at < 0 {
		t.Fatalf("the dialog offers %v; the site shows %s", numbers, number)
	}
	if f := focused(app); f != numbers[0] {
		t.Fatalf("the dialog opened with the focus on %q, want the first number %s", f, numbers[0])
	}
	if eval[bool](app, `document.querySelector('#push-approve').disabled`) != true {
		t.Error("Approve is enabled before a number is picked")
	}
	for range at {
		app.key(kb.Tab)
	}
	if f := focused(app); f != number {
		t.Fatalf("after %d Tabs the focus is on %q, want the number %s", at, f, number)
	}
	app.key(" ")
	poll[bool](app, fmt.Sprintf(`document.querySelector('#push-dialog .push-number[data-number=%q]').getAttribute('aria-pressed') === 'true'`, number), 5*time.Second)
	if eval[bool](app, `document.querySelector('#push-approve').disabled`) {
		t.Fatal("Approve is still disabled after Space picked the number")
	}
	// The rest of the numbers, the typed field, then Approve.
	for range len(numbers) - 1 - at {
		app.key(kb.Tab)
	}
	app.key(kb.Tab)
	if f := focused(app); f != "push-typed" {
		t.Fatalf("after the numbers the focus is on %q, want push-typed", f)
	}
	app.key(kb.Tab)
	if f := focused(app); f != "push-approve" {
		t.Fatalf("after the typed field the focus is on %q, want push-approve", f)
	}
	app.key(kb.Enter)
	site.waitPath("/account")
	poll[bool](app, `document.querySelector('#push-dialog').open === false`, 10*time.Second)

	// Fatigue cap: three prompts left pending (each from a fresh load of
	// the second-factor page), the fourth is refused with a clear sentence.
	s.toSecondFactor()
	for range 3 {
		s.send()
		site.visit("/second-factor")
		site.waitPath("/second-factor")
	}
	site.click("#push-send")
	got := site.fieldErrorShown("#push-error", "Too many sign-in prompts")
	for _, want := range []string{"wait", "enter a code"} {
		if !strings.Contains(got, want) {
			t.Errorf("the fatigue cap says %q; want it to mention %q", got, want)
		}
	}
	if eval[bool](site, `document.querySelector('#push-number').hidden`) != true {
		t.Error("a refused push still shows a number")
	}

	// Escape leaves the waiting prompt; it does not deny it.
	poll[bool](app, `document.querySelector('#push-dialog')?.open === true`, 15*time.Second)
	app.key(kb.Escape)
	poll[bool](app, `document.querySelector('#push-dialog').open === false`, 5*time.Second)
}

// "Deny, this wasn't me": the site says the sign-in was reported and that
// push is paused until a code is used, and that whoever started it knows
// the password, with a link to change it; the next push is refused with
// the same advice, and the button is no longer offered.
func TestPushReportPausesPush(t *testing.T) {
	s := newPushSetup(t)
	app, site := s.app, s.site

	s.toSecondFactor()
	s.send()
	poll[bool](app, `document.querySelector('#push-dialog')?.open === true`, 15*time.Second)
	app.click("#push-report")
	got := site.fieldErrorShown("#push-error", "paused")
	if !strings.Contains(got, "reported") || !strings.Contains(got, "code") || !strings.Contains(got, "someone knows your password") {
		t.Errorf("after a report the site says %q", got)
	}
	if href := eval[string](site, `document.querySelector('#push-error #push-change-password')?.getAttribute('href') || ''`); href != "/account#password" {
		t.Errorf("the advice links to %q, want the password form", href)
	}
	site.shot("push-reported")
	if eval[string](site, `location.pathname`) != "/second-factor" {
		t.Fatal("a reported prompt signed in")
	}
	poll[bool](app, `document.querySelector('#push-dialog').open === false`, 10*time.Second)

	// The authenticator shows the pause too (issue 12, item 4): a banner
	// that says someone knows the password, links to changing it at the
	// account's server and says how prompts come back; the account's
	// indicator says paused.
	banner := poll[string](app, `(() => { const b = document.querySelector('#push-paused'); return b && !b.hidden ? b.textContent : ''; })()`, 10*time.Second)
	for _, want := range []string{"Sign-in prompts paused for Twofold (" + s.email + ")", "knows your password", "change it", "sign in there with a code"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the authenticator's pause banner says %q; want %q in it", banner, want)
		}
	}
	if href := eval[string](app, `document.querySelector('#push-paused-password').href`); href != serverURL+"/account#password" {
		t.Errorf("the banner links to %q", href)
	}
	if st := eval[string](app, `document.querySelector('.push-row').dataset.state + ': ' + document.querySelector('.push-row summary').textContent`); st != "paused: Sign-in prompts paused" {
		t.Errorf("the account's indicator says %q", st)
	}
	app.shot("app-push-paused")

	// Another push: paused, sign in with a code.
	poll[bool](site, `!document.querySelector('#push-send').disabled`, 5*time.Second)
	site.click("#push-send")
	got = site.fieldErrorShown("#push-error", "paused")
	if !strings.Contains(got, "code") {
		t.Errorf("a push while paused says %q", got)
	}
	if !eval[bool](site, `document.querySelector('#push-send').disabled`) {
		t.Error("the site still offers to send a push while push is paused")
	}
	// The link leads to the password form, through the second factor
	// (this session has only the password).
	// (waitPath alone would be satisfied by the page the click leaves.)
	site.click("#push-change-password")
	deadline := time.Now().Add(10 * time.Second)
	q := ""
	for time.Now().Before(deadline) && !strings.Contains(q, "next=%2Faccount%23password") {
		time.Sleep(50 * time.Millisecond)
		q, _ = chromedp.Run(site.ctx, chromedp.Evaluate[string](`location.pathname === '/second-factor' && document.readyState === 'complete' ? location.search : ''`))
	}
	if !strings.Contains(q, "next=%2Faccount%23password") {
		t.Errorf("the password link asks for the second factor with %q", q)
	}
	if eval[bool](app, `document.querySelector('#push-dialog').open`) {
		t.Error("the authenticator shows a prompt while push is paused")
	}
	// Hide puts the banner away; the indicator stays.
	app.click("#push-paused-hide")
	poll[bool](app, `document.querySelector('#push-paused').hidden`, 5*time.Second)
	if st := eval[string](app, `document.querySelector('.push-row').dataset.state`); st != "paused" {
		t.Errorf("after Hide the indicator says %q", st)
	}
	// A reload still knows (the vault keeps the pause): the banner is back.
	app.do(chromedp.Reload())
	app.waitView("unlock")
	app.unlock(passphrase)
	poll[bool](app, `(() => { const b = document.querySelector('#push-paused'); return !!b && !b.hidden; })()`, 15*time.Second)
}
