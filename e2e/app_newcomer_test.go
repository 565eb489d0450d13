package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// The authenticator's half of issue 12 ("What a newcomer trips on"): the
// header and the add dialog on a 390×844 phone, the manual key checks, a
// quiet account list, errors that look like errors, the storage notice
// that stays, and vault forms without Chrome's username notice. The
// paused state after "Deny, this wasn't me" is in TestPushReportPausesPush.

// phoneApp makes the tab a 390×844 phone with touch (pointer: coarse, no
// hover), as site_phone_test.go's phone() does for the site.
func (tb *tab) phoneApp() {
	tb.t.Helper()
	tb.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch))
}

// beforeScripts runs js in every page of the tab before the page's own
// scripts (to take away what a phone does not have, or to fix the
// browser's answer about storage).
func (tb *tab) beforeScripts(js string) {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: js}); err != nil {
		tb.t.Fatal(err)
	}
}

// A phone has no screen capture: Chrome on Android and Safari on iOS have
// no getDisplayMedia.
const noScreenCapture = `(() => { if (navigator.mediaDevices) { delete MediaDevices.prototype.getDisplayMedia; } })()`

// shown is the text of an element that is shown, or "".
func (tb *tab) shown(sel string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e && e.getClientRects().length > 0 ? e.textContent.trim() : ''; })()`, sel))
}

// Item 1: on a 390×844 phone the header keeps the brand on one row with
// the vault's buttons (Import & export and Settings as icons that keep their names
// for screen readers); the add dialog, opened from the keyboard, offers
// the camera first and neither screen capture (no getDisplayMedia) nor a
// Ctrl+V hint (touch). On a desktop both are offered.
func TestAppPhoneHeaderAndAddDialog(t *testing.T) {
	tb := newTab(t)
	tb.beforeScripts(noScreenCapture)
	tb.phoneApp()
	tb.createVault(passphrase)

	if !tb.visible(".brand-name") {
		t.Error("the brand's name is not shown on a phone")
	}
	spread := eval[int](tb, `(() => {
		const mids = [...document.querySelectorAll('.bar .brand, .bar-actions button')].filter(e => e.getClientRects().length).map(e => e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2);
		return Math.round(Math.max(...mids) - Math.min(...mids));
	})()`)
	if spread > 8 {
		t.Errorf("the header wraps on a phone: its items' middles are %d px apart", spread)
	}
	tb.fitsWidth("the authenticator")
	for id, name := range map[string]string{"#backup-btn": "Import & export", "#settings-btn": "Settings", "#lock-btn": "Lock"} {
		if got := eval[string](tb, fmt.Sprintf(`document.querySelector(%q).textContent.replace(/\s+/g, ' ').trim()`, id)); got != name {
			t.Errorf("%s is named %q, want %q", id, got, name)
		}
	}

	// The keyboard: focus Add account, Enter opens the dialog on the camera.
	tb.do(chromedp.Focus(chromedp.CSS("#add-btn")))
	tb.key(kb.Enter)
	poll[bool](tb, `document.querySelector('#add-dialog').open`, 5*time.Second)
	if f := focused(tb); f != "scan-camera" {
		t.Errorf("the add dialog opened with the focus on %q, want the camera", f)
	}
	if tb.visible("#scan-screen") {
		t.Error("a phone without getDisplayMedia is offered screen capture")
	}
	if tb.visible("#add-paste-hint") {
		t.Errorf("a touch phone is told about Ctrl+V: %q", tb.shown("#add-paste-hint"))
	}
	if !tb.visible("#scan-camera") || !tb.visible("#scan-file") {
		t.Error("the camera or the image file is not offered on a phone")
	}
	tb.fitsWidth("the add dialog")
	tb.shotView("app-phone-add")
	tb.key(kb.Escape)
	poll[bool](tb, `!document.querySelector('#add-dialog').open`, 5*time.Second)

	// A desktop (this browser without the phone's emulation) offers all.
	d := newTab(t)
	d.createVault(passphrase)
	d.openAdd()
	if !d.visible("#scan-screen") || !d.visible("#scan-camera") {
		t.Error("a desktop browser with getDisplayMedia is not offered screen capture and the camera")
	}
	if got := d.shown("#add-paste-hint"); !strings.Contains(got, "Ctrl+V") {
		t.Errorf("the desktop's paste hint says %q", got)
	}
	d.shotView("app-add")
}

// Item 1: a browser that offers pages no camera (getUserMedia is missing
// on a plain-http page) is not offered the camera, and the dialog says
// why; the focus starts on what is offered.
func TestAppAddDialogWithoutCamera(t *testing.T) {
	tb := newTab(t)
	tb.beforeScripts(`(() => { if (navigator.mediaDevices) { delete MediaDevices.prototype.getUserMedia; } })()`)
	tb.createVault(passphrase)
	tb.openAdd()
	if tb.visible("#scan-camera") {
		t.Error("the camera is offered without getUserMedia")
	}
	if got := tb.shown("#add-no-camera"); !strings.Contains(got, "no camera") {
		t.Errorf("the missing camera is explained as %q", got)
	}
	if f := focused(tb); f != "scan-screen" {
		t.Errorf("the dialog opened with the focus on %q, want the first method offered", f)
	}
}

// keyHint waits for the key field's hint to contain want and returns it
// with its class.
func (tb *tab) keyHint(want string) (text, class string) {
	tb.t.Helper()
	got := poll[[]string](tb, fmt.Sprintf(`(() => { const m = document.querySelector('#m-secret-msg'); return m.textContent.includes(%q) ? [m.textContent, m.className] : null; })()`, want), 5*time.Second)
	return got[0], got[1]
}

// Item 6: under 80 bits a typed key is refused (said once, under the
// field), 80 to 127 bits is a warning ("an 80-bit key", not "Looks right"),
// 160 bits looks right; an otpauth link pasted into the key field is
// recognised and Enter adds it with its own names.
func TestAppManualKeyChecks(t *testing.T) {
	tb := newTab(t)
	tb.createVault(passphrase)
	tb.openManual()
	tb.typeInto("#m-account", "dana@example.com")

	tb.typeInto("#m-secret", "JBSW Y3DP")
	text, class := tb.keyHint("too short")
	if !strings.Contains(text, "40 bits") || !strings.Contains(class, "bad") {
		t.Errorf("a 40-bit key: %q (%s)", text, class)
	}
	tb.click("#manual-submit")
	poll[bool](tb, `document.activeElement === document.querySelector('#m-secret')`, 5*time.Second)
	if got := tb.shown("#manual-error"); got != "" {
		t.Errorf("the short key is said twice: %q", got)
	}
	if n := len(tb.rows()); n != 0 {
		t.Fatalf("a 40-bit key added %d accounts", n)
	}

	tb.typeInto("#m-secret", "jbsw y3dp ehpk 3pxp")
	text, class = tb.keyHint("80-bit")
	if !strings.HasPrefix(text, "An 80-bit key") || !strings.Contains(text, "128 bits") || !strings.Contains(class, "warn") || strings.Contains(text, "Looks right") {
		t.Errorf("an 80-bit key: %q (%s)", text, class)
	}
	tb.shotView("app-manual-short-key")
	tb.typeInto("#m-secret", spaced(newSecret(t, 20)))
	if text, class = tb.keyHint("Looks right"); text != "Looks right: a 160-bit key." || !strings.Contains(class, "good") {
		t.Errorf("a 160-bit key: %q (%s)", text, class)
	}
	tb.typeInto("#m-secret", "JBSW0Y3D")
	if text, _ = tb.keyHint("cannot have"); strings.Contains(strings.ToLower(text), "base32") || !strings.Contains(text, "did you mean O?") {
		t.Errorf("a bad character: %q", text)
	}

	// A link in the key field, then Enter: added from the link.
	secret := newSecret(t, 20)
	tb.typeInto("#m-secret", totpURI("Linked", "erin@example.com", secret))
	if text, _ = tb.keyHint("otpauth link"); !strings.Contains(text, "Linked (erin@example.com)") {
		t.Errorf("a pasted link: %q", text)
	}
	tb.key(kb.Enter)
	r := tb.waitNewRow(0)
	if r.Issuer != "Linked" || r.Name != "erin@example.com" {
		t.Fatalf("the link added %+v", r)
	}
	checkCode(t, tb.codeOf(r.ID, 30), secret, defaultParams)
	if v := eval[string](tb, `document.querySelector('#m-secret').value`); v != "" {
		t.Errorf("the key field still holds %q", v)
	}
}

// Item 7: "storage is not persistent" stays on the page, after the toast
// is gone, until the person acts: asking the browser (which says no here)
// turns it into the backup advice, and a downloaded backup answers it,
// also after a reload.
func TestAppStorageNoticeStays(t *testing.T) {
	tb := newTab(t)
	tb.beforeScripts(`(() => { if (navigator.storage) { navigator.storage.persisted = async () => false; navigator.storage.persist = async () => false; } })()`)
	tb.createVault(passphrase)
	tb.addManual(manual{Issuer: "Keep", Account: "me", Secret: otpauth.EncodeSecret(newSecret(t, 20))})
	poll[bool](tb, `document.querySelector('#status').textContent === ''`, 15*time.Second) // the toasts are gone
	if got := tb.shown("#storage-notice"); !strings.Contains(got, "not persistent") {
		t.Fatalf("no storage notice once the toast is gone: %q", got)
	}
	tb.shot("app-storage-notice")

	tb.click("#storage-notice-ask")
	poll[bool](tb, `document.querySelector('#storage-notice-msg').textContent.includes('would not promise')`, 5*time.Second)
	if tb.visible("#storage-notice-ask") {
		t.Error("after the browser said no, the notice still offers to ask it")
	}
	tb.click("#storage-notice-backup")
	poll[bool](tb, `document.querySelector('#backup-dialog').open && document.activeElement === document.querySelector('#export-pass')`, 5*time.Second)
	tb.typeInto("#export-pass", "backup passphrase")
	tb.typeInto("#export-pass2", "backup passphrase")
	tb.click("#export-submit")
	tb.waitDownload("twofold-backup-")
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#backup-dialog').close()`))
	poll[bool](tb, `document.querySelector('#storage-notice').hidden`, 5*time.Second)

	tb.do(chromedp.Reload())
	tb.waitView("unlock")
	tb.unlock(passphrase)
	if tb.visible("#storage-notice") {
		t.Error("the notice is back after a reload, though a backup was downloaded")
	}
}

