package service

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/push"
)

// racingStore runs a hook right after the first Device read, to put a
// concurrent change exactly between a read and the write that follows it.
type racingStore struct {
	store.Store
	fired atomic.Bool
	hook  func()
}

func (r *racingStore) Device(ctx context.Context, userID, id string) (store.Device, error) {
	d, err := r.Store.Device(ctx, userID, id)
	if !r.fired.Swap(true) {
		r.hook() // the hook's own reads pass straight through
	}
	return d, err
}

// A device activated between DeleteDevice's look and its delete must not be
// deleted under the pending rule, without a factor (issue 11, item 9).
func TestDeleteDecidesInsideTheTransaction(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("race@example.com")
	e.clock.Advance(30 * time.Second)
	pending, err := e.svc.Devices.Enroll(ctx, cl, a.session, "tablet", auth.Factor{Code: e.code(a.secret)})
	if err != nil {
		t.Fatal(err)
	}
	rs := &racingStore{Store: e.st}
	keys, _ := secrets.NewKeyring(rand.Reader, testKey)
	svc, err := New(Config{Argon2: fastArgon2}, Deps{Store: rs, Keys: keys, Now: e.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	activated := false
	rs.hook = func() {
		if _, err := svc.Devices.Activate(ctx, cl, a.session, pending.Device.ID, e.code(pending.Key.Secret)); err == nil {
			activated = true
		}
	}
	err = svc.Devices.Delete(ctx, cl, a.session, pending.Device.ID, auth.Factor{}) // a.session has no fresh factor
	d, getErr := e.st.Device(ctx, a.user.ID, pending.Device.ID)
	switch {
	case activated && errors.Is(getErr, store.ErrNotFound):
		t.Fatalf("an active device was deleted without a factor (delete: %v)", err)
	case activated && !errors.Is(err, auth.ErrFreshFactorRequired):
		t.Fatalf("delete of the just-activated device: %v", err)
	case !activated && (err != nil || !errors.Is(getErr, store.ErrNotFound)):
		t.Fatalf("pending device: delete %v, then %+v %v", err, d, getErr)
	}
}

// Every path that shows a seed builds the same key, push parameters
// included: a regenerated seed's URI carries them as enrollment's does.
func TestRegeneratedSeedCarriesPushParameters(t *testing.T) {
	e := newPushEnv(t)
	ns, err := e.svc.Accounts.SignUp(ctx, cl, "seed@example.com", "correct horse battery", "")
	if err != nil {
		t.Fatal(err)
	}
	enr, err := e.svc.Devices.Enroll(ctx, cl, ns.Session, "phone", auth.Factor{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.Devices.RegenerateSeed(ctx, cl, ns.Session, enr.Device.ID, auth.Factor{})
	if err != nil {
		t.Fatal(err)
	}
	origin, device, ok := push.Endpoint(again.Key)
	if !ok || origin != testOrigin || device != enr.Device.ID || !slices.Equal(again.Key.Extra, enr.Key.Extra) {
		t.Fatalf("regenerated key's parameters %+v (enrollment's %+v)", again.Key.Extra, enr.Key.Extra)
	}
	parsed, err := otpauth.Parse(again.Key.URI())
	if err != nil || !slices.Equal(parsed.Extra, enr.Key.Extra) {
		t.Fatalf("URI %s: %v", again.Key.URI(), err)
	}
	if slices.Equal(again.Key.Secret, enr.Key.Secret) {
		t.Fatal("same secret")
	}
	// Another session of the same user may not take the device's seed.
	other, err := e.svc.Accounts.SignIn(ctx, cl, "seed@example.com", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Devices.RegenerateSeed(ctx, cl, other.Session, enr.Device.ID, auth.Factor{}); !errors.Is(err, auth.ErrDeviceNotYours) {
		t.Fatalf("another session: %v", err)
	}
	if _, err := e.svc.Devices.Activate(ctx, cl, other.Session, enr.Device.ID, e.code(again.Key.Secret)); !errors.Is(err, auth.ErrDeviceNotYours) {
		t.Fatalf("another session activating: %v", err)
	}
}

// A token is refused every power on an account without MFA: it cannot
// enroll the first device and so cannot turn MFA on and take the recovery
// codes (issue 11, item 1).
func TestTokenCannotEnrollFirstDevice(t *testing.T) {
	e := newEnv(t)
	ns, err := e.svc.Accounts.SignUp(ctx, cl, "tok@example.com", "correct horse battery", "")
	u := ns.User
	if err != nil {
		t.Fatal(err)
	}
	nt, err := e.svc.Tokens.Create(ctx, cl, ns.Session, "cli", time.Time{}, auth.Factor{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Devices.Enroll(ctx, cl, auth.TokenSession(nt.Token), "mine", auth.Factor{}); !errors.Is(err, auth.ErrTokenNotAllowed) {
		t.Fatalf("token enrolling the first device: %v", err)
	}
	if ds, _ := e.st.Devices(ctx, u.ID); len(ds) != 0 {
		t.Fatalf("devices %+v", ds)
	}
	if _, err := e.svc.Tokens.Create(ctx, cl, auth.TokenSession(nt.Token), "more", time.Time{}, auth.Factor{}); !errors.Is(err, auth.ErrTokenNotAllowed) {
		t.Fatalf("token minting a token: %v", err)
	}
}
