package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Turning MFA on in the browser ends another session that had only the
// password, and the page says so (issue 11, item 2); reloading the
// enrollment page reuses its pending device with a new key and says so
// plainly, instead of piling up devices (item 16).
func TestEnableMFAEndsPasswordOnlySessionsAndReloadReusesDevice(t *testing.T) {
	tb := newSiteTab(t)
	email := fmt.Sprintf("reload-%d@example.com", time.Now().UnixNano())
	tb.visit("/sign-up")
	tb.waitPath("/sign-up")
	tb.typeInto("#email", email)
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/account")

	// Another browser signed in with the password alone.
	other, err := client.New(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.SignIn(context.Background(), email, sitePassword); err != nil {
		t.Fatalf("other sign-in: %v", err)
	}

	keyShown := func() string {
		poll[bool](tb, `!document.querySelector('#setup').hidden && document.querySelector('#qr').naturalWidth > 0`, 10*time.Second)
		return eval[string](tb, `document.querySelector('#k-secret').textContent`)
	}
	tb.visit("/enable-mfa")
	tb.waitPath("/enable-mfa")
	first := keyShown()
	if eval[bool](tb, `!document.querySelector('#reused-notice').hidden`) {
		t.Fatal("the first load says the page was reloaded")
	}
	tb.do(chromedp.Reload())
	tb.waitPath("/enable-mfa")
	second := keyShown()
	tb.fieldErrorShown("#reused-notice", "a new key was made")
	if second == first {
		t.Fatal("the reload kept the key it told the user was replaced")
	}
	var list wire.DeviceList
	if s := eval[string](tb, `fetch('/api/v1/totp-devices').then(r => r.text())`); json.Unmarshal([]byte(s), &list) != nil || len(list.Devices) != 1 {
		t.Fatalf("devices after a reload: %s", s)
	}

	secret, err := otpauth.DecodeSecret(second)
	if err != nil {
		t.Fatal(err)
	}
	tb.typeInto("#code", totpAt(t, secret, time.Now()))
	tb.click(`#activate-form button[type="submit"]`)
	tb.fieldErrorShown("#signed-out-notice", "signed out 1 other session")
	if _, err := other.Session(context.Background()); !client.IsCode(err, "unauthenticated") {
		t.Fatalf("the password-only session after MFA was turned on: %v", err)
	}
}
