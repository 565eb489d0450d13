package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

var ctx = context.Background()

// t0 is 10 s into a 30 s step.
var t0 = time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)

// env is a real server with a frozen clock.
type env struct {
	*apitest.Server
	clock *apitest.Clock
}

func newEnv(t *testing.T, o apitest.Options) *env {
	clk := apitest.NewClock(t0)
	o.Now = clk.Now
	return &env{Server: apitest.Start(t, o), clock: clk}
}

// code is the current code of a key (base32).
func (e *env) code(t *testing.T, key string) string {
	t.Helper()
	secret, err := otpauth.DecodeSecret(key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := otpcode.TOTP(secret, otpcode.Params{Algorithm: otpauth.SHA1, Digits: 6, Period: 30}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// user is a signed-up account's cookie session.
func (e *env) user(t *testing.T, email string) *client.Client {
	t.Helper()
	c := e.Client(t)
	if _, err := c.SignUp(ctx, email, apitest.Password); err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolled is a signed-up account with one active device: its session
// (full, the factor fresh), the device's key and the recovery codes.
func (e *env) enrolled(t *testing.T, email string) (c *client.Client, key string, recovery []string) {
	t.Helper()
	c = e.user(t, email)
	enr, err := c.CreateDevice(ctx, wire.CreateDeviceRequest{Name: "phone"})
	if err != nil {
		t.Fatal(err)
	}
	act, err := c.ActivateDevice(ctx, enr.Device.ID, e.code(t, enr.Enrollment.Secret))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second) // the activation spent this step
	return c, enr.Enrollment.Secret, act.RecoveryCodes
}

// wantCode fails unless err is the server's refusal with this status and
// code, and a sentence for people.
func wantCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	var ae *client.Error
	if !errors.As(err, &ae) || ae.Status != status || ae.Code != code || ae.Message == "" {
		t.Fatalf("got %v (%#v), want %d %s", err, ae, status, code)
	}
	if !client.IsCode(err, code) || client.StatusOf(err) != status {
		t.Fatalf("IsCode/StatusOf disagree with errors.As for %v", err)
	}
	if wrapped := fmt.Errorf("context: %w", err); !client.IsCode(wrapped, code) {
		t.Fatal("IsCode does not see through wrapping")
	}
}

func TestNewRefusesBadURLs(t *testing.T) {
	for _, base := range []string{"", "localhost:8080", "ftp://example.com", "http://", "://x"} {
		if _, err := client.New(base); err == nil || !strings.Contains(err.Error(), "want http(s)://host[:port]") {
			t.Errorf("New(%q): %v", base, err)
		}
	}
	c, err := client.New("http://example.com:8080/")
	if err != nil || c.BaseURL() != "http://example.com:8080" {
		t.Fatalf("New: %v %q", err, c.BaseURL())
	}
}

// The server's error body becomes a typed error; what is not one still
// says what happened.
func TestErrorDecoding(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	anon := e.Client(t)
	_, err := anon.Devices(ctx)
	wantCode(t, err, http.StatusUnauthorized, "unauthenticated")
	if err.Error() != "Sign in first. (unauthenticated)" {
		t.Errorf("Error() = %q", err.Error())
	}
	if client.IsCode(err, "not_found") || client.IsCode(nil, "unauthenticated") || client.StatusOf(nil) != 0 {
		t.Error("IsCode or StatusOf matched what they should not")
	}
	_, err = anon.SignIn(ctx, "nobody@example.com", "wrong password")
	wantCode(t, err, http.StatusUnauthorized, "invalid_credentials")
	_, err = e.Client(t, client.WithToken("tft_not_a_token")).Devices(ctx)
	wantCode(t, err, http.StatusUnauthorized, "invalid_token")

	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	defer proxy.Close()
	pc, _ := client.New(proxy.URL)
	_, err = pc.Devices(ctx)
	var ae *client.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusBadGateway || ae.Code != "" || ae.Message != "the server answered 502 Bad Gateway" ||
		client.IsCode(err, "") {
		t.Fatalf("a proxy's page: %#v", err)
	}

	proxy.Close()
	_, err = pc.Devices(ctx)
	if err == nil || errors.As(err, &ae) || !strings.HasPrefix(err.Error(), "cannot reach "+proxy.URL+": ") {
		t.Fatalf("an unreachable server: %v", err)
	}
}

// A 2xx answer that is not the expected JSON is an error, not a zero value.
func TestUnexpectedAnswer(t *testing.T) {
	odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html>captive portal</html>")
	}))
	defer odd.Close()
	c, _ := client.New(odd.URL)
	if _, err := c.Time(ctx); err == nil || !strings.Contains(err.Error(), "GET /time: unexpected answer") {
		t.Fatalf("got %v", err)
	}
}

