package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// TestWorksOffline visits the app once, then stops its server: the service
// worker serves the page and the wasm from its cache, and the vault (in
// IndexedDB) unlocks and shows the right codes. The transfer module, which
// decodes QR codes and was never used on that visit, is cached too: a frame
// is read offline (a blank one: "no QR code", not "module unavailable").
func TestWorksOffline(t *testing.T) {
	url, stop := startExtraServer(t)
	tb := newTab(t)
	tb.do(chromedp.Navigate(url + "/app/"))
	tb.waitView("create")
	tb.typeInto("#create-pass", passphrase)
	tb.typeInto("#create-pass2", passphrase)
	tb.click("#create-submit")
	tb.waitView("codes")
	secret := newSecret(t, 20)
	r := tb.addManual(manual{Issuer: "Offline", Account: "judy", Secret: otpauth.EncodeSecret(secret)})
	poll[bool](tb, `(async () => navigator.serviceWorker.controller !== null &&
		!!(await caches.match('twofold.wasm')) && !!(await caches.match('twofold-transfer.wasm')) &&
		!!(await caches.match('app.js')) && !!(await caches.match('./')))()`, 30*time.Second)

	stop()
	// Offline, the page cannot reach the server's clock (nor update sw.js);
	// the browser reports those failed requests on the console.
	tb.expectConsoleError("ERR_CONNECTION_REFUSED")
	tb.expectConsoleError("Failed to update a ServiceWorker")
	tb.expectConsoleError("An unknown error occurred when fetching the script")
	tb.do(chromedp.Reload())
	if v := tb.waitView("create", "unlock"); v != "unlock" {
		t.Fatalf("offline reload shows %q", v)
	}
	tb.unlock(passphrase)
	checkCode(t, tb.codeOf(r.ID, 30), secret, defaultParams)
	poll[bool](tb, `document.querySelector('#clock-status').textContent.includes('Could not reach the server')`, 10*time.Second)
	if code := eval[string](tb, `twofold.qr.decode(new Uint8ClampedArray(64 * 64 * 4).fill(255), 64, 64).then(() => 'read', (e) => e.code)`); code != "no_qr" {
		t.Errorf("a QR frame read offline: %q, want no_qr (the transfer module from the cache)", code)
	}
}
