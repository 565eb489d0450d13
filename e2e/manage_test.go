package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// TestManageAccounts: copy with Enter, search, rename, reorder from the
// keyboard, delete after confirming, undo the delete from the toast, and
// restore from Settings → Recently deleted after a reload.
func TestManageAccounts(t *testing.T) {
	tb := newTab(t)
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(tb.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name},
			Setting:    browser.PermissionSettingGranted,
			Origin:     serverURL,
		}); err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
	tb.createVault(passphrase)
	secrets := map[string][]byte{}
	for _, name := range []string{"Alpha", "Bravo", "Charlie"} {
		secrets[name] = newSecret(t, 20)
		tb.addManual(manual{Issuer: name, Account: strings.ToLower(name), Secret: otpauth.EncodeSecret(secrets[name])})
	}
	issuers := func() string {
		var s []string
		for _, r := range tb.rows() {
			s = append(s, r.Issuer)
		}
		return strings.Join(s, ",")
	}

	// Copy: focus the first code and press Enter.
	first := tb.rows()[0]
	got := tb.codeOf(first.ID, 30)
	tb.do(chromedp.Focus(chromedp.CSS(fmt.Sprintf(`#accounts [data-id=%q] .account-main`, first.ID))),
		chromedp.KeyEvent(kb.Enter))
	clip := poll[string](tb, `navigator.clipboard.readText().catch(() => '')`, 5*time.Second)
	if clip != strings.ReplaceAll(got.Code, " ", "") {
		t.Errorf("clipboard holds %q, the page showed %q", clip, got.Code)
	}

	// Search.
	tb.typeInto("#search", "brav")
	if n := eval[int](tb, `document.querySelectorAll('#accounts .account:not([hidden])').length`); n != 1 {
		t.Errorf("search 'brav' shows %d rows", n)
	}
	tb.typeInto("#search", "zulu")
	poll[bool](tb, `!document.querySelector('#no-match').hidden`, 2*time.Second)
	tb.do(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#search'); s.value = ''; s.dispatchEvent(new Event('input', {bubbles: true})); })()`))

	// Reorder with Alt+ArrowDown on the first row.
	tb.do(chromedp.Focus(chromedp.CSS(fmt.Sprintf(`#accounts [data-id=%q] .account-main`, first.ID))),
		chromedp.KeyEvent(kb.ArrowDown, chromedp.KeyModifiers(kb.ModifierAlt)))
	poll[bool](tb, `[...document.querySelectorAll('#accounts .issuer')].map(e => e.textContent).join(',') === 'Bravo,Alpha,Charlie'`, 5*time.Second)
	// And with the Move up button in edit mode.
	tb.click("#edit-btn")
	tb.click(fmt.Sprintf(`#accounts [data-id=%q] .act-up`, first.ID))
	poll[bool](tb, `[...document.querySelectorAll('#accounts .issuer')].map(e => e.textContent).join(',') === 'Alpha,Bravo,Charlie'`, 5*time.Second)

	// Rename.
	tb.click(fmt.Sprintf(`#accounts [data-id=%q] .act-rename`, first.ID))
	tb.typeInto("#rename-issuer", "Alpha Cloud")
	tb.typeInto("#rename-account", "al")
	tb.click(`#rename-form button[type=submit]`)
	poll[bool](tb, fmt.Sprintf(`document.querySelector('#accounts [data-id=%q] .issuer').textContent === 'Alpha Cloud'`, first.ID), 5*time.Second)

	// Delete: Cancel keeps it, Delete removes it.
	tb.click(fmt.Sprintf(`#accounts [data-id=%q] .act-delete`, first.ID))
	tb.click("#delete-cancel")
	if got := issuers(); got != "Alpha Cloud,Bravo,Charlie" {
		t.Fatalf("after cancelling the delete: %s", got)
	}
	tb.click(fmt.Sprintf(`#accounts [data-id=%q] .act-delete`, first.ID))
	if msg := eval[string](tb, `document.querySelector('#delete-msg').textContent`); !strings.Contains(msg, "Recently deleted for 30 days") {
		t.Errorf("the delete dialog says %q", msg)
	}
	tb.click("#delete-confirm")
	poll[bool](tb, `document.querySelectorAll('#accounts .account').length === 2`, 5*time.Second)

	// Undo from the toast: back, at the end of the list.
	tb.click("#status .toast-action")
	poll[bool](tb, `[...document.querySelectorAll('#accounts .issuer')].map(e => e.textContent).join(',') === 'Bravo,Charlie,Alpha Cloud'`, 5*time.Second)
	tb.click(fmt.Sprintf(`#accounts [data-id=%q] .act-delete`, first.ID))
	tb.click("#delete-confirm")
	poll[bool](tb, `document.querySelectorAll('#accounts .account').length === 2`, 5*time.Second)

	// All of it was saved: reload and unlock.
	tb.do(chromedp.Reload())
	tb.waitView("unlock")
	tb.unlock(passphrase)
	if got := issuers(); got != "Bravo,Charlie" {
		t.Errorf("after reload: %s", got)
	}

	// Settings → Recently deleted lists it; Restore brings it back with
	// its key (the same code as before).
	tb.click("#settings-btn")
	poll[bool](tb, `document.querySelectorAll('#trash-list li').length === 1 && document.querySelector('#trash-none').hidden`, 5*time.Second)
	if txt := eval[string](tb, `document.querySelector('#trash-list li').textContent`); !strings.Contains(txt, "Alpha Cloud (al)") {
		t.Errorf("the trash lists %q", txt)
	}
	tb.click(fmt.Sprintf(`#trash-list [data-id=%q] button`, first.ID))
	poll[bool](tb, `document.querySelectorAll('#trash-list li').length === 0 && !document.querySelector('#trash-none').hidden`, 5*time.Second)
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#settings-dialog').close()`))
	poll[bool](tb, `[...document.querySelectorAll('#accounts .issuer')].map(e => e.textContent).join(',') === 'Bravo,Charlie,Alpha Cloud'`, 5*time.Second)
	if again := tb.codeOf(first.ID, 30); again.Code == "" {
		t.Error("the restored account shows no code")
	}

	// Delete for good, from the trash: Cancel keeps it, the confirmation
	// removes it, and it is not in the vault after a reload.
	bravo := tb.rows()[0]
	tb.click("#edit-btn") // the row actions, as before the reload
	tb.click(fmt.Sprintf(`#accounts [data-id=%q] .act-delete`, bravo.ID))
	tb.click("#delete-confirm")
	poll[bool](tb, `document.querySelectorAll('#accounts .account').length === 2`, 5*time.Second)
	tb.click("#settings-btn")
	purge := fmt.Sprintf(`#trash-list [data-id=%q] .danger-text`, bravo.ID)
	tb.click(purge)
	if msg := eval[string](tb, `document.querySelector('#purge-msg').textContent`); !strings.Contains(msg, "cannot restore") {
		t.Errorf("the purge dialog says %q", msg)
	}
	tb.click("#purge-cancel")
	tb.click(purge)
	tb.click("#purge-confirm")
	poll[bool](tb, `document.querySelectorAll('#trash-list li').length === 0 && !document.querySelector('#trash-none').hidden`, 5*time.Second)
	tb.do(chromedp.Reload())
	tb.waitView("unlock")
	tb.unlock(passphrase)
	if n := eval[float64](tb, `twofold.accounts.trash().then(t => t.length)`); n != 0 {
		t.Errorf("%v accounts in the trash after Delete for good and a reload", n)
	}
}
