package postgres

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/postgres/pgtest"
	"github.com/twofold-auth/twofold/server/store/storetest"
)

var (
	t0  = storetest.T0
	ctx = context.Background()
)

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(childMain(role)) // a process of TestConcurrentProcesses
	}
	pgtest.Main(m)
}

// openTest opens a store on a new database of the test cluster.
func openTest(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	if opts.Now == nil {
		opts.Now = func() time.Time { return t0 }
	}
	s, err := Open(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

// TestConformance runs the store conformance suite, each subtest on a
// database of its own.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openTest(t, Options{})
		return s
	})
}

// Several instances opening one fresh database at once: every Open
// succeeds and each migration is applied once.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const n = 6
	errs := make([]error, n)
	stores := make([]*Store, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = Open(ctx, url, Options{})
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	list, _ := migrationFiles(migrations)
	var rows, distinct int
	if err := stores[0].pool.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != len(list) || distinct != len(list) {
		t.Fatalf("%d migration rows (%d versions), want %d", rows, distinct, len(list))
	}
	v, err := stores[n-1].SchemaVersion(ctx)
	if err != nil || v != list[len(list)-1].version {
		t.Fatalf("schema version %d, %v", v, err)
	}
}

// Open waits for the migration lock: while another session holds it, Open
// does not return (here until its context ends); once it is released, Open
// goes through. This is what the concurrent test above relies on, shown
// without depending on timing.
func TestOpenWaitsForMigrationLock(t *testing.T) {
	url := pgtest.NewDatabase(t)
	holder, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if s, err := Open(short, url, Options{}); err == nil {
		s.Close()
		t.Fatal("Open went ahead while another session held the migration lock")
	}
	var tables int
	holder.QueryRow(ctx, `SELECT COUNT(*) FROM pg_tables WHERE tablename = 'users'`).Scan(&tables)
	if tables != 0 {
		t.Fatal("the schema was created without the lock")
	}
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_unlock($1)`, migrationLock); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Open released the lock: another session can take it at once.
	var got bool
	if err := holder.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, migrationLock).Scan(&got); err != nil || !got {
		t.Fatalf("migration lock still held after Open: %v %v", got, err)
	}
}

// Reopening applies nothing twice and keeps the data; a database that
// recorded a later version first (written on a parallel branch) still gets
// an earlier one it lacks.
func TestReopenAndMissingEarlierVersion(t *testing.T) {
	s, url := openTest(t, Options{})
	storetest.SeedUser(t, s, "usr_a")
	s.Close()
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByID(ctx, "usr_a"); err != nil {
		t.Fatalf("data lost on reopening: %v", err)
	}
	list, _ := migrationFiles(migrations)
	var n int
	s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	if n != len(list) {
		t.Fatalf("%d migration rows after reopening, want %d", n, len(list))
	}
	// Now a database that has only a later version 99, which a binary with
	// 99 and the earlier ones migrates. (A binary without 99 refuses it:
	// TestOpenRefusesNewerSchema.)
	if _, err := s.pool.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public;
		CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);
		INSERT INTO schema_migrations VALUES (99, '0099_later.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	withLater := migrationsUpTo(t, 1<<30).(fstest.MapFS)
	withLater["migrations/0099_later.sql"] = &fstest.MapFile{Data: []byte(`SELECT 1;`)}
	if err := migrate(ctx, s.pool, withLater, t0); err != nil {
		t.Fatal(err)
	}
	s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	if n != len(list)+1 {
		t.Fatalf("%d migration rows, want %d", n, len(list)+1)
	}
	storetest.SeedUser(t, s, "usr_b") // the baseline's tables are back
}

// A transaction that loses a serialization conflict runs again: here a
// write committed by another session between the function's read and its
// write forces it, deterministically.
func TestUpdateRetriesSerializationFailure(t *testing.T) {
	var retries atomic.Int32
	s, _ := openTest(t, Options{OnRetry: func(err error) {
		if !retryable(err) {
			t.Errorf("retried after %v", err)
		}
		retries.Add(1)
	}})
	storetest.SeedUser(t, s, "usr_a")
	storetest.Update(t, s, func(tx store.Tx) error {
		return tx.PutThrottle(ctx, store.Throttle{UserID: "usr_a", WindowFailures: 1})
	})
	runs := 0
	err := s.Update(ctx, func(tx store.Tx) error {
		runs++
		th, err := tx.Throttle(ctx, "usr_a")
		if err != nil {
			return err
		}
		if runs == 1 {
			if _, err := s.pool.Exec(ctx, `UPDATE verification_throttle SET window_failures = window_failures + 10`); err != nil {
				t.Fatal(err)
			}
		}
		th.WindowFailures++
		return tx.PutThrottle(ctx, th)
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 || retries.Load() != 1 {
		t.Fatalf("function ran %d times, %d retries; want 2 and 1", runs, retries.Load())
	}
	if th, _ := s.Throttle(ctx, "usr_a"); th.WindowFailures != 12 {
		t.Fatalf("window failures %d, want 12 (no update lost)", th.WindowFailures)
	}
}

// A function that swallows the serialization failure and returns nil (or
// its own error) is still run again: the transaction lost either way, and
// nothing of the lost run is committed.
func TestUpdateRetriesWhenFunctionHidesTheConflict(t *testing.T) {
	for _, hide := range []string{"nil", "own error"} {
		t.Run(hide, func(t *testing.T) {
			s, _ := openTest(t, Options{})
			storetest.SeedUser(t, s, "usr_a")
			runs := 0
			err := s.Update(ctx, func(tx store.Tx) error {
				runs++
				if _, err := tx.Throttle(ctx, "usr_a"); err != nil {
					return err
				}
				if runs == 1 {
					if _, err := s.pool.Exec(ctx, `INSERT INTO verification_throttle VALUES ('usr_a', 0, 0, 5, 0)`); err != nil {
						t.Fatal(err)
					}
				}
				err := tx.PutThrottle(ctx, store.Throttle{UserID: "usr_a", WindowFailures: 1})
				if runs == 1 && err == nil {
					t.Error("the first run's write did not conflict")
				}
				if runs == 1 && hide == "own error" {
					return errors.New("something else")
				}
				return nil
			})
			if err != nil || runs != 2 {
				t.Fatalf("update: %v after %d runs", err, runs)
			}
			if th, _ := s.Throttle(ctx, "usr_a"); th.WindowFailures != 1 {
				t.Fatalf("window failures %d, want the second run's 1", th.WindowFailures)
			}
		})
	}
}

// Retries are bounded: a transaction that always loses gives up with the
// database's error after MaxAttempts runs.
func TestUpdateGivesUpAfterMaxAttempts(t *testing.T) {
	var dbErrs atomic.Int32
	s, _ := openTest(t, Options{MaxAttempts: 3, OnDBError: func(error) { dbErrs.Add(1) }})
	storetest.SeedUser(t, s, "usr_a")
	runs := 0
	err := s.Update(ctx, func(tx store.Tx) error {
		runs++
		if _, err := tx.Throttle(ctx, "usr_a"); err != nil {
			return err
		}
		if _, err := s.pool.Exec(ctx, `INSERT INTO verification_throttle VALUES ('usr_a', 0, 0, 0, 0)
			ON CONFLICT (user_id) DO UPDATE SET window_failures = verification_throttle.window_failures + 1`); err != nil {
			t.Fatal(err)
		}
		return tx.PutThrottle(ctx, store.Throttle{UserID: "usr_a"})
	})
	if !retryable(err) || runs != 3 {
		t.Fatalf("update: %v after %d runs; want a serialization failure after 3", err, runs)
	}
	if dbErrs.Load() != 1 {
		t.Fatalf("%d database errors reported, want 1 (the give-up)", dbErrs.Load())
	}
}

// A duplicate key is ErrConflict and leaves the transaction usable, on
// every insert that can conflict (storetest checks CreateUser on both
// engines; this checks the others, which share insert()).
func TestConflictKeepsTransaction(t *testing.T) {
	s, _ := openTest(t, Options{})
	storetest.SeedUser(t, s, "usr_a")
	storetest.SeedDevice(t, s, "usr_a", "dev_a", store.DeviceActive)
	sess := storetest.SeedSession(t, s, "usr_a", "ses_a", false)
	tok := store.AppToken{ID: "tok_a", UserID: "usr_a", Name: "cli", TokenHash: []byte("h"), CreatedAt: t0}
	pch := store.PushChallenge{ID: "pch_a", UserID: "usr_a", SessionID: "ses_a", State: store.PushPending, CreatedAt: t0, ExpiresAt: t0}
	storetest.Update(t, s, func(tx store.Tx) error {
		if err := tx.CreateAppToken(ctx, tok); err != nil {
			return err
		}
		return tx.CreatePushChallenge(ctx, pch)
	})
	dupSession := sess
	dupSession.ID = "ses_b" // same token hash
	conflictsKeepTransaction(t, s, map[string]func(tx store.Tx) error{
		"session": func(tx store.Tx) error { return tx.CreateSession(ctx, dupSession) },
		"device": func(tx store.Tx) error {
			return tx.CreateDevice(ctx, store.Device{ID: "dev_a", UserID: "usr_a", State: store.DevicePending, SecretSealed: []byte{1}})
		},
		"app token": func(tx store.Tx) error {
			return tx.CreateAppToken(ctx, store.AppToken{ID: "tok_b", UserID: "usr_a", TokenHash: []byte("h")})
		},
		"push challenge": func(tx store.Tx) error { return tx.CreatePushChallenge(ctx, pch) },
		"recovery codes": func(tx store.Tx) error {
			return tx.ReplaceRecoveryCodes(ctx, "usr_a", [][]byte{[]byte("x"), []byte("x")}, t0)
		},
	})
}

// The same for the organisation's inserts, and for PutTrustedBrowser with
// a token hash another browser holds.
func TestOrgConflictsKeepTransaction(t *testing.T) {
	s, _ := openTest(t, Options{})
	storetest.SeedUser(t, s, "usr_a")
	inv := store.Invitation{ID: "inv_a", OrgID: store.DefaultOrgID, Email: "b@example.com", Role: store.RoleMember,
		TokenHash: []byte("i"), CreatedBy: "usr_a", CreatedAt: t0, ExpiresAt: t0}
	code := store.EmailCode{ID: "ecd_a", UserID: "usr_a", Purpose: "p", CodeHash: []byte("c"), CreatedAt: t0, ExpiresAt: t0}
	tb := store.TrustedBrowser{ID: "tb_a", UserID: "usr_a", TokenHash: []byte("t"), CreatedAt: t0, ExpiresAt: t0, LastUsedAt: t0}
	storetest.Update(t, s, func(tx store.Tx) error {
		return errors.Join(
			tx.CreateGroup(ctx, store.Group{ID: "grp_a", OrgID: store.DefaultOrgID, Name: "ops", CreatedAt: t0}),
			tx.AddGroupMember(ctx, "grp_a", "usr_a"),
			tx.CreateInvitation(ctx, inv),
			tx.CreateEmailCode(ctx, code),
			tx.PutTrustedBrowser(ctx, tb))
	})
	inv.ID, code.CodeHash, tb.ID = "inv_b", []byte("d"), "tb_b"
	conflictsKeepTransaction(t, s, map[string]func(tx store.Tx) error{
		"organisation": func(tx store.Tx) error {
			return tx.CreateOrganisation(ctx, store.Organisation{ID: "org_x", Slug: "default", Name: "x", CreatedAt: t0})
		},
		"group": func(tx store.Tx) error {
			return tx.CreateGroup(ctx, store.Group{ID: "grp_b", OrgID: store.DefaultOrgID, Name: "ops", CreatedAt: t0})
		},
		"group member":    func(tx store.Tx) error { return tx.AddGroupMember(ctx, "grp_a", "usr_a") },
		"invitation":      func(tx store.Tx) error { return tx.CreateInvitation(ctx, inv) },
		"email code":      func(tx store.Tx) error { return tx.CreateEmailCode(ctx, code) },
		"trusted browser": func(tx store.Tx) error { return tx.PutTrustedBrowser(ctx, tb) },
	})
	if list, _ := s.TrustedBrowsers(ctx, "usr_a"); len(list) != 1 || list[0].ID != "tb_a" {
		t.Fatalf("trusted browsers %+v", list)
	}
}

// conflictsKeepTransaction runs each try in a transaction of its own, wants
// ErrConflict, then writes an audit event in the same transaction and
// checks that every event was committed.
func conflictsKeepTransaction(t *testing.T, s *Store, tries map[string]func(tx store.Tx) error) {
	t.Helper()
	for name, try := range tries {
		storetest.Update(t, s, func(tx store.Tx) error {
			if err := try(tx); !errors.Is(err, store.ErrConflict) {
				t.Errorf("%s: %v, want ErrConflict", name, err)
			}
			return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: "usr_a", Type: name, At: t0})
		})
	}
	if evs, _ := s.AuditEvents(ctx, "usr_a", 0, -1); len(evs) != len(tries) {
		t.Fatalf("%d events written after a conflict, want %d", len(evs), len(tries))
	}
}

// A context that ends while the function runs rolls the transaction back.
func TestUpdateCancelledMidwayRollsBack(t *testing.T) {
	s, _ := openTest(t, Options{})
	cctx, cancel := context.WithCancel(ctx)
	err := s.Update(cctx, func(tx store.Tx) error {
		if err := tx.CreateUser(ctx, store.User{ID: "usr_a", Email: "a", CreatedAt: t0}); err != nil {
			return err
		}
		cancel()
		return tx.CreateUser(cctx, store.User{ID: "usr_b", Email: "b", CreatedAt: t0})
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("update: %v", err)
	}
	if _, err := s.UserByID(ctx, "usr_a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the write before the cancellation survived: %v", err)
	}
	// The store works on (the broken connection was replaced).
	storetest.SeedUser(t, s, "usr_c")
	s.Close()
	if err := s.Update(ctx, func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("update after close: %v", err)
	}
}

// A rerun's snapshot is taken after it gets the lane (here a second run's
// turn among reruns): while another
// transaction holds the lane and changes a row, the rerun waits, then reads
// that change and writes over it without a conflict. Had its snapshot been
// taken before the wait, its write would fail to serialize.
func TestRerunSnapshotAfterLane(t *testing.T) {
	s, _ := openTest(t, Options{})
	storetest.SeedUser(t, s, "usr_a")
	storetest.Update(t, s, func(tx store.Tx) error {
		return tx.PutThrottle(ctx, store.Throttle{UserID: "usr_a", WindowFailures: 1})
	})
	holder, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, `LOCK TABLE retry_lane IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, `UPDATE verification_throttle SET window_failures = 10`); err != nil {
		t.Fatal(err)
	}
	var seen int
	done := make(chan error, 1)
	go func() {
		done <- s.attempt(ctx, func(tx store.Tx) error {
			th, err := tx.Throttle(ctx, "usr_a")
			if err != nil {
				return err
			}
			seen = th.WindowFailures
			th.WindowFailures++
			return tx.PutThrottle(ctx, th)
		}, 2)
	}()
	// Wait until the rerun is queued on the lane.
	for waiting := 0; waiting == 0; {
		if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM pg_locks
			WHERE relation = 'retry_lane'::regclass AND NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			t.Fatalf("the rerun did not wait for the lane: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := holder.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("rerun after the lane: %v", err)
	}
	if th, _ := s.Throttle(ctx, "usr_a"); seen != 10 || th.WindowFailures != 11 {
		t.Fatalf("the rerun read %d and left %d; want 10 and 11", seen, th.WindowFailures)
	}
}

