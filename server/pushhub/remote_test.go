package pushhub

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// fakeFeed is another instance's change feed, driven by the test: what
// PostgreSQL's listener delivers, without PostgreSQL (server/store/postgres
// tests the listener, and server the two together).
type fakeFeed struct {
	changes chan store.PushChange
	resyncs chan struct{}
}

func (f *fakeFeed) Follow(ctx context.Context, changed func(store.PushChange), resync func()) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case c := <-f.changes:
			changed(c)
		case <-f.resyncs:
			resync()
		}
	}
}

// follow makes the env's hub follow a fake feed until the test ends.
func (e *env) follow() *fakeFeed {
	f := &fakeFeed{changes: make(chan store.PushChange), resyncs: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.hub.Follow(ctx, f); close(done) }()
	e.t.Cleanup(func() { cancel(); <-done })
	return f
}

// remotePrompt writes a pending challenge for the account as another
// instance would: into the database, the hub not told.
func (e *env) remotePrompt(a *account, id string) store.PushChallenge {
	e.t.Helper()
	now := e.clock.Now()
	ch := store.PushChallenge{ID: id, UserID: a.userID, SessionID: "ses_elsewhere", Number: 42, Candidates: [3]int{17, 42, 88},
		Service: "Twofold", Account: a.email, State: store.PushPending, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := e.st.Update(ctx, func(tx store.Tx) error { return tx.CreatePushChallenge(ctx, ch) }); err != nil {
		e.t.Fatal(err)
	}
	return ch
}

// remoteAnswer settles a challenge as another instance would.
func (e *env) remoteAnswer(a *account, id string, state store.PushState) {
	e.t.Helper()
	if err := e.st.Update(ctx, func(tx store.Tx) error {
		ok, err := tx.AnswerPushChallenge(ctx, id, a.userID, state, a.device.id, e.clock.Now())
		if err == nil && !ok {
			e.t.Errorf("challenge %s was not pending", id)
		}
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
}

// connected connects the device and waits until the hub has sent what was
// pending when it connected (its keepalive is armed after that), so that
// what the test writes next is not found by that query.
func (d *testDevice) connected() {
	d.e.t.Helper()
	d.connect()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		cn := d.e.hub.conn(d.id)
		if cn == nil {
			d.e.t.Fatal("device not attached")
		}
		cn.mu.Lock()
		armed := cn.ping != nil
		cn.mu.Unlock()
		if armed {
			return
		}
		if time.Now().After(deadline) {
			d.e.t.Fatal("the connection's pending prompts were never sent")
		}
	}
}

// state is the next state the browser's event stream reports (bounded, so
// a missing wake-up fails rather than waits for the expiry fallback).
func state(t *testing.T, states <-chan string) string {
	t.Helper()
	select {
	case s := <-states:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("the browser's event stream reported nothing")
	}
	return ""
}

// noFrame checks that the device receives nothing for a while.
func (d *testDevice) noFrame(what string) {
	d.e.t.Helper()
	select {
	case f := <-d.frames:
		d.e.t.Fatalf("%s: device got frame kind %d", what, f.Kind)
	case <-time.After(200 * time.Millisecond):
	}
}

// Another instance's changes, as the feed announces them: a prompt
// created elsewhere reaches the device connected here, once; a challenge
// settled elsewhere reaches the device and the browser waiting here; a
// change for an account with no connection here costs nothing.
func TestChangesFromAnotherInstance(t *testing.T) {
	e := newEnv(t, Options{})
	feed := e.follow()
	a := e.enroll("a@example.com")
	a.device.connected()

	ch := e.remotePrompt(a, "pch_elsewhere")
	a.device.noFrame("before the notification")
	feed.changes <- store.PushChange{Kind: store.PushPrompted, ID: ch.ID, UserID: a.userID}
	if p := a.device.prompt(); p.ChallengeID != ch.ID || p.Numbers != ch.Candidates {
		t.Fatalf("prompt %+v", p)
	}
	feed.changes <- store.PushChange{Kind: store.PushPrompted, ID: ch.ID, UserID: a.userID} // delivered twice
	a.device.noFrame("a prompt announced twice")

	// The browser waits here for a prompt it asked for here; the device's
	// approval lands on another instance.
	e.signIn(a)
	mine := e.ask(a)
	states := e.events(a, mine.ID)
	if s := state(t, states); s != "pending" {
		t.Fatalf("first state %q", s)
	}
	a.device.prompt()
	e.remoteAnswer(a, mine.ID, store.PushApproved)
	feed.changes <- store.PushChange{Kind: store.PushSettled, ID: mine.ID, UserID: a.userID}
	if s := state(t, states); s != "approved" {
		t.Fatalf("browser saw %q", s)
	}
	if s := a.device.settled(); s.ChallengeID != mine.ID || s.Outcome != "approved" {
		t.Fatalf("settled %+v", s)
	}
	if _, err := a.api.CompletePushSignIn(ctx, mine.ID); err != nil {
		t.Fatalf("complete after an approval elsewhere: %v", err)
	}

	b := e.enroll("b@example.com") // not connected here
	e.remotePrompt(b, "pch_b")
	feed.changes <- store.PushChange{Kind: store.PushPrompted, ID: "pch_b", UserID: b.userID}
	a.device.noFrame("another account's prompt")
}

// A registration changed elsewhere: a connection made with a key that was
// replaced is closed with 4000, and one whose registration is gone (its
// device deleted) with 4001.
func TestRegistrationChangedElsewhere(t *testing.T) {
	e := newEnv(t, Options{})
	feed := e.follow()
	a := e.enroll("a@example.com")
	a.device.connected()
	feed.changes <- store.PushChange{Kind: store.PushRegistrationChanged, ID: a.device.id, UserID: a.userID}
	a.device.noFrame("an unchanged registration")

	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	if err := e.st.Update(ctx, func(tx store.Tx) error {
		return tx.PutPushRegistration(ctx, store.PushRegistration{DeviceID: a.device.id, UserID: a.userID, PublicKey: pub, CreatedAt: e.clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	feed.changes <- store.PushChange{Kind: store.PushRegistrationChanged, ID: a.device.id, UserID: a.userID}
	if code := a.device.closeStatus(); code != statusReplaced {
		t.Fatalf("replaced key elsewhere: close %d", code)
	}

	b := e.enroll("b@example.com")
	b.device.connected()
	if err := e.st.Update(ctx, func(tx store.Tx) error { return tx.DeleteDevice(ctx, b.userID, b.device.id, store.DeviceActive) }); err != nil {
		t.Fatal(err)
	}
	feed.changes <- store.PushChange{Kind: store.PushRegistrationChanged, ID: b.device.id, UserID: b.userID}
	if code := b.device.closeStatus(); code != statusRevoked {
		t.Fatalf("device deleted elsewhere: close %d", code)
	}
}

// Changes missed while the feed was down (no notification at all): the
// resync offers the prompt created meanwhile, tells the device of the one
// it holds that settled meanwhile, and wakes the browser waiting for it.
func TestResyncCatchesUp(t *testing.T) {
	e := newEnv(t, Options{})
	feed := e.follow()
	a := e.enroll("a@example.com")
	a.device.connected()
	e.signIn(a)
	held := e.ask(a)
	states := e.events(a, held.ID)
	state(t, states)
	a.device.prompt()

	// The feed is down: nothing is announced.
	missed := e.remotePrompt(a, "pch_missed")
	e.remoteAnswer(a, held.ID, store.PushDenied)
	a.device.noFrame("while the feed is down")
	select {
	case s := <-states:
		t.Fatalf("browser woken without a notification: %q", s)
	case <-time.After(200 * time.Millisecond):
	}

	feed.resyncs <- struct{}{}
	if s := state(t, states); s != "denied" {
		t.Fatalf("browser saw %q after the resync", s)
	}
	got := map[pushproto.Kind]string{}
	for range 2 {
		f := a.device.next()
		switch f.Kind {
		case pushproto.KindPrompt:
			p, _ := f.Prompt()
			got[f.Kind] = p.ChallengeID
		case pushproto.KindSettled:
			s, _ := f.Settled()
			got[f.Kind] = s.ChallengeID + " " + s.Outcome
		}
	}
	if got[pushproto.KindPrompt] != missed.ID || got[pushproto.KindSettled] != held.ID+" denied" {
		t.Fatalf("after the resync the device got %v", got)
	}
	feed.resyncs <- struct{}{}
	a.device.noFrame("a second resync")
}
