package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/storetest"
)

var t0 = storetest.T0

func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "twofold.db")
	s, err := Open(path, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// TestConformance runs the store conformance suite on SQLite files.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openTest(t)
		return s
	})
}

func TestOpenAppliesMigrationsOnceAndSetsPragmas(t *testing.T) {
	s, path := openTest(t)
	ctx := context.Background()
	embedded, _ := fs.Glob(migrations, "migrations/*.sql")
	// The newest migration's version: versions are written on parallel
	// branches, so a binary may lack one below its newest.
	newest, _ := strconv.Atoi(strings.SplitN(filepath.Base(embedded[len(embedded)-1]), "_", 2)[0])
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != newest || newest < len(embedded) {
		t.Fatalf("schema version %d, %v; newest embedded %d", v, err, newest)
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
	if _, err := Open(filepath.Join(t.TempDir(), "x.db"), Options{Sync: "sometimes"}); err == nil {
		t.Fatal("bad sync setting accepted")
	}
	if err := s.r.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout); err != nil || timeout != 5000 {
		t.Fatalf("busy_timeout %d %v", timeout, err)
	}
	if _, err := s.r.ExecContext(ctx, "DELETE FROM users"); err == nil {
		t.Fatal("read pool accepted a write")
	}
	storetest.SeedUser(t, s, "usr_a")
	s.Close()
	// Reopening applies nothing twice and keeps the data.
	s2, err := Open(path, Options{})
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
			errs[i] = s.Update(ctx, func(tx store.Tx) error {
				id := "usr_" + string(rune('A'+i))
				if err := tx.CreateUser(ctx, store.User{ID: id, Email: id, PasswordHash: "x", CreatedAt: t0}); err != nil {
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
			if !errors.Is(err, boom) || !errors.Is(lookErr, store.ErrNotFound) {
				t.Errorf("%d: %v / %v", i, err, lookErr)
			}
		case 2:
			if err == nil || !errors.Is(lookErr, store.ErrNotFound) {
				t.Errorf("%d: %v / %v", i, err, lookErr)
			}
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Update(cancelled, func(store.Tx) error { t.Error("ran"); return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled update: %v", err)
	}
	s.Close()
	if err := s.Update(ctx, func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
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
	create := func(tx store.Tx, id string) error {
		return tx.CreateUser(ctx, store.User{ID: id, Email: id, PasswordHash: "x", CreatedAt: t0})
	}
	started := make(chan struct{})
	firstErr := make(chan error, 1)
	go func() {
		firstErr <- s.Update(ctx, func(tx store.Tx) error {
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
			errs[i] = s.Update(ctx, func(tx store.Tx) error {
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
			if !errors.Is(errs[i], boom) || !errors.Is(lookErr, store.ErrNotFound) {
				t.Errorf("%s: %v / %v", id, errs[i], lookErr)
			}
		} else if errs[i] != nil || lookErr != nil {
			t.Errorf("%s: %v / %v", id, errs[i], lookErr)
		}
	}
	if _, err := s.UserByID(ctx, "usr_first"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("failed first call's write: %v", err)
	}
}

// A database that recorded a later migration first (written on a parallel
// branch) still gets the earlier one, and nothing is applied twice.
func TestMigrateAppliesMissingEarlierVersion(t *testing.T) {
	db, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fsys := fstest.MapFS{
		"migrations/0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER);`)},
		"migrations/0003_c.sql": {Data: []byte(`CREATE TABLE c (x INTEGER);`)},
	}
	if err := migrate(db, fsys, t0); err != nil {
		t.Fatal(err)
	}
	fsys["migrations/0002_b.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE b (x INTEGER);`)}
	if err := migrate(db, fsys, t0); err != nil {
		t.Fatalf("the missing earlier migration: %v", err)
	}
	for _, table := range []string{"a", "b", "c"} {
		if _, err := db.Exec(`SELECT x FROM ` + table); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	if n != 3 {
		t.Fatalf("%d migrations recorded", n)
	}
	fsys["migrations/x_bad.sql"] = &fstest.MapFile{Data: []byte(`SELECT 1;`)}
	if err := migrate(db, fsys, t0); err == nil {
		t.Fatal("a migration named without its version was accepted")
	}
}

// Rolling back a deployment must not run old code on a schema it does not
// know: a database that records a migration this binary lacks (a newer
// server applied it) is refused, before any migration of its own is
// applied.
func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := openTest(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	embedded, _ := fs.Glob(migrations, "migrations/*.sql")
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	// A migration this binary has but the database lacks: it must stay unapplied.
	last := embedded[len(embedded)-1]
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE name = ?`, filepath.Base(last)); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{}); !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999") {
		t.Fatalf("Open on a newer schema: %v, want ErrSchemaTooNew naming 9999", err)
	}
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	if n != len(embedded) { // all but the deleted one, plus 9999
		t.Fatalf("%d migration rows after the refusal, want %d", n, len(embedded))
	}
}
