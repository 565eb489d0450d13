package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

const conflictOpen = `document.querySelector('#conflict-dialog').open === true`

// conflictAsked waits for the choice to be offered and returns its text.
func (tb *tab) conflictAsked() string {
	tb.t.Helper()
	poll[bool](tb, conflictOpen, 15*time.Second)
	return eval[string](tb, `document.querySelector('#conflict-msg').textContent`)
}

// TestSameNameAnotherKeyAsks: a QR code for an account name already in the
// list, with another key, is not refused: the page asks "Replace the old
// key" or "Keep both" and does what was chosen (Enter on the focused "Keep
// both", Escape skips); the same key again is skipped and named. A backup
// holding such an account offers the same choice in its preview.
func TestSameNameAnotherKeyAsks(t *testing.T) {
	tb := newTab(t)
	tb.createVault(passphrase)
	k1, k2, k3 := newSecret(t, 20), newSecret(t, 20), newSecret(t, 20)
	first := tb.addManual(manual{Issuer: "Example", Account: "dave@example.com", Secret: otpauth.EncodeSecret(k1)})
	dir := t.TempDir()
	upload := func(name string, secret []byte) {
		t.Helper()
		tb.openAdd()
		tb.do(chromedp.SetUploadFiles(chromedp.CSS("#image-input"), []string{writePNG(t, dir, name, qrImage(t, totpURI("Example", "dave@example.com", secret), 4))}))
	}

	// A new key for the same account: replace.
	upload("new-key.png", k2)
	if msg := tb.conflictAsked(); !strings.Contains(msg, "Example (dave@example.com) is already in your list, with another key") {
		t.Errorf("the choice says %q", msg)
	}
	tb.click("#conflict-replace")
	poll[bool](tb, `document.querySelector('#status').textContent.includes('Replaced the key of Example (dave@example.com)')`, 10*time.Second)
	if rs := tb.rows(); len(rs) != 1 || rs[0].ID != first.ID {
		t.Fatalf("after replace: %+v", rs)
	}
	checkCode(t, tb.codeOf(first.ID, 30), k2, defaultParams)

	// Another key again: keep both, by keyboard (the focus is on Keep both).
	upload("second-account.png", k3)
	tb.conflictAsked()
	if f := focused(tb); f != "conflict-keep" {
		t.Errorf("the choice opens with the focus on %q", f)
	}
	tb.key(kb.Enter)
	poll[bool](tb, `document.querySelectorAll('#accounts .account').length === 2`, 10*time.Second)
	rs := tb.rows()
	if rs[1].Name != "dave@example.com #2" || rs[1].Issuer != "Example" {
		t.Fatalf("kept as %+v", rs[1])
	}
	checkCode(t, tb.codeOf(rs[1].ID, 30), k3, defaultParams)

	// The same key once more: skipped, and the page says under which name.
	upload("same-key.png", k3)
	poll[bool](tb, `document.querySelector('#add-error').textContent.includes('already in your list as Example (dave@example.com #2)')`, 10*time.Second)
	if eval[bool](tb, conflictOpen) {
		t.Error("the same key asks instead of being skipped")
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#add-dialog').close()`))

	// A backup from another profile with another key under the first name,
	// and an account that is new here.
	k4, k5 := newSecret(t, 20), newSecret(t, 20)
	other := newTab(t)
	other.createVault(passphrase)
	other.addManual(manual{Issuer: "Example", Account: "dave@example.com", Secret: otpauth.EncodeSecret(k4)})
	other.addManual(manual{Issuer: "Fresh", Account: "erin", Secret: otpauth.EncodeSecret(k5)})
	other.click("#backup-btn")
	other.typeInto("#export-pass", "backup passphrase 42")
	other.typeInto("#export-pass2", "backup passphrase 42")
	other.click("#export-submit")
	file := other.waitDownload("twofold-backup-")

	// The preview offers a choice for it (Keep both, Replace, Skip); Skip
	// changes nothing of that account, the new one is added.
	p := tb.importFile(file, "backup passphrase 42")
	if len(p.Conflict) != 1 || p.Conflict[0] != "Example (dave@example.com)" || len(p.New) != 1 || p.New[0] != "Fresh (erin)" {
		t.Fatalf("preview of the backup: %+v", p)
	}
	if got := eval[string](tb, `document.querySelector('#preview-conflict select').value`); got != "keep" {
		t.Errorf("the choice starts at %q, not Keep both", got)
	}
	tb.do(chromedp.SetValue(chromedp.CSS("#preview-conflict select"), "skip"))
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#preview-conflict select').dispatchEvent(new Event('change', {bubbles: true}))`))
	poll[bool](tb, `document.querySelector('#import-commit').textContent === 'Add 1 account'`, 5*time.Second)
	if msg := tb.commitImport(); !strings.Contains(msg, "Imported 1 account") {
		t.Errorf("after skipping: %q", msg)
	}
	if got := eval[string](tb, issuersShown); got != "Example,Example,Fresh" {
		t.Fatalf("after skipping: %s", got)
	}
	checkCode(t, tb.codeOf(first.ID, 30), k2, defaultParams)

	// Imported again, keeping both: the backup's key is kept beside the
	// others, not lost; Fresh is already in the list.
	p = tb.importFile(file, "backup passphrase 42")
	if len(p.Conflict) != 1 || len(p.Duplicate) != 1 || len(p.New) != 0 {
		t.Fatalf("preview of the backup again: %+v", p)
	}
	tb.commitImport()
	poll[bool](tb, `document.querySelectorAll('#accounts .account').length === 4`, 10*time.Second)
	if rs := tb.rows(); rs[3].Name != "dave@example.com #3" {
		t.Errorf("kept as %+v", rs[3])
	}
	rs = tb.rows()
	checkCode(t, tb.codeOf(rs[3].ID, 30), k4, defaultParams)
}
