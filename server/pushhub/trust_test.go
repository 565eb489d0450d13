package pushhub

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// A stranger who knows a device id (it is in the enrollment URI) and
// floods the registration endpoint with proofs it cannot make locks
// nothing: the owner's next code still signs in (issue 11, item 3).
func TestStrangerRegistrationsLockNobodyOut(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.enroll("a@example.com")
	stranger := pushproto.PublicKey(bytes.Repeat([]byte{9}, 32))
	for range 40 {
		if err := e.register(a.device.id, []byte("not the seed, 20 bytes"), stranger); !client.IsCode(err, "registration_rejected") {
			t.Fatalf("stranger's registration: %v", err)
		}
	}
	if th, _ := e.st.Throttle(context.Background(), a.userID); th.ConsecutiveFailures != 0 || !th.LockedUntil.IsZero() {
		t.Fatalf("throttle after a stranger's registrations: %+v", th)
	}
	e.clock.Advance(30 * time.Second)
	e.signIn(a)
	if _, err := a.api.SecondFactor(ctx, wire.SecondFactorRequest{Code: e.code(a.secret)}); err != nil {
		t.Fatalf("owner's code after a stranger's registrations: %v", err)
	}
	reg, err := e.st.PushRegistration(context.Background(), a.device.id)
	if err != nil || bytes.Equal(reg.PublicKey, stranger) {
		t.Fatalf("registration %+v %v", reg, err)
	}
}

// When an account's push key is replaced (the person turned prompts on in
// another browser), the connection made with the old key is closed at once
// and receives no further prompt (issue 11, item 8).
func TestReplacedKeyConnectionClosed(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.enroll("a@example.com")
	a.device.connect()
	old := *a.device
	newSeed := bytes.Repeat([]byte{5}, 32)
	if err := e.register(a.device.id, a.secret, pushproto.PublicKey(newSeed)); err != nil {
		t.Fatalf("re-register: %v", err)
	}
	if code := old.closeStatus(); code != statusReplaced {
		t.Fatalf("old key's connection closed with %d, want %d", code, statusReplaced)
	}
	// The new key connects and gets the prompts; the old one cannot.
	a.device.seed = newSeed
	a.device.connect()
	e.signIn(a)
	ch := e.ask(a)
	if p := a.device.prompt(); p.ChallengeID != ch.ID {
		t.Fatalf("prompt %+v", p)
	}
	if err := old.connectWith(old.seed); err != nil {
		t.Fatal(err)
	}
	if code := old.closeStatus(); code != statusAuth {
		t.Fatalf("old key reconnecting: close %d", code)
	}
	// Registering the same key again changes nothing live.
	if err := e.register(a.device.id, a.secret, pushproto.PublicKey(newSeed)); err != nil {
		t.Fatalf("re-register same key: %v", err)
	}
	sess := auth.Session{UserID: a.userID, Stage: auth.StageFull}
	e.clock.Advance(30 * time.Second)
	if err := e.svc.Devices.Delete(context.Background(), auth.Client{}, sess, a.device.id, auth.Factor{Code: e.code(a.secret)}); err != nil {
		t.Fatal(err)
	}
	if code := a.device.closeStatus(); code != statusRevoked {
		t.Fatalf("the same key's connection after re-registering and deleting: close %d", code)
	}
}
