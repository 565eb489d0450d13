package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
)

// browserLogin runs 'twofold login --browser' in this process; the URL it
// would open arrives on the channel, and its exit status on the other when
// it ends. Its output is read after it ends.
type browserLogin struct {
	url            chan string
	status         chan int
	stdout, stderr interface{ String() string }
}

func startBrowserLogin(t *testing.T, args ...string) *browserLogin {
	t.Helper()
	e, out, errOut := testEnv("", true)
	bl := &browserLogin{url: make(chan string, 1), status: make(chan int, 1), stdout: out, stderr: errOut}
	e.openURL = func(u string) error { bl.url <- u; return nil }
	go func() { bl.status <- run(e, append([]string{"login", "--browser"}, args...)) }()
	return bl
}

// page is what the sign-in page read from the CLI's address.
type page struct {
	port, state, challenge, name string
}

func (bl *browserLogin) page(t *testing.T, base string) page {
	t.Helper()
	var raw string
	select {
	case raw = <-bl.url:
	case <-time.After(10 * time.Second):
		t.Fatal("login --browser opened no page")
	}
	u, err := url.Parse(raw)
	if err != nil || !strings.HasPrefix(raw, base+"/cli-login?port=") || u.Path != "/cli-login" {
		t.Fatalf("the page's address: %q %v", raw, err)
	}
	q := u.Query()
	p := page{port: q.Get("port"), state: q.Get("state"), challenge: q.Get("code_challenge"), name: q.Get("name")}
	b64url := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	if len(p.state) < 43 || !b64url.MatchString(p.state) || len(p.challenge) != 43 || !b64url.MatchString(p.challenge) || len(q) != 4 {
		t.Fatalf("the page's address holds %v", q)
	}
	return p
}

// post is the page's form post to the CLI's listener.
func (p page) post(t *testing.T, fields url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm("http://127.0.0.1:"+p.port+"/callback", fields)
	if err != nil {
		t.Fatalf("posting to the CLI: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (bl *browserLogin) wait(t *testing.T) int {
	t.Helper()
	select {
	case status := <-bl.status:
		return status
	case <-time.After(10 * time.Second):
		t.Fatal("login --browser did not end")
		return -1
	}
}

// browserUser is a signed-in browser session of an account without MFA
// (the second account: the first is the organisation's admin).
func browserUser(t *testing.T) (base string, c *client.Client) {
	t.Helper()
	base = startServer(t)
	signUp(t, base, "admin@example.com")
	c, _ = client.New(base)
	if _, err := c.SignUp(ctx, "ann@example.com", cliPassword); err != nil {
		t.Fatal(err)
	}
	return base, c
}

// The whole exchange, the browser played by the API client: a post with
// the wrong state is refused and the CLI keeps waiting; the right one,
// with a grant the session made for the challenge, gives a token the CLI
// saves; the listener is gone afterwards.
func TestLoginBrowser(t *testing.T) {
	base, ann := browserUser(t)
	bl := startBrowserLogin(t, "--url", base, "--name", "laptop")
	p := bl.page(t, base)
	if p.name != "laptop" {
		t.Fatalf("name %q", p.name)
	}
	g, err := ann.CreateCLIGrant(ctx, wire.CLIGrantRequest{CodeChallenge: p.challenge, Name: p.name})
	if err != nil {
		t.Fatal(err)
	}
	if status, body := p.post(t, url.Values{"grant": {g.Grant}, "state": {p.state + "x"}}); status != http.StatusBadRequest ||
		!strings.Contains(body, "This sign-in does not match") {
		t.Fatalf("the wrong state: %d %q", status, body)
	}
	if status, _ := p.post(t, url.Values{"grant": {g.Grant}}); status != http.StatusBadRequest {
		t.Fatalf("no state: %d", status)
	}
	resp, err := http.Get("http://127.0.0.1:" + p.port + "/callback?grant=" + g.Grant + "&state=" + p.state)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("a GET: %v %v", resp, err)
	}
	resp.Body.Close()
	select {
	case status := <-bl.status:
		t.Fatalf("login --browser ended (exit %d) before the right answer: %s", status, bl.stderr)
	default:
	}

	status, body := p.post(t, url.Values{"grant": {g.Grant}, "state": {p.state}, "email": {"ann@example.com"}})
	if status != http.StatusOK || !strings.Contains(body, "You can close this tab") || strings.Contains(body, g.Grant) {
		t.Fatalf("the right answer: %d %q", status, body)
	}
	if status := bl.wait(t); status != exitOK || !strings.HasPrefix(bl.stdout.String(), "Signed in to "+base+" as ann@example.com.\n") ||
		!strings.Contains(bl.stdout.String(), `Created the application token "laptop"`) ||
		!strings.Contains(bl.stderr.String(), "Refused an answer from a browser for another sign-in") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", status, bl.stdout, bl.stderr)
	}
	cfg, _, err := loadConfig()
	if err != nil || cfg.URL != base || !strings.HasPrefix(cfg.Token, "tft_") {
		t.Fatalf("config: %+v %v", cfg, err)
	}
	if out := must(t, "", "token", "list"); !strings.Contains(out, "laptop") {
		t.Fatalf("the saved token does not work: %q", out)
	}
	if _, err := http.PostForm("http://127.0.0.1:"+p.port+"/callback", url.Values{"state": {p.state}}); err == nil {
		t.Fatal("the listener still answers after the sign-in")
	}
	for _, secret := range []string{g.Grant, cfg.Token} {
		if strings.Contains(bl.stdout.String()+bl.stderr.String(), secret) {
			t.Fatal("a secret was printed")
		}
	}
}

