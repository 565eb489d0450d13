package e2e

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

const passphrase = "correct horse battery staple"

// row is one account as the page shows it.
type row struct {
	ID        string `json:"id"`
	Issuer    string `json:"issuer"`
	Name      string `json:"name"`
	Code      string `json:"code"` // as shown, grouped: "123 456"
	Remaining int    `json:"remaining"`
	Type      string `json:"type"`
}

// open loads the app and waits until it asks to create or unlock a vault.
func (tb *tab) open() string {
	tb.t.Helper()
	tb.do(chromedp.Navigate(serverURL + "/app/"))
	return tb.waitView("create", "unlock")
}

// waitView waits until the page shows one of the views and returns it.
func (tb *tab) waitView(views ...string) string {
	tb.t.Helper()
	list, _ := json.Marshal(views)
	return poll[string](tb, fmt.Sprintf(`(() => { const v = document.documentElement.dataset.view; return %s.includes(v) ? v : (v === 'error' ? 'error' : ''); })()`, list), 30*time.Second)
}

// typeInto focuses a field, clears it and types text with key events.
func (tb *tab) typeInto(sel, text string) {
	tb.t.Helper()
	tb.do(
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ''`, sel)),
		chromedp.SendKeys(chromedp.CSS(sel), text),
	)
}

// click waits for sel and clicks it. A page that re-renders a list can
// replace the node between the lookup and the click ("Could not find node
// with given id"); the click is then tried again on the new node.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	var err error
	for range 5 {
		err = chromedp.Do(tb.ctx, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
		if err == nil || !strings.Contains(err.Error(), "Could not find node") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		tb.t.Fatalf("click %s: %v", sel, err)
	}
}

// createVault creates the vault from the create view.
func (tb *tab) createVault(pass string) {
	tb.t.Helper()
	if v := tb.open(); v != "create" {
		tb.t.Fatalf("a fresh profile shows %q, not the create view", v)
	}
	tb.typeInto("#create-pass", pass)
	tb.typeInto("#create-pass2", pass)
	tb.click("#create-submit")
	if v := tb.waitView("codes"); v != "codes" {
		tb.t.Fatalf("after creating the vault the page shows %q", v)
	}
}

// unlock types the passphrase into the unlock view.
func (tb *tab) unlock(pass string) {
	tb.t.Helper()
	tb.typeInto("#unlock-pass", pass)
	tb.click("#unlock-submit")
	tb.waitView("codes")
}

// manual describes an account typed by hand; zero fields keep the defaults.
type manual struct {
	Issuer, Account, Secret string
	Type                    string // "totp" or "hotp"
	Algorithm               string
	Digits, Period          int
	Counter                 int
}

// addManual adds an account through the manual form and waits for its row.
func (tb *tab) addManual(m manual) row {
	tb.t.Helper()
	before := len(tb.rows())
	tb.openManual()
	tb.typeInto("#m-issuer", m.Issuer)
	tb.typeInto("#m-account", m.Account)
	tb.typeInto("#m-secret", m.Secret)
	if m.Type != "" || m.Algorithm != "" || m.Digits != 0 || m.Period != 0 || m.Counter != 0 {
		tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#manual details.advanced').open = true`))
		if m.Type != "" {
			tb.do(chromedp.SetValue(chromedp.CSS("#m-type"), m.Type))
			tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#m-type').dispatchEvent(new Event('change', {bubbles: true}))`))
		}
		if m.Algorithm != "" {
			tb.do(chromedp.SetValue(chromedp.CSS("#m-algo"), m.Algorithm))
		}
		if m.Digits != 0 {
			tb.do(chromedp.SetValue(chromedp.CSS("#m-digits"), fmt.Sprint(m.Digits)))
		}
		if m.Period != 0 {
			tb.typeInto("#m-period", fmt.Sprint(m.Period))
		}
		if m.Counter != 0 {
			tb.typeInto("#m-counter", fmt.Sprint(m.Counter))
		}
	}
	tb.click("#manual-submit")
	return tb.waitNewRow(before)
}

func (tb *tab) openManual() {
	tb.t.Helper()
	tb.openAdd()
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#manual').open = true`))
}

