package api

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"image"
	_ "image/png"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

func secretOf(t testing.TB, b32 string) []byte {
	s, err := otpauth.DecodeSecret(b32)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// decodeQR reads the data URL's PNG back, to prove it holds the URI.
func decodeQR(t *testing.T, dataURL string) string {
	t.Helper()
	b64, ok := strings.CutPrefix(dataURL, "data:image/png;base64,")
	if !ok {
		t.Fatalf("qr_png is not a PNG data URL: %.40s", dataURL)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.GetText()
}

// The whole journey over HTTP, and invariant 1 checked at its end: after
// activation the seed is in no response, no log line and nowhere in the
// database files, raw or base32.
func TestFullFlowAndInvariant1_SeedNeverReadBack(t *testing.T) {
	h := newHarness(t)
	c := h.signUp("alice@example.com")
	var created wire.Enrollment
	c.must(201, "POST", "/api/v1/totp-devices", `{"name":"Alice's phone"}`).decode(t, &created)
	e := created.Enrollment
	secret := secretOf(t, e.Secret)
	if len(secret) != 20 || e.Algorithm != "SHA1" || e.Digits != 6 || e.Period != 30 || e.Issuer != "Twofold" || e.Account != "alice@example.com" {
		t.Fatalf("enrollment %+v", e)
	}
	if e.SecretGrouped != otpauth.GroupSecret(secret) || !strings.Contains(e.OTPAuthURI, "secret="+e.Secret) {
		t.Fatalf("grouped %q uri %q", e.SecretGrouped, e.OTPAuthURI)
	}
	if got := decodeQR(t, e.QRPNG); got != e.OTPAuthURI {
		t.Fatalf("QR holds %q, want %q", got, e.OTPAuthURI)
	}
	k, err := otpauth.Parse(e.OTPAuthURI)
	if err != nil || !bytes.Equal(k.Secret, secret) {
		t.Fatalf("URI does not parse back: %v", err)
	}

	h.record(true) // from here on nothing may carry the seed
	var act wire.ActivateResponse
	c.must(200, "POST", "/api/v1/totp-devices/"+created.Device.ID+"/activate", map[string]string{"code": h.code(secret)}).decode(t, &act)
	if act.Device.State != "active" || len(act.RecoveryCodes) != 10 || act.Device.ActivatedAt == nil {
		t.Fatalf("activate: %+v", act)
	}
	c.must(204, "DELETE", "/api/v1/session", nil)
	c.must(401, "GET", "/api/v1/session", nil)

	// Two-step sign-in.
	h.clock.Advance(30 * time.Second)
	c = h.client()
	var sr wire.SessionResponse
	c.must(200, "POST", "/api/v1/session", map[string]string{"email": "alice@example.com", "password": password}).decode(t, &sr)
	if sr.Session.Stage != "partial" || sr.Session.MFATOTPVerified || !sr.User.MFAEnrolled {
		t.Fatalf("password step: %+v", sr)
	}
	// A partial session can do nothing but the second factor.
	for _, p := range []string{"/api/v1/totp-devices", "/api/v1/recovery-codes", "/api/v1/audit-events"} {
		if r := c.do("GET", p, nil); r.status != 403 || r.errorCode() != "second_factor_required" {
			t.Fatalf("partial session GET %s: %d %s", p, r.status, r.body)
		}
	}
	c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": h.code(secret)}).decode(t, &sr)
	if sr.Session.Stage != "full" || !slices.Equal(sr.Session.AMR, []string{"pwd", "otp"}) || !sr.Session.MFATOTPVerified ||
		sr.Session.MFAVerifiedAt == nil || !sr.Session.MFAVerifiedAt.Equal(h.clock.Now()) {
		t.Fatalf("second factor: %+v", sr.Session)
	}
	var list wire.DeviceList
	r := c.must(200, "GET", "/api/v1/totp-devices", nil)
	r.decode(t, &list)
	if len(list.Devices) != 1 || list.Devices[0].ID != created.Device.ID || list.Devices[0].LastUsedAt == nil {
		t.Fatalf("list %s", r.body)
	}
	for _, field := range []string{"secret", "otpauth", "key"} {
		if bytes.Contains(r.body, []byte(field)) {
			t.Fatalf("device list mentions %q: %s", field, r.body)
		}
	}
	c.must(200, "GET", "/api/v1/totp-devices/"+created.Device.ID, nil)
	c.must(200, "GET", "/api/v1/audit-events", nil)
	c.must(200, "GET", "/api/v1/recovery-codes", nil)
	h.record(false)

	b32 := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
	needles := map[string][]byte{
		"raw": secret, "base32": []byte(b32), "base32 lower": []byte(strings.ToLower(b32)),
		"grouped": []byte(otpauth.GroupSecret(secret)), "base32 prefix": []byte(b32[:16]),
	}
	h.st.Close() // flush the WAL into the file, then read every file
	var files [][]byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if data, err := os.ReadFile(h.dbPath + suffix); err == nil {
			files = append(files, data)
		}
	}
	for name, needle := range needles {
		for i, data := range files {
			if bytes.Contains(data, needle) {
				t.Errorf("database file %d holds the seed (%s)", i, name)
			}
		}
		if strings.Contains(h.logs.String(), string(needle)) {
			t.Errorf("logs hold the seed (%s)", name)
		}
		for _, resp := range h.recorded {
			if bytes.Contains(resp, needle) {
				t.Errorf("a response after activation holds the seed (%s): %s", name, resp)
			}
		}
	}
	if len(h.recorded) < 10 || len(h.logs.String()) < 1000 {
		t.Fatalf("too little recorded to mean anything: %d responses, %d log bytes", len(h.recorded), len(h.logs.String()))
	}
}

// Logs never carry a password, a code, a recovery code or a session token.
func TestLogsCarryNoCredentials(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("logs@example.com")
	h.clock.Advance(30 * time.Second)
	c := h.signIn("logs@example.com")
	code := h.code(a.secret)
	c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": code})
	c.do("POST", "/api/v1/session/mfa", map[string]string{"code": code})
	r := h.signIn("logs@example.com").do("POST", "/api/v1/session/mfa", map[string]string{"recovery_code": a.recovery[0]})
	if r.status != 200 {
		t.Fatal(string(r.body))
	}
	var cookies []string
	for _, ck := range c.http.Jar.Cookies(mustURL(h.srv.URL)) {
		cookies = append(cookies, ck.Value)
	}
	logs := h.logs.String()
	for _, secret := range append([]string{password, code, a.recovery[0], strings.ReplaceAll(a.recovery[0], "-", "")}, cookies...) {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

func TestCookies(t *testing.T) {
	h := newHarness(t)
	r := h.client().must(201, "POST", "/api/v1/users", map[string]string{"email": "c@example.com", "password": password})
	ck := r.header.Get("Set-Cookie")
	for _, want := range []string{"twofold_session=", "Path=/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
	if strings.Contains(ck, "Secure") {
		t.Errorf("Secure cookie over plain HTTP: %q", ck)
	}
	hs := newHarness(t, func(o *harnessOptions) { o.baseURL = "https://twofold.example" })
	r = hs.client().must(201, "POST", "/api/v1/users", map[string]string{"email": "c@example.com", "password": password})
	ck = r.header.Get("Set-Cookie")
	if !strings.HasPrefix(ck, "__Host-twofold_session=") || !strings.Contains(ck, "Secure") || !strings.Contains(ck, "HttpOnly") {
		t.Errorf("behind TLS: cookie %q", ck)
	}
	if r.header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS behind TLS")
	}
}

// GET /session/status answers 200 whether or not there is a session, and
// says which stage it is at; a token is not a session.
func TestSessionStatus(t *testing.T) {
	h := newHarness(t)
	status := func(c *testClient, headers ...string) wire.SessionStatus {
		t.Helper()
		var st wire.SessionStatus
		c.must(200, "GET", "/api/v1/session/status", nil, headers...).decode(t, &st)
		return st
	}
	anon := h.client()
	if st := status(anon); st.SignedIn || st.Stage != "" || st.SignupOpen == nil || !*st.SignupOpen {
		t.Fatalf("anonymous: %+v", st)
	}
	if r := anon.must(200, "GET", "/api/v1/session/status", nil); string(r.body) != `{"signed_in":false,"signup_open":true}`+"\n" {
		t.Fatalf("anonymous body %q", r.body)
	}
	if st := status(anon, "Cookie", "twofold_session=unknown"); st.SignedIn {
		t.Fatalf("an unknown cookie: %+v", st)
	}
	a := h.enroll("status@example.com")
	if st := status(a.c); st != (wire.SessionStatus{SignedIn: true, Stage: "full", TrustDays: 30}) {
		t.Fatalf("full session: %+v", st)
	}
	partial := h.signIn("status@example.com")
	if st := status(partial); st != (wire.SessionStatus{SignedIn: true, Stage: "partial", TrustDays: 30}) {
		t.Fatalf("partial session: %+v", st)
	}
	// An organisation that turns the option off offers no trust.
	h.stepUp(a.c, a.secret)
	a.c.must(200, "PATCH", "/api/v1/admin/org", map[string]int{"trust_days": 0})
	if st := status(partial); st != (wire.SessionStatus{SignedIn: true, Stage: "partial"}) {
		t.Fatalf("partial session, trust off: %+v", st)
	}
	// Sign-up closed: a visitor is told it is by invitation.
	a.c.must(200, "PATCH", "/api/v1/admin/org", map[string]bool{"open_signup": false})
	if r := anon.must(200, "GET", "/api/v1/session/status", nil); string(r.body) != `{"signed_in":false,"signup_open":false}`+"\n" {
		t.Fatalf("anonymous body, sign-up closed: %q", r.body)
	}
	a.c.must(200, "PATCH", "/api/v1/admin/org", map[string]bool{"open_signup": true})
	partial.must(204, "DELETE", "/api/v1/session", nil)
	if st := status(partial); st.SignedIn {
		t.Fatalf("after sign-out: %+v", st)
	}
	secret, _ := newToken(t, h.signUp("status-token@example.com"), map[string]string{"name": "ci"})
	if r := anon.do("GET", "/api/v1/session/status", nil, bearer(secret)...); r.status != 403 || r.errorCode() != "token_not_allowed" {
		t.Fatalf("with a token: %d %s", r.status, r.body)
	}
}

func TestSignOutEverywhere(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("so@example.com")
	b := h.signIn("so@example.com")
	a.must(204, "DELETE", "/api/v1/sessions", nil)
	a.must(401, "GET", "/api/v1/session", nil)
	b.must(401, "GET", "/api/v1/session", nil)
}

// Invariant 2 over HTTP: 100 concurrent submissions of one valid code, one
// success; the 99 others get the generic answer.
func TestInvariant2_ConcurrentCodeOneSuccessHTTP(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("race@example.com")
	h.clock.Advance(30 * time.Second)
	code := h.code(a.secret)
	var mu sync.Mutex
	statuses := map[int]int{}
	bodies := map[string]bool{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := a.c.do("POST", "/api/v1/session/mfa", map[string]string{"code": code})
			mu.Lock()
			statuses[r.status]++
			if r.status != 200 {
				bodies[string(r.body)] = true
			}
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if statuses[200] != 1 || statuses[403] != 99 || len(bodies) != 1 {
		t.Fatalf("statuses %v, %d distinct failure bodies", statuses, len(bodies))
	}
}

// Invariant 3 over HTTP: wrong, replayed and locked-out attempts get the
// same status and body; the lock survives a restart on the same file.
func TestInvariant3_SameAnswerAndLockSurvivesRestartHTTP(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("lock@example.com")
	answers := map[string]response{}
	answers["replayed activation code"] = a.c.do("POST", "/api/v1/session/mfa", map[string]string{"code": h.code(a.secret)})
	h.clock.Advance(30 * time.Second)
	good := h.code(a.secret)
	wrong := "000000"
	if good == wrong {
		wrong = "111111"
	}
	for i := range 6 {
		answers["wrong "+string(rune('0'+i))] = a.c.do("POST", "/api/v1/session/mfa", map[string]string{"code": wrong})
	}
	h.restart()
	answers["right code, locked, after restart"] = a.c.do("POST", "/api/v1/session/mfa", map[string]string{"code": good})
	answers["recovery code, locked"] = a.c.do("POST", "/api/v1/session/mfa", map[string]string{"recovery_code": a.recovery[0]})
	var first response
	for name, r := range answers {
		if first.status == 0 {
			first = r
		}
		if r.status != http.StatusForbidden || r.errorCode() != "verification_failed" || !bytes.Equal(r.body, first.body) {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	h.clock.Advance(time.Minute)
	a.c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": h.code(a.secret)})
}
