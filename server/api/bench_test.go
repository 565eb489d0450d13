package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/internal/cputime"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

// Benchmarks run through real HTTP (httptest, loopback TCP), the real router
// and a real SQLite file, with the per-address rate limit off. Each one
// measures the no-op route GET /api/v1/time on the same router with the same
// session cookie (so the session lookup every API request does is in both)
// and reports its throughput ratio: verify/noop = noop ns/op ÷ verify ns/op.

const (
	benchUsers       = 512 // accounts used round-robin: each accepts one code per 30 s step
	benchParallelism = 32  // goroutines per GOMAXPROCS: 64 clients in flight on 2 cores
)

type benchUser struct {
	c      *testClient
	secret []byte
}

func benchSetup(b *testing.B, opts ...func(*harnessOptions)) (*harness, []benchUser) {
	b.Helper()
	// Production log level: info (successful requests are debug lines).
	h := newHarness(b, append([]func(*harnessOptions){func(o *harnessOptions) { o.logLevel = slog.LevelInfo }}, opts...)...)
	ctx := context.Background()
	cl := auth.Client{Addr: "127.0.0.1"}
	users := make([]benchUser, benchUsers)
	for i := range users {
		// Through the service, not HTTP: setup is not what is measured.
		ns, err := h.svc.Accounts.SignUp(ctx, cl, "bench"+strconv.Itoa(i)+"@example.com", password, "")
		if err != nil {
			b.Fatal(err)
		}
		enr, err := h.svc.Devices.Enroll(ctx, cl, ns.Session, "phone", auth.Factor{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := h.svc.Devices.Activate(ctx, cl, ns.Session, enr.Device.ID, h.code(enr.Key.Secret)); err != nil {
			b.Fatal(err)
		}
		c := h.client()
		c.http.Jar.SetCookies(mustURL(h.srv.URL), []*http.Cookie{{Name: cookieName, Value: ns.Token, Path: "/"}})
		users[i] = benchUser{c: c, secret: enr.Key.Secret}
	}
	if p := os.Getenv("TWOFOLD_BENCH_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		b.Cleanup(func() { pprof.StopCPUProfile(); f.Close() })
	}
	return h, users
}

// noopNs measures the no-op route on h's router with n requests from as
// many goroutines as RunParallel uses. (testing.Benchmark cannot be nested
// in a running benchmark.) It returns wall time and process CPU time per
// request.
func noopNs(b *testing.B, c *testClient, n int) (wall, cpu float64) {
	n = max(n, 2000)
	workers := benchParallelism * runtime.GOMAXPROCS(0)
	var next atomic.Int64
	var wg sync.WaitGroup
	start, startCPU := time.Now(), cputime.Process()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if r := c.do("GET", "/api/v1/time", nil); r.status != 200 {
					b.Errorf("noop: %d", r.status)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / float64(n), float64(cputime.Process()-startCPU) / float64(n)
}

// report adds the ratios to the benchmark's figures. The CPU figures (the
// whole process's CPU time per request: client, server and database) are
// the steadier ones on a shared machine, where the wall-clock ratio swings
// with whatever else runs.
func report(b *testing.B, noop, noopCPU float64, startCPU time.Duration, failures int64) {
	per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(noop/per, "verify/noop")
	b.ReportMetric(noop, "noop-ns/op")
	if cpu := float64(cputime.Process()-startCPU) / float64(b.N); cpu > 0 {
		b.ReportMetric(cpu, "cpu-ns/op")
		b.ReportMetric(noopCPU/cpu, "cpu-verify/noop")
	}
	b.ReportMetric(float64(failures), "failures")
}

// BenchmarkVerify: step-up verifications with valid codes
// (POST /api/v1/session/mfa), every one a database write (conditional
// update of the device's step, session update, audit event) through the
// group-committing writer.
func BenchmarkVerify(b *testing.B) {
	for _, sync := range []string{"normal", "full"} {
		b.Run("sync="+sync, func(b *testing.B) { benchVerify(b, sync) })
	}
}

func benchVerify(b *testing.B, sync string) {
	var commits, calls, commitNs atomic.Int64
	h, users := benchSetup(b, func(o *harnessOptions) {
		o.dbSync = sync
		o.onCommit = func(n int, took time.Duration) {
			commits.Add(1)
			calls.Add(int64(n))
			commitNs.Add(int64(took))
		}
	})
	commits.Store(0)
	calls.Store(0)
	commitNs.Store(0)
	noop, noopCPU := noopNs(b, users[0].c, b.N)
	var next, failures atomic.Int64
	var round atomic.Int64 // highest 30 s step the clock has been moved to
	start := h.clock.Now()
	b.ResetTimer()
	startCPU := cputime.Process()
	b.SetParallelism(benchParallelism)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			u, r := users[i%benchUsers], i/benchUsers+1
			for cur := round.Load(); cur < r; cur = round.Load() {
				if round.CompareAndSwap(cur, r) {
					h.clock.Advance(time.Duration(r-cur) * 30 * time.Second)
				}
			}
			code, _ := otpcode.TOTP(u.secret, totpParams, start.Add(time.Duration(r)*30*time.Second))
			if resp := u.c.do("POST", "/api/v1/session/mfa", `{"code":"`+code+`"}`); resp.status != 200 {
				failures.Add(1)
			}
		}
	})
	b.StopTimer()
	report(b, noop, noopCPU, startCPU, failures.Load())
	if c := commits.Load(); c > 0 {
		b.ReportMetric(float64(calls.Load())/float64(c), "calls/commit")
		b.ReportMetric(float64(commitNs.Load())/float64(c)/1e3, "µs/commit")
	}
	if f := failures.Load(); f*100 > int64(b.N) {
		b.Fatalf("%d of %d verifications failed", f, b.N)
	}
}

// BenchmarkWrongCodeStorm: wrong codes against many accounts. "booked" uses
// a throttle that never locks, so every request books a failure and an
// audit event (the worst case for writes); "locked" uses the default
// throttle, under which accounts lock after 5 failures and further attempts
// are refused by a read.
func BenchmarkWrongCodeStorm(b *testing.B) {
	for _, variant := range []struct {
		name string
		opt  func(*harnessOptions)
	}{
		{"booked", func(o *harnessOptions) {
			o.throttle.FreeFailures, o.throttle.WindowBudget = 1<<30, 1<<30
		}},
		{"locked", func(*harnessOptions) {}},
	} {
		b.Run(variant.name, func(b *testing.B) {
			h, users := benchSetup(b, variant.opt)
			noop, noopCPU := noopNs(b, users[0].c, b.N)
			var next, accepted atomic.Int64
			b.ResetTimer()
			startCPU := cputime.Process()
			b.SetParallelism(benchParallelism)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1) - 1
					u := users[i%benchUsers]
					code := fmt.Sprintf("%06d", i%1000000)
					if cur, _ := otpcode.TOTP(u.secret, totpParams, h.clock.Now()); cur == code {
						code = fmt.Sprintf("%06d", (i+1)%1000000)
					}
					if r := u.c.do("POST", "/api/v1/session/mfa", `{"code":"`+code+`"}`); r.status != 403 {
						accepted.Add(1)
					}
				}
			})
			b.StopTimer()
			report(b, noop, noopCPU, startCPU, accepted.Load())
		})
	}
}
