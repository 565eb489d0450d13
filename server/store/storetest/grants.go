package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// A CLI grant round-trips, is redeemed once whatever the concurrency, not
// after it expires, and the sweep removes expired grants.
func testCLIGrants(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_cli")
	g := store.CLIGrant{ID: "clg_a", UserID: "usr_cli", CodeHash: []byte("code-a"), Challenge: []byte("challenge-a"),
		TokenName: "twofold CLI on laptop", TokenExpiresAt: T0.Add(30 * 24 * time.Hour), MFA: true,
		CreatedAt: T0, ExpiresAt: T0.Add(2 * time.Minute)}
	Update(t, s, func(tx store.Tx) error { return tx.CreateCLIGrant(ctx, g) })
	got, err := s.CLIGrantByHash(ctx, []byte("code-a"))
	if err != nil || got.ID != g.ID || string(got.Challenge) != "challenge-a" || got.TokenName != g.TokenName ||
		!got.TokenExpiresAt.Equal(g.TokenExpiresAt) || !got.MFA || !got.ExpiresAt.Equal(g.ExpiresAt) || !got.UsedAt.IsZero() {
		t.Fatalf("round trip %+v %v", got, err)
	}
	if _, err := s.CLIGrantByHash(ctx, []byte("nope")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown code: %v", err)
	}
	dup := g
	dup.ID = "clg_dup"
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.CreateCLIGrant(ctx, dup) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("taken code hash: %v", err)
	}
	if n := Race(t, s, 20, func(tx store.Tx, _ int) (bool, error) { return tx.UseCLIGrant(ctx, "clg_a", T0.Add(time.Minute)) }); n != 1 {
		t.Fatalf("grant redeemed %d times", n)
	}
	if got, _ := s.CLIGrantByHash(ctx, []byte("code-a")); !got.UsedAt.Equal(T0.Add(time.Minute)) {
		t.Fatalf("used at %v", got.UsedAt)
	}
	late := g
	late.ID, late.CodeHash, late.TokenExpiresAt, late.MFA = "clg_b", []byte("code-b"), time.Time{}, false
	Update(t, s, func(tx store.Tx) error { return tx.CreateCLIGrant(ctx, late) })
	Update(t, s, func(tx store.Tx) error {
		if ok, err := tx.UseCLIGrant(ctx, "clg_b", T0.Add(2*time.Minute)); ok || err != nil {
			t.Errorf("expired grant redeemed: %v %v", ok, err)
		}
		return nil
	})
	if got, _ := s.CLIGrantByHash(ctx, []byte("code-b")); !got.TokenExpiresAt.IsZero() || got.MFA {
		t.Fatalf("zero expiry and no MFA %+v", got)
	}
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteExpiredCLIGrants(ctx, T0.Add(2*time.Minute))
		if n != 2 {
			t.Errorf("swept %d", n)
		}
		return err
	})
}
