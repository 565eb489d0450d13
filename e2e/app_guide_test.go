package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// storageGranted makes the browser say it keeps the vault (persistent
// storage), so a picture shows the page without the storage notice.
const storageGranted = `(() => { if (navigator.storage) { navigator.storage.persisted = async () => true; navigator.storage.persist = async () => true; } })()`

// TestAppGuide walks the authenticator's chapter of docs/guide.md on a
// desktop and on a 390×844 phone and, under make screenshots, saves its
// pictures: the vault created, accounts added by QR image, pasted image
// and typed key, the backup and import dialog, the settings (auto-lock,
// storage, clock) and the locked vault. (The other chapters' pictures
// come from the tests of each behaviour: app-phone-add, app-add,
// app-manual-short-key, app-storage-notice, app-accounts, app-push-prompt,
// app-push-paused.) The browser's storage answer is fixed to "granted" so
// the pictures show the list itself; TestAppStorageNoticeStays shows the
// notice.
func TestAppGuide(t *testing.T) {
	for _, phone := range []bool{false, true} {
		prefix := "app-"
		if phone {
			prefix = "app-phone-"
		}
		tb := newTab(t)
		tb.beforeScripts(storageGranted)
		if phone {
			tb.beforeScripts(noScreenCapture)
			tb.phoneApp()
		}
		if v := tb.open(); v != "create" {
			t.Fatalf("a fresh profile shows %q", v)
		}
		tb.shot(prefix + "create")
		tb.typeInto("#create-pass", passphrase)
		tb.typeInto("#create-pass2", passphrase)
		tb.click("#create-submit")
		tb.waitView("codes")

		// A QR code from an image file, a pasted screenshot, a typed key.
		png := writePNG(t, t.TempDir(), "enroll.png", qrImage(t, totpURI("Oracle Cloud", "ana@example.com", newSecret(t, 20)), 6))
		tb.openAdd()
		tb.do(chromedp.SetUploadFiles(chromedp.CSS("#image-input"), []string{png}))
		tb.waitNewRow(0)
		tb.pasteImage(pngBytes(t, qrImage(t, totpURI("OpenStack", "ana", newSecret(t, 20)), 5)))
		tb.waitNewRow(1)
		tb.addManual(manual{Issuer: "GitHub", Account: "ana-dev", Secret: spaced(newSecret(t, 20))})
		poll[bool](tb, `document.querySelector('#status').textContent === ''`, 10*time.Second)
		if phone {
			tb.fitsWidth("the list")
		}
		tb.shot(prefix + "codes")

		tb.click("#backup-btn")
		poll[bool](tb, `document.querySelector('#backup-dialog').open`, 5*time.Second)
		tb.shotView(prefix + "backup")
		tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#backup-dialog').close()`))

		tb.click("#settings-btn")
		poll[bool](tb, `document.querySelector('#settings-dialog').open && !document.querySelector('#clock-status').textContent.includes('Not checked')`, 10*time.Second)
		tb.shotView(prefix + "settings")
		tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#settings-dialog').close()`))

		tb.click("#lock-btn")
		tb.waitView("unlock")
		tb.shot(prefix + "unlock")
		tb.unlock(passphrase)
		if n := len(tb.rows()); n != 3 {
			t.Fatalf("%d accounts after unlocking, want 3", n)
		}
	}
}
