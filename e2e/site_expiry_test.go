package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// TestSiteEnrollmentPageExpires leaves the enrollment page open past the
// pending device's lifetime (a server started with a 2 s lifetime instead
// of 10 minutes): the right code is then refused next to the field, the
// device is not activated and MFA stays off.
func TestSiteEnrollmentPageExpires(t *testing.T) {
	base, _ := startExtraServer(t, "--pending-device-ttl", "2s")
	tb := newSiteTab(t)
	visit := func(path string) { tb.do(chromedp.Navigate(base + path)) }

	visit("/sign-up")
	tb.waitPath("/sign-up")
	tb.typeInto("#email", fmt.Sprintf("expiry-%d@example.com", time.Now().UnixNano()))
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/account")
	visit("/enable-mfa")
	tb.waitPath("/enable-mfa")
	poll[bool](tb, `!document.querySelector('#setup').hidden && document.querySelector('#qr').naturalWidth > 0`, 10*time.Second)
	tb.click("#manual summary")
	secret, err := otpauth.DecodeSecret(eval[string](tb, `document.querySelector('#k-secret').textContent`))
	if err != nil {
		t.Fatal(err)
	}

	time.Sleep(3 * time.Second) // the page outlives its device
	tb.typeInto("#code", totpAt(t, secret, time.Now()))
	tb.click(`#activate-form button[type="submit"]`)
	tb.fieldErrorShown("#activate-error", "This setup expired")

	visit("/account")
	tb.waitPath("/account")
	poll[bool](tb, `document.querySelector('#mfa-badge').textContent === 'Off'`, 10*time.Second)
}