// A session started by one client goes on in another (the CLI keeps the
// first device's enrollment session between two runs).
func TestSessionCookieCarriesOver(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	a := e.user(t, "carry@example.com")
	k, ok := a.SessionCookie()
	if !ok || k.Value == "" {
		t.Fatal("no session cookie after sign-up")
	}
	if _, ok := e.Client(t).SessionCookie(); ok {
		t.Fatal("a new client has a session")
	}
	b := e.Client(t, client.WithSessionCookie(k))
	s, err := b.Session(ctx)
	if err != nil || s.User.Email != "carry@example.com" {
		t.Fatalf("resumed session: %+v %v", s, err)
	}
	if err := b.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = a.Session(ctx)
	wantCode(t, err, http.StatusUnauthorized, "unauthenticated")
}

// WithHTTPClient uses the caller's client and its cookie jar (a test's raw
// requests see the session), and never changes a client without a jar.
func TestWithHTTPClientSharesTheJar(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	bare := &http.Client{}
	if _, err := e.Client(t, client.WithHTTPClient(bare)).SignUp(ctx, "bare@example.com", apitest.Password); err != nil || bare.Jar != nil {
		t.Fatalf("a client without a jar: %v, jar %v (want a jar of the client's own)", err, bare.Jar)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	c := e.Client(t, client.WithHTTPClient(hc))
	if _, err := c.SignUp(ctx, "jar@example.com", apitest.Password); err != nil {
		t.Fatal(err)
	}
	hc.Timeout = time.Nanosecond // set after New: the client is hc itself
	if _, err := c.Session(ctx); err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("a request after the caller's client changed: %v", err)
	}
	hc.Timeout = 0
	resp, err := hc.Get(e.URL + "/api/v1/session")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a raw request with the shared jar: %s", resp.Status)
	}
}

// What goes on the wire: the method and path (ids escaped as one
// segment), the token, the user agent, JSON bodies only where there is a
// body, query parameters.
func TestRequestShape(t *testing.T) {
	var got []string
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, fmt.Sprintf("%s %s|%s|%s|%s|%s", r.Method, r.URL.EscapedPath()+"?"+r.URL.RawQuery,
			r.Header.Get("Authorization"), r.UserAgent(), r.Header.Get("Content-Type"), body))
		fmt.Fprint(w, "{}")
	}))
	defer rec.Close()
	c, _ := client.New(rec.URL+"/", client.WithToken("tft_x"), client.WithUserAgent("client-test/1"))
	c.Devices(ctx)
	c.RenameDevice(ctx, "../inactive", "new name")
	c.DeleteDevice(ctx, "dev_1", wire.Factor{Code: "123456"})
	c.AuditEvents(ctx, client.AuditPage{Before: 5, Limit: 2})
	c.AuditEvents(ctx, client.AuditPage{})
	c.AdminUsers(ctx, client.UserQuery{Search: "a&b", Status: "exempt", GroupID: "grp_1", Offset: 50, Limit: 25})
	c.OrgAuditEvents(ctx, client.OrgAuditQuery{UserID: "usr_1", Type: "mfa_reset", Since: t0, Until: t0.Add(time.Hour), Before: 9})
	c.AdminUsersCSV(ctx, client.UserQuery{Search: "x", Limit: 5}, io.Discard)
	c.RemoveGroupMember(ctx, "grp/1", "usr_1")
	c.RequirementOff(ctx, "123456")
	want := []string{
		"GET /api/v1/totp-devices?|Bearer tft_x|client-test/1||",
		`PATCH /api/v1/totp-devices/..%2Finactive?|Bearer tft_x|client-test/1|application/json|{"name":"new name"}`,
		`DELETE /api/v1/totp-devices/dev_1?|Bearer tft_x|client-test/1|application/json|{"code":"123456","recovery_code":""}`,
		"GET /api/v1/audit-events?before=5&limit=2|Bearer tft_x|client-test/1||",
		"GET /api/v1/audit-events?|Bearer tft_x|client-test/1||",
		"GET /api/v1/admin/users?group=grp_1&limit=25&offset=50&q=a%26b&status=exempt|Bearer tft_x|client-test/1||",
		"GET /api/v1/admin/audit-events?before=9&since=2026-03-01T12%3A00%3A10Z&type=mfa_reset&until=2026-03-01T13%3A00%3A10Z&user=usr_1|Bearer tft_x|client-test/1||",
		"GET /api/v1/admin/users?format=csv&q=x|Bearer tft_x|client-test/1||",
		"DELETE /api/v1/admin/groups/grp%2F1/members/usr_1?|Bearer tft_x|client-test/1||",
		`DELETE /api/v1/admin/mfa-requirement?|Bearer tft_x|client-test/1|application/json|{"code":"123456"}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
