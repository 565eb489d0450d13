package api

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/metrics"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/server/store/sqlite"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

var t0 = time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC) // 10 s into a 30 s step

// clock is a frozen clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// lockedRand is a deterministic random source safe for concurrent use, so
// ids and keys (and golden files) are the same on every run.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.ChaCha8
}

func (l *lockedRand) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// syncBuffer collects the logs of a whole test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	fastArgon2 = credential.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	masterKey  = bytes.Repeat([]byte{9}, secrets.KeySize)
	totpParams = otpcode.Params{Algorithm: "SHA1", Digits: 6, Period: 30}
)

// harness is a real server: SQLite file in a temp dir, real router, real
// HTTP through httptest, frozen clock, captured logs and responses.
type harness struct {
	t       testing.TB
	dbPath  string
	clock   *clock
	rand    *lockedRand
	logs    *syncBuffer
	st      *sqlite.Store
	svc     *service.Service
	metrics *metrics.Metrics
	srv     *httptest.Server
	opts    harnessOptions

	transport *http.Transport // shared, with enough idle connections for parallel clients

	mu        sync.Mutex
	recording bool
	recorded  [][]byte // response headers and bodies while recording
}

type harnessOptions struct {
	rateLimit RateLimit
	baseURL   string
	throttle  service.ThrottlePolicy
	logLevel  slog.Level // default debug: every line is searched for secrets
	onCommit  func(calls int, took time.Duration)
	dbSync    string
	sync      service.SyncConfig
}

func newHarness(t testing.TB, opts ...func(*harnessOptions)) *harness {
	h := &harness{t: t, dbPath: filepath.Join(t.TempDir(), "twofold.db"), clock: &clock{t: t0},
		rand: &lockedRand{r: rand.NewChaCha8([32]byte{1, 2, 3})}, logs: &syncBuffer{},
		opts: harnessOptions{rateLimit: RateLimit{Requests: -1}, logLevel: slog.LevelDebug}}
	for _, o := range opts {
		o(&h.opts)
	}
	h.start(t)
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start(t testing.TB) {
	log := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: h.opts.logLevel}))
	h.metrics = metrics.New()
	st, err := sqlite.Open(h.dbPath, sqlite.Options{Now: h.clock.Now, OnDBError: h.metrics.DBError, OnCommit: h.opts.onCommit, Sync: h.opts.dbSync})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := secrets.NewKeyring(h.rand, masterKey)
	svc, err := service.New(service.Config{Argon2: fastArgon2, Throttle: h.opts.throttle, BaseURL: "https://mfa.example", Sync: h.opts.sync},
		service.Deps{Store: st, Keys: keys, Now: h.clock.Now, Rand: h.rand, Log: log, Observer: h.metrics})
	if err != nil {
		t.Fatal(err)
	}
	var base *url.URL
	if h.opts.baseURL != "" {
		base, _ = url.Parse(h.opts.baseURL)
	}
	router := NewRouter(Deps{Accounts: svc.Accounts, Devices: svc.Devices, Tokens: svc.Tokens, Push: svc.Push, Audit: svc.Audit, Admin: svc.Admin, Sync: svc.Sync, DB: st, Metrics: h.metrics, Log: log, App: testApp, Now: h.clock.Now,
		BaseURL: base, RateLimit: h.opts.rateLimit})
	h.st, h.svc = st, svc
	h.srv = httptest.NewServer(router)
	h.transport = &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, DisableCompression: true}
}

func (h *harness) stop() {
	h.transport.CloseIdleConnections()
	h.srv.Close()
	h.svc.Wait()
	h.st.Close()
}

// restart stops the server and starts a new one on the same database file.
func (h *harness) restart() {
	h.stop()
	h.start(h.t)
}

func (h *harness) record(on bool) {
	h.mu.Lock()
	h.recording = on
	h.mu.Unlock()
}

