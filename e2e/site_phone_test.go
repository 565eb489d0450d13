package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// The site on a 390×844 phone (issue 12, item 1): no page scrolls
// sideways, the account's navigation folds behind a menu button that works
// with a finger and with the keyboard, and the brand stays.

// phone makes the tab a 390×844 phone: a mobile viewport (the pages'
// width=device-width applies) with touch.
func (tb *tab) phone() {
	tb.t.Helper()
	tb.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile))
}

// fitsWidth fails the test when the page is wider than the viewport, and
// names the widest elements that stick out.
func (tb *tab) fitsWidth(page string) {
	tb.t.Helper()
	got := eval[string](tb, `(() => {
		const vw = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth <= vw) return '';
		const out = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > vw + 0.5)
			.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right));
		return document.documentElement.scrollWidth + ' px in ' + vw + ': ' + out.join(', ');
	})()`)
	if got != "" {
		tb.t.Errorf("%s scrolls sideways on a phone: %s", page, got)
	}
}

// visible tells whether the element is rendered (not display:none).
func (tb *tab) visible(sel string) bool {
	tb.t.Helper()
	return eval[bool](tb, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.getClientRects().length > 0; })()`, sel))
}

// checkPhoneMenu checks the folded navigation of an account page: the brand
// and the menu button share one row, the links show only when the menu is
// open (aria-expanded says so), and Escape closes it with the focus back on
// the button. The menu is left closed; shotOpen names a screenshot of it
// open ("" for none).
func (tb *tab) checkPhoneMenu(page, shotOpen string) {
	tb.t.Helper()
	if !tb.visible(".brand") || !tb.visible("#menu-button") {
		tb.t.Fatalf("%s: the brand or the menu button is not shown on a phone", page)
	}
	if tb.visible(`#site-nav a[href="/tokens"]`) || tb.visible("#sign-out") {
		tb.t.Fatalf("%s: the navigation is open before the menu button is pressed", page)
	}
	if rows := eval[int](tb, `Math.abs(document.querySelector('.brand').getBoundingClientRect().top - document.querySelector('#menu-button').getBoundingClientRect().top) < 20 ? 1 : 2`); rows != 1 {
		tb.t.Errorf("%s: the brand and the menu button are on different rows", page)
	}
	tb.click("#menu-button")
	poll[bool](tb, `document.querySelector('#menu-button').getAttribute('aria-expanded') === 'true'`, 5*time.Second)
	for _, sel := range []string{`#site-nav a[href="/account"]`, `#site-nav a[href="/tokens"]`, `#site-nav a[href="/protected"]`, `#site-nav a[href="/app/"]`, "#sign-out"} {
		if !tb.visible(sel) {
			tb.t.Errorf("%s: %s is not shown in the open menu", page, sel)
		}
	}
	tb.fitsWidth(page + " with the menu open")
	if shotOpen != "" {
		tb.shot(shotOpen)
	}
	tb.key(kb.Escape)
	poll[bool](tb, `document.querySelector('#menu-button').getAttribute('aria-expanded') === 'false' && document.activeElement === document.querySelector('#menu-button')`, 5*time.Second)
	if tb.visible(`#site-nav a[href="/tokens"]`) {
		tb.t.Errorf("%s: Escape left the navigation open", page)
	}
	// The keyboard alone: Enter on the focused button opens it again.
	tb.key(kb.Enter)
	poll[bool](tb, `document.querySelector('#menu-button').getAttribute('aria-expanded') === 'true'`, 5*time.Second)
	tb.key(kb.Escape)
	poll[bool](tb, `document.querySelector('#menu-button').getAttribute('aria-expanded') === 'false'`, 5*time.Second)
}

