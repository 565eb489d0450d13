//go:build !js

package pushclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/pushhub"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/shared/otpcode"
	"github.com/twofold-auth/twofold/shared/pushproto"
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
	var body wire.ErrorBody
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return Response{Status: resp.StatusCode, Code: body.Error.Code, Message: body.Error.Message}, nil
}

// TestRealServer registers a key through this package against the real
// router (api, auth, hub, SQLite in t.TempDir), connects, and answers real
// challenges: an approval the browser redeems for a [pwd push] session, and
// a denial.
func TestRealServer(t *testing.T) {
	clk := apitest.NewClock(time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC))
	srv := apitest.Start(t, apitest.Options{Now: clk.Now, Hub: func(p *service.Push) apitest.Hub {
		return pushhub.NewHub(p, pushhub.Options{Log: slog.New(slog.DiscardHandler), Now: clk.Now})
	}})
	svc := srv.Service

	// An account with an active TOTP device, as the site enrolls it.
	ctx := context.Background()
	ns, err := svc.Accounts.SignUp(ctx, auth.Client{}, "alice@example.com", apitest.Password, "")
	u := ns.User
	if err != nil {
		t.Fatal(err)
	}
	enr, err := svc.Devices.Create(ctx, auth.Client{}, u.ID, "browser")
	if err != nil {
		t.Fatal(err)
	}
	code := func() string {
		c, _ := otpcode.TOTP(enr.Key.Secret, otpcode.ParamsOf(&enr.Key), clk.Now())
		return c
	}
	if _, err := svc.Devices.Activate(ctx, auth.Client{}, auth.Session{UserID: u.ID}, enr.Device.ID, code()); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Second) // still the activation's step: registering must not need a fresh one

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
	// A proof made with another seed is refused with the server's sentence.
	var se *ServerError
	if err := Register(httpPoster{}, reg, []byte("another seed of 20 B"), clk.Now()); !errors.As(err, &se) || se.Status != http.StatusForbidden || se.Code != "registration_rejected" {
		t.Fatalf("registration with another seed: %v", err)
	}
	if err := Register(httpPoster{}, reg, enr.Key.Secret, clk.Now()); err != nil {
		t.Fatal(err)
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
	browser := srv.Client(t)
	signIn := func() {
		t.Helper()
		if _, err := browser.SignIn(ctx, "alice@example.com", apitest.Password); err != nil {
			t.Fatalf("sign in: %v", err)
		}
	}
	ask := func() wire.PushChallenge {
		t.Helper()
		ch, err := browser.CreatePushChallenge(ctx)
		if err != nil {
			t.Fatalf("challenge: %v", err)
		}
		return ch
	}

	signIn()
	ch := ask()
	p := next(EventPrompt).Prompt
	if p.ChallengeID != ch.ID || p.Account != "alice@example.com" {
		t.Fatalf("prompt %+v for %+v", p, ch)
	}
	if outcome, err := c.Answer(ch.ID, pushproto.Approve, ch.Number); err != nil || outcome != pushproto.OutcomeApproved {
		t.Fatalf("approval: %q %v", outcome, err)
	}
	if s := next(EventSettled).Settled; s.ChallengeID != ch.ID || s.Outcome != pushproto.OutcomeApproved {
		t.Fatalf("settled %+v", s)
	}
	sess, err := browser.CompletePushSignIn(ctx, ch.ID)
	if amr := sess.Session.AMR; err != nil || len(amr) != 2 || amr[0] != "pwd" || amr[1] != "push" {
		t.Fatalf("complete: %v, amr %v", err, amr)
	}

	// Signed in again with the password: an approval with the wrong number
	// of the three; the answer returns the server's verdict, failed.
	signIn()
	ch = ask()
	p = next(EventPrompt).Prompt
	wrong := p.Numbers[0]
	if wrong == ch.Number {
		wrong = p.Numbers[1]
	}
	if outcome, err := c.Answer(ch.ID, pushproto.Approve, wrong); err != nil || outcome != pushproto.OutcomeFailed {
		t.Fatalf("approval with the wrong number: %q %v, want the verdict %q", outcome, err, pushproto.OutcomeFailed)
	}
	if got, err := browser.PushChallenge(ctx, ch.ID); err != nil || got.State != "failed" {
		t.Fatalf("state %q, %v", got.State, err)
	}

	// And a denial.
	ch = ask()
	next(EventPrompt)
	if outcome, err := c.Answer(ch.ID, pushproto.Deny, 0); err != nil || outcome != pushproto.OutcomeDenied {
		t.Fatalf("denial: %q %v", outcome, err)
	}
	if s := next(EventSettled).Settled; s.Outcome != pushproto.OutcomeDenied {
		t.Fatalf("settled %+v", s)
	}
	if got, err := browser.PushChallenge(ctx, ch.ID); err != nil || got.State != "denied" {
		t.Fatalf("state %q, %v", got.State, err)
	}
}
