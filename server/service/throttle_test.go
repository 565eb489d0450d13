package service

import (
	"errors"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

func TestThrottlePolicyBackoffAndBudget(t *testing.T) {
	p := DefaultThrottle
	th := store.Throttle{UserID: "u"}
	now := t0
	var locks []string
	for i := 1; i <= 8; i++ {
		var lock string
		th, lock = p.Fail(th, now, 1)
		if lock != "" {
			locks = append(locks, lock)
		}
		wantLocked := i > p.FreeFailures
		if p.Locked(th, now) != wantLocked {
			t.Fatalf("failure %d: locked=%v", i, !wantLocked)
		}
		if wantLocked {
			want := p.BaseDelay << (i - p.FreeFailures - 1)
			if got := th.LockedUntil.Sub(now); got != want {
				t.Fatalf("failure %d: delay %v, want %v", i, got, want)
			}
		}
	}
	if len(locks) != 1 || locks[0] != "backoff" {
		t.Fatalf("lock events %v", locks)
	}
	// The delay grows to MaxDelay and stays there.
	for range 20 {
		th, _ = p.Fail(th, now, 1)
	}
	if th.LockedUntil.Sub(now) != p.MaxDelay {
		t.Fatalf("delay %v, want cap %v", th.LockedUntil.Sub(now), p.MaxDelay)
	}
	// A success resets the backoff but not the budget.
	th = p.Succeed(th)
	if th.ConsecutiveFailures != 0 || th.WindowFailures != 28 {
		t.Fatalf("after success %+v", th)
	}
	// Weighted failures exhaust the budget: locked until the window ends.
	th, lock := p.Fail(th, now, p.WindowBudget)
	if lock != "budget" || !th.LockedUntil.Equal(th.WindowStart.Add(p.Window)) {
		t.Fatalf("budget lock %q until %v", lock, th.LockedUntil)
	}
	// A new window starts fresh.
	th, _ = p.Fail(p.Succeed(th), th.LockedUntil, 1)
	if th.WindowFailures != 1 || p.Locked(th, th.WindowStart) {
		t.Fatalf("new window %+v", th)
	}
}

// wrongCode is a code that none of the steps in the skew window produce.
func wrongCode(t *testing.T, secret []byte, now time.Time) string {
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		ok := false
		for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
			if got, _ := otpcode.TOTP(secret, totpParams, now.Add(d)); got == c {
				ok = true
			}
		}
		if !ok {
			return c
		}
	}
	t.Fatal("no wrong code")
	return ""
}

// Invariant 3: after the limit even the right code fails, with the same
// error as a wrong or replayed code, and the lock outlives a restart.
func TestInvariant3_LockoutSameAnswerAndSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("max@example.com")
	p := e.svc.Config().Throttle
	e.clock.Advance(30 * time.Second)
	code := e.code(a.secret)
	for range p.FreeFailures + 1 {
		if _, err := e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{Code: wrongCode(t, a.secret, e.clock.Now())}, false); !errors.Is(err, auth.ErrVerificationFailed) {
			t.Fatal(err)
		}
	}
	e.restart()
	_, err := e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{Code: code}, false)
	if !errors.Is(err, auth.ErrVerificationFailed) || e.obs.last() != OutcomeLocked {
		t.Fatalf("right code while locked after restart: %v (%s)", err, e.obs.last())
	}
	e.clock.Advance(p.BaseDelay)
	if _, err := e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{Code: code}, false); err != nil {
		t.Fatalf("after the backoff: %v", err)
	}
	// Replayed: same error value.
	_, err = e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{Code: code}, false)
	if !errors.Is(err, auth.ErrVerificationFailed) || e.obs.last() != OutcomeReplay {
		t.Fatalf("replay: %v %s", err, e.obs.last())
	}
	evs, _ := e.svc.Audit.Events(ctx, a.user.ID, 0, 0)
	found := false
	for _, ev := range evs {
		found = found || (ev.Type == EventLockout && ev.Detail == "backoff")
	}
	if !found {
		t.Fatalf("no lockout audit event in %+v", evs)
	}
	// Recovery codes go through the same throttle.
	e.obs.outcomes = nil
	for range p.FreeFailures + 1 {
		e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{RecoveryCode: "0000-0000-0000-0000"}, false)
	}
	_, err = e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{RecoveryCode: a.recovery[0]}, false)
	if !errors.Is(err, auth.ErrVerificationFailed) || e.obs.last() != OutcomeLocked {
		t.Fatalf("recovery code while locked: %v %s", err, e.obs.last())
	}
}

// Invariant 3, the budget: an attacker who knows the password and guesses
// as fast as the throttle allows, for 72 simulated hours, while the owner
// signs in successfully every two hours (resetting the backoff), gets at
// most 333 guesses checked in any 24 h, so succeeds with P ≤ 333·3/10^6 ≈
// 1e-3 per day.
func TestInvariant3_DailyGuessBudget(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("ned@example.com")
	attacker := e.partial("ned@example.com")
	attacker.ExpiresAt = t0.Add(1000 * time.Hour) // keep using it; the service is given the session
	var checked []time.Time
	end := e.clock.Now().Add(72 * time.Hour)
	nextOwner := e.clock.Now().Add(2 * time.Hour)
	for e.clock.Now().Before(end) {
		now := e.clock.Now()
		if !now.Before(nextOwner) {
			e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{Code: e.code(a.secret)}, false)
			nextOwner = nextOwner.Add(2 * time.Hour)
		}
		_, err := e.svc.Accounts.SecondFactor(ctx, cl, attacker, auth.Factor{Code: wrongCode(t, a.secret, now)}, false)
		if err == nil {
			t.Fatal("wrong code accepted")
		}
		if o := e.obs.last(); o == OutcomeWrong {
			checked = append(checked, now)
		}
		th, _ := e.st.Throttle(ctx, a.user.ID)
		next := now.Add(time.Second)
		if th.LockedUntil.After(next) {
			next = th.LockedUntil // the attacker waits exactly as long as it must
		}
		if next.After(nextOwner) && now.Before(nextOwner) {
			next = nextOwner
		}
		e.clock.Set(next)
	}
	worst := 0
	for i := range checked {
		n := 0
		for j := i; j < len(checked) && checked[j].Sub(checked[i]) < 24*time.Hour; j++ {
			n++
		}
		worst = max(worst, n)
	}
	p := float64(worst) * 3 / 1e6
	t.Logf("%d guesses checked in 72 h; at most %d in any 24 h; P(success per day) ≤ %.1e", len(checked), worst, p)
	if worst > 333 || p > 1e-3 {
		t.Fatalf("%d guesses in 24 h exceed the budget", worst)
	}
	if worst < 50 {
		t.Fatalf("only %d guesses in 24 h: the simulation is not exercising the throttle", worst)
	}
}

// A right current password asked again for a fresh second factor does not
// spend the account's password budget: ten such rounds, then the change.
func TestPasswordChangeFreshFactorRoundsAreFree(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("round@example.com")
	e.clock.Advance(e.svc.Config().FreshFactorWindow + time.Second)
	for i := range 10 {
		_, err := e.svc.Accounts.ChangePassword(ctx, cl, a.session, "correct horse battery", "a new passphrase", auth.Factor{})
		if !errors.Is(err, auth.ErrFreshFactorRequired) {
			t.Fatalf("round %d: %v", i+1, err)
		}
	}
	if _, err := e.svc.Accounts.ChangePassword(ctx, cl, a.session, "correct horse battery", "a new passphrase", auth.Factor{Code: e.code(a.secret)}); err != nil {
		t.Fatal(err)
	}
}
