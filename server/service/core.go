package service

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/store"
)

// Defaults that cmd/twofold-server shows as its flags' (through
// server.DefaultConfig): how long a new device may wait for its first
// code, and the issuer authenticator apps show.
const (
	DefaultPendingDeviceTTL = 10 * time.Minute
	DefaultIssuer           = "Twofold"
)

// Config tunes the service; zero values get the defaults in withDefaults.
type Config struct {
	Issuer            string // otpauth issuer shown in authenticator apps (default "Twofold")
	Argon2            credential.Argon2Params
	SessionTTL        time.Duration  // full sessions (default 12 h)
	PartialSessionTTL time.Duration  // password checked, second factor pending (default 5 min)
	PendingDeviceTTL  time.Duration  // unactivated devices (default 10 min)
	FreshFactorWindow time.Duration  // how long an MFA sign-in counts as fresh (default 5 min)
	MaxDevices        int            // devices per user, pending included (default 10)
	Skew              uint           // accepted steps either side of now (default 1)
	Throttle          ThrottlePolicy // second-factor guesses per account
	PasswordThrottle  ThrottlePolicy // password guesses per account (password.go)
	// BaseURL is the public URL links in mail point at (default
	// http://localhost:8080).
	BaseURL       string
	InvitationTTL time.Duration // how long an invitation link works (default 7 days)
	EmailCodeTTL  time.Duration // how long an emailed confirmation code works (default 5 min)
	Sync          SyncConfig    // vault sync between browsers (sync.go)
}

func (c Config) withDefaults() Config {
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if c.Argon2 == (credential.Argon2Params{}) {
		c.Argon2 = credential.DefaultArgon2
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.PartialSessionTTL <= 0 {
		c.PartialSessionTTL = 5 * time.Minute
	}
	if c.PendingDeviceTTL <= 0 {
		c.PendingDeviceTTL = DefaultPendingDeviceTTL
	}
	if c.FreshFactorWindow <= 0 {
		c.FreshFactorWindow = 5 * time.Minute
	}
	if c.MaxDevices <= 0 {
		c.MaxDevices = 10
	}
	if c.Skew == 0 {
		c.Skew = 1
	}
	c.Throttle = c.Throttle.withDefaults()
	c.PasswordThrottle = c.PasswordThrottle.withDefaultsFrom(DefaultPasswordThrottle)
	if c.BaseURL == "" {
		c.BaseURL = "http://localhost:8080"
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if c.InvitationTTL <= 0 {
		c.InvitationTTL = 7 * 24 * time.Hour
	}
	if c.EmailCodeTTL <= 0 {
		c.EmailCodeTTL = 5 * time.Minute
	}
	c.Sync = c.Sync.withDefaults()
	return c
}

// Observer receives the outcome of every second-factor check (metrics).
// Purpose and outcome are the service's Purpose and Outcome names.
type Observer interface {
	Verification(purpose, outcome string, took time.Duration)
}

// Deps are what the services need from outside.
type Deps struct {
	Store    store.Store
	Keys     *secrets.Keyring
	Now      func() time.Time // default time.Now
	Rand     io.Reader        // default crypto/rand.Reader
	Log      *slog.Logger     // default slog.Default()
	Observer Observer         // optional
	// Mailer sends mail; nil keeps it in the outbox only (the development
	// outbox admins read), and the log says so.
	Mailer Mailer
}

// Mailer sends one plain-text message (server/mail over SMTP).
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// core is what every service shares: the store, the master keyring, the
// clock and randomness, the log, and the helpers that are one rule each
// (attempt, authorize, the audit writer, completing a sign-in).
type core struct {
	cfg       Config
	store     store.Store
	keys      *secrets.Keyring
	now       func() time.Time
	rand      io.Reader
	log       *slog.Logger
	obs       Observer
	dummyHash string         // verified against for unknown accounts, so timing does not tell
	push      *pushSetup     // nil until Push.Enable
	mailer    Mailer         // nil: the outbox only
	sending   sync.WaitGroup // security notices being sent in the background
}

// The services, one concern each, over one core.
type (
	// Accounts is sign-up, two-step sign-in, sessions and the password.
	Accounts struct{ *core }
	// Devices is TOTP devices with their seeds, MFA on and off, and
	// recovery codes.
	Devices struct{ *core }
	// Tokens is application tokens.
	Tokens struct{ *core }
	// Push is push sign-in: registrations, prompts, answers, redemption.
	Push struct{ *core }
	// Audit is the audit log.
	Audit struct{ *core }
	// Admin is an organisation's administration: users, roles, groups,
	// the MFA requirement, Reset MFA, invitations, the audit log, the
	// outbox.
	Admin struct{ *core }
)

// Service holds the services and the maintenance that spans them.
type Service struct {
	Accounts *Accounts
	Devices  *Devices
	Tokens   *Tokens
	Push     *Push
	Audit    *Audit
	Admin    *Admin
	Sync     *Sync
	core     *core
}

// New builds the services.
func New(cfg Config, d Deps) (*Service, error) {
	c := &core{cfg: cfg.withDefaults(), store: d.Store, keys: d.Keys, now: d.Now, rand: d.Rand, log: d.Log, obs: d.Observer, mailer: d.Mailer}
	if c.now == nil {
		c.now = time.Now
	}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.store == nil || c.keys == nil {
		return nil, fmt.Errorf("service: store and keyring are required")
	}
	h, err := credential.HashPassword(c.rand, "twofold dummy password", c.cfg.Argon2)
	if err != nil {
		return nil, err
	}
	c.dummyHash = h
	return &Service{Accounts: &Accounts{c}, Devices: &Devices{c}, Tokens: &Tokens{c}, Push: &Push{c}, Audit: &Audit{c},
		Admin: &Admin{c}, Sync: newSync(c), core: c}, nil
}

// Wait waits for the security notices still being sent in the background
// (call it before closing the store).
func (sv *Service) Wait() { sv.core.sending.Wait() }

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID makes "prefix_" + 16 base32 characters (80 random bits).
func (s *core) newID(prefix string) (string, error) {
	b := make([]byte, 10)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("service: id: %w", err)
	}
	return prefix + "_" + strings.ToLower(idEncoding.EncodeToString(b)), nil
}

// DeviceAAD is a device secret's associated data: the row's identity, so a
// sealed secret copied to another row or user does not open.
func DeviceAAD(id, userID string) []byte {
	return []byte("totp_device:" + id + ":" + userID)
}

// Config returns the effective configuration.
func (s *Service) Config() Config { return s.core.cfg }
