package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// An Update whose function fails after two writes leaves neither; so does
// one that panics; a cancelled context runs nothing.
func testUpdateIsAtomic(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	twoWrites := func(tx store.Tx, id string) error {
		if err := tx.CreateUser(ctx, store.User{ID: id, Email: id + "@example.com", PasswordHash: "x", CreatedAt: T0}); err != nil {
			return err
		}
		return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: id, Type: "sign_up", At: T0})
	}
	if err := s.Update(ctx, func(tx store.Tx) error {
		if err := twoWrites(tx, "usr_err"); err != nil {
			return err
		}
		if _, err := tx.UserByID(ctx, "usr_err"); err != nil {
			return fmt.Errorf("own write not visible: %w", err)
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("failing update: %v", err)
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := twoWrites(tx, "usr_panic"); err != nil {
			return err
		}
		panic("between two writes")
	})
	if err == nil {
		t.Fatal("a panicking update reported success")
	}
	for _, id := range []string{"usr_err", "usr_panic"} {
		if _, err := s.UserByID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: the first write survived: %v", id, err)
		}
		if evs, _ := s.AuditEvents(ctx, id, 0, 10); len(evs) != 0 {
			t.Errorf("%s: the second write survived: %+v", id, evs)
		}
	}
	// With its context cancelled, an Update may run or not, but what it
	// reports is what happened.
	cancelled, cancel := contextWithCancel()
	cancel()
	err = s.Update(cancelled, func(tx store.Tx) error { return twoWrites(tx, "usr_cancel") })
	_, lookErr := s.UserByID(ctx, "usr_cancel")
	if (err == nil) != (lookErr == nil) {
		t.Fatalf("cancelled update reported %v, and the user lookup %v", err, lookErr)
	}
	// The store works on after failures.
	Update(t, s, func(tx store.Tx) error { return twoWrites(tx, "usr_ok") })
	if _, err := s.UserByID(ctx, "usr_ok"); err != nil {
		t.Fatal(err)
	}
}

// Concurrent read-modify-writes of one row lose nothing: 100 Updates each
// read a counter and write it plus one.
func testUpdatesAreSerializable(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx store.Tx) error {
				th, err := tx.Throttle(ctx, "usr_a")
				if err != nil {
					return err
				}
				th.WindowFailures++
				return tx.PutThrottle(ctx, th)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if th, _ := s.Throttle(ctx, "usr_a"); th.WindowFailures != 100 {
		t.Fatalf("%d of 100 increments kept", th.WindowFailures)
	}
}

func testUsersAndConflicts(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateUser(ctx, store.User{ID: "usr_b", Email: "usr_a@example.com", PasswordHash: "x", CreatedAt: T0})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate email: %v", err)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateUser(ctx, store.User{ID: "usr_a", Email: "other@example.com", PasswordHash: "x", CreatedAt: T0})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate id: %v", err)
	}
	if _, err := s.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing user: %v", err)
	}
	u, err := s.UserByEmail(ctx, "usr_a@example.com")
	if err != nil || u.ID != "usr_a" || u.PasswordHash != "x" || !u.CreatedAt.Equal(T0) {
		t.Fatalf("user %+v %v", u, err)
	}
	Update(t, s, func(tx store.Tx) error { return tx.SetPasswordHash(ctx, "usr_a", "y") })
	if u, _ := s.UserByID(ctx, "usr_a"); u.PasswordHash != "y" {
		t.Fatalf("password hash %q", u.PasswordHash)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.SetPasswordHash(ctx, "usr_none", "y") }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("password of a missing user: %v", err)
	}
	if _, mfa, err := s.Account(ctx, "usr_a"); err != nil || mfa {
		t.Fatalf("account without devices: %v %v", mfa, err)
	}
	SeedDevice(t, s, "usr_a", "dev_p", store.DevicePending)
	if _, mfa, _ := s.Account(ctx, "usr_a"); mfa {
		t.Fatal("a pending device counts as MFA")
	}
	SeedDevice(t, s, "usr_a", "dev_a", store.DeviceActive)
	if _, mfa, _ := s.Account(ctx, "usr_a"); !mfa {
		t.Fatal("an active device does not count as MFA")
	}
	if _, _, err := s.Account(ctx, "usr_none"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing account: %v", err)
	}
}

