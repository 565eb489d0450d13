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
)

// Push sign-in (issue 7) end to end: the site's enrollment QR code (which
// carries twofold_push) is scanned into the authenticator page, the
// authenticator's code activates the device, prompts are turned on there,
// and a password sign-in on the site is finished by approving the prompt in
// the authenticator tab; a second sign-in is denied.
func TestPushSignIn(t *testing.T) {
	site := newSiteTab(t)
	app := newTab(t)
	// Activation has just spent the current step's code, so the first
	// registration attempt is refused (403) and the next step's code is sent.
	app.expectConsoleError("Failed to load resource: the server responded with a status of 403")
	email := fmt.Sprintf("push-%d@example.com", time.Now().UnixNano())

	// Sign up and start enrollment on the site.
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

	// Scan it into the authenticator (the image, as a screenshot would be).
	app.createVault(passphrase)
	app.openAdd()
	app.do(chromedp.SetUploadFiles(chromedp.CSS("#image-input"), []string{file}))
	r := app.waitNewRow(0)
	if r.Name != email {
		t.Fatalf("the authenticator added %+v", r)
	}
	sel := fmt.Sprintf(`.account[data-id=%q] .push-row`, r.ID)
	poll[bool](app, fmt.Sprintf(`!!document.querySelector('%s .push-on')`, sel), 10*time.Second)

	// The authenticator's code activates the device on the site.
	code := app.codeOf(r.ID, 30).Code
	site.typeInto("#code", strings.ReplaceAll(code, " ", ""))
	site.click(`#activate-form button[type="submit"]`)
	poll[bool](site, `document.querySelectorAll('#new-codes .codes-list li').length === 10`, 10*time.Second)
	site.click(".rc-saved")
	site.click(".rc-done")
	site.waitPath("/account")

	// Turn prompts on in the authenticator: it registers with a code it
	// computes itself (the next step's, as activation spent this one) and
	// connects.
	app.click(sel + " .push-on")
	poll[bool](app, fmt.Sprintf(`(document.querySelector('%s .push-state') || {}).textContent?.includes('connected to') || false`, sel), 15*time.Second)

	signIn := func() {
		t.Helper()
		site.visit("/account")
		site.waitPath("/account")
		site.click("#sign-out")
		site.waitPath("/")
		site.typeInto("#email", email)
		site.typeInto("#password", sitePassword)
		site.click(`#sign-in-form button[type="submit"]`)
		site.waitPath("/second-factor")
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
}
