package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPushWrongNumberIsRefused approves a prompt with one of the two
// numbers that are not the sign-in page's. The server refuses it, and the
// authenticator says so (never "approved"): the prompt stays, its buttons
// off, until the server's verdict, then leaves as settled; the site says the
// number did not match and stays on the second-factor page (the wait for the
// verdict itself: wasm/push TestAnswerReturnsTheServersVerdict). The next prompt,
// approved with the right number, signs in.
func TestPushWrongNumberIsRefused(t *testing.T) {
	s := newPushSetup(t)
	app, site := s.app, s.site
	const dialogOpen = `document.querySelector('#push-dialog')?.open === true`
	const errorToast = `(() => { const s = document.querySelector('#status'); return s.classList.contains('error-toast') ? s.textContent : ''; })()`

	s.toSecondFactor()
	number := s.send()
	poll[bool](app, dialogOpen, 15*time.Second)
	wrong := ""
	for _, n := range dialogNumbers(app) {
		if n != number {
			wrong = n
			break
		}
	}
	app.click(fmt.Sprintf(`#push-dialog .push-number[data-number=%q]`, wrong))
	app.click("#push-approve")
	got := poll[string](app, errorToast, 15*time.Second)
	if !strings.Contains(got, "refused") || strings.Contains(strings.ToLower(got), "approved") {
		t.Errorf("after an approval with the wrong number the authenticator says %q", got)
	}
	poll[bool](app, `document.querySelector('#push-dialog').open === false`, 10*time.Second)
	if p := eval[int](app, `twofold.push.prompts().then(p => p.length)`); p != 0 {
		t.Errorf("%d prompts still wait after the refusal", p)
	}
	site.fieldErrorShown("#push-error", "did not match")
	if eval[string](site, `location.pathname`) != "/second-factor" {
		t.Fatal("an approval with the wrong number signed in")
	}

	number = s.send()
	poll[bool](app, dialogOpen, 15*time.Second)
	app.click(fmt.Sprintf(`#push-dialog .push-number[data-number=%q]`, number))
	app.click("#push-approve")
	site.waitPath("/account")
	poll[bool](app, `document.querySelector('#status').textContent === 'Sign-in approved.'`, 10*time.Second)
}
