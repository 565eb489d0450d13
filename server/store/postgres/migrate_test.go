package postgres

import (
	"errors"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/postgres/pgtest"
	"github.com/twofold-auth/twofold/server/store/storetest"
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

// Instances may run as a role that cannot change the schema (docs/
// deploy.md): with SELECT, INSERT, UPDATE and DELETE on the tables and
// USAGE on the sequences, it opens a database another role migrated,
// writes and listens. Its rights on retry_lane are what every transaction
// needs (LOCK TABLE takes UPDATE or DELETE): without them it cannot begin.
func TestRuntimeRoleWithoutCreate(t *testing.T) {
	s, dbURL := openTest(t, Options{})
	s.Close()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db := u.Path[1:]
	role := pgx.Identifier{"rt_" + db}.Sanitize()
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `CREATE ROLE `+role+` LOGIN`); err != nil {
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(ctx, `DROP OWNED BY `+role)
		admin.Exec(ctx, `DROP ROLE `+role)
	})
	for _, q := range []string{
		`REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
		`GRANT CONNECT ON DATABASE ` + pgx.Identifier{db}.Sanitize() + ` TO ` + role,
		`GRANT USAGE ON SCHEMA public TO ` + role,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + role,
		`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ` + role,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	u.User = url.User("rt_" + db)
	rt, err := Open(ctx, u.String(), Options{})
	if err != nil {
		t.Fatalf("the runtime role opening a migrated database: %v", err)
	}
	defer rt.Close()
	storetest.SeedUser(t, rt, "usr_rt")
	l, err := rt.Listen(ctx, ListenOptions{})
	if err != nil {
		t.Fatalf("the runtime role listening: %v", err)
	}
	l.Close()
	if _, err := admin.Exec(ctx, `REVOKE UPDATE, DELETE ON retry_lane FROM `+role); err != nil {
		t.Fatal(err)
	}
	if err := rt.Update(ctx, func(store.Tx) error { return nil }); err == nil || !strings.Contains(err.Error(), "retry_lane") {
		t.Fatalf("a transaction without rights on retry_lane: %v", err)
	}
}
