package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/store/postgres/pgtest"
)

// A populated SQLite database moved to PostgreSQL with `migrate-db`
// keeps every user signing in: accounts enrolled on a SQLite server sign
// in on a PostgreSQL server (same master key file) with their password and
// the next code, or a recovery code, and an application token made before
// still works. The server then writes audit events (ids past the copied
// ones). A second run into the now populated database is refused.
func TestMigrateDBKeepsEverySignIn(t *testing.T) {
	ctx := ctxT(t)
	data := t.TempDir()
	lite := startProcess(t, "TWOFOLD_DATA_DIR="+data) // SQLite, its key file made there
	var accts []*apitest.Account
	for i := range 5 {
		a, err := apitest.Enroll(ctx, lite.url, fmt.Sprintf("user%d@example.com", i), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		accts = append(accts, a)
	}
	tok, err := accts[0].Client(lite.url).CreateAppToken(ctx, wire.CreateAppTokenRequest{Name: "ci", RecoveryCode: accts[0].RecoveryCodes[0]})
	if err != nil {
		t.Fatal(err)
	}
	lite.stop()

	dbURL := pgtest.NewDatabase(t)
	var out, errOut bytes.Buffer
	args := []string{"migrate-db", "--from", "sqlite:" + filepath.Join(data, "twofold.db"), "--to", dbURL}
	if code := run(context.Background(), args, env(nil), &out, &errOut); code != 0 {
		t.Fatalf("migrate-db: exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"users", "totp_devices", "recovery_codes", "audit_events", "app_tokens", "copied and verified"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("migrate-db's report lacks %q:\n%s", want, out.String())
		}
	}

	pg := startProcess(t, "TWOFOLD_DATABASE_URL="+dbURL, "TWOFOLD_MASTER_KEY_FILE="+filepath.Join(data, "master.key"), "TWOFOLD_DATA_DIR="+t.TempDir())
	for i, a := range accts {
		c := a.Client(pg.url)
		c.SignOut(ctx)
		if _, err := c.SignIn(ctx, a.Email, apitest.Password); err != nil {
			t.Fatalf("%s: sign in on PostgreSQL: %v", a.Email, err)
		}
		f := wire.SecondFactorRequest{Code: a.Code(time.Now().Add(30 * time.Second))}
		if i == 1 {
			f = wire.SecondFactorRequest{RecoveryCode: a.RecoveryCodes[1]}
		}
		s, err := c.SecondFactor(ctx, f)
		if err != nil || s.Session.Stage != "full" {
			t.Fatalf("%s: second factor on PostgreSQL: %+v %v", a.Email, s, err)
		}
	}
	if _, err := accts[1].Client(pg.url).SecondFactor(ctx, wire.SecondFactorRequest{RecoveryCode: accts[1].RecoveryCodes[1]}); !client.IsCode(err, "verification_failed") {
		t.Fatalf("a recovery code used on PostgreSQL, again: %v", err)
	}
	bearer, err := client.New(pg.url, client.WithToken(tok.Secret))
	if err != nil {
		t.Fatal(err)
	}
	if ds, err := bearer.Devices(ctx); err != nil || len(ds.Devices) != 1 {
		t.Fatalf("the application token on PostgreSQL: %+v %v", ds, err)
	}
	evs, err := accts[0].Client(pg.url).AuditEvents(ctx, client.AuditPage{})
	if err != nil || len(evs.Events) < 4 || !slices.IsSortedFunc(evs.Events, func(a, b wire.AuditEvent) int { return int(b.ID - a.ID) }) {
		t.Fatalf("audit events after the move: %+v %v", evs, err)
	}

	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), args, env(nil), &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "already holds") {
		t.Fatalf("migrate-db into a populated database: exit %d: %s", code, errOut.String())
	}
}

// migrate-db's arguments: a sqlite: source and a postgres:// target.
func TestMigrateDBArguments(t *testing.T) {
	for _, args := range [][]string{
		{"migrate-db"},
		{"migrate-db", "--from", "data/twofold.db", "--to", "postgres://x/y"},
		{"migrate-db", "--from", "sqlite:data/twofold.db"},
		{"migrate-db", "--from", "sqlite:data/twofold.db", "--to", "mysql://x/y"},
		{"migrate-db", "--from", "sqlite:a", "--to", "postgres://x/y", "extra"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, env(nil), &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%q: exit %d, %q", args, code, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	args := []string{"migrate-db", "--from", "sqlite:" + filepath.Join(t.TempDir(), "none.db"), "--to", "postgres://127.0.0.1:1/x"}
	if code := run(context.Background(), args, env(nil), &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "none.db") {
		t.Errorf("a missing source: exit %d, %q", code, errOut.String())
	}
}
