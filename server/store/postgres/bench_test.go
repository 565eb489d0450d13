package postgres

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/postgres/pgtest"
)

// The benchmarks run on pgtest's durable cluster (fsync on, as in
// production), on the machine's own unix socket: they measure the engine,
// not a network. "commit=sync" waits for the WAL on disk at each commit
// (PostgreSQL's default); "commit=async" is synchronous_commit=off, which
// loses at most the last few hundred milliseconds of commits if PostgreSQL
// itself crashes (never corrupts), the counterpart of SQLite's default
// synchronous=NORMAL.

func openBench(b *testing.B, async bool, opts Options) *Store {
	b.Helper()
	url := pgtest.Durable(b).NewDatabase(b)
	if async {
		url += "&synchronous_commit=off" // an unknown URL parameter is a session setting for pgx
	}
	s, err := Open(ctx, url, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func seedBenchUsers(b *testing.B, s *Store, n int) {
	b.Helper()
	for i := range n {
		id := fmt.Sprintf("usr_%d", i)
		if err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.CreateUser(ctx, store.User{ID: id, Email: id, PasswordHash: "x", CreatedAt: t0}); err != nil {
				return err
			}
			return tx.CreateDevice(ctx, store.Device{ID: "dev_" + id, UserID: id, Name: "p", State: store.DeviceActive, KeyID: "k",
				SecretSealed: make([]byte, 48), Algorithm: "SHA1", Digits: 6, Period: 30, CreatedAt: t0})
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead measures one read on the pool, alone and while a writer
// commits in a loop.
func BenchmarkRead(b *testing.B) {
	for _, writing := range []bool{false, true} {
		b.Run(fmt.Sprintf("writer=%v", writing), func(b *testing.B) {
			s := openBench(b, false, Options{})
			seedBenchUsers(b, s, 100)
			var stop atomic.Bool
			done := make(chan struct{})
			go func() {
				defer close(done)
				for writing && !stop.Load() {
					s.Update(ctx, func(tx store.Tx) error {
						return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: "usr_1", Type: "x", At: time.Now()})
					})
				}
			}()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.UserByID(ctx, "usr_7"); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			stop.Store(true)
			<-done
		})
	}
}

// BenchmarkUpdate measures small write transactions (one insert) from
// parallel callers, each its own transaction and commit.
func BenchmarkUpdate(b *testing.B) {
	for _, async := range []bool{false, true} {
		b.Run(commitName(async), func(b *testing.B) {
			s := openBench(b, async, Options{})
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := s.Update(ctx, func(tx store.Tx) error {
						return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: "usr_1", Type: "x", At: time.Now()})
					}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkVerification is a verification's store work, spread over 512
// accounts: read the verifier state, consume a step, write the throttle
// record and an audit event, in one transaction.
func BenchmarkVerification(b *testing.B) {
	for _, async := range []bool{false, true} {
		b.Run(commitName(async), func(b *testing.B) {
			var reruns atomic.Int64
			s := openBench(b, async, Options{OnRetry: func(error) { reruns.Add(1) }})
			const users = 512
			seedBenchUsers(b, s, users)
			var n, step atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					id := fmt.Sprintf("usr_%d", i%users)
					if err := s.Update(ctx, func(tx store.Tx) error {
						_, th, ds, err := tx.VerifierState(ctx, id)
						if err != nil || len(ds) != 1 {
							return fmt.Errorf("verifier state: %d devices, %w", len(ds), err)
						}
						if _, err := tx.ConsumeStep(ctx, ds[0].ID, store.DeviceActive, uint64(step.Add(1)), t0); err != nil {
							return err
						}
						th.ConsecutiveFailures = 0
						if err := tx.PutThrottle(ctx, th); err != nil {
							return err
						}
						return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: id, Type: "verification_success", At: t0})
					}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(reruns.Load())/float64(b.N), "reruns/op")
		})
	}
}

// BenchmarkHotAccount is the worst case for serializable transactions:
// every parallel caller books a failure on the same account (a burst of
// guesses), so they all read and write one row.
func BenchmarkHotAccount(b *testing.B) {
	var reruns atomic.Int64
	s := openBench(b, true, Options{OnRetry: func(error) { reruns.Add(1) }})
	seedBenchUsers(b, s, 1)
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Update(ctx, func(tx store.Tx) error {
				_, th, _, err := tx.VerifierState(ctx, "usr_0")
				if err != nil {
					return err
				}
				th.ConsecutiveFailures++
				th.WindowFailures++
				return tx.PutThrottle(ctx, th)
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if th, _ := s.Throttle(ctx, "usr_0"); th.WindowFailures != b.N {
		b.Fatalf("%d failures booked of %d", th.WindowFailures, b.N)
	}
	b.ReportMetric(float64(reruns.Load())/float64(b.N), "reruns/op")
}

func commitName(async bool) string {
	if async {
		return "commit=async"
	}
	return "commit=sync"
}

// BenchmarkNotifyingUpdate is BenchmarkUpdate's small transaction when it
// also sends a notification (a new push challenge: migration 0009's
// trigger NOTIFYs): PostgreSQL appends notifications to its queue in
// commit order, so a transaction that notified holds a lock, common to
// the whole cluster, from its commit's start to its end, WAL flush
// included. Such commits cannot share a flush: they pass one at a time.
// quiet is the same insert with no notification (a pending challenge that
// is born settled, which the trigger ignores).
func BenchmarkNotifyingUpdate(b *testing.B) {
	for _, async := range []bool{false, true} {
		for _, notify := range []bool{true, false} {
			name := commitName(async) + "/notify"
			if !notify {
				name = commitName(async) + "/quiet"
			}
			b.Run(name, func(b *testing.B) {
				s := openBench(b, async, Options{})
				seedBenchUsers(b, s, 1)
				state := store.PushPending
				if !notify {
					state = store.PushExpired
				}
				var n atomic.Int64
				b.SetParallelism(16)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						id := fmt.Sprintf("pch_%d", n.Add(1))
						if err := s.Update(ctx, func(tx store.Tx) error {
							return tx.CreatePushChallenge(ctx, store.PushChallenge{ID: id, UserID: "usr_0", SessionID: "ses", Number: 42,
								Candidates: [3]int{17, 42, 88}, State: state, CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)})
						}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
