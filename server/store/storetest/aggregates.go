package storetest

import (
	"bytes"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

func testDevices(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	SeedUser(t, s, "usr_b")
	SeedDevice(t, s, "usr_a", "dev_a", store.DevicePending)
	SeedDevice(t, s, "usr_a", "dev_b", store.DevicePending)
	Update(t, s, func(tx store.Tx) error { return tx.ActivateDevice(ctx, "dev_a", T0) })
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.ActivateDevice(ctx, "dev_a", T0) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("activate twice: %v", err)
	}
	Update(t, s, func(tx store.Tx) error { return tx.RenameDevice(ctx, "usr_a", "dev_a", "laptop") })
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.RenameDevice(ctx, "usr_b", "dev_a", "x") }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rename other user's device: %v", err)
	}
	if _, err := s.Device(ctx, "usr_b", "dev_a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another user's device: %v", err)
	}
	if d, err := s.DeviceByID(ctx, "dev_a"); err != nil || d.UserID != "usr_a" {
		t.Fatalf("device by id %+v %v", d, err)
	}
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteExpiredPendingDevices(ctx, T0.Add(10*time.Minute))
		if n != 1 {
			t.Errorf("expired pending deleted: %d", n)
		}
		return err
	})
	ds, _ := s.Devices(ctx, "usr_a")
	if len(ds) != 1 || ds[0].Name != "laptop" || ds[0].State != store.DeviceActive || !ds[0].ExpiresAt.IsZero() || !ds[0].ActivatedAt.Equal(T0) {
		t.Fatalf("devices %+v", ds)
	}
	Update(t, s, func(tx store.Tx) error { return tx.ResealDevice(ctx, "dev_a", "k2", []byte{9}) })
	if d, _ := s.Device(ctx, "usr_a", "dev_a"); d.KeyID != "k2" || !bytes.Equal(d.SecretSealed, []byte{9}) {
		t.Fatalf("resealed %+v", d)
	}
	if all, _ := s.AllDevices(ctx); len(all) != 1 {
		t.Fatalf("all devices %+v", all)
	}
	SeedDevice(t, s, "usr_a", "dev_c", store.DevicePending)
	SeedDevice(t, s, "usr_a", "dev_d", store.DevicePending)
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeletePendingDevices(ctx, "usr_a")
		if n != 2 {
			t.Errorf("pending deleted: %d", n)
		}
		return err
	})
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteAllDevices(ctx, "usr_a")
		if n != 1 {
			t.Errorf("all deleted: %d", n)
		}
		return err
	})
	// Devices list in creation order.
	for i, id := range []string{"dev_3", "dev_1", "dev_2"} {
		Update(t, s, func(tx store.Tx) error {
			return tx.CreateDevice(ctx, store.Device{ID: id, UserID: "usr_b", Name: id, State: store.DeviceActive, KeyID: "k",
				SecretSealed: []byte{1}, Algorithm: "SHA1", Digits: 6, Period: 30, CreatedAt: T0.Add(time.Duration(i) * time.Second),
				CreatedBy: "ses_x"})
		})
	}
	ds, _ = s.Devices(ctx, "usr_b")
	if len(ds) != 3 || ds[0].ID != "dev_3" || ds[2].ID != "dev_2" || ds[0].CreatedBy != "ses_x" {
		t.Fatalf("creation order %+v", ds)
	}
}

// The state-qualified delete removes a device only in the state named:
// this is what keeps a device activated meanwhile from going under the
// pending rule.
func testDeleteDeviceByState(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	SeedDevice(t, s, "usr_a", "dev_a", store.DeviceActive)
	SeedDevice(t, s, "usr_a", "dev_p", store.DevicePending)
	for _, tc := range []struct {
		id    string
		state store.DeviceState
		ok    bool
	}{{"dev_a", store.DevicePending, false}, {"dev_p", store.DeviceActive, false}, {"dev_p", store.DevicePending, true}, {"dev_a", store.DeviceActive, true}} {
		err := s.Update(ctx, func(tx store.Tx) error { return tx.DeleteDevice(ctx, "usr_a", tc.id, tc.state) })
		if tc.ok != (err == nil) || !tc.ok && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete %s as %s: %v", tc.id, tc.state, err)
		}
	}
}

