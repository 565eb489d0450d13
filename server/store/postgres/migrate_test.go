package postgres

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/postgres/pgtest"
)

// migrationsUpTo is the embedded migrations up to version v.
func migrationsUpTo(t *testing.T, v int) fs.FS {
	t.Helper()
	list, err := migrationFiles(migrations)
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, m := range list {
		if m.version <= v {
			body, err := fs.ReadFile(migrations, m.path)
			if err != nil {
				t.Fatal(err)
			}
			out[m.path] = &fstest.MapFile{Data: body}
		}
	}
	return out
}

// Migration 0007 on a database with rows, as SQLite's does: every user
// joins the default organisation, whose first user (by creation, then id)
// becomes its admin; the events written before are filed under it with
// their user as actor; sessions and application tokens keep their rows and
// take the new stage and flag.
func TestMigration0007MovesExistingRows(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := migrate(ctx, pool, migrationsUpTo(t, 6), t0); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO users (id, email, password_hash, created_at) VALUES
			('usr_late', 'late@example.com', 'x', $1::bigint + 3600000), ('usr_b', 'b@example.com', 'x', $1), ('usr_a', 'a@example.com', 'x', $1)`,
		`INSERT INTO audit_events (user_id, type, at, client_addr, device_id, detail) VALUES
			('usr_b', 'sign_in_success', $1, '', '', ''), (NULL, 'sign_in_failure', $1, '', '', '')`,
		`INSERT INTO sessions (id, token_hash, user_id, stage, amr, created_at, expires_at, client_addr, user_agent)
			VALUES ('ses_b', '\x01', 'usr_b', 'full', 'pwd', $1, $1::bigint + 3600000, '', '')`,
		`INSERT INTO app_tokens (id, user_id, name, token_hash, created_at) VALUES ('tok_a', 'usr_a', 'cli', '\x02', $1)`,
	} {
		if _, err := pool.Exec(ctx, q, t0.UnixMilli()); err != nil {
			t.Fatal(err)
		}
	}
	before := time.Now().Add(-time.Minute)
	if err := migrate(ctx, pool, migrations, t0); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	def, err := s.Organisation(ctx, store.DefaultOrgID)
	if err != nil || def.Slug != "default" || !def.OpenSignup || def.RequireMFA != store.RequireOff || def.TrustDays != 30 ||
		def.CreatedAt.Before(before) || def.CreatedAt.After(time.Now()) {
		t.Fatalf("default organisation %+v %v", def, err)
	}
	for id, role := range map[string]store.Role{"usr_a": store.RoleAdmin, "usr_b": store.RoleMember, "usr_late": store.RoleMember} {
		u, err := s.UserByID(ctx, id)
		if err != nil || u.OrgID != store.DefaultOrgID || u.Role != role || u.ExemptReason != "" || !u.LastSignInAt.IsZero() || u.MustEnroll {
			t.Errorf("%s: %+v %v, want a %s of the default organisation", id, u, err, role)
		}
	}
	evs, err := s.OrgAuditEvents(ctx, store.DefaultOrgID, store.AuditFilter{Limit: 10})
	if err != nil || len(evs) != 2 || evs[0].ActorID != "" || evs[0].UserID != "" || evs[1].ActorID != "usr_b" {
		t.Fatalf("events %+v %v", evs, err)
	}
	if toks, _ := s.AppTokens(ctx, "usr_a"); len(toks) != 1 || toks[0].MFA {
		t.Fatalf("app tokens %+v", toks)
	}
	var moved int64
	if err := s.Update(ctx, func(tx store.Tx) error {
		var err error
		moved, err = tx.SetSessionsStage(ctx, "usr_b", store.StageFull, store.StageEnroll)
		return err
	}); err != nil || moved != 1 {
		t.Fatalf("session to the enroll stage: %d %v", moved, err)
	}
}

// As on SQLite: a database that records a migration this binary lacks (a
// newer server applied it, and this one is an old instance restarting
// during a rolling upgrade, or a rollback) is refused before anything is
// applied.
func TestOpenRefusesNewerSchema(t *testing.T) {
	s, url := openTest(t, Options{})
	list, err := migrationFiles(migrations)
	if err != nil {
		t.Fatal(err)
	}
	last := list[len(list)-1]
	for _, q := range []string{
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`,
		`DELETE FROM schema_migrations WHERE version = ` + strconv.Itoa(last.version),
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Open(ctx, url, Options{}); !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999") {
		t.Fatalf("Open on a newer schema: %v, want ErrSchemaTooNew naming 9999", err)
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(list) {
		t.Fatalf("%d migration rows after the refusal (%v), want %d", n, err, len(list))
	}
}
