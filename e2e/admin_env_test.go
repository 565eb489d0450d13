package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/server"
	"github.com/twofold-auth/twofold/server/api"
	"github.com/twofold-auth/twofold/server/mail"
	"github.com/twofold-auth/twofold/server/mail/mailtest"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

// The administration tests run a server of their own, in this process:
// a fresh database, so that their first account is the default
// organisation's admin and requiring MFA of everyone touches no other
// test's accounts; and mail through a real SMTP server started here too
// (mailtest: STARTTLS with a self-signed certificate, AUTH PLAIN), which
// the server can trust because it runs in the same process
// (server.Config.SMTP.TLSConfig). The shared server of the other tests
// keeps its development outbox.

type adminServer struct {
	url  string
	mail *mailtest.Server
}

// syncBuffer is the in-process server's log, written by its goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startAdminServer starts the server, with SMTP or (smtp false) with the
// development outbox; it stops when the test ends. With TWOFOLD_E2E_LOG
// set, or when the test failed, its log is printed.
func startAdminServer(t *testing.T, smtp bool) *adminServer {
	t.Helper()
	requireBrowser(t)
	cfg := server.Config{DataDir: t.TempDir(), RateLimit: api.RateLimit{Requests: 600, Window: time.Minute}}
	var m *mailtest.Server
	if smtp {
		m = mailtest.Start(t)
		cfg.SMTP = mail.Config{Host: m.Host, Port: m.Port, Security: mail.StartTLS, User: mailtest.User, Password: mailtest.Password,
			From: "Twofold <no-reply@example.com>", TLSConfig: m.ClientTLS}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cfg.Addr, cfg.LogOutput = ln.Addr().String(), logs
	srv, err := server.New(cfg)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
		if t.Failed() || os.Getenv("TWOFOLD_E2E_LOG") != "" {
			t.Logf("server log:\n%s", logs)
		}
	})
	url := "http://" + ln.Addr().String()
	if err := waitHealthy(url+"/healthz", done, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	return &adminServer{url: url, mail: m}
}

// tabOn is a site tab whose visits go to the server at base.
func tabOn(t *testing.T, base string) *tab {
	tb := newSiteTab(t)
	tb.base = base
	return tb
}

// person is an account the test drives, with its authenticator's key once
// it has one. Each code is for a time step not used before (a step works
// once per device): the current one, or the next while it is still within
// the server's window, else the test waits for the next step.
type person struct {
	email  string
	secret []byte
	last   int64 // the last time step used
}

func (p *person) code(t testing.TB) string {
	t.Helper()
	for {
		step := time.Now().Unix() / 30
		s := max(step, p.last+1)
		if s <= step+1 {
			p.last = s
			c, err := otpcode.TOTP(p.secret, otpcode.Params{Algorithm: otpauth.SHA1, Digits: 6, Period: 30}, time.Unix(s*30, 0))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		time.Sleep(time.Until(time.Unix((step+1)*30, 0)) + 200*time.Millisecond)
	}
}

// signUp creates the account on /sign-up and waits for the page the site
// sends it to.
func (tb *tab) signUp(p *person, landing string) {
	tb.t.Helper()
	tb.visit("/sign-up")
	tb.waitPath("/sign-up")
	tb.typeInto("#email", p.email)
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath(landing)
}

// signIn signs in with the password and waits for the page it leads to
// (the second factor, enrollment or the account).
func (tb *tab) signIn(p *person, landing string) {
	tb.t.Helper()
	tb.visit("/")
	tb.waitPath("/")
	tb.typeInto("#email", p.email)
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath(landing)
}

// enroll completes the enrollment page the tab shows: reads the key under
// "Can't scan?", activates with a code, saves the recovery codes and
// chooses Done, then waits for landing.
func (tb *tab) enroll(p *person, landing string) {
	tb.t.Helper()
	poll[bool](tb, `!document.querySelector('#setup').hidden && document.querySelector('#qr').naturalWidth > 0`, 10*time.Second)
	tb.click("#manual summary")
	secret, err := otpauth.DecodeSecret(eval[string](tb, `document.querySelector('#k-secret').textContent`))
	if err != nil {
		tb.t.Fatal(err)
	}
	p.secret, p.last = secret, 0
	tb.typeInto("#code", p.code(tb.t))
	tb.click(`#activate-form button[type="submit"]`)
	poll[bool](tb, `document.querySelectorAll('#new-codes .codes-list li').length === 10`, 10*time.Second)
	tb.click(".rc-saved")
	tb.click(".rc-done")
	tb.waitPath(landing)
}

// enterCode answers the second-factor page (sign-in or step-up) with a
// code and waits for landing.
func (tb *tab) enterCode(p *person, landing string) {
	tb.t.Helper()
	poll[bool](tb, `!!document.querySelector('#code') && document.querySelector('#code').offsetParent !== null`, 10*time.Second)
	tb.typeInto("#code", p.code(tb.t))
	tb.click(`#code-form button[type="submit"]`)
	tb.waitPath(landing)
}

// fetchJSON calls the API from the page (its cookies) and returns the
// status and body.
func (tb *tab) fetchJSON(method, path string, body any) (int, string) {
	tb.t.Helper()
	init := fmt.Sprintf(`{method: %q}`, method)
	if body != nil {
		b, _ := json.Marshal(body)
		init = fmt.Sprintf(`{method: %q, headers: {'Content-Type': 'application/json'}, body: %q}`, method, b)
	}
	r := eval[[]any](tb, fmt.Sprintf(`fetch(%q, %s).then(async r => [r.status, await r.text()])`, "/api/v1"+path, init))
	return int(r[0].(float64)), r[1].(string)
}

// signedIn tells whether the tab's browser has a live session now.
func (tb *tab) signedIn() bool {
	tb.t.Helper()
	_, body := tb.fetchJSON("GET", "/session/status", nil)
	return strings.Contains(body, `"signed_in":true`)
}

// textOf is the text of the element, "" if there is none.
func (tb *tab) textOf(sel string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.textContent : ''; })()`, sel))
}

// rowWith waits for a row of the table body sel whose text contains text,
// and returns its text.
func (tb *tab) rowWith(sel, text string) string {
	tb.t.Helper()
	return poll[string](tb, fmt.Sprintf(`[...document.querySelectorAll(%q + ' tr')].map(r => r.textContent).find(s => s.includes(%q)) || ''`, sel, text), 10*time.Second)
}

// until waits (10 s at most) until the JavaScript expression is true.
// Evaluations during a navigation fail; those are tried again.
func (tb *tab) until(js string) {
	tb.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.t.Fatalf("waiting for %s: %s", abbrev(js), tb.describe())
}

// untilText waits until the JavaScript expression is a non-empty string
// and returns it.
func (tb *tab) untilText(js string) string {
	tb.t.Helper()
	return poll[string](tb, js, 10*time.Second)
}

// choose picks the option of a select, as a person does (a change event).
func (tb *tab) choose(sel, value string) {
	tb.t.Helper()
	ok := eval[bool](tb, fmt.Sprintf(`(() => { const s = document.querySelector(%q); if (![...s.options].some(o => o.value === %q)) return false;
		s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, sel, value, value))
	if !ok {
		tb.t.Fatalf("%s has no option %q", sel, value)
	}
}