func testReplacePendingSecret(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	SeedDevice(t, s, "usr_a", "dev_p", store.DevicePending)
	SeedDevice(t, s, "usr_a", "dev_x", store.DeviceActive)
	Update(t, s, func(tx store.Tx) error {
		return tx.ReplacePendingSecret(ctx, "usr_a", "dev_p", "", "k2", []byte{9}, T0.Add(time.Hour))
	})
	d, _ := s.Device(ctx, "usr_a", "dev_p")
	if d.KeyID != "k2" || !bytes.Equal(d.SecretSealed, []byte{9}) || !d.ExpiresAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("replaced %+v", d)
	}
	for name, try := range map[string]func(tx store.Tx) error{
		"active device": func(tx store.Tx) error {
			return tx.ReplacePendingSecret(ctx, "usr_a", "dev_x", "", "k2", []byte{9}, T0)
		},
		"another creator": func(tx store.Tx) error {
			return tx.ReplacePendingSecret(ctx, "usr_a", "dev_p", "ses_other", "k3", []byte{9}, T0)
		},
		"another user": func(tx store.Tx) error {
			return tx.ReplacePendingSecret(ctx, "usr_b", "dev_p", "", "k3", []byte{9}, T0)
		},
	} {
		if err := s.Update(ctx, try); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func testRecoveryCodes(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	Update(t, s, func(tx store.Tx) error {
		return tx.ReplaceRecoveryCodes(ctx, "usr_a", [][]byte{[]byte("a"), []byte("b"), []byte("c")}, T0)
	})
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Update(t, s, func(tx store.Tx) error {
				ok, err := tx.UseRecoveryCode(ctx, "usr_a", []byte("a"), T0)
				if ok {
					wins.Add(1)
				}
				return err
			})
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("a recovery code used %d times", wins.Load())
	}
	if codes, _ := s.UnusedRecoveryCodes(ctx, "usr_a"); len(codes) != 2 {
		t.Fatalf("unused %+v", codes)
	}
	Update(t, s, func(tx store.Tx) error { return tx.ReplaceRecoveryCodes(ctx, "usr_a", [][]byte{[]byte("d")}, T0) })
	codes, _ := s.UnusedRecoveryCodes(ctx, "usr_a")
	if len(codes) != 1 || string(codes[0].Hash) != "d" || codes[0].UserID != "usr_a" {
		t.Fatalf("after replace %+v", codes)
	}
	Update(t, s, func(tx store.Tx) error { return tx.DeleteRecoveryCodes(ctx, "usr_a") })
	if codes, _ := s.UnusedRecoveryCodes(ctx, "usr_a"); len(codes) != 0 {
		t.Fatalf("after delete %+v", codes)
	}
}

func testThrottles(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	th, err := s.Throttle(ctx, "usr_a")
	if err != nil || th != (store.Throttle{UserID: "usr_a"}) {
		t.Fatalf("empty throttle %+v %v", th, err)
	}
	want := store.Throttle{UserID: "usr_a", ConsecutiveFailures: 3, WindowStart: T0, WindowFailures: 7, LockedUntil: T0.Add(time.Hour)}
	Update(t, s, func(tx store.Tx) error { return tx.PutThrottle(ctx, want) })
	Update(t, s, func(tx store.Tx) error { return tx.PutThrottle(ctx, want) })
	if th, _ := s.Throttle(ctx, "usr_a"); th != want {
		t.Fatalf("throttle %+v", th)
	}
	if p, _ := s.PasswordThrottle(ctx, "usr_a"); p != (store.Throttle{UserID: "usr_a"}) {
		t.Fatalf("the password record changed with the second factor's: %+v", p)
	}
	pw := store.Throttle{UserID: "usr_a", ConsecutiveFailures: 6, WindowStart: T0, WindowFailures: 6, LockedUntil: T0.Add(time.Second)}
	Update(t, s, func(tx store.Tx) error { return tx.PutPasswordThrottle(ctx, pw) })
	if p, _ := s.PasswordThrottle(ctx, "usr_a"); p != pw {
		t.Fatalf("password throttle %+v", p)
	}
	if th, _ := s.Throttle(ctx, "usr_a"); th != want {
		t.Fatalf("the second factor's record changed with the password's: %+v", th)
	}
}

// Concurrent failures of one account are all booked (no lost update of
// the failure record): this is what makes the guess budget hold.
func testConcurrentFailuresBooked(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Update(t, s, func(tx store.Tx) error {
				_, th, _, err := tx.VerifierState(ctx, "usr_a")
				if err != nil {
					return err
				}
				th.ConsecutiveFailures++
				th.WindowFailures += 2
				if err := tx.PutThrottle(ctx, th); err != nil {
					return err
				}
				return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: "usr_a", Type: "verification_failure", At: T0})
			})
		}()
	}
	wg.Wait()
	th, _ := s.Throttle(ctx, "usr_a")
	if th.ConsecutiveFailures != 64 || th.WindowFailures != 128 {
		t.Fatalf("booked %+v, want 64 failures of weight 2", th)
	}
	if evs, _ := s.AuditEvents(ctx, "usr_a", 0, 200); len(evs) != 64 {
		t.Fatalf("%d failure events, want 64", len(evs))
	}
}

