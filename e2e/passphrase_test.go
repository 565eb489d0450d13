package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// TestChangePassphrase changes the vault's passphrase in Settings: a wrong
// current passphrase changes nothing; after the change and a lock the old
// passphrase is refused ("Wrong passphrase") and the new one opens the
// vault with every account intact.
func TestChangePassphrase(t *testing.T) {
	const newPass = "tr0ub4dor and three more words"
	tb := newTab(t)
	tb.createVault(passphrase)
	s1, s2 := newSecret(t, 20), newSecret(t, 32)
	r1 := tb.addManual(manual{Issuer: "First", Account: "ann", Secret: otpauth.EncodeSecret(s1)})
	r2 := tb.addManual(manual{Issuer: "Second", Account: "bob", Secret: otpauth.EncodeSecret(s2)})

	passError := `(() => { const e = document.querySelector('#pass-error'); return e.hidden ? '' : e.textContent; })()`
	change := func(old string) {
		tb.t.Helper()
		tb.typeInto("#pass-old", old)
		tb.typeInto("#pass-new", newPass)
		tb.typeInto("#pass-new2", newPass)
		tb.click("#pass-submit")
	}
	tb.click("#settings-btn")
	change("not the passphrase")
	if msg := poll[string](tb, passError, 20*time.Second); !strings.Contains(msg, "current passphrase is wrong") {
		t.Errorf("wrong current passphrase shows %q", msg)
	}
	change(passphrase)
	poll[bool](tb, `document.querySelector('#status').textContent.includes('Passphrase changed')`, 20*time.Second)
	if msg := eval[string](tb, passError); msg != "" {
		t.Errorf("after the change the form shows %q", msg)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#settings-dialog').close()`))

	tb.click("#lock-btn")
	tb.waitView("unlock")
	tb.typeInto("#unlock-pass", passphrase)
	tb.click("#unlock-submit")
	msg := poll[string](tb, `(() => { const e = document.querySelector('#unlock-error'); return e.hidden ? '' : e.textContent; })()`, 20*time.Second)
	if !strings.Contains(msg, "Wrong passphrase") {
		t.Errorf("the old passphrase shows %q", msg)
	}
	if v := eval[string](tb, `document.documentElement.dataset.view`); v != "unlock" {
		t.Fatalf("view %q after the old passphrase", v)
	}

	// The new one opens it, after a reload too (what is stored changed).
	tb.do(chromedp.Reload())
	tb.waitView("unlock")
	tb.unlock(newPass)
	rs := tb.rows()
	if len(rs) != 2 || rs[0].ID != r1.ID || rs[1].ID != r2.ID || rs[0].Issuer != "First" || rs[1].Issuer != "Second" {
		t.Fatalf("accounts after the change: %+v", rs)
	}
	checkCode(t, tb.codeOf(r1.ID, 30), s1, defaultParams)
	checkCode(t, tb.codeOf(r2.ID, 30), s2, defaultParams)
}