func (h *harness) code(secret []byte) string {
	c, err := otpcode.TOTP(secret, totpParams, h.clock.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// rowCounts counts the rows of every table, through a separate read-only
// connection.
func (h *harness) rowCounts() map[string]int {
	db, err := sql.Open("sqlite3", h.dbPath+"?_query_only=true")
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	out := map[string]int{}
	for _, table := range []string{"users", "sessions", "totp_devices", "recovery_codes", "verification_throttle", "audit_events"} {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			h.t.Fatal(err)
		}
		out[table] = n
	}
	var lastSteps, sessionsVerified sql.NullInt64
	db.QueryRow("SELECT SUM(COALESCE(last_step, 0)) FROM totp_devices").Scan(&lastSteps)
	db.QueryRow("SELECT SUM(COALESCE(mfa_verified_at, 0)) FROM sessions").Scan(&sessionsVerified)
	out["sum(last_step)"] = int(lastSteps.Int64)
	out["sum(mfa_verified_at)%1e9"] = int(sessionsVerified.Int64 % 1e9)
	return out
}

// client is a browser-like client with its own cookie jar.
type testClient struct {
	h    *harness
	http *http.Client
}

func (h *harness) client() *testClient {
	jar, _ := cookiejar.New(nil)
	return &testClient{h: h, http: &http.Client{Jar: jar, Transport: h.transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r response) errorCode() string {
	var e wire.ErrorBody
	json.Unmarshal(r.body, &e)
	return e.Error.Code
}

// do sends a request. body may be nil, a string or []byte (sent as is with
// Content-Type: application/json unless headers say otherwise), or any
// value (marshalled).
func (c *testClient) do(method, path string, body any, headers ...string) response {
	c.h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.h.srv.URL+path, rd)
	if err != nil {
		c.h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	c.h.mu.Lock()
	if c.h.recording {
		var hdr bytes.Buffer
		resp.Header.Write(&hdr)
		c.h.recorded = append(c.h.recorded, hdr.Bytes(), data)
	}
	c.h.mu.Unlock()
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

func (c *testClient) must(status int, method, path string, body any, headers ...string) response {
	c.h.t.Helper()
	r := c.do(method, path, body, headers...)
	if r.status != status {
		c.h.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, status, r.body)
	}
	return r
}

// account is a signed-up user with an active device.
type account struct {
	c        *testClient
	email    string
	deviceID string
	secret   []byte
	recovery []string
}

const password = "correct horse battery"

func (h *harness) signUp(email string) *testClient {
	c := h.client()
	c.must(201, "POST", "/api/v1/users", map[string]string{"email": email, "password": password})
	return c
}

// enroll signs up, creates and activates a device.
func (h *harness) enroll(email string) *account {
	c := h.signUp(email)
	var created wire.Enrollment
	c.must(201, "POST", "/api/v1/totp-devices", `{"name":"phone"}`).decode(h.t, &created)
	secret := secretOf(h.t, created.Enrollment.Secret)
	var act wire.ActivateResponse
	c.must(200, "POST", "/api/v1/totp-devices/"+created.Device.ID+"/activate", map[string]string{"code": h.code(secret)}).decode(h.t, &act)
	return &account{c: c, email: email, deviceID: created.Device.ID, secret: secret, recovery: act.RecoveryCodes}
}

// signIn does the password step on a fresh client.
func (h *harness) signIn(email string) *testClient {
	c := h.client()
	c.must(200, "POST", "/api/v1/session", map[string]string{"email": email, "password": password})
	return c
}

func writeGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	var v any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	var pretty bytes.Buffer
	enc := json.NewEncoder(&pretty)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(v)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(want, pretty.Bytes()) {
		t.Errorf("%s differs from %s:\n%s", name, path, pretty.Bytes())
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func (h *harness) svc2log() *slog.Logger {
	return slog.New(slog.NewJSONHandler(h.logs, nil))
}

// recorder is a minimal ResponseWriter.
type recorder struct {
	hdr    http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder                    { return &recorder{hdr: http.Header{}} }
func (r *recorder) Header() http.Header         { return r.hdr }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }
func (r *recorder) WriteHeader(status int)      { r.status = status }