func testKnownBrowsers(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	b := store.KnownBrowser{TokenHash: []byte("h1"), UserID: "usr_a", CreatedAt: T0, ExpiresAt: T0.Add(time.Hour), LastUsedAt: T0}
	Update(t, s, func(tx store.Tx) error { return tx.PutKnownBrowser(ctx, b) })
	b.ConsecutiveFailures, b.LockedUntil, b.LastUsedAt = 6, T0.Add(2*time.Second), T0.Add(time.Minute)
	Update(t, s, func(tx store.Tx) error { return tx.PutKnownBrowser(ctx, b) })
	got, err := s.KnownBrowser(ctx, []byte("h1"))
	if err != nil || got.ConsecutiveFailures != 6 || !got.LockedUntil.Equal(b.LockedUntil) || !got.CreatedAt.Equal(T0) ||
		got.UserID != "usr_a" || !got.LastUsedAt.Equal(b.LastUsedAt) {
		t.Fatalf("known browser %+v %v", got, err)
	}
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteExpiredKnownBrowsers(ctx, T0.Add(time.Hour))
		if n != 1 {
			t.Errorf("expired deleted: %d", n)
		}
		return err
	})
	if _, err := s.KnownBrowser(ctx, []byte("h1")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after expiry: %v", err)
	}
	b.TokenHash = []byte("h2")
	Update(t, s, func(tx store.Tx) error { return tx.PutKnownBrowser(ctx, b) })
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteKnownBrowsers(ctx, "usr_a")
		if n != 1 {
			t.Errorf("user's deleted: %d", n)
		}
		return err
	})
}

func testAudit(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	for i := range 5 {
		Update(t, s, func(tx store.Tx) error {
			return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: "usr_a", Type: "t", At: T0.Add(time.Duration(i) * time.Second),
				ClientAddr: "192.0.2.1", DeviceID: "dev_a", Detail: "d"})
		})
	}
	Update(t, s, func(tx store.Tx) error {
		return tx.AddAuditEvent(ctx, store.AuditEvent{Type: "sign_in_failure", At: T0})
	})
	evs, _ := s.AuditEvents(ctx, "usr_a", 0, 3)
	if len(evs) != 3 || evs[0].ID <= evs[1].ID || !evs[0].At.Equal(T0.Add(4*time.Second)) || evs[0].ClientAddr != "192.0.2.1" ||
		evs[0].DeviceID != "dev_a" || evs[0].Detail != "d" || evs[0].UserID != "usr_a" {
		t.Fatalf("events %+v", evs)
	}
	more, _ := s.AuditEvents(ctx, "usr_a", evs[2].ID, 10)
	if len(more) != 2 {
		t.Fatalf("next page %+v", more)
	}
}

func testAppTokens(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	tok := store.AppToken{ID: "tok_a", UserID: "usr_a", Name: "cli", TokenHash: []byte("h1"), CreatedAt: T0, MFA: true}
	Update(t, s, func(tx store.Tx) error { return tx.CreateAppToken(ctx, tok) })
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateAppToken(ctx, store.AppToken{ID: "tok_b", UserID: "usr_a", Name: "x", TokenHash: []byte("h1"), CreatedAt: T0})
	}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate hash: %v", err)
	}
	got, err := s.AppTokenByHash(ctx, []byte("h1"))
	if err != nil || got.ID != "tok_a" || got.Name != "cli" || !got.ExpiresAt.IsZero() || !got.LastUsedAt.IsZero() || !got.MFA {
		t.Fatalf("token %+v %v", got, err)
	}
	// Of concurrent uses within an interval, one writes.
	if n := Race(t, s, 20, func(tx store.Tx, _ int) (bool, error) {
		return tx.TouchAppToken(ctx, "tok_a", "192.0.2.9", T0.Add(time.Second), time.Minute)
	}); n != 1 {
		t.Fatalf("%d touches wrote in one interval", n)
	}
	var ok bool
	Update(t, s, func(tx store.Tx) error {
		var err error
		ok, err = tx.TouchAppToken(ctx, "tok_a", "192.0.2.9", T0.Add(61*time.Second), time.Minute)
		return err
	})
	if !ok {
		t.Fatal("a touch after the interval did not write")
	}
	list, _ := s.AppTokens(ctx, "usr_a")
	if len(list) != 1 || list[0].LastUsedAddr != "192.0.2.9" || !list[0].LastUsedAt.Equal(T0.Add(61*time.Second)) {
		t.Fatalf("list %+v", list)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.DeleteAppToken(ctx, "usr_b", "tok_a") }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another user's token: %v", err)
	}
	Update(t, s, func(tx store.Tx) error { return tx.DeleteAppToken(ctx, "usr_a", "tok_a") })
	if _, err := s.AppTokenByHash(ctx, []byte("h1")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}
