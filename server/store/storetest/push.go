package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

func seedChallenge(t testing.TB, s store.Store, userID, id, sessionID string, created time.Time) store.PushChallenge {
	t.Helper()
	c := store.PushChallenge{ID: id, UserID: userID, SessionID: sessionID, Number: 42, Candidates: [3]int{17, 42, 88},
		Service: "Twofold", Account: userID + "@example.com", ClientAddr: "192.0.2.1", Browser: "Chrome on Linux",
		State: store.PushPending, CreatedAt: created, ExpiresAt: created.Add(time.Minute)}
	Update(t, s, func(tx store.Tx) error { return tx.CreatePushChallenge(ctx, c) })
	return c
}

func testPushRegistrations(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	SeedDevice(t, s, "usr_a", "dev_a", store.DeviceActive)
	SeedDevice(t, s, "usr_a", "dev_b", store.DeviceActive)
	for _, r := range []store.PushRegistration{
		{DeviceID: "dev_a", UserID: "usr_a", PublicKey: []byte("key a"), CreatedAt: T0},
		{DeviceID: "dev_b", UserID: "usr_a", PublicKey: []byte("key b"), CreatedAt: T0.Add(time.Second)},
		{DeviceID: "dev_a", UserID: "usr_a", PublicKey: []byte("key a2"), CreatedAt: T0.Add(2 * time.Second)}, // replaces
	} {
		Update(t, s, func(tx store.Tx) error { return tx.PutPushRegistration(ctx, r) })
	}
	r, err := s.PushRegistration(ctx, "dev_a")
	if err != nil || !bytes.Equal(r.PublicKey, []byte("key a2")) || r.UserID != "usr_a" {
		t.Fatalf("registration %+v %v", r, err)
	}
	if regs, _ := s.PushRegistrations(ctx, "usr_a"); len(regs) != 2 {
		t.Fatalf("registrations %+v", regs)
	}
	// Deleting the device revokes its registration.
	Update(t, s, func(tx store.Tx) error { return tx.DeleteDevice(ctx, "usr_a", "dev_a", store.DeviceActive) })
	if _, err := s.PushRegistration(ctx, "dev_a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("registration of a deleted device: %v", err)
	}
}

// A challenge is answered once and redeemed once, by its own session,
// whatever the concurrency.
func testPushChallengeSingleUse(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	c := seedChallenge(t, s, "usr_a", "pch_a", "ses_a", T0)
	got, err := s.PushChallenge(ctx, "pch_a")
	if err != nil || got.SessionID != "ses_a" || got.Candidates != c.Candidates || got.Number != 42 || got.State != store.PushPending ||
		got.Browser != c.Browser || !got.ExpiresAt.Equal(c.ExpiresAt) {
		t.Fatalf("challenge %+v %v", got, err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.CreatePushChallenge(ctx, c) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate challenge: %v", err)
	}
	if n := Race(t, s, 40, func(tx store.Tx, i int) (bool, error) {
		state := store.PushApproved
		if i%2 == 1 {
			state = store.PushDenied
		}
		return tx.AnswerPushChallenge(ctx, "pch_a", "usr_a", state, "dev_a", T0.Add(time.Second))
	}); n != 1 {
		t.Fatalf("answered %d times", n)
	}
	got, _ = s.PushChallenge(ctx, "pch_a")
	if got.DeviceID != "dev_a" || !got.AnsweredAt.Equal(T0.Add(time.Second)) {
		t.Fatalf("answered %+v", got)
	}
	if got.State != store.PushApproved {
		return // a denial won: nothing to redeem
	}
	redeem := func(session string, notAfter time.Time) bool {
		var ok bool
		Update(t, s, func(tx store.Tx) error {
			var err error
			ok, err = tx.RedeemPushChallenge(ctx, "pch_a", session, notAfter)
			return err
		})
		return ok
	}
	if redeem("ses_other", T0) || redeem("ses_a", T0.Add(time.Minute)) {
		t.Fatal("redeemed by another session, or after its deadline")
	}
	if !redeem("ses_a", T0) || redeem("ses_a", T0) {
		t.Fatal("not redeemed exactly once")
	}
	// An answer for another user's challenge, or after expiry, changes nothing.
	seedChallenge(t, s, "usr_a", "pch_b", "ses_a", T0)
	for name, try := range map[string]func(tx store.Tx) (bool, error){
		"another user": func(tx store.Tx) (bool, error) {
			return tx.AnswerPushChallenge(ctx, "pch_b", "usr_b", store.PushApproved, "dev_x", T0)
		},
		"expired": func(tx store.Tx) (bool, error) {
			return tx.AnswerPushChallenge(ctx, "pch_b", "usr_a", store.PushApproved, "dev_a", T0.Add(time.Minute))
		},
	} {
		Update(t, s, func(tx store.Tx) error {
			ok, err := try(tx)
			if ok {
				t.Errorf("%s: answered", name)
			}
			return err
		})
	}
}

func testPushFatigue(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	for i, id := range []string{"pch_1", "pch_2", "pch_3"} {
		seedChallenge(t, s, "usr_a", id, "ses_a", T0.Add(time.Duration(i)*10*time.Second))
	}
	f, err := s.PushFatigue(ctx, "usr_a", T0.Add(30*time.Second), T0.Add(5*time.Second))
	if err != nil || f.Pending != 3 || f.Recent != 2 || f.Paused {
		t.Fatalf("fatigue %+v %v", f, err)
	}
	if p, _ := s.PendingPushChallenges(ctx, "usr_a", T0.Add(65*time.Second)); len(p) != 2 || p[0].ID != "pch_2" {
		t.Fatalf("pending %+v", p)
	}
	var expired []store.PushChallenge
	Update(t, s, func(tx store.Tx) error {
		var err error
		expired, err = tx.ExpirePushChallenges(ctx, T0.Add(65*time.Second))
		return err
	})
	if len(expired) != 1 || expired[0].ID != "pch_1" || expired[0].State != store.PushExpired {
		t.Fatalf("expired %+v", expired)
	}
	Update(t, s, func(tx store.Tx) error { return tx.PausePush(ctx, "usr_a", "pch_2", T0) })
	Update(t, s, func(tx store.Tx) error { return tx.PausePush(ctx, "usr_a", "pch_3", T0) }) // already paused: kept
	var cancelled []store.PushChallenge
	Update(t, s, func(tx store.Tx) error {
		var err error
		cancelled, err = tx.CancelPushChallenges(ctx, "usr_a")
		return err
	})
	if len(cancelled) != 2 {
		t.Fatalf("cancelled %+v", cancelled)
	}
	if f, _ := s.PushFatigue(ctx, "usr_a", T0, T0); !f.Paused || f.Pending != 0 {
		t.Fatalf("after pause %+v", f)
	}
	for _, want := range []bool{true, false} {
		Update(t, s, func(tx store.Tx) error {
			ok, err := tx.ResumePush(ctx, "usr_a")
			if ok != want {
				t.Errorf("resume: %v, want %v", ok, want)
			}
			return err
		})
	}
}

// Times go in and come out at millisecond precision, in UTC, zero as zero.
func testTimes(t *testing.T, s store.Store) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 123_456_789, time.FixedZone("X", 3600))
	Update(t, s, func(tx store.Tx) error {
		return tx.CreateUser(ctx, store.User{ID: "usr_t", Email: "t@example.com", PasswordHash: "x", CreatedAt: at})
	})
	u, _ := s.UserByID(ctx, "usr_t")
	if !u.CreatedAt.Equal(at.Truncate(time.Millisecond)) || u.CreatedAt.Location() != time.UTC {
		t.Fatalf("created at %v (%v), want %v in UTC", u.CreatedAt, u.CreatedAt.Location(), at.Truncate(time.Millisecond))
	}
	SeedDevice(t, s, "usr_t", "dev_t", store.DeviceActive)
	if d, _ := s.Device(ctx, "usr_t", "dev_t"); !d.ActivatedAt.IsZero() || !d.LastUsedAt.IsZero() || d.LastStep != nil {
		t.Fatalf("zero times and steps %+v", d)
	}
}

