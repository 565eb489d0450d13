package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Errors look like errors (issue 12, item 5): a failure on the site, a
// network one included, is shown in the one error style (red, role=alert)
// as a sentence, with a Retry where it helps; and the sign-in pages make no
// request the browser logs as an error (item 8).

// failRequests makes the tab's requests to URLs matching pattern (the Fetch
// domain's wildcards) fail as if the network were down, until restore is
// called.
func (tb *tab) failRequests(pattern string) (restore func()) {
	tb.t.Helper()
	paused := chromedp.Events(tb.ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(tb.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}}); err != nil {
		tb.t.Fatal(err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(tb.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonInternetDisconnected})
		}
	}()
	tb.expectConsoleError("net::ERR_INTERNET_DISCONNECTED")
	return func() {
		tb.t.Helper()
		if _, err := chromedp.Call(tb.ctx, fetch.Disable, cdp.Empty{}); err != nil {
			tb.t.Fatal(err)
		}
	}
}

// isErrorStyle tells whether sel is shown in the one error style: class
// error, role=alert, the danger colour (light scheme), not the success one.
func (tb *tab) isErrorStyle(sel string) bool {
	tb.t.Helper()
	return eval[bool](tb, fmt.Sprintf(`(() => {
		const e = document.querySelector(%q);
		return !!e && !e.hidden && e.classList.contains('error') && e.getAttribute('role') === 'alert' &&
			getComputedStyle(e).color === 'rgb(179, 38, 30)';
	})()`, sel))
}

// The sign-in pages ask whether the browser is signed in without a 401:
// this tab expects no console error at all (not even the 4xx that
// newSiteTab allows).
func TestSiteSignInPagesQuiet(t *testing.T) {
	tb := newTab(t)
	for _, p := range []string{"/", "/sign-up"} {
		tb.visit(p)
		tb.waitPath(p)
		time.Sleep(300 * time.Millisecond) // the page's own requests
	}
	// Without a session the second step sends the visitor to sign in, also
	// without a 401.
	tb.visit("/second-factor")
	tb.waitPath("/")
	tb.fieldErrorShown("#flash", "expired")

	// Signed in: the sign-in page sends the visitor on, still quietly.
	tb.visit("/sign-up")
	tb.waitPath("/sign-up")
	tb.typeInto("#email", fmt.Sprintf("quiet-%d@example.com", time.Now().UnixNano()))
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/account")
	tb.visit("/")
	tb.waitPath("/account")
	poll[bool](tb, `document.querySelector('#mfa-badge').textContent === 'Off'`, 10*time.Second)
}

func TestSiteErrorsLookLikeErrors(t *testing.T) {
	tb := newSiteTab(t)
	email := fmt.Sprintf("errors-%d@example.com", time.Now().UnixNano())

	// A new account's email needs a dot in its domain, as the server asks.
	tb.visit("/sign-up")
	tb.waitPath("/sign-up")
	tb.typeInto("#email", "dana@example")
	tb.typeInto("#password", sitePassword)
	tb.click(`#sign-up-form button[type="submit"]`)
	tb.fieldErrorShown("#sign-up-error", "its domain has a dot")
	if !tb.isErrorStyle("#sign-up-error") {
		t.Error("the sign-up error is not in the error style")
	}

	// The network fails on sign-up: a sentence, not "TypeError: Failed to fetch".
	restore := tb.failRequests("*/api/v1/users")
	tb.typeInto("#email", email)
	tb.click(`#sign-up-form button[type="submit"]`)
	got := tb.fieldErrorShown("#sign-up-error", "cannot be reached")
	if strings.Contains(got, "TypeError") || strings.Contains(got, "fetch") {
		t.Errorf("the network failure says %q", got)
	}
	restore()
	tb.click(`#sign-up-form button[type="submit"]`)
	tb.waitPath("/account")

	// Loading the Security page fails: red, role=alert, with a Retry that
	// loads it once the network is back.
	restore = tb.failRequests("*/api/v1/totp-devices")
	tb.visit("/account")
	tb.waitPath("/account")
	tb.fieldErrorShown("#page-error", "The server cannot be reached")
	if !tb.isErrorStyle("#page-error") || !tb.visible("#page-error .retry") {
		t.Fatal("the failed load is not an error with a Retry")
	}
	tb.shot("load-failed")
	if eval[string](tb, `document.querySelector('#mfa-badge').textContent`) != "…" {
		t.Error("the page shows a state it could not load")
	}
	restore()
	tb.click("#page-error .retry")
	poll[bool](tb, `document.querySelector('#mfa-badge').textContent === 'Off' && document.querySelector('#page-error').hidden`, 10*time.Second)

	// An action fails: the error style, not the green status line.
	tb.visit("/enable-mfa") // leaves a pending device behind
	poll[bool](tb, `!document.querySelector('#setup').hidden`, 10*time.Second)
	tb.visit("/account")
	poll[bool](tb, `!document.querySelector('#delete-inactive').hidden`, 10*time.Second)
	restore = tb.failRequests("*/api/v1/totp-devices/inactive")
	tb.click("#delete-inactive")
	tb.fieldErrorShown("#devices-error", "cannot be reached")
	if !tb.isErrorStyle("#devices-error") {
		t.Error("a failed action is not in the error style")
	}
	if s := eval[string](tb, `document.querySelector('#devices-status').textContent`); s != "" {
		t.Errorf("the success line says %q after a failure", s)
	}
	if n := eval[int](tb, `document.querySelectorAll('#devices tr[data-state="pending"]').length`); n != 1 {
		t.Fatalf("%d pending devices after the failed removal", n)
	}
	restore()
	tb.click("#delete-inactive")
	tb.fieldErrorShown("#devices-status", "Removed 1 inactive device")
	if eval[bool](tb, `!document.querySelector('#devices-error').hidden`) {
		t.Error("the error stays after the action succeeded")
	}

	// The confirmation page cannot tell where the visitor stands: an error
	// with a Retry, which then gives a step-up its navigation.
	restore = tb.failRequests("*/api/v1/session/status")
	tb.visit("/second-factor?step-up=1")
	tb.waitPath("/second-factor")
	tb.fieldErrorShown("#page-error", "cannot be reached")
	if !tb.isErrorStyle("#page-error") || tb.visible("#step-up-cancel") {
		t.Fatal("the failed check is not an error, or the page guessed a step-up")
	}
	restore()
	tb.click("#page-error .retry")
	poll[bool](tb, `!document.querySelector('#step-up-cancel').hidden && document.querySelector('#page-error').hidden`, 10*time.Second)
}
