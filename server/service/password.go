package service

import (
	"context"
	"errors"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/store"
)

// Password guesses are bounded per account, in the database, so that
// spreading them over many client addresses buys nothing and a restart
// resets nothing (DESIGN invariant 9). Each attempt is booked as a failure
// before the password is checked, so concurrent guesses cannot slip past a
// lock that the ones before them would have set; a success takes its own
// booking back. Two channels:
//
//   - a browser that completed a sign-in to the account before (a known
//     browser: it holds a random token in a cookie, OWASP's "device
//     cookie") books against its own record: backoff only, so a stranger
//     who locks the account out cannot lock its owner out of the browsers
//     they already use;
//   - any other client books against the account's password record: the
//     same backoff and daily budget as the second factor (ThrottlePolicy),
//     in a separate row, so password guesses never lock the second factor.
//
// A locked attempt gets the same answer, after the same work, as a wrong
// password. docs/security.md has the arithmetic.

// DefaultPasswordThrottle allows at most 100 password guesses per account
// per 24 h from browsers that never signed in to it.
var DefaultPasswordThrottle = ThrottlePolicy{
	FreeFailures: 5,
	BaseDelay:    time.Second,
	MaxDelay:     15 * time.Minute,
	Window:       24 * time.Hour,
	WindowBudget: 100,
}

// Known browsers.
const (
	// EventPasswordLockout: password guesses locked the account's record
	// (detail "backoff" or "budget") or a known browser's ("browser
	// backoff").
	EventPasswordLockout = "password_lockout"
)

// passwordAttempt is one booked password attempt: which record it was
// booked on, to take it back after a success.
type passwordAttempt struct {
	userID  string
	browser *store.KnownBrowser // nil: the account's record
	lockout string              // the lock this booking started, if any
}

// knownBrowser returns the live known-browser record of token for userID,
// or nil.
func (s *core) knownBrowser(ctx context.Context, r store.Reader, token, userID string, now time.Time) (*store.KnownBrowser, error) {
	if token == "" || !credential.ValidTokenSyntax(token) {
		return nil, nil
	}
	b, err := r.KnownBrowser(ctx, credential.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if b.UserID != userID || !now.Before(b.ExpiresAt) {
		return nil, nil
	}
	return &b, nil
}

// bookPasswordAttempt books an attempt on the channel's record before the
// password is checked; locked is true when the channel is locked now (then
// nothing is booked and the password must not be checked).
func (s *core) bookPasswordAttempt(ctx context.Context, c auth.Client, userID string) (a passwordAttempt, locked bool, err error) {
	a.userID = userID
	policy := s.cfg.PasswordThrottle
	err = s.store.Update(ctx, func(tx store.Tx) error {
		now := s.now()
		b, err := s.knownBrowser(ctx, tx, c.BrowserToken, userID, now)
		if err != nil {
			return err
		}
		if b != nil {
			a.browser = b
			if now.Before(b.LockedUntil) {
				locked = true
				return nil
			}
			b.ConsecutiveFailures++
			if until := policy.backoffUntil(b.ConsecutiveFailures, now); !until.IsZero() {
				b.LockedUntil = until
				if b.ConsecutiveFailures == policy.FreeFailures+1 {
					a.lockout = "browser backoff"
				}
			}
			return tx.PutKnownBrowser(ctx, *b)
		}
		th, err := tx.PasswordThrottle(ctx, userID)
		if err != nil {
			return err
		}
		if policy.Locked(th, now) {
			locked = true
			return nil
		}
		next, lockout := policy.Fail(th, now, 1)
		a.lockout = lockout
		return tx.PutPasswordThrottle(ctx, next)
	})
	return a, locked, err
}

// passwordAccepted takes back an attempt's booking after the right
// password: the backoff restarts; the daily budget keeps only others'
// failures.
func (s *core) passwordAccepted(ctx context.Context, tx store.Tx, a passwordAttempt) error {
	if a.browser != nil {
		b, err := tx.KnownBrowser(ctx, a.browser.TokenHash)
		if errors.Is(err, store.ErrNotFound) {
			return nil // expired and swept meanwhile
		}
		if err != nil {
			return err
		}
		b.ConsecutiveFailures, b.LockedUntil = 0, time.Time{}
		return tx.PutKnownBrowser(ctx, b)
	}
	th, err := tx.PasswordThrottle(ctx, a.userID)
	if err != nil {
		return err
	}
	th.ConsecutiveFailures = 0
	th.WindowFailures = max(0, th.WindowFailures-1)
	th.LockedUntil = time.Time{}
	if th.WindowFailures >= s.cfg.PasswordThrottle.WindowBudget {
		th.LockedUntil = th.WindowStart.Add(s.cfg.PasswordThrottle.Window)
	}
	return tx.PutPasswordThrottle(ctx, th)
}

// rememberBrowser makes the client a known browser of userID at the end of
// a sign-in: it refreshes the record of the token it brought, or creates a
// new one and returns its token (for the cookie).
func (s *core) rememberBrowser(ctx context.Context, tx store.Tx, c auth.Client, userID string) (string, error) {
	now := s.now()
	b, err := s.knownBrowser(ctx, tx, c.BrowserToken, userID, now)
	if err != nil {
		return "", err
	}
	if b != nil {
		b.LastUsedAt, b.ExpiresAt = now, now.Add(auth.KnownBrowserTTL)
		return "", tx.PutKnownBrowser(ctx, *b)
	}
	token, hash, err := credential.NewToken(s.rand)
	if err != nil {
		return "", err
	}
	err = tx.PutKnownBrowser(ctx, store.KnownBrowser{TokenHash: hash, UserID: userID, CreatedAt: now,
		ExpiresAt: now.Add(auth.KnownBrowserTTL), LastUsedAt: now})
	return token, err
}

// backoffUntil is when an n-th consecutive failure's backoff ends (zero
// within the free failures).
func (p ThrottlePolicy) backoffUntil(n int, now time.Time) time.Time {
	extra := n - p.FreeFailures
	if extra <= 0 {
		return time.Time{}
	}
	d := p.MaxDelay
	if extra <= 30 {
		d = min(p.BaseDelay<<(extra-1), p.MaxDelay)
	}
	return now.Add(d)
}
