package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/twofold-auth/twofold/server/api"
	"github.com/twofold-auth/twofold/server/mail"
	"github.com/twofold-auth/twofold/server/metrics"
	"github.com/twofold-auth/twofold/server/pushhub"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/postgres"
)

var (
	_ service.PushNotifier = (*pushhub.Hub)(nil)
	_ pushhub.Feed         = (*postgres.Listener)(nil)
)

// Server is a configured verification server.
type Server struct {
	cfg     Config
	log     *slog.Logger
	db      *database
	push    *pushhub.Hub
	svc     *service.Service
	metrics *metrics.Metrics
	handler http.Handler
}

// New opens the database (applying migrations), loads or creates the master
// key and builds the service and router; on PostgreSQL it also starts
// listening for the push changes of other instances.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	keys, err := loadKeyring(cfg, cfg.Logger)
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	db, err := openDatabase(context.Background(), cfg, m)
	if err != nil {
		return nil, err
	}
	s, err := build(cfg, db, keys, m)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// build makes the services, the push router and the HTTP handler on an
// open database.
func build(cfg Config, db *database, keys *secrets.Keyring, m *metrics.Metrics) (*Server, error) {
	log := cfg.Logger
	if err := checkKeyIDs(db, keys); err != nil {
		return nil, err
	}
	var mailer service.Mailer
	if cfg.SMTP.Host != "" {
		sender, err := mail.New(cfg.SMTP)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
		mailer = sender
	} else {
		log.Warn("no SMTP server configured: mail is kept in the development outbox (admins read it at /admin/outbox), not sent")
	}
	svcCfg := cfg.Auth
	svcCfg.BaseURL = cfg.BaseURL
	svc, err := service.New(svcCfg, service.Deps{Store: db, Keys: keys, Now: cfg.Now, Rand: cfg.Rand, Log: log, Observer: m, Mailer: mailer})
	if err != nil {
		return nil, err
	}
	if cfg.OpenSignup != nil {
		if err := svc.SetOpenSignup(context.Background(), *cfg.OpenSignup); err != nil {
			return nil, err
		}
	}
	base, _ := url.Parse(cfg.BaseURL)
	hub := pushhub.NewHub(svc.Push, pushhub.Options{Observer: m, Log: log, Rand: cfg.Rand, Now: cfg.Now})
	if err := svc.Push.Enable(service.PushConfig{Origin: base.Scheme + "://" + base.Host}, hub); err != nil {
		return nil, err
	}
	deps := api.Deps{
		Accounts: svc.Accounts, Devices: svc.Devices, Tokens: svc.Tokens, Push: svc.Push, Audit: svc.Audit, Admin: svc.Admin, Sync: svc.Sync, Hub: hub,
		DB: db, Database: db.engine, Metrics: m, Log: log, App: cfg.App, Site: cfg.Site, Now: cfg.Now, BaseURL: base,
		TrustedProxies: cfg.TrustedProxies, RateLimit: cfg.RateLimit,
	}
	if db.pg != nil {
		if err := db.listen(context.Background(), log); err != nil {
			return nil, err
		}
		deps.Notifications = db.feed
	}
	return &Server{cfg: cfg, log: log, db: db, push: hub, svc: svc, metrics: m, handler: api.NewRouter(deps)}, nil
}

// loadKeyring reads the master key: from the environment's base64 value, or
// from the key file (created on first start). Key files left by an
// interrupted rekey (.new, .old) stay readable so no row is stranded.
func loadKeyring(cfg Config, log *slog.Logger) (*secrets.Keyring, error) {
	if cfg.MasterKey != "" {
		key, err := secrets.DecodeKey(cfg.MasterKey)
		if err != nil {
			return nil, fmt.Errorf("%w: TWOFOLD_MASTER_KEY: %v", ErrConfig, err)
		}
		return secrets.NewKeyring(cfg.Rand, key)
	}
	if cfg.DatabaseURL != "" {
		// Instances sharing a database must share the key: one that made
		// a key of its own would seal devices no other instance can open.
		if _, err := os.Stat(cfg.MasterKeyFile); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNoSharedKey, cfg.MasterKeyFile)
		}
	}
	key, created, err := secrets.LoadOrCreateKeyFile(cfg.MasterKeyFile, cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	if created {
		log.Warn("created a new master key file; back it up: without it no TOTP device can be verified",
			"path", cfg.MasterKeyFile, "key_id", secrets.KeyID(key))
	}
	var others [][]byte
	for _, suffix := range []string{".new", ".old"} {
		k, err := secrets.ReadKeyFile(cfg.MasterKeyFile + suffix)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		others = append(others, k)
	}
	return secrets.NewKeyring(cfg.Rand, key, others...)
}

// checkKeyIDs refuses to start when some device is sealed under a key the
// keyring lacks (a wrong TWOFOLD_MASTER_KEY, a lost key file).
func checkKeyIDs(st store.Store, keys *secrets.Keyring) error {
	ds, err := st.AllDevices(context.Background())
	if err != nil {
		return err
	}
	for _, d := range ds {
		if !keys.Has(d.KeyID) {
			return fmt.Errorf("%w (key id %s; this server has %s)", ErrUnknownKeyID, d.KeyID, keys.PrimaryID())
		}
	}
	return nil
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// MetricsHandler serves /metrics (and nothing else), for the metrics
// listener: never on the public handler, since the outcome labels tell why
// attempts failed.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	return mux
}

// Services are the server's services (tests, tools).
func (s *Server) Services() *service.Service { return s.svc }

// Store is the database.
func (s *Server) Store() store.Store { return s.db.Store }

// Config is the effective configuration.
func (s *Server) Config() Config { return s.cfg }

// Run listens on the configured address and serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln, sweeping expired pending devices and sessions in the
// background, until ctx ends; then it stops accepting, lets requests in
// flight finish (up to ShutdownGrace) and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	sweepCtx, stopSweep := context.WithCancel(context.Background())
	defer stopSweep()
	go s.svc.RunSweeper(sweepCtx, s.cfg.SweepInterval)
	go s.svc.Push.RunExpiry(sweepCtx, 5*time.Second) // prompts live 60 s: expire them promptly
	if s.db.feed != nil {
		go s.push.Follow(sweepCtx, s.db.feed) // other instances' push changes
	}

	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("twofold server listening", "addr", ln.Addr().String(), "url", s.cfg.BaseURL, "database", s.db.engine, "db", s.db.where)
	var msrv *http.Server
	if s.cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", s.cfg.MetricsAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		msrv = &http.Server{Handler: s.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go func() {
			if err := msrv.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics listener: %w", err)
			}
		}()
		s.log.Info("metrics listening", "addr", mln.Addr().String(), "path", "/metrics")
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	s.push.Close() // hijacked websockets are not the http.Server's to close
	if msrv != nil {
		msrv.Close()
	}
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close closes the database after the writer's queue drains.
func (s *Server) Close() error {
	s.svc.Wait() // security notices still being sent
	return s.db.Close()
}
