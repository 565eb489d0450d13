package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPasswordThrottleApartFromVerification(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	seedUser(t, s, "usr_a")
	update(t, s, func(tx Tx) error {
		return tx.PutPasswordThrottle(ctx, Throttle{UserID: "usr_a", ConsecutiveFailures: 6, WindowStart: t0, WindowFailures: 6, LockedUntil: t0.Add(time.Second)})
	})
	p, err := s.PasswordThrottle(ctx, "usr_a")
	if err != nil || p.ConsecutiveFailures != 6 || !p.LockedUntil.Equal(t0.Add(time.Second)) || !p.WindowStart.Equal(t0) {
		t.Fatalf("password throttle %+v %v", p, err)
	}
	if v, _ := s.Throttle(ctx, "usr_a"); v.ConsecutiveFailures != 0 || !v.LockedUntil.IsZero() {
		t.Fatalf("the second factor's record changed: %+v", v)
	}
	if z, err := s.PasswordThrottle(ctx, "usr_none"); err != nil || z.UserID != "usr_none" || z.WindowFailures != 0 {
		t.Fatalf("no record: %+v %v", z, err)
	}
}

func TestKnownBrowsers(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	seedUser(t, s, "usr_a")
	b := KnownBrowser{TokenHash: []byte("h1"), UserID: "usr_a", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), LastUsedAt: t0}
	update(t, s, func(tx Tx) error { return tx.PutKnownBrowser(ctx, b) })
	b.ConsecutiveFailures, b.LockedUntil, b.LastUsedAt = 6, t0.Add(2*time.Second), t0.Add(time.Minute)
	update(t, s, func(tx Tx) error { return tx.PutKnownBrowser(ctx, b) })
	got, err := s.KnownBrowser(ctx, []byte("h1"))
	if err != nil || got.ConsecutiveFailures != 6 || !got.LockedUntil.Equal(b.LockedUntil) || !got.CreatedAt.Equal(t0) || got.UserID != "usr_a" {
		t.Fatalf("known browser %+v %v", got, err)
	}
	update(t, s, func(tx Tx) error {
		n, err := tx.DeleteExpiredKnownBrowsers(ctx, t0.Add(time.Hour))
		if n != 1 {
			t.Errorf("expired deleted: %d", n)
		}
		return err
	})
	if _, err := s.KnownBrowser(ctx, []byte("h1")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after expiry: %v", err)
	}
}

func TestSessionIDsAndOtherSessions(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	seedUser(t, s, "usr_a")
	for i, id := range []string{"ses_a", "ses_b", "ses_c"} {
		sess := Session{ID: id, TokenHash: []byte(id), UserID: "usr_a", Stage: StageFull, AMR: []string{"pwd"},
			CreatedAt: t0.Add(time.Duration(i) * time.Second), ExpiresAt: t0.Add(time.Hour)}
		if id == "ses_c" {
			sess.MFAVerifiedAt = t0
		}
		update(t, s, func(tx Tx) error { return tx.CreateSession(ctx, sess) })
	}
	list, err := s.Sessions(ctx, "usr_a", t0)
	if err != nil || len(list) != 3 || list[0].ID != "ses_c" {
		t.Fatalf("sessions %+v %v", list, err)
	}
	update(t, s, func(tx Tx) error {
		n, err := tx.DeleteOtherSessions(ctx, "usr_a", "ses_a", true)
		if n != 1 {
			t.Errorf("unverified others ended: %d, want 1 (ses_b)", n)
		}
		return err
	})
	if list, _ := s.Sessions(ctx, "usr_a", t0); len(list) != 2 {
		t.Fatalf("left %+v", list)
	}
	if err := s.Update(ctx, func(tx Tx) error { return tx.DeleteSessionByID(ctx, "usr_b", "ses_c") }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another user's session: %v", err)
	}
	update(t, s, func(tx Tx) error { return tx.DeleteSessionByID(ctx, "usr_a", "ses_c") })
	if list, _ := s.Sessions(ctx, "usr_a", t0); len(list) != 1 || list[0].ID != "ses_a" {
		t.Fatalf("left %+v", list)
	}
}