// Item 8: the vault's password forms (create, unlock, backup, restore,
// passphrase change) each have a hidden username field, so Chrome does not
// log "Password forms should have (optionally hidden) username fields".
func TestAppVaultFormsHaveUsernames(t *testing.T) {
	tb := newTab(t)
	var mu sync.Mutex
	var notices []string
	entries := chromedp.Events(tb.ctx, cdplog.EntryAdded)
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			if strings.Contains(ev.Entry.Text, "username") {
				mu.Lock()
				notices = append(notices, ev.Entry.Text)
				mu.Unlock()
			}
		}
	}()
	if _, err := chromedp.Call(tb.ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	tb.createVault(passphrase)
	tb.click("#backup-btn")
	poll[bool](tb, `document.querySelector('#backup-dialog').open`, 5*time.Second)
	missing := eval[[]string](tb, `[...document.querySelectorAll('form')].filter(f => f.querySelector('input[type=password]') && !f.querySelector('input[autocomplete=username]')).map(f => f.id)`)
	if len(missing) != 0 {
		t.Errorf("password forms without a username field: %v", missing)
	}
	time.Sleep(500 * time.Millisecond) // the log entries of the last layout
	mu.Lock()
	defer mu.Unlock()
	if len(notices) != 0 {
		t.Errorf("Chrome's notices: %q", notices)
	}
}