// Open's errors name the database but never the password of its URL.
func TestOpenErrorsHideThePassword(t *testing.T) {
	for _, url := range []string{
		"postgres://ann:s3cret-pw@/twofold?host=/nonexistent-dir&connect_timeout=2", // cannot connect
		"postgres://ann:s3cret-pw@localhost:notaport/twofold",                       // cannot parse
	} {
		s, err := Open(ctx, url, Options{})
		if err == nil {
			s.Close()
			t.Fatalf("%s: opened", url)
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// Two admins demote each other at once, each after counting two admins:
// write skew, which SERIALIZABLE refuses. Both transactions read the count
// before either writes (a barrier on their first runs), so one of them
// must lose and, run again, count one admin and keep its role: the
// organisation is never left without an admin (the service's rule rests
// on this; SQLite's single writer gives it by running one at a time).
func TestNeverTheLastAdminUnderWriteSkew(t *testing.T) {
	s, _ := openTest(t, Options{})
	for _, id := range []string{"usr_a", "usr_b"} {
		storetest.Update(t, s, func(tx store.Tx) error {
			return tx.CreateUser(ctx, store.User{ID: id, Email: id, PasswordHash: "x", CreatedAt: t0, Role: store.RoleAdmin})
		})
	}
	var counted sync.WaitGroup
	counted.Add(2)
	var demoted atomic.Int32
	var wg sync.WaitGroup
	for _, target := range []string{"usr_a", "usr_b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			storetest.Update(t, s, func(tx store.Tx) error {
				n, err := tx.CountAdmins(ctx, store.DefaultOrgID)
				if first {
					first = false
					counted.Done()
					counted.Wait()
				}
				if err != nil || n <= 1 {
					return err
				}
				demoted.Add(1)
				return tx.SetRole(ctx, target, store.RoleMember)
			})
		}()
	}
	wg.Wait()
	if n, _ := s.CountAdmins(ctx, store.DefaultOrgID); n != 1 {
		t.Fatalf("%d admins left, want 1", n)
	}
	if demoted.Load() < 2 {
		t.Fatalf("the transactions did not overlap (%d demotions tried)", demoted.Load())
	}
}

