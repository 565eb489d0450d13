package server

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/server/api"
	"github.com/twofold-auth/twofold/server/mail"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/web"
)

// Config is the server's configuration; withDefaults fills what is left
// zero from DefaultConfig. cmd/twofold-server fills it from flags and
// TWOFOLD_* variables, whose defaults it takes from DefaultConfig too.
type Config struct {
	Addr    string // listen address (default ":8080")
	DataDir string // database and key file directory (default "./data")
	DBPath  string // default DataDir/twofold.db
	// DatabaseURL selects PostgreSQL (postgres://... or postgresql://...,
	// read by pgx) for several instances on one database; empty keeps
	// SQLite at DBPath. See docs/deploy.md.
	DatabaseURL string

	// The master key: MasterKey (base64, from TWOFOLD_MASTER_KEY) wins over
	// MasterKeyFile (default DataDir/master.key, created 0600 on first start).
	MasterKey     string
	MasterKeyFile string
	// NewMasterKey is rekey's target when MasterKey is given (base64).
	NewMasterKey string

	BaseURL string // public URL (default http://localhost:PORT)
	// MetricsAddr is where /metrics is served, on its own listener ("" for
	// nowhere, the default). Its outcome labels say why attempts failed, so
	// keep it on loopback or an operators' network, never public.
	MetricsAddr string
	// SMTP is where mail goes; Host "" keeps it in the development outbox.
	SMTP mail.Config
	// OpenSignup, when set, opens or closes sign-up into the default
	// organisation at start (admins may change it later).
	OpenSignup *bool
	LogLevel   string // debug, info, warn, error (default info)
	LogFormat  string // text or json (default text)
	// DBSync is SQLite's synchronous mode for commits (PostgreSQL's
	// commits follow its own synchronous_commit): "normal" (default;
	// no fsync per commit, safe from corruption) or "full" (an fsync per
	// group commit). See docs/security.md.
	DBSync         string
	TrustedProxies []string
	RateLimit      api.RateLimit
	SweepInterval  time.Duration // default 1 min
	ShutdownGrace  time.Duration // default 10 s
	Auth           service.Config

	App       fs.FS            // default web.App
	Site      fs.FS            // default web.Site
	Now       func() time.Time // default time.Now
	Rand      io.Reader        // default crypto/rand.Reader
	LogOutput io.Writer        // default os.Stderr
	Logger    *slog.Logger     // default built from LogLevel, LogFormat, LogOutput
}

// DefaultConfig is the configuration's defaults, in one place: what
// withDefaults fills into a zero field, and what cmd/twofold-server's flags
// show, so the two cannot drift. The defaults that follow from other
// fields are not in it: DBPath and MasterKeyFile (under DataDir), BaseURL
// (from Addr's port), the SMTP port (from its security), and the logger,
// clock and randomness.
func DefaultConfig() Config {
	return Config{
		Addr:          ":8080",
		DataDir:       "data",
		LogLevel:      "info",
		LogFormat:     "text",
		DBSync:        "normal",
		RateLimit:     api.DefaultRateLimit,
		SweepInterval: time.Minute,
		ShutdownGrace: 10 * time.Second,
		Auth:          service.Config{PendingDeviceTTL: service.DefaultPendingDeviceTTL, Issuer: service.DefaultIssuer},
		SMTP:          mail.Config{Security: mail.StartTLS},
	}
}

func (c Config) withDefaults() (Config, error) {
	d := DefaultConfig()
	c.Addr = cmp.Or(c.Addr, d.Addr)
	c.DataDir = cmp.Or(c.DataDir, d.DataDir)
	c.LogLevel = cmp.Or(c.LogLevel, d.LogLevel)
	c.LogFormat = cmp.Or(c.LogFormat, d.LogFormat)
	c.DBSync = cmp.Or(c.DBSync, d.DBSync)
	if c.RateLimit == (api.RateLimit{}) {
		c.RateLimit = d.RateLimit
	}
	if c.Auth.PendingDeviceTTL <= 0 {
		c.Auth.PendingDeviceTTL = d.Auth.PendingDeviceTTL
	}
	c.Auth.Issuer = cmp.Or(c.Auth.Issuer, d.Auth.Issuer)
	c.SMTP.Security = cmp.Or(c.SMTP.Security, d.SMTP.Security)
	if c.SweepInterval <= 0 {
		c.SweepInterval = d.SweepInterval
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = d.ShutdownGrace
	}
	if c.DBPath == "" {
		c.DBPath = filepath.Join(c.DataDir, "twofold.db")
	}
	if c.MasterKeyFile == "" {
		c.MasterKeyFile = filepath.Join(c.DataDir, "master.key")
	}
	if c.BaseURL == "" {
		host, port, err := net.SplitHostPort(c.Addr)
		if err != nil {
			return c, fmt.Errorf("%w: address %q: %v", ErrConfig, c.Addr, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.BaseURL = "http://" + net.JoinHostPort(host, port)
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("%w: base URL %q must be http(s)://host[:port]", ErrConfig, c.BaseURL)
	}
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		return c, err
	}
	switch c.DBSync {
	case "normal", "full":
	default:
		return c, fmt.Errorf("%w: database sync %q (want normal or full)", ErrConfig, c.DBSync)
	}
	if c.App == nil {
		c.App = web.App
	}
	if c.Site == nil {
		c.Site = web.Site
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.LogOutput == nil {
		c.LogOutput = os.Stderr
	}
	if c.Logger == nil {
		log, err := NewLogger(c.LogLevel, c.LogFormat, c.LogOutput)
		if err != nil {
			return c, err
		}
		c.Logger = log
	}
	return c, nil
}

// NewLogger makes the server's structured logger.
func NewLogger(level, format string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: log level %q (want debug, info, warn or error)", ErrConfig, level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("%w: log format %q (want text or json)", ErrConfig, format)
}
