package store

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func openTest(t *testing.T) (*SQLite, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "twofold.db")
	s, err := OpenSQLite(path, SQLiteOptions{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func update(t *testing.T, s Store, fn func(Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func seedUser(t *testing.T, s Store, id string) {
	t.Helper()
	update(t, s, func(tx Tx) error {
		return tx.CreateUser(context.Background(), User{ID: id, Email: id + "@example.com", PasswordHash: "x", CreatedAt: t0})
	})
}

func seedDevice(t *testing.T, s Store, userID, id string, state DeviceState) {
	t.Helper()
	update(t, s, func(tx Tx) error {
		return tx.CreateDevice(context.Background(), Device{ID: id, UserID: userID, Name: "phone", State: state,
			KeyID: "k", SecretSealed: []byte{1, 2, 3}, Algorithm: "SHA1", Digits: 6, Period: 30,
			CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)})
	})
}

func TestOpenAppliesMigrationsOnceAndSetsPragmas(t *testing.T) {
	s, path := openTest(t)
	ctx := context.Background()
	embedded, _ := fs.Glob(migrations, "migrations/*.sql")
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != len(embedded) {
		t.Fatalf("schema version %d, %v", v, err)
	}
	var mode string
	var fk, timeout int
	if err := s.r.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q %v", mode, err)
	}
	if err := s.r.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys %d %v", fk, err)
	}
	var sync int
	if err := s.wc.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != 1 {
		t.Fatalf("writer synchronous %d (want 1, NORMAL) %v", sync, err)
	}
	if _, err := OpenSQLite(filepath.Join(t.TempDir(), "x.db"), SQLiteOptions{Sync: "sometimes"}); err == nil {
		t.Fatal("bad sync setting accepted")
	}
	if err := s.r.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout); err != nil || timeout != 5000 {
		t.Fatalf("busy_timeout %d %v", timeout, err)
	}
	if _, err := s.r.ExecContext(ctx, "DELETE FROM users"); err == nil {
		t.Fatal("read pool accepted a write")
	}
	seedUser(t, s, "usr_a")
	s.Close()
	// Reopening applies nothing twice and keeps the data.
	s2, err := OpenSQLite(path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var n int
	s2.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n)
	if n != len(embedded) {
		t.Fatalf("%d migration rows, want %d", n, len(embedded))
	}
	if _, err := s2.UserByID(ctx, "usr_a"); err != nil {
		t.Fatal(err)
	}
}

func TestUsersSessionsCascade(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	seedUser(t, s, "usr_a")
	err := s.Update(ctx, func(tx Tx) error {
		return tx.CreateUser(ctx, User{ID: "usr_b", Email: "usr_a@example.com", PasswordHash: "x", CreatedAt: t0})
	})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate email: %v", err)
	}
	if _, err := s.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing user: %v", err)
	}
	sess := Session{TokenHash: []byte("h1"), UserID: "usr_a", Stage: StagePartial, AMR: []string{"pwd"},
		CreatedAt: t0, ExpiresAt: t0.Add(5 * time.Minute)}
	update(t, s, func(tx Tx) error { return tx.CreateSession(ctx, sess) })
	update(t, s, func(tx Tx) error {
		return tx.UpgradeSession(ctx, []byte("h1"), StageFull, []string{"pwd", "otp"}, t0, t0.Add(time.Hour))
	})
	got, err := s.SessionByHash(ctx, []byte("h1"))
	if err != nil || got.Stage != StageFull || len(got.AMR) != 2 || got.AMR[1] != "otp" || !got.MFAVerifiedAt.Equal(t0) {
		t.Fatalf("session %+v %v", got, err)
	}
	update(t, s, func(tx Tx) error {
		n, err := tx.DeleteExpiredSessions(ctx, t0.Add(2*time.Hour))
		if n != 1 {
			t.Errorf("expired sessions deleted: %d", n)
		}
		return err
	})
	if _, err := s.SessionByHash(ctx, []byte("h1")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired session still there: %v", err)
	}
}

