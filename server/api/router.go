package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// Pinger checks the database for /healthz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// RateLimit is how many credential requests (sign-up, sign-in, second
// factor, activation, deletion with a code) one client address may make per
// Window. Requests < 0 turns the limit off (benchmarks); 0 takes the default.
type RateLimit struct {
	Requests int
	Window   time.Duration
}

// DefaultRateLimit allows 60 credential requests per minute per address.
var DefaultRateLimit = RateLimit{Requests: 60, Window: time.Minute}

// RequestObserver counts requests (metrics).
type RequestObserver interface {
	Request(method, route string, code int, took time.Duration)
}

// Deps are what the router needs.
type Deps struct {
	Accounts Accounts
	Devices  Devices
	Tokens   Tokens
	Push     Push // push sign-in; off when nil, not enabled, or Hub is nil
	Sync     Sync // vault sync between browsers; off (404) when nil
	Audit    AuditLog
	Admin    Admin
	DB       Pinger
	// Database names the engine /healthz reports ("sqlite", "postgres").
	Database string
	// Notifications, when set, is the connection that brings other
	// instances' push changes (PostgreSQL's LISTEN); /healthz checks it too.
	Notifications Pinger
	Metrics       RequestObserver // optional
	Log           *slog.Logger
	App           fs.FS            // the authenticator's files, served at /app/
	Site          fs.FS            // the demo sign-in site (web/site), served at /; nil: / redirects to /app/
	Now           func() time.Time // server time for /api/v1/time
	// BaseURL is the public URL; with https, cookies are Secure even when
	// TLS ends at a proxy, and its origin is trusted for cross-origin checks.
	BaseURL *url.URL
	// TrustedProxies are CIDR prefixes whose X-Forwarded-For is believed for
	// the client address; empty means the TCP peer is the client.
	TrustedProxies []string
	RateLimit      RateLimit
	// Hub is the push router's side that the API needs; nil leaves push
	// sign-in off.
	Hub PushHub
}

// api carries the dependencies to every handler.
type api struct {
	accounts  Accounts
	devices   Devices
	tokens    Tokens
	push      Push
	audit     AuditLog
	adm       Admin
	db        Pinger
	dbEngine  string
	notify    Pinger
	metrics   RequestObserver
	log       *slog.Logger
	now       func() time.Time
	baseHTTPS bool
	limit     func(http.Handler) http.Handler
	// registerLimit is push registration's own per-address limit, so that
	// registrations neither use up nor are used up by sign-in attempts.
	registerLimit func(http.Handler) http.Handler
	// syncLimit is the sync routes' own per-address limit (the join, the
	// joiner's status, recovery: the ones strangers may call).
	syncLimit func(http.Handler) http.Handler
	hub       PushHub
	sync      Sync
}

// NewRouter builds the whole HTTP handler.
func NewRouter(d Deps) http.Handler {
	a := &api{accounts: d.Accounts, devices: d.Devices, tokens: d.Tokens, push: d.Push, audit: d.Audit, adm: d.Admin,
		db: d.DB, dbEngine: d.Database, notify: d.Notifications, metrics: d.Metrics, log: d.Log, now: d.Now, hub: d.Hub, sync: d.Sync}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.metrics == nil {
		a.metrics = noRequests{}
	}
	a.baseHTTPS = d.BaseURL != nil && d.BaseURL.Scheme == "https"
	a.limit = a.rateLimiter(d.RateLimit)
	a.registerLimit = a.rateLimiter(d.RateLimit)
	a.syncLimit = a.rateLimiter(d.RateLimit)

	r := chi.NewRouter()
	if len(d.TrustedProxies) > 0 {
		r.Use(middleware.ClientIPFromXFF(d.TrustedProxies...))
	} else {
		r.Use(middleware.ClientIPFromRemoteAddr)
	}
	r.Use(a.securityHeaders, a.observe, a.recoverer, a.crossOrigin(d.BaseURL))
	r.NotFound(a.handle(func(http.ResponseWriter, *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(a.handle(func(http.ResponseWriter, *http.Request) error { return errMethodNotAllowed }))

	r.Get("/healthz", a.handle(a.healthz))
	// /metrics is not here: it tells why attempts failed (outcome labels),
	// so it has its own listener (server.Config.MetricsAddr).
	if d.Site != nil {
		a.mountSite(r, d.Site)
	} else {
		r.Get("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/app/", http.StatusFound) })
	}
	if d.App != nil {
		r.Mount("/app", appHandler(d.App))
	}
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(limitBody, noStore, jsonOnly, a.authenticate)
		r.Get("/openapi.json", a.handle(a.openAPI))
		r.Get("/time", a.handle(a.serverTime))
		r.Mount("/users", users{a}.Routes())
		r.Mount("/session", session{a}.Routes())
		r.Mount("/sessions", sessions{a}.Routes())
		r.Mount("/password", passwords{a}.Routes())
		r.Mount("/totp-devices", devices{a}.Routes())
		r.Mount("/recovery-codes", recoveryCodes{a}.Routes())
		r.Mount("/mfa", mfa{a}.Routes())
		r.Mount("/audit-events", auditEvents{a}.Routes())
		r.Mount("/push", pushRoutes{a}.Routes())
		r.Mount("/app-tokens", appTokens{a}.Routes())
		r.Mount("/cli-grants", cliGrants{a}.Routes())
		r.Mount("/demo", demo{a}.Routes())
		r.Mount("/admin", admin{a}.Routes())
		r.Mount("/trusted-browsers", trustedBrowsers{a}.Routes())
		r.Mount("/sync", syncRoutes{a}.Routes())
	})
	return r
}

type noRequests struct{}

func (noRequests) Request(string, string, int, time.Duration) {}

// subrouter is a router for a resource, answering 404 and 405 like the rest.
func (a *api) subrouter() chi.Router {
	r := chi.NewRouter()
	r.NotFound(a.handle(func(http.ResponseWriter, *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(a.handle(func(http.ResponseWriter, *http.Request) error { return errMethodNotAllowed }))
	return r
}