// A write that returns ErrConflict or ErrNotFound leaves the transaction
// usable: the function may go on (create something else, write an event)
// and commit. (On PostgreSQL a failed statement would abort the whole
// transaction; engines must not let that show.)
func testFailedWriteKeepsTransaction(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	Update(t, s, func(tx store.Tx) error {
		err := tx.CreateUser(ctx, store.User{ID: "usr_b", Email: "usr_a@example.com", PasswordHash: "x", CreatedAt: T0})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate email: %v", err)
		}
		if err := tx.SetPasswordHash(ctx, "usr_none", "y"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("password of a missing user: %v", err)
		}
		if err := tx.CreateUser(ctx, store.User{ID: "usr_b", Email: "usr_b@example.com", PasswordHash: "x", CreatedAt: T0}); err != nil {
			return err
		}
		return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: "usr_b", Type: "sign_up", At: T0})
	})
	if _, err := s.UserByID(ctx, "usr_b"); err != nil {
		t.Fatalf("the write after a conflict: %v", err)
	}
	if evs, _ := s.AuditEvents(ctx, "usr_b", 0, 10); len(evs) != 1 {
		t.Fatalf("the event after a conflict: %+v", evs)
	}
}

func testSessions(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	SeedUser(t, s, "usr_b")
	a := SeedSession(t, s, "usr_a", "ses_a", false)
	SeedSession(t, s, "usr_a", "ses_b", false)
	SeedSession(t, s, "usr_a", "ses_c", true)
	SeedSession(t, s, "usr_b", "ses_d", false)
	got, err := s.SessionByHash(ctx, a.TokenHash)
	if err != nil || got.ID != "ses_a" || got.UserID != "usr_a" || got.Stage != store.StageFull || len(got.AMR) != 1 ||
		got.ClientAddr != "192.0.2.1" || got.UserAgent != "test" || !got.MFAVerifiedAt.IsZero() {
		t.Fatalf("session %+v %v", got, err)
	}
	Update(t, s, func(tx store.Tx) error {
		return tx.UpgradeSession(ctx, "ses_a", store.StageFull, []string{"pwd", "otp"}, T0, T0.Add(2*time.Hour))
	})
	got, _ = s.SessionByHash(ctx, a.TokenHash)
	if len(got.AMR) != 2 || got.AMR[1] != "otp" || !got.MFAVerifiedAt.Equal(T0) || !got.ExpiresAt.Equal(T0.Add(2*time.Hour)) {
		t.Fatalf("upgraded %+v", got)
	}
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.UpgradeSession(ctx, "ses_none", store.StageFull, nil, T0, T0)
	}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("upgrade a missing session: %v", err)
	}
	list, err := s.Sessions(ctx, "usr_a", T0)
	if err != nil || len(list) != 3 {
		t.Fatalf("sessions %+v %v", list, err)
	}
	// ses_a is verified now; ses_b is not: only it ends with unverifiedOnly.
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteOtherSessions(ctx, "usr_a", "ses_c", true)
		if n != 1 {
			t.Errorf("unverified others ended: %d, want 1", n)
		}
		return err
	})
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.DeleteSessionByID(ctx, "usr_b", "ses_c") }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another user's session: %v", err)
	}
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteOtherSessions(ctx, "usr_a", "ses_c", false)
		if n != 1 {
			t.Errorf("others ended: %d, want 1", n)
		}
		return err
	})
	if list, _ := s.Sessions(ctx, "usr_a", T0); len(list) != 1 || list[0].ID != "ses_c" {
		t.Fatalf("left %+v", list)
	}
	Update(t, s, func(tx store.Tx) error { return tx.DeleteSession(ctx, "ses_c") })
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.DeleteSession(ctx, "ses_c") }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteUserSessions(ctx, "usr_b")
		if n != 1 {
			t.Errorf("user sessions ended: %d", n)
		}
		return err
	})
}

