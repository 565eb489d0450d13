package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
)

// twofold login --browser signs in as cloud CLIs do (RFC 8252's loopback
// redirect with RFC 7636's PKCE): the CLI keeps a random verifier and
// state, listens on 127.0.0.1, and sends the browser to the server's
// /cli-login page with the port, the state and the verifier's SHA-256 (the
// challenge). The person signs in there with password and second factor
// and allows; the page gets a one-time grant bound to the challenge and
// posts it, with the state, to the listener as a form (never in a URL).
// The listener takes exactly one post with the right state (compared in
// constant time), redeems grant and verifier for an application token and
// saves it as 'twofold login' does. The verifier never leaves this process;
// the grant alone is worth nothing, and works once for 2 minutes.

// browserLoginTimeout is how long the CLI waits for the browser.
var browserLoginTimeout = 5 * time.Minute

// randomString is n random bytes in base64url: from RFC 7636's alphabet
// (43 characters for 32 bytes).
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// s256 is the PKCE challenge of a verifier: base64url of its SHA-256.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// openBrowser opens url in the desktop's browser, best effort.
func openBrowser(u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }() // reaped; whether it worked or not, the address is printed
	return nil
}

func runBrowserLogin(ctx context.Context, r *remote, name string, launch bool) error {
	c, err := r.sessionClient() // no session: the grant and verifier are the credential
	if err != nil {
		return err
	}
	e := r.e
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return failf("cannot listen on 127.0.0.1 for the browser's answer: %v", err)
	}
	lb := &loopback{state: randomString(32), verifier: randomString(32), addr: ln.Addr().String(), done: make(chan loginResult, 1),
		redeem: func(grant, verifier string) (wire.CreatedAppToken, error) {
			return c.RedeemCLIGrant(context.WithoutCancel(ctx), grant, verifier)
		},
		refused: func() {
			fmt.Fprintln(e.stderr, "Refused an answer from a browser for another sign-in (its state does not match); still waiting.")
		}}
	srv := &http.Server{Handler: lb, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // ends with Shutdown
	defer srv.Shutdown(context.WithoutCancel(ctx))

	name = firstNonEmpty(name, machineTokenName())
	port := ln.Addr().(*net.TCPAddr).Port
	u := c.BaseURL() + "/cli-login?port=" + strconv.Itoa(port) + "&state=" + lb.state +
		"&code_challenge=" + s256(lb.verifier) + "&name=" + url.QueryEscape(name)
	fmt.Fprintf(e.stderr, "Sign in in your browser; if it does not open, open this address:\n\n  %s\n\nWaiting for the browser (up to %s)...\n",
		u, minutes(browserLoginTimeout))
	if launch && e.openURL != nil {
		_ = e.openURL(u) // best effort: the address is printed
	}
	var res loginResult
	select {
	case res = <-lb.done:
	case <-time.After(browserLoginTimeout):
		return failf("no answer from the browser within %s; nothing was saved. Run 'twofold login --browser' again", minutes(browserLoginTimeout))
	case <-ctx.Done():
		return ctx.Err()
	}
	if res.err != nil {
		return res.err
	}
	return saveLogin(r, c.BaseURL(), res.email, res.token)
}

// minutes says a duration for people: "5 minutes" (d.String() for a part
// of a minute).
func minutes(d time.Duration) string {
	if d < time.Minute || d%time.Minute != 0 {
		return d.String()
	}
	if d == time.Minute {
		return "1 minute"
	}
	return strconv.Itoa(int(d/time.Minute)) + " minutes"
}

// saveLogin saves a new token as the config's and says who signed in.
func saveLogin(r *remote, base, email string, ct wire.CreatedAppToken) error {
	path, err := saveConfig(config{URL: base, Token: ct.Secret})
	if err != nil {
		return failf("token %s created but not saved: %v", ct.Token.ID, err)
	}
	w := r.e.stdout
	if email != "" {
		fmt.Fprintf(w, "Signed in to %s as %s.\n", base, email)
	} else {
		fmt.Fprintf(w, "Signed in to %s.\n", base)
	}
	fmt.Fprintf(w, "Created the application token %q (%s) and saved it in %s (mode 0600).\n", ct.Token.Name, ct.Token.ID, path)
	fmt.Fprintf(w, "It works without a second factor; revoke it with: twofold token revoke %s\n", ct.Token.ID)
	return nil
}

// loginResult is how the browser's answer ended: a token, or why not.
type loginResult struct {
	token wire.CreatedAppToken
	email string // as the page said, to tell who signed in
	err   error
}

// loopback is the listener's handler: POST /callback, once, with the
// right state.
type loopback struct {
	state, verifier string
	addr            string // 127.0.0.1:PORT, the only Host accepted
	refused         func() // a post with the wrong state came
	redeem          func(grant, verifier string) (wire.CreatedAppToken, error)
	done            chan loginResult // buffered: the one answer

	mu       sync.Mutex
	answered bool
}

func (lb *loopback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path != "/callback" || r.Host != lb.addr:
		loopbackPage(w, http.StatusNotFound, "Not here", "There is nothing at this address.")
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		loopbackPage(w, http.StatusMethodNotAllowed, "Not here", "The Twofold CLI waits for a form posted by the sign-in page.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("state")), []byte(lb.state)) != 1 {
		// Not the sign-in this CLI started (another run's page, or a
		// stranger's post): refused, and the CLI keeps waiting.
		lb.refused()
		loopbackPage(w, http.StatusBadRequest, "This sign-in does not match",
			"The Twofold CLI is waiting for another sign-in than this one. Start again from the terminal: twofold login --browser.")
		return
	}
	lb.mu.Lock()
	defer lb.mu.Unlock()
	if lb.answered {
		loopbackPage(w, http.StatusConflict, "Already done", "The Twofold CLI has its answer already. You can close this tab.")
		return
	}
	lb.answered = true
	res := lb.settle(r.PostForm)
	if res.err != nil {
		loopbackPage(w, http.StatusOK, "The CLI was not signed in", report1(res.err)+" You can close this tab and go back to the terminal.")
	} else {
		loopbackPage(w, http.StatusOK, "The CLI is signed in", "You can close this tab and go back to the terminal.")
	}
	lb.done <- res
}

// settle turns the page's post into the result: a cancel, or the grant
// redeemed with the verifier.
func (lb *loopback) settle(form url.Values) loginResult {
	if form.Get("error") != "" {
		return loginResult{err: failf("you cancelled the sign-in in the browser; nothing was saved")}
	}
	grant := form.Get("grant")
	if grant == "" {
		return loginResult{err: failf("the browser sent no grant; nothing was saved. Run 'twofold login --browser' again")}
	}
	ct, err := lb.redeem(grant, lb.verifier)
	var ae *client.Error
	if errors.As(err, &ae) {
		err = failf("the server did not accept the browser's grant: %s", ae.Message)
	}
	return loginResult{token: ct, email: form.Get("email"), err: err}
}

// report1 is an error's sentence for the page.
func report1(err error) string {
	msg := err.Error()
	var ee *exitError
	if errors.As(err, &ee) {
		msg = ee.msg
	}
	return strings.TrimSuffix(msg, ".") + "."
}

// loopbackPage answers the browser with a small page of its own.
func loopbackPage(w http.ResponseWriter, status int, title, text string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>%s · Twofold CLI</title>\n<h1>%s</h1>\n<p>%s</p>\n</html>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(text))
}
