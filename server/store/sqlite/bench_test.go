package sqlite

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// BenchmarkRead measures one read query on the pool, alone and while a
// writer commits in a loop (each commit invalidates readers' caches).
func BenchmarkRead(b *testing.B) {
	for _, writing := range []bool{false, true} {
		b.Run(fmt.Sprintf("writer=%v", writing), func(b *testing.B) {
			s, err := Open(b.TempDir()+"/b.db", Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			for i := range 100 {
				id := fmt.Sprintf("usr_%d", i)
				s.Update(ctx, func(tx store.Tx) error {
					return tx.CreateUser(ctx, store.User{ID: id, Email: id, PasswordHash: "x", CreatedAt: t0})
				})
			}
			var stop atomic.Bool
			done := make(chan struct{})
			go func() {
				defer close(done)
				for n := 0; writing && !stop.Load(); n++ {
					s.Update(ctx, func(tx store.Tx) error {
						return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: "usr_1", Type: "x", At: time.Now()})
					})
				}
			}()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.UserByID(ctx, "usr_7"); err != nil {
						b.Fatal(err)
					}
				}
			})
			stop.Store(true)
			<-done
		})
	}
}

// BenchmarkUpdate measures small write transactions from parallel callers
// (grouped commits).
func BenchmarkUpdate(b *testing.B) {
	var batches, calls atomic.Int64
	var commitNs atomic.Int64
	s, err := Open(b.TempDir()+"/b.db", Options{OnCommit: func(n int, took time.Duration) {
		batches.Add(1)
		calls.Add(int64(n))
		commitNs.Add(int64(took))
	}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Update(ctx, func(tx store.Tx) error {
				return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: "usr_1", Type: "x", At: time.Now()})
			})
		}
	})
	b.ReportMetric(float64(calls.Load())/float64(batches.Load()), "calls/commit")
	b.ReportMetric(float64(commitNs.Load())/float64(batches.Load())/1e3, "µs/tx")
}

func BenchmarkDevicesRead(b *testing.B) {
	s, err := Open(b.TempDir()+"/b.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := range 512 {
		id := fmt.Sprintf("usr_%d", i)
		s.Update(ctx, func(tx store.Tx) error {
			tx.CreateUser(ctx, store.User{ID: id, Email: id, PasswordHash: "x", CreatedAt: t0})
			return tx.CreateDevice(ctx, store.Device{ID: "dev_" + id, UserID: id, Name: "p", State: store.DeviceActive, KeyID: "k", SecretSealed: make([]byte, 48), Algorithm: "SHA1", Digits: 6, Period: 30, CreatedAt: t0})
		})
	}
	var plan string
	var a, c int
	s.r.QueryRow("EXPLAIN QUERY PLAN SELECT "+deviceColumns+" FROM totp_devices WHERE user_id = ? ORDER BY created_at, id", "usr_1").Scan(&a, &c, &c, &plan)
	b.Log(plan)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("usr_%d", n.Add(1)%512)
			if ds, err := s.Devices(ctx, id); err != nil || len(ds) != 1 {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkQueryVariants(b *testing.B) {
	s, err := Open(b.TempDir()+"/b.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := range 512 {
		id := fmt.Sprintf("usr_%d", i)
		s.Update(ctx, func(tx store.Tx) error {
			tx.CreateUser(ctx, store.User{ID: id, Email: id, PasswordHash: "x", CreatedAt: t0})
			return tx.CreateDevice(ctx, store.Device{ID: "dev_" + id, UserID: id, Name: "p", State: store.DeviceActive, KeyID: "k", SecretSealed: make([]byte, 48), Algorithm: "SHA1", Digits: 6, Period: 30, CreatedAt: t0})
		})
	}
	for name, q := range map[string]string{
		"full":      "SELECT " + deviceColumns + " FROM totp_devices WHERE user_id = ? ORDER BY created_at, id",
		"no-order":  "SELECT " + deviceColumns + " FROM totp_devices WHERE user_id = ?",
		"id-only":   "SELECT id FROM totp_devices WHERE user_id = ?",
		"row-by-pk": "SELECT id FROM users WHERE id = ?",
	} {
		b.Run(name, func(b *testing.B) {
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					rows, err := s.r.QueryContext(ctx, q, fmt.Sprintf("usr_%d", n.Add(1)%512))
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
					}
					rows.Close()
				}
			})
		})
	}
}
