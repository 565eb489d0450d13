package copydb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/postgres"
	"github.com/twofold-auth/twofold/server/store/postgres/pgtest"
	"github.com/twofold-auth/twofold/server/store/sqlite"
	"github.com/twofold-auth/twofold/server/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var ctx = context.Background()

// populated is a SQLite database with a user, a device, audit events and
// a pending push challenge.
func populated(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "twofold.db")
	s, err := sqlite.Open(path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.SeedUser(t, s, "usr_a")
	storetest.SeedDevice(t, s, "usr_a", "dev_a", store.DeviceActive)
	storetest.Update(t, s, func(tx store.Tx) error {
		for _, typ := range []string{"sign_in_success", "mfa_enabled", "sign_in_failure"} {
			if err := tx.AddAuditEvent(ctx, store.AuditEvent{UserID: "usr_a", Type: typ, At: storetest.T0, Detail: "é ✓ \"q\""}); err != nil {
				return err
			}
		}
		return tx.CreatePushChallenge(ctx, store.PushChallenge{ID: "pch_a", UserID: "usr_a", SessionID: "ses_a", Number: 42,
			Candidates: [3]int{17, 42, 88}, State: store.PushPending, CreatedAt: storetest.T0, ExpiresAt: storetest.T0.Add(time.Minute)})
	})
	return path
}

func rowsIn(t *testing.T, tables []Table, name string) int {
	for _, tb := range tables {
		if tb.Name == name {
			return tb.Rows
		}
	}
	t.Fatalf("table %s not copied", name)
	return 0
}

// Every table is copied, parents before children, the audit log's ids
// kept and its sequence moved past them; the rows read the same through
// the PostgreSQL store.
func TestCopy(t *testing.T) {
	url := pgtest.NewDatabase(t)
	tables, err := Copy(ctx, populated(t), url)
	if err != nil {
		t.Fatal(err)
	}
	if rowsIn(t, tables, "users") != 1 || rowsIn(t, tables, "audit_events") != 3 || rowsIn(t, tables, "organisations") != 1 ||
		rowsIn(t, tables, "push_challenges") != 1 || rowsIn(t, tables, "totp_devices") != 1 {
		t.Fatalf("copied %+v", tables)
	}
	pos := map[string]int{}
	for i, tb := range tables {
		pos[tb.Name] = i
	}
	if pos["organisations"] > pos["users"] || pos["users"] > pos["totp_devices"] || pos["totp_devices"] > pos["push_registrations"] {
		t.Fatalf("copy order %+v", tables)
	}
	pg, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if d, err := pg.DeviceByID(ctx, "dev_a"); err != nil || d.UserID != "usr_a" || len(d.SecretSealed) == 0 {
		t.Fatalf("device %+v %v", d, err)
	}
	storetest.Update(t, pg, func(tx store.Tx) error {
		return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: "usr_a", Type: "after", At: storetest.T0})
	})
	evs, err := pg.AuditEvents(ctx, "usr_a", 0, 10)
	if err != nil || len(evs) != 4 || evs[0].Type != "after" || evs[0].ID != 4 || evs[3].Detail != "é ✓ \"q\"" {
		t.Fatalf("audit events after the copy %+v %v", evs, err)
	}
}

// A target holding data is refused, and left as it was.
func TestCopyRefusesNonEmptyTarget(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pg, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	storetest.SeedUser(t, pg, "usr_there")
	if _, err := Copy(ctx, populated(t), url); !errors.Is(err, ErrTargetNotEmpty) {
		t.Fatalf("copy into a populated database: %v", err)
	}
	if _, err := pg.UserByID(ctx, "usr_a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused copy wrote: %v", err)
	}
	if _, err := pg.UserByID(ctx, "usr_there"); err != nil {
		t.Fatalf("a refused copy removed: %v", err)
	}
}

// Verification compares content, not only counts: a value changed or a
// row replaced after the copy is found.
func TestVerifyFindsDifferences(t *testing.T) {
	path, url := populated(t), pgtest.NewDatabase(t)
	if _, err := Copy(ctx, path, url); err != nil {
		t.Fatal(err)
	}
	lite, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	ltx, err := lite.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ltx.Rollback()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, c := range []struct{ what, table, change string }{
		{"a value", "audit_events", `UPDATE audit_events SET detail = 'e' WHERE id = 2`},
		{"a row for another", "audit_events", `UPDATE audit_events SET id = 99 WHERE id = 3`},
		{"a trailing space", "totp_devices", `UPDATE totp_devices SET name = name || ' ' WHERE id = 'dev_a'`},
		{"a row gone", "push_challenges", `DELETE FROM push_challenges`},
	} {
		ptx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := columns(ctx, ptx, c.table)
		if err != nil {
			t.Fatal(err)
		}
		if err := verifyTable(ctx, ltx, ptx, c.table, cols); err != nil {
			t.Fatalf("before %s: %v", c.what, err)
		}
		if _, err := ptx.Exec(ctx, c.change); err != nil {
			t.Fatal(err)
		}
		if err := verifyTable(ctx, ltx, ptx, c.table, cols); !errors.Is(err, ErrVerify) {
			t.Errorf("%s: %v, want ErrVerify", c.what, err)
		}
		ptx.Rollback(ctx)
	}
}