// Cancel on the page: the CLI says so, exit 1, nothing saved. A grant the
// server does not know: said in one line, exit 1.
func TestLoginBrowserCancelAndBadGrant(t *testing.T) {
	base, _ := browserUser(t)
	bl := startBrowserLogin(t, "--url", base)
	p := bl.page(t, base)
	if !strings.HasPrefix(p.name, "twofold CLI on ") {
		t.Fatalf("default name %q", p.name)
	}
	if status, body := p.post(t, url.Values{"state": {p.state}, "error": {"access_denied"}}); status != http.StatusOK ||
		!strings.Contains(body, "cancelled") {
		t.Fatalf("cancel: %d %q", status, body)
	}
	if status := bl.wait(t); status != exitFail || bl.stdout.String() != "" ||
		!strings.HasSuffix(bl.stderr.String(), "twofold: login: you cancelled the sign-in in the browser; nothing was saved\n") {
		t.Fatalf("cancel: exit %d, stdout %q, stderr %q", status, bl.stdout, bl.stderr)
	}
	if cfg, _, _ := loadConfig(); cfg.Token != "" {
		t.Fatal("a cancelled sign-in saved a token")
	}

	bl = startBrowserLogin(t, "--url", base)
	p = bl.page(t, base)
	status, body := p.post(t, url.Values{"state": {p.state}, "grant": {"tft_" + strings.Repeat("A", 43)}})
	if status != http.StatusOK || !strings.Contains(body, "The CLI was not signed in") || !strings.Contains(body, "unknown, used or expired") {
		t.Fatalf("a bad grant: %d %q", status, body)
	}
	if status := bl.wait(t); status != exitFail || !strings.HasSuffix(bl.stderr.String(), "twofold: login: the server did not accept the browser's grant: "+
		"This sign-in link is unknown, used or expired (2 minutes); run twofold login --browser again.\n") {
		t.Fatalf("a bad grant: exit %d, stderr %q", status, bl.stderr)
	}
}

// Nobody answers: the CLI gives up after its timeout with a clear line.
func TestLoginBrowserTimesOut(t *testing.T) {
	base, _ := browserUser(t)
	defer func(d time.Duration) { browserLoginTimeout = d }(browserLoginTimeout)
	browserLoginTimeout = 300 * time.Millisecond
	bl := startBrowserLogin(t, "--url", base)
	bl.page(t, base)
	if status := bl.wait(t); status != exitFail ||
		!strings.HasSuffix(bl.stderr.String(), "twofold: login: no answer from the browser within 300ms; nothing was saved. Run 'twofold login --browser' again\n") {
		t.Fatalf("timeout: exit %d, stderr %q", status, bl.stderr)
	}
	for _, args := range [][]string{{"--email", "a@example.com"}, {"--password-stdin"}, {"--totp", "123456"}} {
		status, _, errOut := runTwofold(t, "", append([]string{"login", "--browser", "--url", base}, args...)...)
		if status != exitUsage || !strings.Contains(errOut, "with --browser you sign in on the web page") {
			t.Errorf("%q: exit %d %q", args, status, errOut)
		}
	}
}

// The listener answers only POST /callback on its own address, once.
func TestMinutes(t *testing.T) {
	for d, want := range map[time.Duration]string{5 * time.Minute: "5 minutes", time.Minute: "1 minute", 300 * time.Millisecond: "300ms", 90 * time.Second: "1m30s"} {
		if got := minutes(d); got != want {
			t.Errorf("minutes(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestLoopbackHandler(t *testing.T) {
	redeemed := 0
	lb := &loopback{state: "the-state", verifier: "v", addr: "127.0.0.1:4242", done: make(chan loginResult, 1), refused: func() {},
		redeem: func(grant, verifier string) (wire.CreatedAppToken, error) {
			redeemed++
			return wire.CreatedAppToken{Secret: "tft_x"}, nil
		}}
	form := func(host, path, body string) int {
		req := httptest.NewRequest(http.MethodPost, "http://"+host+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		lb.ServeHTTP(rec, req)
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("CSP %q", csp)
		}
		return rec.Code
	}
	for _, tc := range []struct {
		host, path, body string
		want             int
	}{
		{"evil.example:4242", "/callback", "state=the-state&grant=g", http.StatusNotFound}, // DNS rebinding
		{"127.0.0.1:4242", "/", "state=the-state&grant=g", http.StatusNotFound},
		{"127.0.0.1:4242", "/callback", "state=the-stat&grant=g", http.StatusBadRequest},
		{"127.0.0.1:4242", "/callback", "state=" + strings.Repeat("x", 20<<10), http.StatusBadRequest},
		{"127.0.0.1:4242", "/callback", "state=the-state&grant=g", http.StatusOK},
		{"127.0.0.1:4242", "/callback", "state=the-state&grant=g", http.StatusConflict},
	} {
		if got := form(tc.host, tc.path, tc.body); got != tc.want {
			t.Errorf("%s%s %.40q: %d, want %d", tc.host, tc.path, tc.body, got, tc.want)
		}
	}
	if res := <-lb.done; res.err != nil || res.token.Secret != "tft_x" || redeemed != 1 {
		t.Fatalf("result %+v, redeemed %d times", res, redeemed)
	}
}
