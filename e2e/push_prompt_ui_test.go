package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// dialogNumbers returns the three numbers the open prompt dialog offers.
func dialogNumbers(tb *tab) []string {
	tb.t.Helper()
	return eval[[]string](tb, `[...document.querySelectorAll('#push-dialog .push-number')].map(b => b.dataset.number)`)
}

// The prompt dialog after Escape, with more than one prompt, and with a
// half-typed number: Escape leaves the prompt waiting and a banner in the
// codes view says so; its "Review" button (reached and pressed with the
// keyboard) reopens the dialog. A newer prompt arriving while the older
// one waits shows the older one first and says how many wait; answering it
// moves on to the newer. One digit and Enter in "Or type it" says a
// two-digit number is needed and keeps the focus in the field.
func TestPushPromptWaitingAndTyped(t *testing.T) {
	s := newPushSetup(t)
	app, site := s.app, s.site
	const dialogOpen = `document.querySelector('#push-dialog')?.open === true`
	const dialogClosed = `document.querySelector('#push-dialog').open === false`
	const bannerShown = `(() => { const b = document.querySelector('#push-waiting'); return !!b && !b.hidden && b.offsetParent !== null; })()`

	if eval[bool](app, bannerShown) {
		t.Fatal("the waiting banner is shown with no prompt waiting")
	}

	// 1. Escape, then "Review" reopens the same prompt.
	s.toSecondFactor()
	first := s.send()
	poll[bool](app, dialogOpen, 15*time.Second)
	firstNumbers := dialogNumbers(app)
	if !slices.Contains(firstNumbers, first) {
		t.Fatalf("the dialog offers %v; the site shows %s", firstNumbers, first)
	}
	if eval[bool](app, `document.querySelector('#push-queue').hidden`) != true {
		t.Error("with one prompt the dialog says others are waiting")
	}
	app.key(kb.Escape)
	poll[bool](app, dialogClosed, 5*time.Second)
	poll[bool](app, bannerShown, 5*time.Second)
	if got := eval[string](app, `document.querySelector('#push-waiting-msg').textContent`); !strings.Contains(got, "1 sign-in request waiting") {
		t.Errorf("the banner says %q", got)
	}
	app.do(chromedp.Focus(chromedp.CSS("#push-review")))
	if f := focused(app); f != "push-review" {
		t.Fatalf("the focus is on %q, want push-review", f)
	}
	app.key(kb.Enter)
	poll[bool](app, dialogOpen, 5*time.Second)
	if got := dialogNumbers(app); !slices.Equal(got, firstNumbers) {
		t.Fatalf("Review opened a prompt offering %v, want %v", got, firstNumbers)
	}
	if eval[bool](app, bannerShown) {
		t.Error("the waiting banner stays while the dialog shows the prompt")
	}

	// 2. Escape again; a newer prompt arrives: the older one is shown, and
	// the dialog says two are waiting.
	app.key(kb.Escape)
	poll[bool](app, dialogClosed, 5*time.Second)
	site.visit("/second-factor")
	site.waitPath("/second-factor")
	second := s.send()
	poll[bool](app, dialogOpen, 15*time.Second)
	poll[bool](app, `!document.querySelector('#push-queue').hidden`, 5*time.Second)
	if got := dialogNumbers(app); !slices.Equal(got, firstNumbers) {
		t.Fatalf("with two prompts waiting the dialog offers %v, want the older prompt's %v", got, firstNumbers)
	}
	if got := eval[string](app, `document.querySelector('#push-queue').textContent`); !strings.Contains(got, "2 sign-in requests waiting") {
		t.Errorf("the dialog says %q about the waiting prompts", got)
	}

	// 3. One digit and Enter: the hint next to the field, focus stays.
	app.do(chromedp.Focus(chromedp.CSS("#push-typed")))
	app.key(first[:1])
	app.key(kb.Enter)
	got := poll[string](app, `document.querySelector('#push-typed-msg').textContent`, 5*time.Second)
	if !strings.Contains(got, "two-digit number") {
		t.Errorf("one digit and Enter says %q", got)
	}
	if f := focused(app); f != "push-typed" {
		t.Errorf("after one digit and Enter the focus is on %q, want push-typed", f)
	}
	if !eval[bool](app, dialogOpen) {
		t.Fatal("one digit and Enter closed the dialog")
	}
	if eval[string](app, `document.querySelector('#push-typed').getAttribute('aria-describedby')`) != "push-typed-msg" {
		t.Error("the typed field is not described by its hint")
	}

	// Deny the older prompt: the newer one follows, alone; typing its
	// number and Enter signs the site in.
	app.click("#push-deny")
	poll[bool](app, fmt.Sprintf(`[...document.querySelectorAll('#push-dialog .push-number')].some(b => b.dataset.number === %q) && document.querySelector('#push-queue').hidden`, second), 10*time.Second)
	if got := eval[string](app, `document.querySelector('#push-typed-msg').textContent`); got != "" {
		t.Errorf("the next prompt still shows the hint %q", got)
	}
	app.do(chromedp.Focus(chromedp.CSS("#push-typed")))
	app.key(second + kb.Enter)
	site.waitPath("/account")
	poll[bool](app, dialogClosed, 10*time.Second)
	poll[bool](app, `document.querySelector('#push-waiting').hidden`, 5*time.Second)
}
