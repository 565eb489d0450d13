package postgres

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/storetest"
)

// follower runs a Listener's Follow and collects what it delivers.
type follower struct {
	changes chan store.PushChange
	resyncs chan struct{}
	stop    func()
}

func follow(t *testing.T, l *Listener) *follower {
	t.Helper()
	f := &follower{changes: make(chan store.PushChange, 64), resyncs: make(chan struct{}, 8)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := l.Follow(ctx, func(c store.PushChange) { f.changes <- c }, func() { f.resyncs <- struct{}{} }); err != nil {
			t.Errorf("Follow: %v", err)
		}
	})
	f.stop = func() { cancel(); wg.Wait() }
	t.Cleanup(f.stop)
	return f
}

// next is the next change, or a failure after a few seconds.
func (f *follower) next(t *testing.T) store.PushChange {
	t.Helper()
	select {
	case c := <-f.changes:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no notification")
	}
	return store.PushChange{}
}

// quiet checks that nothing arrives for a while.
func (f *follower) quiet(t *testing.T, what string) {
	t.Helper()
	select {
	case c := <-f.changes:
		t.Fatalf("%s: notified %+v", what, c)
	case <-time.After(300 * time.Millisecond):
	}
}

func pendingChallenge(id, userID string) store.PushChallenge {
	return store.PushChallenge{ID: id, UserID: userID, SessionID: "ses_" + id, Number: 42, Candidates: [3]int{17, 42, 88},
		State: store.PushPending, CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
}

// Migration 0009's triggers announce each committed push change, with ids
// only, to the other processes' listeners: a new pending challenge, one
// that leaves pending (once: not its redemption), a replaced key and a
// removed registration. A rolled-back change announces nothing, and the
// listening store's own writes are not delivered to it (its hub heard
// them directly).
func TestListenerHearsOtherProcessesCommits(t *testing.T) {
	mine, url := openTest(t, Options{})
	other, err := Open(ctx, url, Options{Now: mine.opts.Now}) // another instance
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	l, err := mine.Listen(ctx, ListenOptions{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f := follow(t, l)
	storetest.SeedUser(t, other, "usr_a")
	storetest.SeedDevice(t, other, "usr_a", "dev_a", store.DeviceActive)
	storetest.Update(t, other, func(tx store.Tx) error {
		return tx.PutPushRegistration(ctx, store.PushRegistration{DeviceID: "dev_a", UserID: "usr_a", PublicKey: []byte{1}, CreatedAt: t0})
	})
	f.quiet(t, "a first registration") // no connection can be using it yet

	storetest.Update(t, other, func(tx store.Tx) error { return tx.CreatePushChallenge(ctx, pendingChallenge("pch_1", "usr_a")) })
	if c := f.next(t); c != (store.PushChange{Kind: store.PushPrompted, ID: "pch_1", UserID: "usr_a"}) {
		t.Fatalf("created: %+v", c)
	}
	storetest.Update(t, other, func(tx store.Tx) error {
		_, err := tx.AnswerPushChallenge(ctx, "pch_1", "usr_a", store.PushApproved, "dev_a", t0)
		return err
	})
	if c := f.next(t); c != (store.PushChange{Kind: store.PushSettled, ID: "pch_1", UserID: "usr_a"}) {
		t.Fatalf("approved: %+v", c)
	}
	storetest.Update(t, other, func(tx store.Tx) error {
		_, err := tx.RedeemPushChallenge(ctx, "pch_1", "ses_pch_1", t0)
		return err
	})
	f.quiet(t, "a redemption")

	if err := other.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreatePushChallenge(ctx, pendingChallenge("pch_rolled_back", "usr_a")); err != nil {
			return err
		}
		return store.ErrConflict // any error: nothing commits
	}); err != store.ErrConflict {
		t.Fatal(err)
	}
	f.quiet(t, "a rolled-back challenge")

	storetest.Update(t, mine, func(tx store.Tx) error { return tx.CreatePushChallenge(ctx, pendingChallenge("pch_mine", "usr_a")) })
	f.quiet(t, "the listening store's own challenge")

	storetest.Update(t, other, func(tx store.Tx) error {
		return tx.PutPushRegistration(ctx, store.PushRegistration{DeviceID: "dev_a", UserID: "usr_a", PublicKey: []byte{2}, CreatedAt: t0})
	})
	if c := f.next(t); c != (store.PushChange{Kind: store.PushRegistrationChanged, ID: "dev_a", UserID: "usr_a"}) {
		t.Fatalf("key replaced: %+v", c)
	}
	storetest.Update(t, other, func(tx store.Tx) error { return tx.DeleteDevice(ctx, "usr_a", "dev_a", store.DeviceActive) })
	if c := f.next(t); c != (store.PushChange{Kind: store.PushRegistrationChanged, ID: "dev_a", UserID: "usr_a"}) {
		t.Fatalf("device deleted: %+v", c)
	}
	// The pending challenge of the listening store expires in another
	// instance's sweep: settled, like any other.
	storetest.Update(t, other, func(tx store.Tx) error {
		_, err := tx.ExpirePushChallenges(ctx, t0.Add(time.Hour))
		return err
	})
	if c := f.next(t); c != (store.PushChange{Kind: store.PushSettled, ID: "pch_mine", UserID: "usr_a"}) {
		t.Fatalf("expired: %+v", c)
	}
}

// A lost connection (here its server process ended by an administrator)
// shows in Ping; Follow reconnects, calls resync once it listens again,
// and delivers the changes committed after that.
func TestListenerReconnectsAndResyncs(t *testing.T) {
	mine, url := openTest(t, Options{})
	other, err := Open(ctx, url, Options{Now: mine.opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	l, err := mine.Listen(ctx, ListenOptions{MaxBackoff: 200 * time.Millisecond, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Ping(ctx); err != nil {
		t.Fatalf("Ping while listening: %v", err)
	}
	f := follow(t, l)
	storetest.SeedUser(t, other, "usr_a")

	var ended int
	if err := other.pool.QueryRow(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'twofold-listen' AND datname = current_database()`).Scan(&ended); err != nil || ended != 1 {
		t.Fatalf("ending the listener's connection: %d %v", ended, err)
	}
	select {
	case <-f.resyncs:
	case <-time.After(10 * time.Second):
		t.Fatal("no resync after the connection was lost")
	}
	if err := l.Ping(ctx); err != nil {
		t.Fatalf("Ping after reconnecting: %v", err)
	}
	storetest.Update(t, other, func(tx store.Tx) error { return tx.CreatePushChallenge(ctx, pendingChallenge("pch_after", "usr_a")) })
	if c := f.next(t); c.ID != "pch_after" || c.Kind != store.PushPrompted {
		t.Fatalf("after reconnecting: %+v", c)
	}
	f.stop()
	if err := l.Ping(ctx); err == nil {
		t.Fatal("Ping after Follow ended: nil")
	}
}

func TestParseChange(t *testing.T) {
	for payload, ok := range map[string]bool{
		"prompt pch_1 usr_a": true, "settled pch_1 usr_a": true, "registration dev_a usr_a": true,
		"": false, "prompt pch_1": false, "other pch_1 usr_a": false, "prompt a b c": false,
	} {
		if _, got := parseChange(payload); got != ok {
			t.Errorf("parseChange(%q) ok = %v, want %v", payload, got, ok)
		}
	}
}
