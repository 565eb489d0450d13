package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAppTokensAndTouchOncePerInterval(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	seedUser(t, s, "usr_a")
	tok := AppToken{ID: "tok_a", UserID: "usr_a", Name: "laptop", TokenHash: []byte("h1"), CreatedAt: t0}
	update(t, s, func(tx Tx) error { return tx.CreateAppToken(ctx, tok) })
	if err := s.Update(ctx, func(tx Tx) error {
		return tx.CreateAppToken(ctx, AppToken{ID: "tok_b", UserID: "usr_a", Name: "x", TokenHash: []byte("h1"), CreatedAt: t0})
	}); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate hash: %v", err)
	}
	got, err := s.AppTokenByHash(ctx, []byte("h1"))
	if err != nil || got.ID != "tok_a" || !got.ExpiresAt.IsZero() || !got.LastUsedAt.IsZero() {
		t.Fatalf("by hash: %+v %v", got, err)
	}
	touch := func(at time.Time) bool {
		var ok bool
		update(t, s, func(tx Tx) error {
			var err error
			ok, err = tx.TouchAppToken(ctx, "tok_a", "192.0.2.1", at, time.Minute)
			return err
		})
		return ok
	}
	if !touch(t0) || touch(t0.Add(59*time.Second)) || !touch(t0.Add(time.Minute)) {
		t.Fatal("touch wrote other than once per minute")
	}
	list, err := s.AppTokens(ctx, "usr_a")
	if err != nil || len(list) != 1 || !list[0].LastUsedAt.Equal(t0.Add(time.Minute)) || list[0].LastUsedAddr != "192.0.2.1" {
		t.Fatalf("list %+v %v", list, err)
	}
	if err := s.Update(ctx, func(tx Tx) error { return tx.DeleteAppToken(ctx, "usr_b", "tok_a") }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete another user's token: %v", err)
	}
	update(t, s, func(tx Tx) error { return tx.DeleteAppToken(ctx, "usr_a", "tok_a") })
	if _, err := s.AppTokenByHash(ctx, []byte("h1")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestReplacePendingSecretOnlyPending(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	seedUser(t, s, "usr_a")
	seedDevice(t, s, "usr_a", "dev_p", DevicePending)
	seedDevice(t, s, "usr_a", "dev_x", DeviceActive)
	update(t, s, func(tx Tx) error {
		return tx.ReplacePendingSecret(ctx, "usr_a", "dev_p", "", "k2", []byte{9}, t0.Add(time.Hour))
	})
	d, _ := s.Device(ctx, "usr_a", "dev_p")
	if d.KeyID != "k2" || string(d.SecretSealed) != "\x09" || !d.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("replaced %+v", d)
	}
	if err := s.Update(ctx, func(tx Tx) error {
		return tx.ReplacePendingSecret(ctx, "usr_a", "dev_x", "", "k2", []byte{9}, t0)
	}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("active device: %v", err)
	}
	if err := s.Update(ctx, func(tx Tx) error {
		return tx.ReplacePendingSecret(ctx, "usr_a", "dev_p", "ses_other", "k3", []byte{9}, t0)
	}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another creator: %v", err)
	}
}

// A database that recorded a later migration first (written on a parallel
// branch) still gets the earlier one.
func TestMigrateAppliesMissingEarlierVersion(t *testing.T) {
	s, path := openTest(t)
	ctx := context.Background()
	if _, err := s.wc.ExecContext(ctx, `DROP TABLE app_tokens; DELETE FROM schema_migrations WHERE version = 2;
		INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_later.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := OpenSQLite(path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.AppTokens(ctx, "usr_a"); err != nil {
		t.Fatalf("app_tokens after reopening: %v", err)
	}
}
