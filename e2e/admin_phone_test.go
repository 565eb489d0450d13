package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The administration on a 390×844 phone, with the keyboard: no admin page
// scrolls sideways, the dialogs keep Tab inside and close with Escape
// (changing nothing) with the focus back where it was, and an admin who
// chose a requirement before having an authenticator sets one up in the
// same flow, after which the choice applies. The server keeps its mail in
// the development outbox, and the outbox page says so.

// focusInside tells whether the focus is on a control inside sel.
func (tb *tab) focusInside(sel string) bool {
	tb.t.Helper()
	return eval[bool](tb, fmt.Sprintf(`(() => { const a = document.activeElement; return !!a && a !== document.body && document.querySelector(%q).contains(a); })()`, sel))
}

// tabsStayIn presses Tab, then Shift+Tab, more times than the dialog has
// controls, and checks the focus never leaves it.
func (tb *tab) tabsStayIn(sel string, presses int) {
	tb.t.Helper()
	for i := range presses {
		tb.key(kb.Tab)
		if !tb.focusInside(sel) {
			tb.t.Fatalf("Tab %d left %s (focus on %s)", i+1, sel, eval[string](tb, `document.activeElement.outerHTML.slice(0, 80)`))
		}
	}
	for i := range presses {
		tb.do(chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
		if !tb.focusInside(sel) {
			tb.t.Fatalf("Shift+Tab %d left %s", i+1, sel)
		}
	}
}

func TestAdminPhoneAndKeyboard(t *testing.T) {
	as := startAdminServer(t, false)
	stamp := time.Now().UnixNano()
	admin := &person{email: fmt.Sprintf("admin-%d@example.com", stamp)}
	member := fmt.Sprintf("member-%d@example.com", stamp)

	a := tabOn(t, as.url)
	a.signUp(admin, "/account")
	apiClient(t, as.url, member)
	a.visit("/admin/outbox")
	a.waitPath("/enable-mfa")
	a.enroll(admin, "/second-factor")
	a.enterCode(admin, "/admin/outbox")

	// Without SMTP the outbox says plainly that mail is not sent, and keeps
	// it (here the notice of the admin's new authenticator).
	a.until(`!document.querySelector('#admin-content').hidden && document.querySelectorAll('#mails li').length > 0`)
	if !a.visible("#no-smtp") || a.visible("#smtp-on") || !strings.Contains(a.textOf("#no-smtp"), "Mail is not being sent") {
		t.Fatal("the outbox does not say that mail is not being sent")
	}
	if !strings.Contains(a.textOf("#mails"), "Kept here, not sent") {
		t.Errorf("the outbox's mail: %q", a.textOf("#mails"))
	}
	a.shot("admin-outbox")

	a.phone()
	for _, p := range []string{"/admin", "/admin/users", "/admin/groups", "/admin/audit", "/admin/outbox"} {
		a.visit(p)
		a.waitPath(p)
		a.until(`!document.querySelector('#admin-content').hidden`)
		a.fitsWidth(p)
		if p == "/admin/users" {
			a.shot("phone-admin-users")
		}
	}
	a.checkPhoneMenu("the outbox", "")
	a.click("#menu-button")
	if !a.visible("#admin-link") {
		t.Error("the open menu of an admin has no Admin link")
	}
	a.key(kb.Escape)

	// The require dialog with the keyboard: Enter on Apply opens it with
	// the focus on Cancel; Tab stays inside; Escape is Cancel.
	a.visit("/admin")
	a.waitPath("/admin")
	a.until(`!document.querySelector('#admin-content').hidden`)
	a.click("#scope-everyone")
	a.do(chromedp.Focus(chromedp.CSS("#policy-apply")))
	a.key(kb.Enter)
	a.until(`document.querySelector('#require-dialog').open && document.activeElement.id === 'require-cancel'`)
	a.fitsWidth("the require dialog")
	a.shotView("phone-admin-dialog")
	a.tabsStayIn("#require-dialog", 5)
	a.key(kb.Escape)
	a.until(`!document.querySelector('#require-dialog').open && document.activeElement.id === 'policy-apply' && document.querySelector('#scope-off').checked`)
	if got := a.orgRequire(); got != "off" {
		t.Fatalf("Escape left the requirement %q", got)
	}

	// Reset MFA's dialog: the focus starts on the reason, Tab stays inside,
	// Escape closes it with the focus back on its button; then Enter in the
	// reason resets.
	a.visit("/admin/users")
	a.waitPath("/admin/users")
	a.rowWith("#users", member)
	a.click(fmt.Sprintf(`#users tr[data-email=%q] .manage-user`, member))
	a.until(`!document.querySelector('#user-panel').hidden && document.activeElement.id === 'user-title'`)
	a.fitsWidth("the user's panel")
	a.do(chromedp.Focus(chromedp.CSS("#reset-open")))
	a.key(kb.Enter)
	a.until(`document.querySelector('#reset-dialog').open && document.activeElement.id === 'reset-reason'`)
	a.fitsWidth("the Reset MFA dialog")
	a.tabsStayIn("#reset-dialog", 4)
	a.key(kb.Escape)
	a.until(`!document.querySelector('#reset-dialog').open && document.activeElement.id === 'reset-open'`)
	a.key(kb.Enter)
	a.until(`document.querySelector('#reset-dialog').open && document.activeElement.id === 'reset-reason'`)
	a.do(chromedp.KeyEvent("new phone\r"))
	a.fieldErrorShown("#user-status", "Reset MFA of "+member)
	// Escape closes the user's panel too, the focus back on its row.
	a.do(chromedp.Focus(chromedp.CSS("#panel-close")))
	a.key(kb.Escape)
	a.until(`document.querySelector('#user-panel').hidden && document.activeElement.classList.contains('manage-user')`)

	// An admin with no authenticator (here: they turned their own off) is
	// no admin until they set one up: the console sends them to enrollment
	// first, and back; then they choose.
	a.visit("/account")
	a.waitPath("/account")
	a.until(`!document.querySelector('#disable-mfa').hidden`)
	a.click("#disable-mfa")
	a.typeInto("#confirm-code", admin.code(t)+"\r")
	a.until(`document.querySelector('#mfa-badge').textContent === 'Off'`)
	a.visit("/admin")
	a.waitPath("/enable-mfa")
	a.fieldErrorShown("#flash", "Administration needs two-factor sign-in on your own account")
	a.enroll(admin, "/admin")
	a.until(`!document.querySelector('#admin-content').hidden`)
	a.click("#scope-everyone")
	a.click("#policy-apply")
	a.until(`document.querySelector('#require-dialog').open`)
	a.click("#require-keep")
	a.until(`document.querySelector('#policy-badge').textContent === 'Everyone'`)
	if got := a.orgRequire(); got != "everyone" {
		t.Fatalf("after the admin's enrollment the requirement is %q", got)
	}
	a.fitsWidth("the policy page with its result")
}