func (tb *tab) openAdd() {
	tb.t.Helper()
	open := eval[bool](tb, `document.querySelector('#add-dialog').open`)
	if !open {
		tb.click("#add-btn")
		poll[bool](tb, `document.querySelector('#add-dialog').open`, 5*time.Second)
	}
}

// rows reads the account list.
func (tb *tab) rows() []row {
	tb.t.Helper()
	return eval[[]row](tb, `[...document.querySelectorAll('#accounts .account')].map(li => ({
		id: li.dataset.id,
		issuer: li.querySelector('.issuer').textContent,
		name: li.querySelector('.name').textContent,
		code: li.querySelector('.code').textContent,
		remaining: Number(li.querySelector('.ring-text').textContent || 0),
		type: li.dataset.type || '',
	}))`)
}

// waitNewRow waits until the list has more than before rows, all with codes,
// and returns the last one added (the newest is last).
func (tb *tab) waitNewRow(before int) row {
	tb.t.Helper()
	poll[bool](tb, fmt.Sprintf(`(() => { const rows = [...document.querySelectorAll('#accounts .account')];
		return rows.length > %d && rows.every(li => li.querySelector('.code').textContent.trim() !== ''); })()`, before), 20*time.Second)
	rs := tb.rows()
	return rs[len(rs)-1]
}

// shownCode is what a row shows at a known instant of the page's clock.
type shownCode struct {
	Code      string `json:"code"`
	Remaining int    `json:"remaining"`
	Now       int64  `json:"now"`
}

// codeOf reads the code of the row with id together with the page's
// Date.now(), at an instant at least 1.5 s away from a period boundary so
// that the code shown (refreshed every second) is the code of that instant.
func (tb *tab) codeOf(id string, period int) shownCode {
	tb.t.Helper()
	return poll[shownCode](tb, fmt.Sprintf(`(() => {
		const li = document.querySelector('#accounts .account[data-id="' + %q + '"]');
		if (!li) return null;
		const now = Date.now(), into = now %% %d;
		if (into < 1500 || into > %d - 1500) return null;
		return {code: li.querySelector('.code').textContent, remaining: Number(li.querySelector('.ring-text').textContent), now};
	})()`, id, period*1000, period*1000), 2*time.Duration(period)*time.Second)
}

// checkCode compares a shown code with shared/otpcode at the page's instant.
func checkCode(t *testing.T, got shownCode, secret []byte, p otpcode.Params) {
	t.Helper()
	at := time.UnixMilli(got.Now)
	want, err := otpcode.TOTP(secret, p, at)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ReplaceAll(got.Code, " ", "") != want {
		t.Errorf("page shows %q at %v; shared/otpcode says %q", got.Code, at, want)
	}
	if got.Code != groupDigits(want) {
		t.Errorf("page shows %q; want it grouped as %q", got.Code, groupDigits(want))
	}
	// The countdown is redrawn on the page's tick, so under load it can
	// trail the instant read by a tick or two; it must never run ahead.
	rem := int(otpcode.Remaining(at, p.Period).Round(time.Second) / time.Second)
	if d := got.Remaining - rem; d < -1 || d > 3 {
		t.Errorf("page shows %d s remaining at %v; want %d", got.Remaining, at, rem)
	}
}

func groupDigits(code string) string {
	cut := 3
	if len(code) == 8 {
		cut = 4
	}
	return code[:cut] + " " + code[cut:]
}

// newSecret returns n random key bytes.
func newSecret(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// spaced writes a secret as people type it from a screen: lower case, in
// groups of four.
func spaced(secret []byte) string {
	s := strings.ToLower(strings.TrimRight(otpauth.EncodeSecret(secret), "="))
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func totpURI(issuer, account string, secret []byte) string {
	k := otpauth.Key{Type: otpauth.TOTP, Issuer: issuer, Account: account, Secret: secret,
		Algorithm: otpauth.SHA1, Digits: 6, Period: 30}
	return k.URI()
}

var defaultParams = otpcode.Params{Algorithm: otpauth.SHA1, Digits: 6, Period: 30}
