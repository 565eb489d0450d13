//go:build !js

package push

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/twofold-auth/twofold/server/api"
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	serverpush "github.com/twofold-auth/twofold/server/push"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/otpcode"
	sp "github.com/twofold-auth/twofold/shared/push"
)

// wsTransport is a Transport over coder/websocket, as the browser's
// WebSocket is in the wasm.
type wsTransport struct{ c *websocket.Conn }

func dialWS(url string) (Transport, error) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	return wsTransport{c}, nil
}

func (w wsTransport) Send(b []byte) error {
	return w.c.Write(context.Background(), websocket.MessageBinary, b)
}

func (w wsTransport) Receive() ([]byte, error) {
	_, b, err := w.c.Read(context.Background())
	if err != nil {
		return nil, &CloseError{Code: int(websocket.CloseStatus(err)), Reason: err.Error()}
	}
	return b, nil
}

func (w wsTransport) Close(code int, reason string) {
	_ = w.c.Close(websocket.StatusCode(code), reason)
}

// httpPoster is the Poster of fetch, over net/http.
type httpPoster struct{}

func (httpPoster) Post(r Request) (Response, error) {
	resp, err := http.Post(r.URL, "application/json", bytes.NewReader(r.Body))
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	var body struct {
		Error struct{ Code, Message string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return Response{Status: resp.StatusCode, Code: body.Error.Code, Message: body.Error.Message}, nil
}

// TestRealServer registers a key through this package against the real
// router (api, auth, hub, SQLite in t.TempDir), connects, and answers real
// challenges: an approval the browser redeems for a [pwd push] session, and
// a denial.
func TestRealServer(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)}
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "twofold.db"), store.SQLiteOptions{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := secrets.NewKeyring(rand.Reader, bytes.Repeat([]byte{7}, secrets.KeySize))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := auth.New(auth.Config{Argon2: credential.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		auth.Deps{Store: st, Keys: keys, Now: clk.Now, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	hub := serverpush.NewHub(svc, serverpush.Options{Log: quiet, Now: clk.Now})
	srv := httptest.NewServer(api.NewRouter(api.Deps{Auth: svc, DB: st, Log: quiet, Now: clk.Now,
		RateLimit: api.RateLimit{Requests: -1}, Push: hub}))
	t.Cleanup(func() { hub.Close(); srv.Close(); st.Close() })
	if err := svc.EnablePush(auth.PushConfig{Origin: srv.URL}, hub); err != nil {
		t.Fatal(err)
	}

	// An account with an active TOTP device, as the site enrolls it.
	ctx := context.Background()
	u, _, err := svc.SignUp(ctx, auth.Client{}, "alice@example.com", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	enr, err := svc.CreateDevice(ctx, auth.Client{}, u.ID, "browser")
	if err != nil {
		t.Fatal(err)
	}
	code := func() string {
		c, _ := otpcode.TOTP(enr.Key.Secret, otpcode.ParamsOf(&enr.Key), clk.Now())
		return c
	}
	if _, _, err := svc.ActivateDevice(ctx, auth.Client{}, u.ID, enr.Device.ID, code()); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * time.Second) // a fresh step for the registration's code

	// The authenticator's side: the URI's parameters, a key, registration.
	origin, deviceID, ok := Endpoint(enr.Key)
	if !ok || origin != srv.URL {
		t.Fatalf("endpoint %q %q %v", origin, deviceID, ok)
	}
	seed, pub, err := HostKeys{}.Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := HostKeys{}.Load(seed)
	if err != nil {
		t.Fatal(err)
	}
	reg := Registration{Server: origin, DeviceID: deviceID, PublicKey: pub, Signer: signer}
	if err := Register(httpPoster{}, reg, code()); err != nil {
		t.Fatal(err)
	}
	// The same code again is a replay: refused with the server's sentence.
	var se *ServerError
	if err := Register(httpPoster{}, reg, code()); !errors.As(err, &se) || se.Status != http.StatusUnauthorized && se.Status != http.StatusBadRequest && se.Status != http.StatusForbidden {
		t.Fatalf("replayed registration: %v", err)
	}

	events := make(chan Event, 64)
	c := Start(reg, Options{Dial: dialWS, Now: clk.Now, OnEvent: func(e Event) { events <- e }})
	t.Cleanup(func() { c.Stop(); <-c.Done() })
	next := func(kind EventKind) Event {
		t.Helper()
		for {
			select {
			case e := <-events:
				if e.Kind == EventStatus && e.Status.State == Stopped {
					t.Fatalf("stopped: %+v", e.Status)
				}
				if e.Kind == kind && (kind != EventStatus || e.Status.State == Connected) {
					return e
				}
			case <-time.After(within):
				t.Fatalf("no %s event", kind)
			}
		}
	}
	next(EventStatus)

	// The signing-in browser: password, then a prompt.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	do := func(method, path string, body any, out any) int {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		req.Header.Set("Content-Type", "application/json")
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			_ = json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	if s := do("POST", "/api/v1/session", map[string]string{"email": "alice@example.com", "password": "correct horse battery"}, nil); s != http.StatusOK {
		t.Fatalf("sign in: %d", s)
	}
	type challenge struct {
		ID     string `json:"id"`
		Number int    `json:"number"`
		State  string `json:"state"`
	}
	ask := func() challenge {
		t.Helper()
		var ch challenge
		if s := do("POST", "/api/v1/push/challenges", nil, &ch); s != http.StatusCreated {
			t.Fatalf("challenge: %d", s)
		}
		return ch
	}

	ch := ask()
	p := next(EventPrompt).Prompt
	if p.ChallengeID != ch.ID || p.Account != "alice@example.com" {
		t.Fatalf("prompt %+v for %+v", p, ch)
	}
	if outcome, err := c.Answer(ch.ID, sp.Approve, ch.Number); err != nil || outcome != sp.OutcomeApproved {
		t.Fatalf("approval: %q %v", outcome, err)
	}
	if s := next(EventSettled).Settled; s.ChallengeID != ch.ID || s.Outcome != sp.OutcomeApproved {
		t.Fatalf("settled %+v", s)
	}
	var sess struct {
		Session struct {
			AMR []string `json:"amr"`
		} `json:"session"`
	}
	if s := do("POST", "/api/v1/push/challenges/"+ch.ID+"/complete", nil, &sess); s != http.StatusOK {
		t.Fatalf("complete: %d", s)
	}
	if amr := sess.Session.AMR; len(amr) != 2 || amr[0] != "pwd" || amr[1] != "push" {
		t.Fatalf("amr %v", amr)
	}

	// Signed in again with the password: an approval with the wrong number
	// of the three; the answer returns the server's verdict, failed.
	if s := do("POST", "/api/v1/session", map[string]string{"email": "alice@example.com", "password": "correct horse battery"}, nil); s != http.StatusOK {
		t.Fatalf("sign in: %d", s)
	}
	ch = ask()
	p = next(EventPrompt).Prompt
	wrong := p.Numbers[0]
	if wrong == ch.Number {
		wrong = p.Numbers[1]
	}
	if outcome, err := c.Answer(ch.ID, sp.Approve, wrong); err != nil || outcome != sp.OutcomeFailed {
		t.Fatalf("approval with the wrong number: %q %v, want the verdict %q", outcome, err, sp.OutcomeFailed)
	}
	var failed challenge
	if do("GET", "/api/v1/push/challenges/"+ch.ID, nil, &failed); failed.State != "failed" {
		t.Fatalf("state %q", failed.State)
	}

	// And a denial.
	ch = ask()
	next(EventPrompt)
	if outcome, err := c.Answer(ch.ID, sp.Deny, 0); err != nil || outcome != sp.OutcomeDenied {
		t.Fatalf("denial: %q %v", outcome, err)
	}
	if s := next(EventSettled).Settled; s.Outcome != sp.OutcomeDenied {
		t.Fatalf("settled %+v", s)
	}
	var got challenge
	if do("GET", "/api/v1/push/challenges/"+ch.ID, nil, &got); got.State != "denied" {
		t.Fatalf("state %q", got.State)
	}
}
