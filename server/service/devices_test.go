package service

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

func TestCreateDeviceGivesKeyOnce(t *testing.T) {
	e := newEnv(t)
	nsu, _ := e.svc.Accounts.SignUp(ctx, cl, "fay@example.com", "correct horse battery", "")
	u := nsu.User
	enr, err := e.svc.Devices.Create(ctx, cl, u.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	k := enr.Key
	if len(k.Secret) != 20 || k.Algorithm != otpauth.SHA1 || k.Digits != 6 || k.Period != 30 || k.Issuer != "Twofold" || k.Account != "fay@example.com" {
		t.Fatalf("key %+v", k)
	}
	d := enr.Device
	if d.State != auth.DevicePending || d.Name != "Authenticator" || !d.ExpiresAt.Equal(t0.Add(10*time.Minute)) ||
		!strings.HasPrefix(d.ID, "dev_") {
		t.Fatalf("device %+v", d)
	}
	list, _ := e.svc.Devices.List(ctx, u.ID)
	if len(list) != 1 || list[0].ID != d.ID {
		t.Fatalf("list %+v", list)
	}
	for _, bad := range []string{strings.Repeat("x", 65), "tab\there", "\u202e"} {
		if _, err := e.svc.Devices.Create(ctx, cl, u.ID, bad); !errors.Is(err, auth.ErrInvalidName) {
			t.Errorf("name %q: %v", bad, err)
		}
	}
}

func TestPendingDeviceExpiresAndIsSwept(t *testing.T) {
	e := newEnv(t)
	nsu, _ := e.svc.Accounts.SignUp(ctx, cl, "gus@example.com", "correct horse battery", "")
	u := nsu.User
	enr, _ := e.svc.Devices.Create(ctx, cl, u.ID, "phone")
	e.clock.Advance(10 * time.Minute)
	if _, err := e.svc.Devices.Activate(ctx, cl, auth.Session{UserID: u.ID}, enr.Device.ID, e.code(enr.Key.Secret)); !errors.Is(err, auth.ErrDeviceExpired) {
		t.Fatalf("activate expired: %v", err)
	}
	if list, _ := e.svc.Devices.List(ctx, u.ID); len(list) != 0 {
		t.Fatalf("expired device listed: %+v", list)
	}
	devs, _, err := e.svc.Sweep(ctx)
	if err != nil || devs != 1 {
		t.Fatalf("sweep: %d %v", devs, err)
	}
	if all, _ := e.st.Devices(ctx, u.ID); len(all) != 0 {
		t.Fatalf("still stored: %+v", all)
	}
}

func TestDeleteInactiveDevices(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("hal@example.com")
	e.clock.Advance(30 * time.Second)
	ns, err := e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{Code: e.code(a.secret)}, false)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := e.svc.Devices.Enroll(ctx, cl, ns.Session, "spare", auth.Factor{}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.svc.Devices.DeleteInactive(ctx, cl, a.user.ID)
	if err != nil || n != 3 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	list, _ := e.svc.Devices.List(ctx, a.user.ID)
	if len(list) != 1 || list[0].ID != a.device.ID || list[0].State != auth.DeviceActive {
		t.Fatalf("left %+v", list)
	}
}

func TestDeleteDeviceNeedsFreshFactor(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("ivy@example.com")
	sess := a.session // password-only session from sign-up: not fresh
	if err := e.svc.Devices.Delete(ctx, cl, sess, a.device.ID, auth.Factor{}); !errors.Is(err, auth.ErrFreshFactorRequired) {
		t.Fatalf("no factor: %v", err)
	}
	if err := e.svc.Devices.Delete(ctx, cl, sess, a.device.ID, auth.Factor{Code: "000000"}); !errors.Is(err, auth.ErrVerificationFailed) {
		t.Fatalf("wrong code: %v", err)
	}
	// An MFA sign-in within the window is fresh enough...
	e.clock.Advance(30 * time.Second)
	ns, err := e.svc.Accounts.SecondFactor(ctx, cl, e.partial("ivy@example.com"), auth.Factor{Code: e.code(a.secret)}, false)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5*time.Minute + time.Second)
	// ...but not after it.
	if err := e.svc.Devices.Delete(ctx, cl, ns.Session, a.device.ID, auth.Factor{}); !errors.Is(err, auth.ErrFreshFactorRequired) {
		t.Fatalf("stale MFA: %v", err)
	}
	second, err := e.svc.Devices.Enroll(ctx, cl, ns.Session, "tablet", auth.Factor{Code: e.code(a.secret)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Devices.Activate(ctx, cl, ns.Session, second.Device.ID, e.code(second.Key.Secret)); err != nil {
		t.Fatal(err)
	}
	// A current code does it.
	e.clock.Advance(30 * time.Second)
	if err := e.svc.Devices.Delete(ctx, cl, ns.Session, a.device.ID, auth.Factor{Code: e.code(a.secret)}); err != nil {
		t.Fatalf("with code: %v", err)
	}
	// So does a recovery code; deleting the last device turns MFA off.
	if err := e.svc.Devices.Delete(ctx, cl, ns.Session, second.Device.ID, auth.Factor{RecoveryCode: a.recovery[3]}); err != nil {
		t.Fatalf("with recovery code: %v", err)
	}
	if on, _ := e.svc.core.mfaEnrolled(ctx, a.user.ID); on {
		t.Fatal("MFA still on")
	}
	if n, _ := e.svc.Devices.RecoveryCodesRemaining(ctx, a.user.ID); n != 0 {
		t.Fatalf("%d recovery codes survive MFA off", n)
	}
	if err := e.svc.Devices.Delete(ctx, cl, ns.Session, "dev_nope", auth.Factor{}); !errors.Is(err, auth.ErrDeviceNotFound) {
		t.Fatalf("unknown device: %v", err)
	}
}

// Adding a device to an account that has an active one needs the same fresh
// second factor as deleting one; the first enrollment needs none.
func TestEnrollDeviceNeedsFreshFactorOnceActive(t *testing.T) {
	e := newEnv(t)
	signUp, err := e.svc.Accounts.SignUp(ctx, cl, "kim@example.com", "correct horse battery", "")
	u := signUp.User
	if err != nil {
		t.Fatal(err)
	}
	sess := signUp.Session // full, password only: never verified a second factor
	first, err := e.svc.Devices.Enroll(ctx, cl, sess, "phone", auth.Factor{})
	if err != nil {
		t.Fatalf("first enrollment: %v", err)
	}
	if _, err := e.svc.Devices.Enroll(ctx, cl, sess, "spare", auth.Factor{}); err != nil {
		t.Fatalf("second pending device, none active: %v", err)
	}
	res, err := e.svc.Devices.Activate(ctx, cl, sess, first.Device.ID, e.code(first.Key.Secret))
	if err != nil {
		t.Fatal(err)
	}
	recovery := res.RecoveryCodes
	count := func() int {
		all, err := e.st.Devices(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}

	// Active now: no factor is refused, and nothing is stored.
	if _, err := e.svc.Devices.Enroll(ctx, cl, sess, "tablet", auth.Factor{}); !errors.Is(err, auth.ErrFreshFactorRequired) {
		t.Fatalf("no factor: %v", err)
	}
	if _, err := e.svc.Devices.Create(ctx, cl, u.ID, "tablet"); !errors.Is(err, auth.ErrFreshFactorRequired) {
		t.Fatalf("CreateDevice without a session factor: %v", err)
	}
	if _, err := e.svc.Devices.Enroll(ctx, cl, sess, "tablet", auth.Factor{Code: "000000"}); !errors.Is(err, auth.ErrVerificationFailed) {
		t.Fatalf("wrong code: %v", err)
	}
	if n := count(); n != 2 {
		t.Fatalf("%d devices stored after refusals, want 2", n)
	}

	// A current code does it, once.
	e.clock.Advance(30 * time.Second)
	code := e.code(first.Key.Secret)
	if _, err := e.svc.Devices.Enroll(ctx, cl, sess, "tablet", auth.Factor{Code: code}); err != nil {
		t.Fatalf("with code: %v", err)
	}
	if _, err := e.svc.Devices.Enroll(ctx, cl, sess, "tablet", auth.Factor{Code: code}); !errors.Is(err, auth.ErrVerificationFailed) {
		t.Fatalf("replayed code: %v", err)
	}
	if _, err := e.svc.Devices.Enroll(ctx, cl, sess, "laptop", auth.Factor{RecoveryCode: recovery[0]}); err != nil {
		t.Fatalf("with recovery code: %v", err)
	}

	// An MFA step-up within the window is fresh enough; after it, not.
	e.clock.Advance(30 * time.Second)
	up, err := e.svc.Accounts.SecondFactor(ctx, cl, sess, auth.Factor{Code: e.code(first.Key.Secret)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Devices.Enroll(ctx, cl, up.Session, "desk", auth.Factor{}); err != nil {
		t.Fatalf("fresh MFA session: %v", err)
	}
	e.clock.Advance(5*time.Minute + time.Second)
	if _, err := e.svc.Devices.Enroll(ctx, cl, up.Session, "desk", auth.Factor{}); !errors.Is(err, auth.ErrFreshFactorRequired) {
		t.Fatalf("stale MFA session: %v", err)
	}
	if n := count(); n != 5 {
		t.Fatalf("%d devices stored, want 5", n)
	}
}

func TestRecoveryCodesRegenerateAndDisableMFA(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("jan@example.com")
	if _, err := e.svc.Devices.RegenerateRecoveryCodes(ctx, cl, a.session, auth.Factor{}); !errors.Is(err, auth.ErrFreshFactorRequired) {
		t.Fatalf("regenerate without factor: %v", err)
	}
	fresh, err := e.svc.Devices.RegenerateRecoveryCodes(ctx, cl, a.session, auth.Factor{RecoveryCode: a.recovery[0]})
	if err != nil || len(fresh) != 10 {
		t.Fatalf("regenerate: %v", err)
	}
	// The old set is gone.
	if _, err := e.svc.Accounts.SecondFactor(ctx, cl, e.partial("jan@example.com"), auth.Factor{RecoveryCode: a.recovery[1]}, false); !errors.Is(err, auth.ErrVerificationFailed) {
		t.Fatalf("old code after regenerate: %v", err)
	}
	if err := e.svc.Devices.DisableMFA(ctx, cl, a.session, auth.Factor{RecoveryCode: fresh[0]}); err != nil {
		t.Fatal(err)
	}
	ns, err := e.svc.Accounts.SignIn(ctx, cl, "jan@example.com", "correct horse battery")
	if err != nil || ns.Session.Stage != auth.StageFull {
		t.Fatalf("sign-in after MFA off: %+v %v", ns.Session, err)
	}
	if err := e.svc.Devices.DisableMFA(ctx, cl, ns.Session, auth.Factor{RecoveryCode: fresh[1]}); !errors.Is(err, auth.ErrMFANotEnrolled) {
		t.Fatal(err)
	}
}

// Invariant 2 under contention: 100 goroutines submit one valid code at
// once; exactly one succeeds.
func TestInvariant2_ConcurrentSubmissionsOneSuccess(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("kim@example.com")
	e.clock.Advance(30 * time.Second)
	code := e.code(a.secret)
	var ok atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{Code: code}, false)
			switch {
			case err == nil:
				ok.Add(1)
			case !errors.Is(err, auth.ErrVerificationFailed):
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d successes", ok.Load())
	}
}

func TestVerificationInputFormat(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("lee@example.com")
	for _, tc := range []struct {
		f    auth.Factor
		want error
	}{
		{auth.Factor{}, auth.ErrFactorMissing},
		{auth.Factor{Code: "123456", RecoveryCode: a.recovery[0]}, auth.ErrFactorMissing},
		{auth.Factor{Code: "12345"}, auth.ErrCodeFormat},
		{auth.Factor{Code: "123456789"}, auth.ErrCodeFormat},
		{auth.Factor{Code: "12a456"}, auth.ErrCodeFormat},
		{auth.Factor{Code: "١٢٣٤٥٦"}, auth.ErrCodeFormat},
		{auth.Factor{RecoveryCode: "nope"}, auth.ErrRecoveryCodeFormat},
	} {
		if _, err := e.svc.Accounts.SecondFactor(ctx, cl, a.session, tc.f, false); !errors.Is(err, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.f, err, tc.want)
		}
	}
	// Malformed input is not a guess: the throttle is untouched.
	if th, _ := e.st.Throttle(ctx, a.user.ID); th.ConsecutiveFailures != 0 || th.WindowFailures != 0 {
		t.Fatalf("throttle %+v", th)
	}
	// Spaces and dashes are accepted.
	e.clock.Advance(30 * time.Second)
	c := e.code(a.secret)
	if _, err := e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{Code: " " + c[:3] + "-" + c[3:] + " "}, false); err != nil {
		t.Fatalf("spaced code: %v", err)
	}
}