func TestSitePhone(t *testing.T) {
	tb := newSiteTab(t)
	tb.phone()
	email := fmt.Sprintf("phone-%d@example.com", time.Now().UnixNano())

	tb.visit("/")
	tb.waitPath("/")
	tb.fitsWidth("the sign-in page")
	if tb.visible("#menu-button") || !tb.visible(`.nav a[href="/app/"]`) {
		t.Error("the sign-in page folds its one link behind a menu")
	}
	tb.shot("phone-sign-in")

	tb.visit("/sign-up")
	tb.waitPath("/sign-up")
	tb.fitsWidth("the sign-up page")
	tb.typeInto("#email", email)
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/account")
	poll[bool](tb, `document.querySelector('#mfa-badge').textContent === 'Off'`, 10*time.Second)
	tb.fitsWidth("the Security page")
	tb.checkPhoneMenu("the Security page", "phone-menu")

	// The menu's links work: to the enrollment page through the menu.
	tb.click("#enable-mfa")
	tb.waitPath("/enable-mfa")
	poll[bool](tb, `!document.querySelector('#setup').hidden && document.querySelector('#qr').naturalWidth > 0`, 10*time.Second)
	tb.fitsWidth("the enrollment page")
	tb.shot("phone-enable-mfa")
	tb.checkPhoneMenu("the enrollment page", "")
	tb.click("#manual summary")
	tb.fitsWidth("the enrollment page with the key shown")
	secret, err := otpauth.DecodeSecret(eval[string](tb, `document.querySelector('#k-secret').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tb.typeInto("#code", totpAt(t, secret, now))
	tb.click(`#activate-form button[type="submit"]`)
	poll[bool](tb, `document.querySelectorAll('#new-codes .codes-list li').length === 10`, 10*time.Second)
	tb.fitsWidth("the recovery codes")
	tb.click(".rc-saved")
	tb.click(".rc-done")
	tb.waitPath("/account")
	poll[bool](tb, `document.querySelector('#mfa-badge').textContent === 'On' && document.querySelectorAll('#devices tr').length === 1`, 10*time.Second)
	tb.fitsWidth("the Security page with a device")
	tb.shot("phone-account")

	// The step-up page has the account's navigation (folded) and a way back.
	tb.click("#menu-button")
	tb.click(`#site-nav a[href="/protected"]`)
	tb.waitPath("/second-factor")
	poll[bool](tb, `!document.querySelector('#step-up-cancel').hidden`, 10*time.Second)
	tb.fitsWidth("the step-up page")
	tb.shot("phone-step-up")
	tb.checkPhoneMenu("the step-up page", "")
	tb.click("#cancel-step-up")
	tb.waitPath("/account")

	// Sign out from the menu, sign in: the second-factor page.
	poll[bool](tb, `document.querySelector('#mfa-badge').textContent === 'On'`, 10*time.Second)
	tb.click("#menu-button")
	tb.click("#sign-out")
	tb.waitPath("/")
	tb.typeInto("#email", email)
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/second-factor")
	poll[bool](tb, `!document.querySelector('#push-option').hidden`, 10*time.Second)
	if tb.visible("#menu-button") || tb.visible("#step-up-cancel") {
		t.Error("the sign-in's second step shows the account's menu or the step-up's cancel")
	}
	tb.fitsWidth("the second-factor page")
	tb.shot("phone-second-factor")
	tb.typeInto("#code", totpAt(t, secret, now.Add(30*time.Second)))
	tb.click(`#code-form button[type="submit"]`)
	tb.waitPath("/account")
	if strings.Contains(eval[string](tb, `location.search`), "step-up") {
		t.Error("the sign-in ended on a step-up")
	}

	// With the second factor verified: a token, and the protected area.
	poll[bool](tb, `document.querySelector('#mfa-badge').textContent === 'On'`, 10*time.Second)
	tb.click("#menu-button")
	tb.click(`#site-nav a[href="/tokens"]`)
	tb.waitPath("/tokens")
	tb.typeInto("#token-name", "phone CLI\r")
	poll[bool](tb, `document.querySelectorAll('#tokens tr').length === 1`, 10*time.Second)
	tb.fitsWidth("the tokens page")
	tb.checkPhoneMenu("the tokens page", "")
	tb.visit("/protected")
	poll[bool](tb, `!document.querySelector('#inside').hidden`, 10*time.Second)
	tb.fitsWidth("the protected area")
}
