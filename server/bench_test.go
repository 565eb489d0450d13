package server

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/internal/cputime"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/server/store/postgres/pgtest"
	"github.com/twofold-auth/twofold/shared/otpcode"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// The benchmarks here run whole servers (server.New, Serve on loopback),
// the way twofold-server runs, on each engine; server/api's BenchmarkVerify
// is the same measurement on the router alone with SQLite.

const (
	benchUsers       = 512 // accounts used round-robin: each accepts one code per 30 s step
	benchParallelism = 32  // goroutines per GOMAXPROCS
)

var benchStart = time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)

// benchTarget is a server with enrolled accounts and a frozen clock the
// benchmark moves a step at a time.
type benchTarget struct {
	url     string
	next    atomic.Int64 // the next verification's index, over every run
	clock   *apitest.Clock
	tokens  []string
	secrets [][]byte
	client  *http.Client
	round   atomic.Int64 // the clock's step past benchStart
}

// newBenchTarget starts a server for b's runs; owner (b's parent) keeps it
// for the benchmark's later runs with a larger b.N.
func newBenchTarget(b *testing.B, owner testing.TB, cfg Config) *benchTarget {
	b.Helper()
	bt := &benchTarget{clock: apitest.NewClock(benchStart),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024, MaxConnsPerHost: 1024}}}
	cfg.Now, cfg.RateLimit.Requests, cfg.LogOutput, cfg.Auth.Argon2 = bt.clock.Now, -1, io.Discard, fastArgon2
	srv, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	owner.Cleanup(func() { srv.Close() })
	ctx, c := context.Background(), auth.Client{Addr: "127.0.0.1"}
	for i := range benchUsers {
		ns, err := srv.Services().Accounts.SignUp(ctx, c, "bench"+strconv.Itoa(i)+"@example.com", "correct horse", "")
		if err != nil {
			b.Fatal(err)
		}
		enr, err := srv.Services().Devices.Enroll(ctx, c, ns.Session, "phone", auth.Factor{})
		if err != nil {
			b.Fatal(err)
		}
		code, _ := otpcode.TOTP(enr.Key.Secret, otpcode.Params{Algorithm: "SHA1", Digits: 6, Period: 30}, bt.clock.Now())
		if _, err := srv.Services().Devices.Activate(ctx, c, ns.Session, enr.Device.ID, code); err != nil {
			b.Fatal(err)
		}
		bt.tokens, bt.secrets = append(bt.tokens, ns.Token), append(bt.secrets, enr.Key.Secret)
	}
	bt.url = serve(owner, srv)
	return bt
}

func (bt *benchTarget) do(method, path, token, body string) int {
	req, _ := http.NewRequest(method, bt.url+path, strings.NewReader(body))
	req.Header.Set("Cookie", "twofold_session="+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := bt.client.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// parallel runs n calls of fn from benchParallelism goroutines per CPU and
// returns wall and process CPU time per call.
func parallel(n int, fn func(i int)) (wall, cpu float64) {
	var next atomic.Int64
	var wg sync.WaitGroup
	start, startCPU := time.Now(), cputime.Process()
	for range benchParallelism * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				fn(int(i))
			}
		})
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / float64(n), float64(cputime.Process()-startCPU) / float64(n)
}

// verify is one step-up with the next valid code of account i%benchUsers
// (POST /api/v1/session/mfa): a session read, then one transaction that
// reads the account, consumes the step, updates the session and writes an
// audit event.
func (bt *benchTarget) verify(i int64) bool {
	u, r := i%benchUsers, i/benchUsers+1
	for cur := bt.round.Load(); cur < r; cur = bt.round.Load() {
		if bt.round.CompareAndSwap(cur, r) {
			bt.clock.Advance(time.Duration(r-cur) * 30 * time.Second)
		}
	}
	code, _ := otpcode.TOTP(bt.secrets[u], otpcode.Params{Algorithm: "SHA1", Digits: 6, Period: 30}, benchStart.Add(time.Duration(r)*30*time.Second))
	return bt.do("POST", "/api/v1/session/mfa", bt.tokens[u], `{"code":"`+code+`"}`) == 200
}

