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
// The tests have a server of their own (admin_env_test.go), so that their
// account is the organisation's first, its admin.

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

// runCLI runs the built CLI to its end with a config directory.
func runCLI(t *testing.T, bin, config string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+config, "TWOFOLD_URL=", "TWOFOLD_TOKEN=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("twofold %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestCLILoginBrowser(t *testing.T) {
	as := startAdminServer(t, false)
	base := as.url
	bin := buildCLI(t)
	config := t.TempDir()

	// The organisation's first account, its admin, with an authenticator.
	admin := &person{email: "cli-admin@example.com"}
	c, err := client.New(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.SignUp(ctx, admin.email, sitePassword); err != nil {
		t.Fatal(err)
	}
	enr, err := c.CreateDevice(ctx, wire.CreateDeviceRequest{Name: "phone"})
	if err != nil {
		t.Fatal(err)
	}
	if admin.secret, err = otpauth.DecodeSecret(enr.Enrollment.Secret); err != nil {
		t.Fatal(err)
	}
	act, err := c.ActivateDevice(ctx, enr.Device.ID, admin.code(t))
	if err != nil {
		t.Fatal(err)
	}

	// Not signed in: the page sends the browser through the sign-in pages
	// and back; Allow; the CLI saves a token an admin verb works with.
	tb := tabOn(t, base)
	run := startCLI(t, bin, config, "login", "--browser", "--no-browser", "--url", base, "--name", "e2e laptop")
	addr := run.address(t)
	if !strings.HasPrefix(addr, base+"/cli-login?port=") || strings.Contains(addr, "verifier") {
		t.Fatalf("the address: %s", addr)
	}
	tb.do(chromedp.Navigate(addr))
	tb.waitPath("/")
	tb.typeInto("#email", admin.email)
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/second-factor")
	tb.enterCode(admin, "/cli-login")
	tb.consent(admin.email, "e2e laptop")
	tb.shot("cli-login")
	tb.click("#cli-allow")
	tb.listenerSays("The CLI is signed in")
	if status := run.wait(t); status != 0 || !strings.Contains(run.output(), "Signed in to "+base+" as "+admin.email+".") {
		t.Fatalf("login --browser: exit %d\n%s", status, run.output())
	}
	if out := runCLI(t, bin, config, "admin", "org-mfa", "status"); !strings.Contains(out, "MFA required") {
		t.Fatalf("an admin verb with the new token:\n%s", out)
	}

	// Cancel: the CLI says so and saves nothing new.
	saved, _ := os.ReadFile(filepath.Join(config, "twofold", "config.json"))
	run = startCLI(t, bin, config, "login", "--browser", "--no-browser", "--url", base)
	tb.do(chromedp.Navigate(run.address(t)))
	tb.consent(admin.email, "twofold CLI on ")
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
	tb.do(chromedp.Navigate(strings.Replace(addr, "state=", "state=x", 1)))
	tb.consent(admin.email, "second")
	tb.click("#cli-allow")
	tb.listenerSays("This sign-in does not match")
	time.Sleep(200 * time.Millisecond)
	if !run.running() || !strings.Contains(run.output(), "Refused an answer from a browser for another sign-in") {
		t.Fatalf("after the wrong state the CLI %s", run.output())
	}
	tb.visit("/account")
	tb.waitPath("/account")
	tb.click("#sign-out")
	tb.waitPath("/")
	tb.typeInto("#email", admin.email)
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/second-factor")
	tb.click("#trust-browser")
	tb.enterCode(admin, "/account")
	tb.click("#sign-out")
	tb.waitPath("/")
	tb.do(chromedp.Navigate(addr))
	tb.waitPath("/")
	tb.typeInto("#email", admin.email)
	tb.typeInto("#password", sitePassword+"\r") // trusted: no second step
	tb.consent(admin.email, "second")
	tb.click("#cli-allow")
	tb.fieldErrorShown("#cli-error", "needs a fresh confirmation")
	tb.typeInto("#cli-code", act.RecoveryCodes[0])
	tb.click("#cli-allow")
	tb.listenerSays("The CLI is signed in")
	if status := run.wait(t); status != 0 || !strings.Contains(run.output(), `Created the application token "second"`) {
		t.Fatalf("after the right state: exit %d\n%s", status, run.output())
	}
}

// Under the organisation's requirement, a user without an authenticator
// who signs the CLI in through the browser sets one up on the way (the
// enrollment page), comes back to the consent screen, and the CLI gets a
// token.
func TestCLILoginBrowserEnrollsOnTheWay(t *testing.T) {
	as := startAdminServer(t, false)
	bin := buildCLI(t)
	adminConfig, danaConfig := t.TempDir(), t.TempDir()
	c, err := client.New(as.url)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.SignUp(ctx, "first@example.com", sitePassword); err != nil {
		t.Fatal(err)
	}
	admin := &person{email: "first@example.com"}
	enr, err := c.CreateDevice(ctx, wire.CreateDeviceRequest{Name: "phone"})
	if err != nil {
		t.Fatal(err)
	}
	if admin.secret, err = otpauth.DecodeSecret(enr.Enrollment.Secret); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ActivateDevice(ctx, enr.Device.ID, admin.code(t)); err != nil {
		t.Fatal(err)
	}
	login := exec.Command(bin, "login", "--url", as.url, "--email", admin.email, "--password-stdin", "--totp", admin.code(t))
	login.Env = append(os.Environ(), "XDG_CONFIG_HOME="+adminConfig, "TWOFOLD_URL=", "TWOFOLD_TOKEN=")
	login.Stdin = strings.NewReader(sitePassword + "\n")
	if out, err := login.CombinedOutput(); err != nil {
		t.Fatalf("admin login: %v\n%s", err, out)
	}
	runCLI(t, bin, adminConfig, "admin", "org-mfa", "enable", "--scope", "everyone", "--keep-sessions")
	dana := &person{email: "dana@example.com"}
	if _, err := c.SignUp(ctx, dana.email, sitePassword); err != nil {
		t.Fatal(err)
	}

	tb := tabOn(t, as.url)
	run := startCLI(t, bin, danaConfig, "login", "--browser", "--no-browser", "--url", as.url)
	tb.do(chromedp.Navigate(run.address(t)))
	tb.waitPath("/")
	tb.typeInto("#email", dana.email)
	tb.typeInto("#password", sitePassword+"\r")
	tb.waitPath("/enable-mfa")
	tb.enroll(dana, "/cli-login")
	tb.consent(dana.email, "twofold CLI on ")
	tb.click("#cli-allow")
	tb.listenerSays("The CLI is signed in")
	if status := run.wait(t); status != 0 || !strings.Contains(run.output(), "as "+dana.email+".") {
		t.Fatalf("login --browser: exit %d\n%s", status, run.output())
	}
	if out := runCLI(t, bin, danaConfig, "mfa-totp-device", "list"); !strings.Contains(out, "ACTIVE") {
		t.Fatalf("dana's devices with the new token:\n%s", out)
	}
}