func testSessionCascadeAndExpiry(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	sess := SeedSession(t, s, "usr_a", "ses_a", false)
	if list, _ := s.Sessions(ctx, "usr_a", T0.Add(time.Hour)); len(list) != 0 {
		t.Fatalf("an expired session is listed: %+v", list)
	}
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteExpiredSessions(ctx, T0.Add(2*time.Hour))
		if n != 1 {
			t.Errorf("expired sessions deleted: %d", n)
		}
		return err
	})
	if _, err := s.SessionByHash(ctx, sess.TokenHash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session still there: %v", err)
	}
}

// Invariant 2 at the storage level: the conditional update accepts a step
// once, never an older one, and under contention exactly one caller wins.
func testConsumeStepOnce(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	SeedDevice(t, s, "usr_a", "dev_a", store.DeviceActive)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx store.Tx) error {
				ok, err := tx.ConsumeStep(ctx, "dev_a", store.DeviceActive, 1000, T0)
				if ok {
					wins.Add(1)
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d callers consumed step 1000", wins.Load())
	}
	for _, tc := range []struct {
		step uint64
		want bool
	}{{999, false}, {1000, false}, {1001, true}, {1001, false}} {
		var ok bool
		Update(t, s, func(tx store.Tx) error {
			var err error
			ok, err = tx.ConsumeStep(ctx, "dev_a", store.DeviceActive, tc.step, T0)
			return err
		})
		if ok != tc.want {
			t.Errorf("step %d: %v, want %v", tc.step, ok, tc.want)
		}
	}
	d, _ := s.Device(ctx, "usr_a", "dev_a")
	if d.LastStep == nil || *d.LastStep != 1001 || !d.LastUsedAt.Equal(T0) {
		t.Fatalf("device %+v", d)
	}
}

// A pending device only consumes before it expires, and only as pending.
func testConsumeStepPending(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	SeedDevice(t, s, "usr_a", "dev_p", store.DevicePending)
	for _, tc := range []struct {
		state store.DeviceState
		now   time.Time
		want  bool
	}{{store.DeviceActive, T0, false}, {store.DevicePending, T0.Add(10 * time.Minute), false}, {store.DevicePending, T0, true}} {
		var ok bool
		Update(t, s, func(tx store.Tx) error {
			var err error
			ok, err = tx.ConsumeStep(ctx, "dev_p", tc.state, 5, tc.now)
			return err
		})
		if ok != tc.want {
			t.Errorf("pending %s at %v: %v", tc.state, tc.now, ok)
		}
	}
}

// VerifierState reads the user with its throttle record and active devices
// in the verification's transaction.
func testVerifierState(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	SeedDevice(t, s, "usr_a", "dev_a", store.DeviceActive)
	SeedDevice(t, s, "usr_a", "dev_p", store.DevicePending)
	Update(t, s, func(tx store.Tx) error {
		u, th, ds, err := tx.VerifierState(ctx, "usr_a")
		if err != nil {
			return err
		}
		if u.ID != "usr_a" || u.Email != "usr_a@example.com" || !u.CreatedAt.Equal(T0) || u.PasswordHash != "" {
			t.Errorf("user: %+v", u)
		}
		if th != (store.Throttle{UserID: "usr_a"}) {
			t.Errorf("no throttle record: %+v", th)
		}
		if len(ds) != 1 || ds[0].ID != "dev_a" || ds[0].State != store.DeviceActive || ds[0].UserID != "usr_a" ||
			ds[0].KeyID != "k" || len(ds[0].SecretSealed) != 3 || ds[0].Digits != 6 || ds[0].Period != 30 || ds[0].Algorithm != "SHA1" {
			t.Errorf("devices: %+v", ds)
		}
		want := store.Throttle{UserID: "usr_a", ConsecutiveFailures: 2, WindowStart: T0, WindowFailures: 3, LockedUntil: T0.Add(time.Minute)}
		if err := tx.PutThrottle(ctx, want); err != nil {
			return err
		}
		if _, th, _, err = tx.VerifierState(ctx, "usr_a"); err != nil || th != want {
			t.Errorf("throttle: %+v, %v", th, err)
		}
		if _, _, _, err := tx.VerifierState(ctx, "usr_missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing user: %v", err)
		}
		return nil
	})
}