// BenchmarkVerifyEngines: step-ups with valid codes through the whole
// server on each engine, beside the no-op GET /api/v1/time on the same
// server and session (verify/noop = noop ns/op ÷ verify ns/op; cpu- the
// same with the process's CPU time, client and server together, plus
// PostgreSQL's own processes' for the other engine: see docs/deploy.md).
// sqlite is the default (synchronous=NORMAL: no fsync per commit), sqlite-
// full an fsync per group commit; postgres is a durable cluster (fsync on,
// every commit waits for its WAL on disk), postgres-async the same with
// synchronous_commit=off, SQLite NORMAL's counterpart. x-sqlite is the
// engine's verifications per second ÷ sqlite's.
func BenchmarkVerifyEngines(b *testing.B) {
	engines := []struct {
		name string
		cfg  func(owner testing.TB) Config
	}{
		{"sqlite", func(o testing.TB) Config { return testConfig(o.TempDir(), io.Discard) }},
		{"sqlite-full", func(o testing.TB) Config { c := testConfig(o.TempDir(), io.Discard); c.DBSync = "full"; return c }},
		{"postgres", func(o testing.TB) Config { return pgConfig(o.TempDir(), pgtest.Durable(o).NewDatabase(o), io.Discard) }},
		{"postgres-async", func(o testing.TB) Config {
			return pgConfig(o.TempDir(), pgtest.Durable(o).NewDatabase(o)+"&synchronous_commit=off", io.Discard)
		}},
	}
	var sqliteNs float64
	for _, e := range engines {
		var bt *benchTarget
		var dbURL string
		b.Run(e.name, func(sb *testing.B) {
			if bt == nil {
				cfg := e.cfg(b)
				bt, dbURL = newBenchTarget(sb, b, cfg), cfg.DatabaseURL
			}
			noop, noopCPU := parallel(max(sb.N, 2000), func(int) { bt.do("GET", "/api/v1/time", bt.tokens[0], "") })
			first := bt.next.Add(int64(sb.N)) - int64(sb.N)
			var failures atomic.Int64
			before, pids := walPosition(sb, dbURL), backends(sb, dbURL)
			pgCPU := procCPU(pids)
			sb.ResetTimer()
			wall, cpu := parallel(sb.N, func(i int) {
				if !bt.verify(first + int64(i)) {
					failures.Add(1)
				}
			})
			sb.StopTimer()
			if dbURL != "" {
				sb.ReportMetric(float64(walPosition(sb, dbURL)-before)/float64(sb.N), "pg-wal-B/op")
				sb.ReportMetric(float64(procCPU(pids)-pgCPU)/float64(sb.N), "pg-cpu-ns/op")
			}
			sb.ReportMetric(noop/wall, "verify/noop")
			sb.ReportMetric(noopCPU/cpu, "cpu-verify/noop")
			sb.ReportMetric(cpu, "cpu-ns/op")
			sb.ReportMetric(float64(failures.Load()), "failures")
			if e.name == "sqlite" {
				sqliteNs = wall
			} else if sqliteNs > 0 {
				sb.ReportMetric(sqliteNs/wall, "x-sqlite")
			}
			if f := failures.Load(); f*100 > int64(sb.N) {
				sb.Fatalf("%d of %d verifications failed", f, sb.N)
			}
		})
	}
}

// BenchmarkPushDelivery: a prompt from the sign-in page's request to the
// device's socket, on two instances on one (durable) PostgreSQL: the page
// asks the instance the device is connected to (one-instance: the hub is
// told in process), or the other one (across-instances: the database's
// NOTIFY, the listener, a read of the pending prompts, then the socket).
// One prompt at a time; each is denied afterwards (not timed) so none
// stays pending. prompt-p50/p99 are from the request to the frame;
// create-p50 is the request alone; across/one is the ratio of p99s.
func BenchmarkPushDelivery(b *testing.B) {
	in := startInstances(b, 2, pgtest.Durable(b).NewDatabase(b))
	for _, i := range in { // benchmarks send more prompts than the fatigue limits allow one account
		if err := i.srv.svc.Push.Enable(service.PushConfig{Origin: origin, MaxPending: 1 << 20, MaxPerWindow: 1 << 20}, i.srv.push); err != nil {
			b.Fatal(err)
		}
	}
	const accounts = 32
	accts, devs := make([]*apitest.Account, accounts), make([]*apitest.Device, accounts)
	for k := range accounts {
		accts[k], devs[k] = pushAccount(b, in[0], "push"+strconv.Itoa(k)+"@example.com")
		if err := devs[k].Connect(context.Background(), in[0].url); err != nil {
			b.Fatal(err)
		}
		partial(b, accts[k], in[0])
	}
	var oneP99 float64
	for _, mode := range []struct {
		name string
		via  instance
	}{{"one-instance", in[0]}, {"across-instances", in[1]}} {
		b.Run(mode.name, func(sb *testing.B) {
			prompt, create := deliver(sb, mode.via, accts, devs)
			p50, p99 := quantile(prompt, 0.5), quantile(prompt, 0.99)
			sb.ReportMetric(p50, "prompt-p50-µs")
			sb.ReportMetric(p99, "prompt-p99-µs")
			sb.ReportMetric(quantile(create, 0.5), "create-p50-µs")
			if mode.name == "one-instance" {
				oneP99 = p99
			} else if oneP99 > 0 {
				sb.ReportMetric(p99/oneP99, "across/one-p99")
			}
		})
	}
}

// deliver sends b.N prompts through via, round-robin over the accounts,
// and returns, in µs, each one's time from the request to the device's
// frame, and to the request's answer.
func deliver(b *testing.B, via instance, accts []*apitest.Account, devs []*apitest.Device) (prompt, create []float64) {
	ctx := context.Background()
	for i := range b.N {
		k := i % len(accts)
		start := time.Now()
		ch, err := accts[k].Client(via.url).CreatePushChallenge(ctx)
		answered := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		for {
			p, err := devs[k].Prompt(10 * time.Second)
			if err != nil {
				b.Fatalf("prompt %d: %v", i, err)
			}
			if p.ChallengeID == ch.ID {
				break
			}
		}
		prompt = append(prompt, float64(time.Since(start).Microseconds()))
		create = append(create, float64(answered.Microseconds()))
		b.StopTimer()
		if err := devs[k].Answer(ctx, ch.ID, pushproto.Deny, 0); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	return prompt, create
}

func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// backends are the server processes of the database's connections (the
// instance's pool and listener), whose CPU time is PostgreSQL's share of a
// verification (cpu-ns/op is this process's: client and server).
func backends(b *testing.B, dbURL string) []int {
	if dbURL == "" {
		return nil
	}
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		b.Fatal(err)
	}
	return pids
}

// walPosition is the database cluster's WAL position in bytes (0
// without a PostgreSQL URL): the difference of two is the WAL written
// between them, the volume a verification's commit flushes, replicates
// and archives.
func walPosition(b *testing.B, dbURL string) int64 {
	if dbURL == "" {
		return 0
	}
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	var pos int64
	if err := conn.QueryRow(context.Background(), `SELECT pg_current_wal_lsn() - '0/0'::pg_lsn`).Scan(&pos); err != nil {
		b.Fatal(err)
	}
	return pos
}