// Invariant 2 at the storage level: the conditional update accepts a step
// once, never an older one, and under contention exactly one caller wins.
func TestInvariant2_ConsumeStepOnceUnderContention(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	seedUser(t, s, "usr_a")
	seedDevice(t, s, "usr_a", "dev_a", DeviceActive)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx Tx) error {
				ok, err := tx.ConsumeStep(ctx, "dev_a", DeviceActive, 1000, t0)
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
		update(t, s, func(tx Tx) error {
			var err error
			ok, err = tx.ConsumeStep(ctx, "dev_a", DeviceActive, tc.step, t0)
			return err
		})
		if ok != tc.want {
			t.Errorf("step %d: %v, want %v", tc.step, ok, tc.want)
		}
	}
	d, _ := s.Device(ctx, "usr_a", "dev_a")
	if d.LastStep == nil || *d.LastStep != 1001 || !d.LastUsedAt.Equal(t0) {
		t.Fatalf("device %+v", d)
	}
	// A pending device only consumes before it expires, and only as pending.
	seedDevice(t, s, "usr_a", "dev_p", DevicePending)
	for _, tc := range []struct {
		state DeviceState
		now   time.Time
		want  bool
	}{{DeviceActive, t0, false}, {DevicePending, t0.Add(10 * time.Minute), false}, {DevicePending, t0, true}} {
		var ok bool
		update(t, s, func(tx Tx) error {
			var err error
			ok, err = tx.ConsumeStep(ctx, "dev_p", tc.state, 5, tc.now)
			return err
		})
		if ok != tc.want {
			t.Errorf("pending %s at %v: %v", tc.state, tc.now, ok)
		}
	}
}

