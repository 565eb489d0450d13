package e2e

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestSignOutFailureSaysSo signs out while the request cannot reach the
// server (Chromium fails it as a refused connection): the page does not
// claim "You are signed out", says the session is still valid and why, and
// offers Retry, which the keyboard reaches at once; the session indeed
// still works. Once the server is reachable, Retry signs out for real.
func TestSignOutFailureSaysSo(t *testing.T) {
	tb := newSiteTab(t)
	tb.expectConsoleError("net::ERR_CONNECTION_REFUSED")
	var unreachable atomic.Bool
	paused := chromedp.Events(tb.ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(tb.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*/api/v1/session"},
	}}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			if ev.Request.Method == "DELETE" && unreachable.Load() {
				_, _ = chromedp.Call(tb.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionRefused})
				continue
			}
			_, _ = chromedp.Call(tb.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
	}()
	sessionStatus := `fetch('/api/v1/session', {credentials: 'same-origin'}).then(r => r.status)`
	const failure = `document.querySelector('#sign-out-error')?.textContent || ''`

	tb.visit("/sign-up")
	tb.waitPath("/sign-up")
	tb.typeInto("#email", fmt.Sprintf("signout-%d@example.com", time.Now().UnixNano()))
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/account")

	unreachable.Store(true)
	tb.click("#sign-out")
	msg := poll[string](tb, failure, 10*time.Second)
	if !strings.Contains(msg, "still signed in") || !strings.Contains(msg, "cannot be reached") {
		t.Errorf("the failed sign-out says %q", msg)
	}
	if eval[string](tb, `location.pathname`) != "/account" {
		t.Fatal("the page left the account page as if signed out")
	}
	if f := focused(tb); f != "sign-out-retry" {
		t.Errorf("the focus is on %q, want the Retry button", f)
	}
	if s := eval[int](tb, sessionStatus); s != 200 {
		t.Fatalf("the session answers %d after the failed sign-out; the page says it is valid", s)
	}
	// Still unreachable: Retry fails the same way and the page stays.
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#sign-out-msg').textContent = ''`))
	tb.key(kb.Enter)
	if msg := poll[string](tb, `document.querySelector('#sign-out-msg').textContent`, 10*time.Second); !strings.Contains(msg, "still signed in") {
		t.Errorf("the failed retry says %q", msg)
	}
	if eval[string](tb, `location.pathname`) != "/account" {
		t.Fatal("a failed retry left the page")
	}

	unreachable.Store(false)
	tb.do(chromedp.Focus(chromedp.CSS("#sign-out-retry")))
	tb.key(kb.Enter)
	tb.waitPath("/")
	poll[bool](tb, `document.querySelector('#flash').textContent.includes('You are signed out')`, 5*time.Second)
	if s := eval[int](tb, sessionStatus); s != 401 {
		t.Fatalf("the session answers %d after signing out", s)
	}
}
