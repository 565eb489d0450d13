package pushhub

import (
	"context"
	"crypto/ed25519"
	"slices"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

func other(p pushproto.Prompt, number int) int {
	for _, n := range p.Numbers {
		if n != number {
			return n
		}
	}
	return 0
}

func TestApproveCompletesSignInWithAMRPush(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.enroll("a@example.com")
	a.device.connect()
	e.signIn(a)
	ch := e.ask(a)
	states := e.events(a, ch.ID)
	if s := <-states; s != "pending" {
		t.Fatalf("first state %q", s)
	}
	p := a.device.prompt()
	if p.ChallengeID != ch.ID || !slices.Contains(p.Numbers[:], ch.Number) || p.Account != "a@example.com" ||
		p.Service != "Twofold" || p.ClientAddr != "127.0.0.1" || p.Browser == "" || p.ExpiresMs-p.CreatedMs != 60000 {
		t.Fatalf("prompt %+v for %+v", p, ch)
	}
	a.device.answer(ch.ID, pushproto.Approve, ch.Number)
	if s := a.device.settled(); s.ChallengeID != ch.ID || s.Outcome != "approved" {
		t.Fatalf("settled %+v", s)
	}
	if s := <-states; s != "approved" {
		t.Fatalf("browser saw %q", s)
	}
	s, err := a.api.CompletePushSignIn(ctx, ch.ID)
	if err != nil || s.Session.Stage != "full" || !slices.Equal(s.Session.AMR, []string{"pwd", "push"}) {
		t.Fatalf("complete: %v %+v", err, s)
	}
	if _, err := a.api.Devices(ctx); err != nil {
		t.Fatalf("full session refused: %v", err)
	}
	// Answered twice: the second answer changes nothing.
	a.device.answer(ch.ID, pushproto.Approve, ch.Number)
	if s := a.device.settled(); s.Outcome != pushproto.OutcomeRejected {
		t.Fatalf("second answer %+v", s)
	}
}

func TestDenyAndReport(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.enroll("a@example.com")
	a.device.connect()
	e.signIn(a)
	ch := e.ask(a)
	states := e.events(a, ch.ID)
	<-states
	a.device.prompt()
	a.device.answer(ch.ID, pushproto.Deny, 0)
	if s := a.device.settled(); s.Outcome != "denied" {
		t.Fatalf("settled %+v", s)
	}
	if s := <-states; s != "denied" {
		t.Fatalf("browser saw %q", s)
	}
	if _, err := a.api.CompletePushSignIn(ctx, ch.ID); !client.IsCode(err, "verification_failed") {
		t.Fatalf("complete after deny: %v", err)
	}
	ch = e.ask(a)
	a.device.prompt()
	a.device.answer(ch.ID, pushproto.Report, 0)
	if s := a.device.settled(); s.Outcome != "reported" {
		t.Fatalf("settled %+v", s)
	}
	if _, err := a.api.CreatePushChallenge(ctx); !client.IsCode(err, "push_paused") {
		t.Fatalf("prompt after report: %v", err)
	}
}

func TestWrongNumberFailsAndCountsInThrottle(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.enroll("a@example.com")
	a.device.connect()
	e.signIn(a)
	ch := e.ask(a)
	p := a.device.prompt()
	a.device.answer(ch.ID, pushproto.Approve, other(p, ch.Number))
	if s := a.device.settled(); s.Outcome != "failed" {
		t.Fatalf("settled %+v", s)
	}
	th, _ := e.st.Throttle(context.Background(), a.userID)
	if th.ConsecutiveFailures != 1 || th.WindowFailures != 1 {
		t.Fatalf("throttle %+v", th)
	}
	// The right number afterwards is too late: the challenge is spent.
	a.device.answer(ch.ID, pushproto.Approve, ch.Number)
	if s := a.device.settled(); s.Outcome != pushproto.OutcomeRejected {
		t.Fatalf("after failure %+v", s)
	}
}

func TestApprovalWhileLockedOutFails(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.enroll("a@example.com")
	a.device.connect()
	e.signIn(a)
	ch := e.ask(a)
	a.device.prompt()
	e.st.Update(context.Background(), func(tx store.Tx) error {
		return tx.PutThrottle(context.Background(), store.Throttle{UserID: a.userID, ConsecutiveFailures: 9, LockedUntil: e.clock.Now().Add(time.Hour)})
	})
	a.device.answer(ch.ID, pushproto.Approve, ch.Number)
	if s := a.device.settled(); s.Outcome != "failed" {
		t.Fatalf("settled %+v", s)
	}
	if _, err := a.api.CompletePushSignIn(ctx, ch.ID); !client.IsCode(err, "verification_failed") {
		t.Fatalf("complete while locked: %v", err)
	}
}

func TestExpiredChallenge(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.enroll("a@example.com")
	a.device.connect()
	e.signIn(a)
	ch := e.ask(a)
	states := e.events(a, ch.ID)
	<-states
	a.device.prompt()
	e.clock.Advance(61 * time.Second)
	if n, err := e.svc.Push.Expire(context.Background()); n != 1 || err != nil {
		t.Fatalf("expire %d %v", n, err)
	}
	if s := a.device.settled(); s.Outcome != "expired" {
		t.Fatalf("settled %+v", s)
	}
	if s := <-states; s != "expired" {
		t.Fatalf("browser saw %q", s)
	}
	a.device.answer(ch.ID, pushproto.Approve, ch.Number)
	if s := a.device.settled(); s.Outcome != pushproto.OutcomeRejected {
		t.Fatalf("late answer %+v", s)
	}
}

func TestForeignAnswersRejected(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.enroll("a@example.com")
	b := e.enroll("b@example.com")
	a.device.connect()
	b.device.connect()
	e.signIn(a)
	ch := e.ask(a)
	a.device.prompt()
	// Signed with another device's key.
	a.device.answerWith(b.device.seed, ch.ID, pushproto.Approve, ch.Number)
	if s := a.device.settled(); s.Outcome != pushproto.OutcomeRejected {
		t.Fatalf("another key: %+v", s)
	}
	// Another user's device answering a's challenge.
	b.device.answer(ch.ID, pushproto.Approve, ch.Number)
	if s := b.device.settled(); s.Outcome != pushproto.OutcomeRejected {
		t.Fatalf("another user: %+v", s)
	}
	if c, _ := e.st.PushChallenge(context.Background(), ch.ID); c.State != store.PushPending {
		t.Fatalf("state %s", c.State)
	}
	a.device.answer(ch.ID, pushproto.Approve, ch.Number)
	if s := a.device.settled(); s.Outcome != "approved" {
		t.Fatalf("own answer: %+v", s)
	}
}

func TestUnauthenticatedSocketsRefused(t *testing.T) {
	e := newEnv(t, Options{HandshakeTimeout: 200 * time.Millisecond})
	a := e.enroll("a@example.com")
	wrongKey := make([]byte, ed25519.SeedSize)
	for name, d := range map[string]*testDevice{
		"wrong key":      {e: e, id: a.device.id, seed: wrongKey},
		"unknown device": {e: e, id: "dev_unknown", seed: a.device.seed},
	} {
		if err := d.connectWith(d.seed); err != nil {
			t.Fatal(name, err)
		}
		if code := d.closeStatus(); code != statusAuth {
			t.Errorf("%s: close %d", name, code)
		}
	}
	// Silence after the nonce: closed when the handshake times out.
	ws, _, err := websocket.Dial(context.Background(), e.ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.Read(context.Background()) // the nonce
	if _, _, err := ws.Read(context.Background()); err == nil {
		t.Fatal("silent socket kept open")
	}
	if e.hub.Connected() != 0 {
		t.Fatalf("%d connected", e.hub.Connected())
	}
}

func TestOversizedAndMalformedFramesClose(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.enroll("a@example.com")
	for name, c := range map[string]struct {
		typ  websocket.MessageType
		data []byte
		want websocket.StatusCode
	}{
		"oversized": {websocket.MessageBinary, make([]byte, pushproto.MaxFrame+1), websocket.StatusMessageTooBig},
		"malformed": {websocket.MessageBinary, []byte{byte(pushproto.KindAnswer), 0, 0}, websocket.StatusPolicyViolation},
		"text":      {websocket.MessageText, []byte("{}"), websocket.StatusPolicyViolation},
		"wrong kind": {websocket.MessageBinary, pushproto.EncodeHello(pushproto.Hello{DeviceID: "x", Signature: []byte("s")}),
			websocket.StatusPolicyViolation},
	} {
		a.device.connect()
		if err := a.device.ws.Write(context.Background(), c.typ, c.data); err != nil {
			t.Fatal(name, err)
		}
		if code := a.device.closeStatus(); code != c.want {
			t.Errorf("%s: close %d, want %d", name, code, c.want)
		}
	}
}

func TestTwoDevicesFirstAnswerWins(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.enroll("a@example.com")
	second, _ := e.addDevice(a.userID)
	a.device.connect()
	second.connect()
	e.signIn(a)
	ch := e.ask(a)
	a.device.prompt()
	second.prompt()
	second.answer(ch.ID, pushproto.Approve, ch.Number)
	if s := second.settled(); s.Outcome != "approved" {
		t.Fatalf("second: %+v", s)
	}
	if s := a.device.settled(); s.Outcome != "approved" { // told to drop the prompt
		t.Fatalf("first told %+v", s)
	}
	a.device.answer(ch.ID, pushproto.Deny, 0)
	if s := a.device.settled(); s.Outcome != pushproto.OutcomeRejected {
		t.Fatalf("late deny %+v", s)
	}
	if c, _ := e.st.PushChallenge(context.Background(), ch.ID); c.State != store.PushApproved || c.DeviceID != second.id {
		t.Fatalf("challenge %+v", c)
	}
}

func TestReconnectReceivesPendingAndReplacesOld(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.enroll("a@example.com")
	e.signIn(a)
	ch := e.ask(a) // nobody connected
	a.device.connect()
	if p := a.device.prompt(); p.ChallengeID != ch.ID {
		t.Fatalf("pending prompt %+v", p)
	}
	old := *a.device
	a.device.connect() // a second connection of the same device
	if code := old.closeStatus(); code != statusReplaced {
		t.Fatalf("old connection closed with %d", code)
	}
	if p := a.device.prompt(); p.ChallengeID != ch.ID {
		t.Fatalf("pending prompt on reconnect %+v", p)
	}
	if e.hub.Connected() != 1 {
		t.Fatalf("%d connected", e.hub.Connected())
	}
}

func TestDeviceDeleteRevokesPush(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.enroll("a@example.com")
	a.device.connect()
	e.clock.Advance(30 * time.Second)
	sess := auth.Session{UserID: a.userID, Stage: auth.StageFull}
	if err := e.svc.Devices.Delete(context.Background(), auth.Client{}, sess, a.device.id, auth.Factor{Code: e.code(a.secret)}); err != nil {
		t.Fatal(err)
	}
	if code := a.device.closeStatus(); code != statusRevoked {
		t.Fatalf("close %d", code)
	}
	if err := a.device.connectWith(a.device.seed); err != nil {
		t.Fatal(err)
	}
	if code := a.device.closeStatus(); code != statusAuth {
		t.Fatalf("reconnect after revoke: close %d", code)
	}
}
