// Package apitest runs Twofold's real HTTP API for tests of the programs
// that speak to it (the API client, the CLI, push): server/api's router
// over server/service and SQLite in t.TempDir(), on an httptest listener,
// with cheap Argon2 parameters and no per-address rate limit, so a test
// pays for what it exercises and nothing else. Mail stays in the
// development outbox unless Options.Mailer sends it (a server/mail sender
// to server/mail/mailtest's SMTP server, say). It is a test helper: no
// program links it.
package apitest

import (
	"bytes"
	"crypto/rand"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api"
	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/server/store/sqlite"
)

// Password is a password every test account may use: long enough for the
// server's rule, and cheap to hash with the test parameters.
const Password = "correct horse battery"

// Hub is a push router the server serves and closes at the end of the
// test (server/pushhub's Hub). apitest cannot build one itself: server/pushhub's
// own tests use this package.
type Hub interface {
	api.PushHub
	service.PushNotifier
	Close()
}

// Options adjust the server.
type Options struct {
	// Now is the clock of the store, the services and the router (default
	// time.Now).
	Now func() time.Time
	// Hub, when set, turns push sign-in on: it gets the push service and
	// returns the router for /api/v1/push/ws; the server's URL is the push
	// origin.
	Hub func(*service.Push) Hub
	// Log receives the server's log (default: discarded).
	Log *slog.Logger
	// Mailer sends the server's mail (default: none, the development
	// outbox only).
	Mailer service.Mailer
}

// Server is a running API.
type Server struct {
	URL     string
	DBPath  string // the SQLite file
	Service *service.Service
	Store   *sqlite.Store
	Hub     Hub // nil without Options.Hub
}

// Start runs the API until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	dbPath := filepath.Join(t.TempDir(), "twofold.db")
	st, err := sqlite.Open(dbPath, sqlite.Options{Now: o.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys, err := secrets.NewKeyring(rand.Reader, bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(service.Config{Argon2: credential.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		service.Deps{Store: st, Keys: keys, Now: o.Now, Log: o.Log, Mailer: o.Mailer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Wait) // mail sent in the background, before the store closes
	s := &Server{Service: svc, Store: st, DBPath: dbPath}
	deps := api.Deps{Accounts: svc.Accounts, Devices: svc.Devices, Tokens: svc.Tokens, Push: svc.Push, Audit: svc.Audit,
		Admin: svc.Admin, Sync: svc.Sync, DB: st, Log: o.Log, Now: o.Now, RateLimit: api.RateLimit{Requests: -1}}
	if o.Hub != nil {
		s.Hub = o.Hub(svc.Push)
		deps.Hub = s.Hub
	}
	srv := httptest.NewServer(api.NewRouter(deps))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	if s.Hub != nil {
		// Registered after the listener's, so it runs first: closing the
		// hub ends the device sockets the listener would wait for.
		t.Cleanup(s.Hub.Close)
		if err := svc.Push.Enable(service.PushConfig{Origin: srv.URL}, s.Hub); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// Client is an API client for the server (a cookie session unless opts
// give a token).
func (s *Server) Client(t testing.TB, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(s.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Clock is a frozen clock a test moves by hand (Options.Now = c.Now), so
// codes are predictable and a spent time step is passed by Advance, never
// by sleeping. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock is a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