// A third run runs alone, so a function cannot lose more than twice to
// the first attempts that keep arriving. Here a stream of short
// transactions each read one row and write another (usr_b's record, then
// usr_a's), while a slower one does the reverse: every run of the slower
// one that overlaps some of them makes a cycle of read/write dependencies
// with them, and loses, since they commit first. When reruns only took
// turns among themselves, it lost every run and gave up; now its third run
// waits for the transactions in flight, holds the new ones back, and
// commits.
func TestRerunNotStarvedByFirstAttempts(t *testing.T) {
	s, _ := openTest(t, Options{MaxAttempts: 5})
	for _, u := range []string{"usr_a", "usr_b"} {
		storetest.SeedUser(t, s, u)
		storetest.Update(t, s, func(tx store.Tx) error { return tx.PutThrottle(ctx, store.Throttle{UserID: u}) })
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var competitors atomic.Int64
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := s.Update(ctx, func(tx store.Tx) error {
					th, err := tx.Throttle(ctx, "usr_b")
					if err != nil {
						return err
					}
					return tx.PutThrottle(ctx, store.Throttle{UserID: "usr_a", WindowFailures: th.WindowFailures})
				})
				if err != nil {
					t.Errorf("competitor: %v", err)
					return
				}
				competitors.Add(1)
			}
		})
	}
	defer func() { close(stop); wg.Wait() }()
	for competitors.Load() < 10 {
		time.Sleep(time.Millisecond)
	}
	runs := 0
	err := s.Update(ctx, func(tx store.Tx) error {
		runs++
		th, err := tx.Throttle(ctx, "usr_a")
		if err != nil {
			return err
		}
		time.Sleep(50 * time.Millisecond) // competitors commit meanwhile
		return tx.PutThrottle(ctx, store.Throttle{UserID: "usr_b", WindowFailures: th.WindowFailures + 1})
	})
	if err != nil || runs > 3 {
		t.Fatalf("the slower transaction: %v after %d runs, want success by the third", err, runs)
	}
}
