package service

import (
	"slices"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/push"
)

// The four second-factor paths (TOTP code, recovery code, push approval,
// push redemption) go through one attempt path: the same sequence of wrong
// and right attempts leaves the same throttle row and the same failure and
// lockout audit events, whichever factor it was.
func TestFourFactorPathsBookAlike(t *testing.T) {
	// Six wrong (the sixth starts a backoff lock), one right, one wrong;
	// 30 s apart, so each code is a new step and each lock has ended.
	sequence := []bool{false, false, false, false, false, false, true, false}
	type path struct {
		name string
		try  func(e pushEnv, d device, right bool) error
	}
	paths := []path{
		{"totp code", func(e pushEnv, d device, right bool) error {
			code := "000000"
			if right {
				code = e.code(d.secret)
			} else if code == e.code(d.secret) {
				code = "111111"
			}
			_, err := e.svc.Accounts.SecondFactor(ctx, cl, e.partial(d.user.Email), auth.Factor{Code: code}, false)
			return err
		}},
		{"recovery code", func(e pushEnv, d device, right bool) error {
			rc := "AAAA-AAAA-AAAA-AAAA"
			if right {
				rc = d.recovery[0]
			}
			_, err := e.svc.Accounts.SecondFactor(ctx, cl, e.partial(d.user.Email), auth.Factor{RecoveryCode: rc}, false)
			return err
		}},
		{"push approval", func(e pushEnv, d device, right bool) error {
			ch, err := e.svc.Push.Challenge(ctx, cl, e.partial(d.user.Email))
			if err != nil {
				return err
			}
			n := wrongNumber(ch)
			if right {
				n = ch.Number
			}
			got, err := e.svc.Push.Answer(ctx, d.reg, d.answer(ch.ID, push.Approve, n))
			if err == nil && got.State != auth.PushApproved {
				return auth.ErrVerificationFailed
			}
			return err
		}},
		{"push redemption", func(e pushEnv, d device, right bool) error {
			sess := e.partial(d.user.Email)
			id := "pch_notapproved0000"
			if right {
				ch, err := e.svc.Push.Challenge(ctx, cl, sess)
				if err != nil {
					return err
				}
				if _, err := e.svc.Push.Answer(ctx, d.reg, d.answer(ch.ID, push.Approve, ch.Number)); err != nil {
					return err
				}
				id = ch.ID
			}
			_, err := e.svc.Push.Redeem(ctx, cl, sess, id)
			return err
		}},
	}
	type result struct {
		row    store.Throttle
		events []string
	}
	results := make([]result, len(paths))
	for i, p := range paths {
		e := newPushEnv(t)
		d := e.register("four@example.com", 1)
		start := e.clock.Now()
		for j, right := range sequence {
			e.clock.Advance(30 * time.Second)
			err := p.try(e, d, right)
			if right != (err == nil) {
				t.Fatalf("%s, attempt %d (right %v): %v", p.name, j, right, err)
			}
		}
		th, _ := e.st.Throttle(ctx, d.user.ID)
		// Times relative to the start: every path ran the same clock.
		th.UserID = ""
		th.WindowStart = time.Time{}.Add(th.WindowStart.Sub(start))
		th.LockedUntil = time.Time{}.Add(th.LockedUntil.Sub(start))
		evs, _ := e.svc.Audit.Events(ctx, d.user.ID, 0, auth.MaxAuditPage)
		var kept []string
		for _, ev := range slices.Backward(evs) {
			switch ev.Type {
			case EventVerificationFailure:
				kept = append(kept, ev.Type)
			case EventLockout:
				kept = append(kept, ev.Type+" "+ev.Detail)
			}
		}
		results[i] = result{th, kept}
	}
	want := results[0]
	if want.row.ConsecutiveFailures != 1 || want.row.WindowFailures != 7 || len(want.events) != 8 {
		t.Fatalf("%s: %+v %q", paths[0].name, want.row, want.events)
	}
	for i, r := range results[1:] {
		if r.row != want.row || !slices.Equal(r.events, want.events) {
			t.Errorf("%s left %+v %q; %s left %+v %q", paths[i+1].name, r.row, r.events, paths[0].name, want.row, want.events)
		}
	}
}
