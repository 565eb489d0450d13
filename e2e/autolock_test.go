package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// TestAutoLock sets the idle lock to one minute and moves the page's clock
// (Date.now, before the app's scripts run) past it: the vault locks, says
// why, and no code stays on the page.
func TestAutoLock(t *testing.T) {
	tb := newTab(t)
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `(() => { const real = Date.now.bind(Date); let skew = 0;
			Date.now = () => real() + skew; window.skewClock = (ms) => { skew += ms; }; })()`,
	}); err != nil {
		t.Fatal(err)
	}
	tb.createVault(passphrase)
	tb.addManual(manual{Issuer: "Idle", Account: "kim", Secret: otpauth.EncodeSecret(newSecret(t, 20))})
	tb.click("#settings-btn")
	tb.do(chromedp.SetValue(chromedp.CSS("#autolock"), "1"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#autolock').dispatchEvent(new Event('change', {bubbles: true}))`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#settings-dialog').close()`))

	// 50 s idle: still open.
	tb.do(chromedp.Evaluate[chromedp.Void](`skewClock(50000)`))
	time.Sleep(1500 * time.Millisecond)
	if v := eval[string](tb, `document.documentElement.dataset.view`); v != "codes" {
		t.Fatalf("locked after 50 s of a 1 minute idle lock (view %q)", v)
	}
	// 61 s idle: locked.
	tb.do(chromedp.Evaluate[chromedp.Void](`skewClock(11000)`))
	tb.waitView("unlock")
	lead := eval[string](tb, `document.querySelector('#unlock-lead').textContent`)
	if want := "Locked after 1 minute without activity"; !strings.Contains(lead, want) {
		t.Errorf("unlock view says %q, want %q", lead, want)
	}
	if n := eval[int](tb, `document.querySelectorAll('#accounts .account').length`); n != 0 {
		t.Errorf("%d rows remain after the auto-lock", n)
	}
	// The setting is kept (localStorage) and the vault opens again.
	tb.unlock(passphrase)
	if v := eval[string](tb, `document.querySelector('#autolock').value`); v != "1" {
		t.Errorf("auto-lock setting is %q after unlocking", v)
	}
}