// Group commit: one call's error rolls back only its own writes, and the
// others commit.
func TestUpdateBatchIsolatesFailures(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Update(ctx, func(tx Tx) error {
				id := "usr_" + string(rune('A'+i))
				if err := tx.CreateUser(ctx, User{ID: id, Email: id, PasswordHash: "x", CreatedAt: t0}); err != nil {
					return err
				}
				switch i % 3 {
				case 1:
					return boom
				case 2:
					panic("kaboom")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		id := "usr_" + string(rune('A'+i))
		_, lookErr := s.UserByID(ctx, id)
		switch i % 3 {
		case 0:
			if err != nil || lookErr != nil {
				t.Errorf("%d: %v / %v", i, err, lookErr)
			}
		case 1:
			if !errors.Is(err, boom) || !errors.Is(lookErr, ErrNotFound) {
				t.Errorf("%d: %v / %v", i, err, lookErr)
			}
		case 2:
			if err == nil || !errors.Is(lookErr, ErrNotFound) {
				t.Errorf("%d: %v / %v", i, err, lookErr)
			}
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Update(cancelled, func(Tx) error { t.Error("ran"); return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled update: %v", err)
	}
	s.Close()
	if err := s.Update(ctx, func(Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("update after close: %v", err)
	}
}

// The first call of a transaction runs without a savepoint; when it fails,
// the whole transaction is rolled back and the calls queued behind it still
// run, in a new one (the first of them bare, the others under savepoints).
func TestUpdateFirstCallFailsAloneQueuedCallsCommit(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	boom := errors.New("boom")
	create := func(tx Tx, id string) error {
		return tx.CreateUser(ctx, User{ID: id, Email: id, PasswordHash: "x", CreatedAt: t0})
	}
	started := make(chan struct{})
	firstErr := make(chan error, 1)
	go func() {
		firstErr <- s.Update(ctx, func(tx Tx) error {
			if err := create(tx, "usr_first"); err != nil {
				return err
			}
			close(started)
			for len(s.ops) < 3 { // hold the writer until the others are queued
				time.Sleep(time.Millisecond)
			}
			return boom
		})
	}()
	<-started
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i, id := range []string{"usr_b", "usr_c", "usr_d"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Update(ctx, func(tx Tx) error {
				if err := create(tx, id); err != nil {
					return err
				}
				if id == "usr_c" {
					return boom
				}
				return nil
			})
		}()
	}
	wg.Wait()
	if err := <-firstErr; !errors.Is(err, boom) {
		t.Fatalf("first: %v", err)
	}
	for i, id := range []string{"usr_b", "usr_c", "usr_d"} {
		_, lookErr := s.UserByID(ctx, id)
		if id == "usr_c" {
			if !errors.Is(errs[i], boom) || !errors.Is(lookErr, ErrNotFound) {
				t.Errorf("%s: %v / %v", id, errs[i], lookErr)
			}
		} else if errs[i] != nil || lookErr != nil {
			t.Errorf("%s: %v / %v", id, errs[i], lookErr)
		}
	}
	if _, err := s.UserByID(ctx, "usr_first"); !errors.Is(err, ErrNotFound) {
		t.Errorf("failed first call's write: %v", err)
	}
}

// VerifierState reads the user with its throttle record and active devices
// in the verification's transaction.
func TestVerifierState(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	seedUser(t, s, "usr_a")
	seedDevice(t, s, "usr_a", "dev_a", DeviceActive)
	seedDevice(t, s, "usr_a", "dev_p", DevicePending)
	update(t, s, func(tx Tx) error {
		u, th, ds, err := tx.VerifierState(ctx, "usr_a")
		if err != nil {
			return err
		}
		if u.ID != "usr_a" || u.Email != "usr_a@example.com" || !u.CreatedAt.Equal(t0) || u.PasswordHash != "" {
			t.Errorf("user: %+v", u)
		}
		if th != (Throttle{UserID: "usr_a"}) {
			t.Errorf("no throttle record: %+v", th)
		}
		if len(ds) != 1 || ds[0].ID != "dev_a" || ds[0].State != DeviceActive || ds[0].UserID != "usr_a" {
			t.Errorf("devices: %+v", ds)
		}
		want := Throttle{UserID: "usr_a", ConsecutiveFailures: 2, WindowStart: t0, WindowFailures: 3, LockedUntil: t0.Add(time.Minute)}
		if err := tx.PutThrottle(ctx, want); err != nil {
			return err
		}
		if _, th, _, err = tx.VerifierState(ctx, "usr_a"); err != nil || th != want {
			t.Errorf("throttle: %+v, %v", th, err)
		}
		if _, _, _, err := tx.VerifierState(ctx, "usr_missing"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing user: %v", err)
		}
		return nil
	})
}

func TestDevicesRecoveryThrottleAudit(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	seedUser(t, s, "usr_a")
	seedDevice(t, s, "usr_a", "dev_a", DevicePending)
	seedDevice(t, s, "usr_a", "dev_b", DevicePending)
	update(t, s, func(tx Tx) error { return tx.ActivateDevice(ctx, "dev_a", t0) })
	update(t, s, func(tx Tx) error { return tx.RenameDevice(ctx, "usr_a", "dev_a", "laptop") })
	if err := s.Update(ctx, func(tx Tx) error { return tx.RenameDevice(ctx, "usr_b", "dev_a", "x") }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("rename other user's device: %v", err)
	}
	update(t, s, func(tx Tx) error {
		n, err := tx.DeleteExpiredPendingDevices(ctx, t0.Add(10*time.Minute))
		if n != 1 {
			t.Errorf("expired pending deleted: %d", n)
		}
		return err
	})
	ds, _ := s.Devices(ctx, "usr_a")
	if len(ds) != 1 || ds[0].Name != "laptop" || ds[0].State != DeviceActive || !ds[0].ExpiresAt.IsZero() {
		t.Fatalf("devices %+v", ds)
	}

	update(t, s, func(tx Tx) error {
		return tx.ReplaceRecoveryCodes(ctx, "usr_a", [][]byte{[]byte("a"), []byte("b")}, t0)
	})
	for _, want := range []bool{true, false} {
		var ok bool
		update(t, s, func(tx Tx) error {
			var err error
			ok, err = tx.UseRecoveryCode(ctx, "usr_a", []byte("a"), t0)
			return err
		})
		if ok != want {
			t.Fatalf("use recovery code: %v", ok)
		}
	}
	codes, _ := s.UnusedRecoveryCodes(ctx, "usr_a")
	if len(codes) != 1 || string(codes[0].Hash) != "b" {
		t.Fatalf("unused %+v", codes)
	}

	th, err := s.Throttle(ctx, "usr_a")
	if err != nil || th.UserID != "usr_a" || th.ConsecutiveFailures != 0 || !th.LockedUntil.IsZero() {
		t.Fatalf("empty throttle %+v %v", th, err)
	}
	want := Throttle{UserID: "usr_a", ConsecutiveFailures: 3, WindowStart: t0, WindowFailures: 7, LockedUntil: t0.Add(time.Hour)}
	update(t, s, func(tx Tx) error { return tx.PutThrottle(ctx, want) })
	update(t, s, func(tx Tx) error { return tx.PutThrottle(ctx, want) })
	if th, _ := s.Throttle(ctx, "usr_a"); th != want {
		t.Fatalf("throttle %+v", th)
	}

	for i := range 5 {
		update(t, s, func(tx Tx) error {
			return tx.AddAuditEvent(ctx, AuditEvent{UserID: "usr_a", Type: "t", At: t0.Add(time.Duration(i) * time.Second)})
		})
	}
	update(t, s, func(tx Tx) error { return tx.AddAuditEvent(ctx, AuditEvent{Type: "sign_in_failure", At: t0}) })
	evs, _ := s.AuditEvents(ctx, "usr_a", 0, 3)
	if len(evs) != 3 || evs[0].ID <= evs[1].ID {
		t.Fatalf("events %+v", evs)
	}
	more, _ := s.AuditEvents(ctx, "usr_a", evs[2].ID, 10)
	if len(more) != 2 {
		t.Fatalf("next page %+v", more)
	}
}
