package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// issuersShown is the list's issuers in display order, comma separated.
const issuersShown = `[...document.querySelectorAll('#accounts .issuer')].map(e => e.textContent).join(',')`

// waitIssuers waits until the tab lists exactly these issuers.
func (tb *tab) waitIssuers(want string) {
	tb.t.Helper()
	poll[bool](tb, fmt.Sprintf(`%s === %q`, issuersShown, want), 15*time.Second)
}

// TestTwoTabsKeepEveryAccount is issue 11's two tabs in one browser (one
// profile, two targets). Tab B adds an account while tab A holds an older
// copy (the message that would refresh A is held back, as a browser without
// BroadcastChannel, or a message still in flight, would): A's rename is
// refused, says so, and A shows the vault as it is; done again, it keeps B's
// account. With the message delivered, A follows B's changes by itself. A
// lock in one tab locks the other; a passphrase change in one locks the
// other, which then opens with the new passphrase only.
func TestTwoTabsKeepEveryAccount(t *testing.T) {
	const newPass = "a brand new passphrase for both tabs"
	a := newTab(t)
	a.createVault(passphrase)
	alpha := a.addManual(manual{Issuer: "Alpha", Account: "ann", Secret: otpauth.EncodeSecret(newSecret(t, 20))})

	b := a.sibling()
	if v := b.open(); v != "unlock" {
		t.Fatalf("the second tab shows %q, want unlock", v)
	}
	b.unlock(passphrase)
	b.waitIssuers("Alpha")

	// B adds Bravo without telling A.
	b.do(chromedp.Evaluate[chromedp.Void](`globalThis.realPost = BroadcastChannel.prototype.postMessage;
		BroadcastChannel.prototype.postMessage = function () {}`))
	b.addManual(manual{Issuer: "Bravo", Account: "bob", Secret: otpauth.EncodeSecret(newSecret(t, 20))})
	time.Sleep(500 * time.Millisecond) // a message, had one been sent, would have arrived
	if got := eval[string](a, issuersShown); got != "Alpha" {
		t.Fatalf("tab A shows %q before renaming: the test needs its stale copy", got)
	}

	// A renames Alpha from its stale copy: refused, said, reloaded.
	a.click("#edit-btn")
	a.click(fmt.Sprintf(`#accounts [data-id=%q] .act-rename`, alpha.ID))
	a.typeInto("#rename-issuer", "Alpha Cloud")
	a.click(`#rename-form button[type=submit]`)
	msg := a.fieldErrorShown("#rename-error", "another tab changed the vault")
	if !strings.Contains(msg, "not saved") {
		t.Errorf("the refused rename says %q", msg)
	}
	a.waitIssuers("Alpha,Bravo")
	b.waitIssuers("Alpha,Bravo")
	// Done again on the current vault, the rename keeps Bravo; B (whose
	// messages A does hear) follows.
	a.click(`#rename-form button[type=submit]`)
	a.waitIssuers("Alpha Cloud,Bravo")
	b.waitIssuers("Alpha Cloud,Bravo")

	// With the message delivered, A follows B's save at once.
	b.do(chromedp.Evaluate[chromedp.Void](`BroadcastChannel.prototype.postMessage = realPost`))
	b.addManual(manual{Issuer: "Charlie", Account: "cy", Secret: otpauth.EncodeSecret(newSecret(t, 20))})
	a.waitIssuers("Alpha Cloud,Bravo,Charlie")
	poll[bool](a, `document.querySelector('#status').textContent.includes('updated with a change made in another tab')`, 5*time.Second)

	// Lock in A locks B.
	a.click("#lock-btn")
	a.waitView("unlock")
	b.waitView("unlock")
	if lead := eval[string](b, `document.querySelector('#unlock-lead').textContent`); !strings.Contains(lead, "Locked in another tab") {
		t.Errorf("tab B's unlock view says %q", lead)
	}

	// A passphrase change in A locks B, which opens with the new one only.
	a.unlock(passphrase)
	b.unlock(passphrase)
	a.click("#settings-btn")
	a.typeInto("#pass-old", passphrase)
	a.typeInto("#pass-new", newPass)
	a.typeInto("#pass-new2", newPass)
	a.click("#pass-submit")
	poll[bool](a, `document.querySelector('#status').textContent.includes('Passphrase changed')`, 20*time.Second)
	b.waitView("unlock")
	if lead := eval[string](b, `document.querySelector('#unlock-lead').textContent`); !strings.Contains(lead, "passphrase was changed in another tab") {
		t.Errorf("tab B's unlock view says %q", lead)
	}
	b.typeInto("#unlock-pass", passphrase)
	b.click("#unlock-submit")
	poll[bool](b, `document.querySelector('#unlock-error').textContent.includes('Wrong passphrase')`, 20*time.Second)
	b.unlock(newPass)
	b.waitIssuers("Alpha Cloud,Bravo,Charlie")
}