// Text is stored as given (any valid UTF-8: accents, emoji, quotes,
// backslashes), and bytes too, zero bytes included; a lookup by a hash
// with zero bytes finds its row.
func testTextAndBytes(t *testing.T, s store.Store) {
	const email = "zoë.ünïcode+tag@example.com"
	Update(t, s, func(tx store.Tx) error {
		return tx.CreateUser(ctx, store.User{ID: "usr_t", Email: email, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", CreatedAt: T0})
	})
	if u, err := s.UserByEmail(ctx, email); err != nil || u.ID != "usr_t" {
		t.Fatalf("user by a non-ASCII email: %+v %v", u, err)
	}
	name := "📱 Ann's \"phone\" \\ 電話; DROP TABLE users; --"
	secret := []byte{0, 1, 0, 0xff, 0xfe, 0}
	Update(t, s, func(tx store.Tx) error {
		return tx.CreateDevice(ctx, store.Device{ID: "dev_t", UserID: "usr_t", Name: name, State: store.DeviceActive,
			KeyID: "k", SecretSealed: secret, Algorithm: "SHA1", Digits: 6, Period: 30, CreatedAt: T0})
	})
	if d, err := s.Device(ctx, "usr_t", "dev_t"); err != nil || d.Name != name || !bytes.Equal(d.SecretSealed, secret) {
		t.Fatalf("device %q %v %v", d.Name, d.SecretSealed, err)
	}
	sess := store.Session{ID: "ses_t", TokenHash: []byte{0, 0, 7, 0}, UserID: "usr_t", Stage: store.StagePartial,
		AMR: []string{"pwd"}, CreatedAt: T0, ExpiresAt: T0.Add(time.Hour), ClientAddr: "2001:db8::1", UserAgent: "Mozilla/5.0 (Ünïcode) «test»"}
	Update(t, s, func(tx store.Tx) error { return tx.CreateSession(ctx, sess) })
	got, err := s.SessionByHash(ctx, []byte{0, 0, 7, 0})
	if err != nil || got.UserAgent != sess.UserAgent || got.ClientAddr != sess.ClientAddr || !bytes.Equal(got.TokenHash, sess.TokenHash) {
		t.Fatalf("session %+v %v", got, err)
	}
	if _, err := s.SessionByHash(ctx, []byte{0, 0, 7}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a prefix of the hash found a session: %v", err)
	}
}
