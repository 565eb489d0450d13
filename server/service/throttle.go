package service

import (
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// ThrottlePolicy limits second-factor guesses per account. Two rules, both
// kept in the store so a restart changes nothing:
//
//   - backoff: after FreeFailures consecutive failures, each further failure
//     locks the account for BaseDelay, doubling per failure up to MaxDelay;
//     a success resets this count;
//   - budget: weighted failures are counted per Window (a fixed window opened
//     by the first failure after the previous one ended, never reset by a
//     success); reaching WindowBudget locks the account until the window ends.
//
// A failure's weight is the number of TOTP devices the guess was compared
// with, so more devices do not buy an attacker more chances. See
// docs/security.md for the arithmetic that bounds an attacker's success.
type ThrottlePolicy struct {
	FreeFailures int
	BaseDelay    time.Duration
	MaxDelay     time.Duration
	Window       time.Duration
	WindowBudget int
}

// DefaultThrottle allows at most 2×100 device-guesses in any 24 h, so with
// 3 accepted codes of 10^6 per guess an attacker succeeds with P ≤ 6e-4/day.
var DefaultThrottle = ThrottlePolicy{
	FreeFailures: 5,
	BaseDelay:    time.Second,
	MaxDelay:     15 * time.Minute,
	Window:       24 * time.Hour,
	WindowBudget: 100,
}

func (p ThrottlePolicy) withDefaults() ThrottlePolicy { return p.withDefaultsFrom(DefaultThrottle) }

// withDefaultsFrom fills p's zero fields from d.
func (p ThrottlePolicy) withDefaultsFrom(d ThrottlePolicy) ThrottlePolicy {
	if p.FreeFailures > 0 {
		d.FreeFailures = p.FreeFailures
	}
	if p.BaseDelay > 0 {
		d.BaseDelay = p.BaseDelay
	}
	if p.MaxDelay > 0 {
		d.MaxDelay = p.MaxDelay
	}
	if p.Window > 0 {
		d.Window = p.Window
	}
	if p.WindowBudget > 0 {
		d.WindowBudget = p.WindowBudget
	}
	return d
}

// Locked reports whether t refuses every verification at now.
func (p ThrottlePolicy) Locked(t store.Throttle, now time.Time) bool {
	return now.Before(t.LockedUntil)
}

// Fail books a failure of the given weight at now. lockout names the lock
// this failure started, for the audit log: "backoff" when the consecutive
// failures first pass FreeFailures, "budget" when the window's budget runs
// out, "" otherwise.
func (p ThrottlePolicy) Fail(t store.Throttle, now time.Time, weight int) (next store.Throttle, lockout string) {
	weight = max(weight, 1)
	if t.WindowStart.IsZero() || !now.Before(t.WindowStart.Add(p.Window)) {
		t.WindowStart, t.WindowFailures = now, 0
	}
	before := t.WindowFailures
	t.WindowFailures += weight
	t.ConsecutiveFailures++
	until := p.backoffUntil(t.ConsecutiveFailures, now)
	if t.ConsecutiveFailures == p.FreeFailures+1 {
		lockout = "backoff"
	}
	if t.WindowFailures >= p.WindowBudget {
		if end := t.WindowStart.Add(p.Window); end.After(until) {
			until = end
		}
		if before < p.WindowBudget {
			lockout = "budget"
		}
	}
	if until.After(t.LockedUntil) {
		t.LockedUntil = until
	}
	return t, lockout
}

// Succeed books a success: the backoff count restarts, the budget does not.
func (p ThrottlePolicy) Succeed(t store.Throttle) store.Throttle {
	t.ConsecutiveFailures = 0
	return t
}
