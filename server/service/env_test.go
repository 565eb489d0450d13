package service

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/mail"
	"github.com/twofold-auth/twofold/server/mail/mailtest"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/sqlite"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

// clock is a frozen clock that tests move by hand.
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
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var (
	t0         = time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC) // 10 s into a 30 s step
	fastArgon2 = credential.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	testKey    = bytes.Repeat([]byte{7}, secrets.KeySize)
	ctx        = context.Background()
	cl         = auth.Client{Addr: "192.0.2.1", UserAgent: "test"}
	totpParams = otpcode.Params{Algorithm: "SHA1", Digits: 6, Period: 30}
)

type env struct {
	t     *testing.T
	path  string
	clock *clock
	st    *sqlite.Store
	svc   *Service
	logs  *bytes.Buffer
	obs   *recorder
	// mailer, when set before open (withSMTP), sends mail.
	mailer Mailer
}

// recorder keeps every verification outcome.
type recorder struct {
	mu       sync.Mutex
	outcomes []Outcome
}

func (r *recorder) Verification(_ string, o string, _ time.Duration) {
	r.mu.Lock()
	r.outcomes = append(r.outcomes, Outcome(o))
	r.mu.Unlock()
}

func (r *recorder) last() Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.outcomes[len(r.outcomes)-1]
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// newMailEnv is an env whose services send mail to a real SMTP server
// started in the test process (STARTTLS and AUTH PLAIN required).
func newMailEnv(t *testing.T) (*env, *mailtest.Server) {
	srv := mailtest.Start(t)
	m, err := mail.New(mail.Config{Host: srv.Host, Port: srv.Port, Security: mail.StartTLS, User: mailtest.User,
		Password: mailtest.Password, From: "Twofold <no-reply@mfa.example>", TLSConfig: srv.ClientTLS})
	if err != nil {
		t.Fatal(err)
	}
	return newEnvWith(t, m), srv
}

func newEnvWith(t *testing.T, mailer Mailer) *env {
	e := &env{t: t, path: filepath.Join(t.TempDir(), "twofold.db"), clock: &clock{t: t0}, logs: &bytes.Buffer{}, obs: &recorder{}, mailer: mailer}
	e.open()
	t.Cleanup(func() { e.svc.Wait(); e.st.Close() })
	return e
}

func (e *env) open() {
	st, err := sqlite.Open(e.path, sqlite.Options{Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	keys, _ := secrets.NewKeyring(rand.Reader, testKey)
	svc, err := New(Config{Argon2: fastArgon2, BaseURL: "https://mfa.example"}, Deps{Store: st, Keys: keys, Now: e.clock.Now, Observer: e.obs, Mailer: e.mailer,
		Log: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		e.t.Fatal(err)
	}
	e.st, e.svc = st, svc
}

// restart closes the database and opens it again with a new service, as a
// server restart would.
func (e *env) restart() {
	e.svc.Wait()
	e.st.Close()
	e.open()
}

func (e *env) code(secret []byte) string {
	c, err := otpcode.TOTP(secret, totpParams, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// enrolled signs up a user and activates one device.
type enrolled struct {
	user     auth.User
	session  auth.Session // full, from sign-up
	token    string       // the session's token
	device   auth.Device
	secret   []byte
	recovery []string
}

func (e *env) enroll(email string) enrolled {
	e.t.Helper()
	ns, err := e.svc.Accounts.SignUp(ctx, cl, email, "correct horse battery", "")
	u := ns.User
	if err != nil {
		e.t.Fatal(err)
	}
	enr, err := e.svc.Devices.Enroll(ctx, cl, ns.Session, "phone", auth.Factor{})
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := e.svc.Devices.Activate(ctx, cl, ns.Session, enr.Device.ID, e.code(enr.Key.Secret))
	if err != nil {
		e.t.Fatal(err)
	}
	return enrolled{user: u, session: ns.Session, token: ns.Token, device: res.Device, secret: enr.Key.Secret, recovery: res.RecoveryCodes}
}

// partial signs in with the password and returns the partial session.
func (e *env) partial(email string) auth.Session {
	e.t.Helper()
	ns, err := e.svc.Accounts.SignIn(ctx, cl, email, "correct horse battery")
	if err != nil {
		e.t.Fatal(err)
	}
	if ns.Session.Stage != auth.StagePartial {
		e.t.Fatalf("stage %s, want partial", ns.Session.Stage)
	}
	return ns.Session
}

// session reports whether a session id is still in the database
// (store.ErrNotFound when it is gone), read straight from the file.
func (e *env) session(id string) (string, error) {
	e.t.Helper()
	db, err := sql.Open("sqlite3", e.path+"?_query_only=true")
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	var userID string
	err = db.QueryRow(`SELECT user_id FROM sessions WHERE id = ?`, id).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", store.ErrNotFound
	}
	return userID, err
}
