package client_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"slices"
	"testing"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/pushhub"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// Push sign-in as the client sees it: a registration (a wrong proof
// refused), a prompt sent and read, refused before it is approved,
// redeemed for a [pwd push] session after. The device's approval goes to
// the service directly: its websocket is server/pushhub's to test.
func TestPushSignIn(t *testing.T) {
	e := newEnv(t, apitest.Options{Hub: func(p *service.Push) apitest.Hub { return pushhub.NewHub(p, pushhub.Options{}) }})
	owner, key, _ := e.enrolled(t, "push@example.com")
	list, err := owner.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deviceID := list.Devices[0].ID
	secret, _ := otpauth.DecodeSecret(key)
	seed := make([]byte, ed25519.SeedSize)
	pub := pushproto.PublicKey(seed)
	reg := func(proofKey []byte) (wire.PushRegistration, error) {
		at := e.clock.Now().Unix()
		return e.Client(t).RegisterPush(ctx, wire.PushRegistrationRequest{DeviceID: deviceID, PublicKey: b64(pub), At: at,
			Proof: b64(pushproto.RegistrationProof(proofKey, e.URL, deviceID, pub, at))})
	}
	_, err = reg([]byte("not the device's key"))
	wantCode(t, err, http.StatusForbidden, "registration_rejected")
	if r, err := reg(secret); err != nil || r.DeviceID != deviceID || !r.RegisteredAt.Equal(e.clock.Now()) {
		t.Fatalf("register: %+v %v", r, err)
	}

	browser := e.Client(t)
	if _, err := browser.SignIn(ctx, "push@example.com", apitest.Password); err != nil {
		t.Fatal(err)
	}
	ch, err := browser.CreatePushChallenge(ctx)
	if err != nil || ch.State != "pending" || ch.Number == 0 {
		t.Fatalf("challenge: %+v %v", ch, err)
	}
	if got, err := browser.PushChallenge(ctx, ch.ID); err != nil || got.ID != ch.ID || got.Number != ch.Number {
		t.Fatalf("read back: %+v %v", got, err)
	}
	_, err = browser.CompletePushSignIn(ctx, ch.ID)
	wantCode(t, err, http.StatusForbidden, "verification_failed")

	answer := pushproto.Answer{Origin: e.URL, ChallengeID: ch.ID, Decision: pushproto.Approve, Number: ch.Number, DeviceID: deviceID}
	frame := pushproto.AnswerFrame{ChallengeID: ch.ID, Decision: pushproto.Approve, Number: ch.Number,
		Signature: pushproto.Sign(seed, answer.Message())}
	if _, err := e.Service.Push.Answer(context.Background(), auth.PushRegistration{DeviceID: deviceID, PublicKey: pub}, frame); err != nil {
		t.Fatal(err)
	}
	s, err := browser.CompletePushSignIn(ctx, ch.ID)
	if err != nil || s.Session.Stage != "full" || !slices.Equal(s.Session.AMR, []string{"pwd", "push"}) {
		t.Fatalf("complete: %+v %v", s, err)
	}
	_, err = browser.PushChallenge(ctx, "nosuchchallenge")
	wantCode(t, err, http.StatusNotFound, "not_found")
}

// A server without push says so.
func TestPushDisabled(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	c := e.user(t, "nopush@example.com")
	_, err := c.CreatePushChallenge(ctx)
	wantCode(t, err, http.StatusNotFound, "push_disabled")
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