// Items 2 and 5: an ordinary account says nothing about sign-in prompts; an
// account that can receive them shows a small indicator, and its details
// on demand. When the server cannot be reached, enabling prompts fails in
// the error style, in a sentence (not "Failed to fetch"), with a Retry
// that tries again (the server, back, answers it); an error toast looks
// like an error.
func TestAppQuietListAndErrors(t *testing.T) {
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	base := "http://" + addr
	stop := serverAt(t, addr, data)
	tb := newTab(t)
	tb.beforeScripts(storageGranted)
	tb.expectConsoleError("Failed to load resource")
	tb.do(chromedp.Navigate(base + "/app/"))
	tb.waitView("create")
	tb.typeInto("#create-pass", passphrase)
	tb.typeInto("#create-pass2", passphrase)
	tb.click("#create-submit")
	tb.waitView("codes")

	plain := tb.addManual(manual{Issuer: "Plain", Account: "ana", Secret: otpauth.EncodeSecret(newSecret(t, 20))})
	k := otpauth.Key{Type: otpauth.TOTP, Issuer: "Pushy", Account: "ben@example.com", Secret: newSecret(t, 20),
		Algorithm: otpauth.SHA1, Digits: 6, Period: 30, Extra: []otpauth.Param{{Name: "twofold_push", Value: base}, {Name: "twofold_device", Value: "dev_unreachable"}}}
	tb.openManual()
	tb.typeInto("#m-secret", k.URI())
	tb.key(kb.Enter)
	poll[bool](tb, `document.querySelectorAll('#accounts .account').length === 2`, 10*time.Second)
	pushy := tb.rows()[1].ID

	if n := eval[int](tb, fmt.Sprintf(`document.querySelectorAll('.account[data-id=%q] .push-row').length`, plain.ID)); n != 0 {
		t.Errorf("an ordinary account has %d push rows", n)
	}
	if got := eval[string](tb, `document.querySelector('#accounts').textContent`); strings.Contains(got, "not available") {
		t.Errorf("the list still says prompts are not available: %q", got)
	}
	row := fmt.Sprintf(`.account[data-id=%q] .push-row`, pushy)
	if got := tb.shown(row + " > summary"); got != "Sign-in prompts available" {
		t.Errorf("the indicator says %q", got)
	}
	if eval[bool](tb, fmt.Sprintf(`document.querySelector('%s').open || document.querySelector('%s .push-on').checkVisibility()`, row, row)) {
		t.Error("the details are shown before they are asked for")
	}
	tb.shot("app-accounts")

	// The server goes away; enabling says so in the row, with Retry.
	stop()
	tb.click(row + " > summary")
	tb.click(row + " .push-on")
	got := poll[string](tb, fmt.Sprintf(`(() => { const e = document.querySelector('%s .push-row-error'); return e ? e.textContent : ''; })()`, row), 15*time.Second)
	if !strings.Contains(got, "Could not reach 127.0.0.1") || !strings.Contains(got, "try again") || strings.Contains(got, "fetch") {
		t.Errorf("an unreachable server is said as %q", got)
	}
	if !tb.visible(row + " .push-retry") {
		t.Error("no Retry next to the error")
	}
	danger := eval[string](tb, `getComputedStyle(document.querySelector('#add-error')).color`)
	if c := eval[string](tb, fmt.Sprintf(`getComputedStyle(document.querySelector('%s .push-row-error')).color`, row)); c != danger {
		t.Errorf("the row's error is %s, the dialog's errors %s", c, danger)
	}
	tb.shot("app-push-error")

	// The server is back: Retry tries again, and this time the server
	// answers (it knows no device of that name: its own sentence).
	serverAt(t, addr, data)
	tb.click(row + " .push-retry")
	got = poll[string](tb, fmt.Sprintf(`(() => { const e = document.querySelector('%s .push-row-error'); return e && !e.textContent.includes('Could not reach') ? e.textContent : ''; })()`, row), 15*time.Second)
	if !strings.Contains(got, "registration") {
		t.Errorf("after Retry the row says %q, want the server's answer", got)
	}

	// An error toast (a pasted link that is no account) looks like one.
	tb.do(chromedp.Evaluate[chromedp.Void](`(() => {
		const dt = new DataTransfer();
		dt.setData('text/plain', 'otpauth://totp/x?secret=1');
		document.body.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
	})()`))
	poll[bool](tb, `document.querySelector('#status').classList.contains('error-toast')`, 5*time.Second)
	if c := eval[string](tb, `getComputedStyle(document.querySelector('#status')).color`); c != danger {
		t.Errorf("an error toast is %s, errors are %s", c, danger)
	}
}
