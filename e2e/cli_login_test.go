package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

// twofold login --browser driven by real Chromium (issue 14, item 12): the
// built CLI prints the sign-in page's address, Chromium opens it, signs in
// with password and code, and allows; the CLI ends with a working token
// (an admin verb works with it). Then Cancel, a post with the wrong state
// (refused; the CLI keeps waiting), and a browser trusted for the second
// factor, which must confirm with a code on the page before the grant.
// The test has a server of its own, so that its account is the
// organisation's first, its admin.

// cliRun is one run of the built CLI.
type cliRun struct {
	cmd    *exec.Cmd
	url    chan string
	exited chan error
	mu     sync.Mutex
	stdout bytes.Buffer
	stderr strings.Builder
}

// buildCLI builds cmd/twofold into a temporary directory.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "twofold")
	if out, err := runIn(repoRoot, nil, "go", "build", "-o", bin, "./cmd/twofold"); err != nil {
		t.Fatalf("go build ./cmd/twofold: %v\n%s", err, out)
	}
	return bin
}

// startCLI runs the CLI with a config directory of its own; the address
// it prints arrives on url.
func startCLI(t *testing.T, bin, config string, args ...string) *cliRun {
	t.Helper()
	r := &cliRun{cmd: exec.Command(bin, args...), url: make(chan string, 1), exited: make(chan error, 1)}
	r.cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+config, "TWOFOLD_URL=", "TWOFOLD_TOKEN=")
	r.cmd.Stdout = &lockedWriter{mu: &r.mu, w: &r.stdout}
	pipe, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			r.mu.Lock()
			r.stderr.WriteString(line + "\n")
			r.mu.Unlock()
			if s := strings.TrimSpace(line); strings.Contains(s, "/cli-login?") {
				r.url <- s
			}
		}
	}()
	go func() { <-read; r.exited <- r.cmd.Wait() }()
	t.Cleanup(func() { _ = r.cmd.Process.Kill() })
	return r
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (r *cliRun) address(t *testing.T) string {
	t.Helper()
	select {
	case u := <-r.url:
		return u
	case <-time.After(20 * time.Second):
		t.Fatalf("the CLI printed no address: %s", r.output())
		return ""
	}
}

func (r *cliRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return "stdout: " + r.stdout.String() + "\nstderr: " + r.stderr.String()
}

// wait returns the CLI's exit status once it ends.
func (r *cliRun) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-r.exited:
		return r.cmd.ProcessState.ExitCode()
	case <-time.After(30 * time.Second):
		t.Fatalf("the CLI did not end: %s", r.output())
		return -1
	}
}

func (r *cliRun) running() bool {
	select {
	case err := <-r.exited:
		r.exited <- err
		return false
	default:
		return true
	}
}

// consent waits for the consent screen and checks what it names.
func (tb *tab) consent(email, tokenName string) {
	tb.t.Helper()
	tb.waitPath("/cli-login")
	poll[bool](tb, `!document.querySelector('#cli-consent').hidden`, 10*time.Second)
	shown := eval[string](tb, `document.querySelector('#cli-consent').textContent.replace(/\s+/g, ' ')`)
	if !strings.Contains(shown, "Sign the Twofold CLI in on this computer as "+email+"?") || !strings.Contains(shown, "named "+tokenName) {
		tb.t.Fatalf("the consent screen says: %s", shown)
	}
}

// listenerSays waits for the CLI's own page to say text. Evaluations
// during the navigation there fail; those are retried.
func (tb *tab) listenerSays(text string) {
	tb.t.Helper()
	js := fmt.Sprintf(`location.hostname === '127.0.0.1' && location.pathname === '/callback' && document.readyState === 'complete' && document.body.textContent.includes(%q)`, text)
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
	}
	tb.t.Fatalf("the CLI's page does not say %q: %s", text, tb.describe())
}

func TestCLILoginBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startExtraServer(t)
	bin := buildCLI(t)
	config := t.TempDir()
	const email = "cli-admin@example.com"

	// The organisation's first account, its admin, with an authenticator.
	c, err := client.New(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.SignUp(ctx, email, sitePassword); err != nil {
		t.Fatal(err)
	}
	enr, err := c.CreateDevice(ctx, wire.CreateDeviceRequest{Name: "phone"})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := otpauth.DecodeSecret(enr.Enrollment.Secret)
	if err != nil {
		t.Fatal(err)
	}
	// Steps used in order, each later than the one before: activation at
	// the step before now, the browser's sign-in now, its step-up next.
	act, err := c.ActivateDevice(ctx, enr.Device.ID, totpAt(t, secret, time.Now().Add(-30*time.Second)))
	if err != nil {
		t.Fatal(err)
	}

	tb := newSiteTab(t)
	run := startCLI(t, bin, config, "login", "--browser", "--no-browser", "--url", base, "--name", "e2e laptop")
	addr := run.address(t)
	if !strings.HasPrefix(addr, base+"/cli-login?port=") || strings.Contains(addr, "verifier") {
		t.Fatalf("the address: %s", addr)
	}
	tb.do(chromedp.Navigate(addr))
	tb.waitPath("/") // not signed in: the sign-in page, which comes back here after
	tb.typeInto("#email", email)
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/second-factor")
	tb.typeInto("#code", totpAt(t, secret, time.Now())+"\r")
	tb.consent(email, "e2e laptop")
	tb.shot("cli-login")
	tb.click("#cli-allow")
	tb.listenerSays("The CLI is signed in")
	if status := run.wait(t); status != 0 || !strings.Contains(run.output(), "Signed in to "+base+" as "+email+".") {
		t.Fatalf("login --browser: exit %d\n%s", status, run.output())
	}
	admin := exec.Command(bin, "admin", "org-mfa", "status")
	admin.Env = append(os.Environ(), "XDG_CONFIG_HOME="+config, "TWOFOLD_URL=", "TWOFOLD_TOKEN=")
	if out, err := admin.CombinedOutput(); err != nil || !strings.Contains(string(out), "MFA required") {
		t.Fatalf("an admin verb with the new token: %v\n%s", err, out)
	}

	// Cancel: the CLI says so and saves nothing new.
	saved, _ := os.ReadFile(filepath.Join(config, "twofold", "config.json"))
	run = startCLI(t, bin, config, "login", "--browser", "--no-browser", "--url", base)
	tb.do(chromedp.Navigate(run.address(t)))
	tb.consent(email, "twofold CLI on ")
	tb.click("#cli-cancel")
	tb.listenerSays("cancelled")
	if status := run.wait(t); status != 1 || !strings.Contains(run.output(), "twofold: login: you cancelled the sign-in in the browser; nothing was saved") {
		t.Fatalf("cancel: exit %d\n%s", status, run.output())
	}
	if now, _ := os.ReadFile(filepath.Join(config, "twofold", "config.json")); !bytes.Equal(now, saved) {
		t.Fatal("a cancelled sign-in changed the config")
	}

	// A page with another state: the CLI refuses its post and keeps waiting
	// for the right one. That one comes from a browser trusted for the
	// second factor, so the page asks for a code (a recovery code here)
	// before it makes the grant.
	run = startCLI(t, bin, config, "login", "--browser", "--no-browser", "--url", base, "--name", "second")
	addr = run.address(t)
	wrong := strings.Replace(addr, "state=", "state=x", 1)
	tb.do(chromedp.Navigate(wrong))
	tb.consent(email, "second")
	tb.click("#cli-allow")
	tb.listenerSays("This sign-in does not match")
	time.Sleep(200 * time.Millisecond)
	if !run.running() || !strings.Contains(run.output(), "Refused an answer from a browser for another sign-in") {
		t.Fatalf("after the wrong state the CLI %s", run.output())
	}

	// Trust this browser: sign out, and in again with "don't ask again"
	// (the API's trust_browser; the page offers it where the site does).
	tb.do(chromedp.Navigate(base + "/sign-up")) // a page that asks the API nothing by itself
	tb.waitPath("/sign-up")
	trust := fmt.Sprintf(`(async () => {
		const post = (path, body) => fetch('/api/v1' + path, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
		const out = await fetch('/api/v1/session', {method: 'DELETE'});
		const pwd = await post('/session', {email: %q, password: %q});
		const mfa = await post('/session/mfa', {code: %q, trust_browser: true});
		const bye = await fetch('/api/v1/session', {method: 'DELETE'});
		return [out.status, pwd.status, mfa.status, bye.status].join(' ');
	})()`, email, sitePassword, totpAt(t, secret, time.Now().Add(30*time.Second)))
	if got := eval[string](tb, trust); got != "204 200 200 204" {
		t.Fatalf("trusting the browser: %s", got)
	}
	tb.do(chromedp.Navigate(addr))
	tb.waitPath("/")
	tb.typeInto("#email", email)
	tb.typeInto("#password", sitePassword+"\r") // trusted: no second step
	tb.consent(email, "second")
	tb.click("#cli-allow")
	tb.fieldErrorShown("#cli-error", "needs a fresh confirmation")
	tb.typeInto("#cli-code", act.RecoveryCodes[0])
	tb.click("#cli-allow")
	tb.listenerSays("The CLI is signed in")
	if status := run.wait(t); status != 0 || !strings.Contains(run.output(), `Created the application token "second"`) {
		t.Fatalf("after the right state: exit %d\n%s", status, run.output())
	}
}
