package api

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"

	"github.com/twofold-auth/twofold/server/auth"
)

// Content-Security-Policy values. The authenticator needs
// 'wasm-unsafe-eval' to compile its WebAssembly (not 'unsafe-eval'), blob:
// and data: images for QR previews, and media for the camera.
const (
	cspApp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
		"img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; worker-src 'self'; " +
		"manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	cspAPI = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

// securityHeaders sets the browser security headers on every response.
func (a *api) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		csp := cspAPI
		if r.URL.Path == "/app" || len(r.URL.Path) > 4 && r.URL.Path[:5] == "/app/" {
			csp = cspApp
			h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=(), payment=()")
		} else if r.URL.Path == cliLoginPath {
			csp = cspCLILogin
		} else if isSitePath(r.URL.Path) {
			csp = cspSite
		}
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if a.secure(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// observe logs and counts every request: method, route pattern, status,
// size and time; never headers, cookies or bodies.
func (a *api) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		took := time.Since(start)
		a.metrics.Request(r.Method, route, status, took)
		a.log.LogAttrs(r.Context(), levelFor(status), "http", slogAttrs(r.Method, route, r.URL.Path, status, ww.BytesWritten(), took, clientAddr(r))...)
	})
}

// recoverer turns a panic into a logged 500.
func (a *api) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				a.writeError(w, r, fmt.Errorf("panic: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses cross-origin state-changing requests (Go's
// CrossOriginProtection: Sec-Fetch-Site, then Origin against Host).
// Requests without those headers (curl, the CLI) pass. Requests with an
// Authorization: Bearer header skip the check: they are not cookie-based,
// so a forged cross-site request cannot carry one, and authenticate then
// ignores any cookie they bring (see bearerToken).
func (a *api) crossOrigin(base *url.URL) func(http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if base != nil && base.Scheme != "" && base.Host != "" {
		if err := cop.AddTrustedOrigin(base.Scheme + "://" + base.Host); err != nil {
			a.log.Warn("base URL is not a usable origin", "base_url", base.String())
		}
	}
	cop.SetDenyHandler(a.handle(func(http.ResponseWriter, *http.Request) error { return errCrossOrigin }))
	return func(next http.Handler) http.Handler {
		checked := cop.Handler(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := bearerToken(r); ok {
				next.ServeHTTP(w, r)
				return
			}
			checked.ServeHTTP(w, r)
		})
	}
}

// limitBody caps request bodies at MaxBodyBytes, unless the route raises
// its own cap (withBodyLimit).
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.Body
		r.Body = http.MaxBytesReader(w, raw, MaxBodyBytes)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), rawBodyKey{}, raw)))
	})
}

// rawBodyKey holds the body limitBody capped; bodyLimitKey a route's own
// cap.
type (
	rawBodyKey   struct{}
	bodyLimitKey struct{}
)

// withBodyLimit gives a route a body cap of its own (the sync uploads,
// whose ciphertexts in base64 exceed MaxBodyBytes), before anything has
// read the body.
func withBodyLimit(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if raw, ok := r.Context().Value(rawBodyKey{}).(io.ReadCloser); ok {
				r.Body = http.MaxBytesReader(w, raw, n)
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyLimitKey{}, n)))
		})
	}
}

// bodyLimit is the request's body cap.
func bodyLimit(r *http.Request) int64 {
	if n, ok := r.Context().Value(bodyLimitKey{}).(int64); ok {
		return n
	}
	return MaxBodyBytes
}

// noStore keeps API responses out of caches.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// rateLimiter limits credential routes per client address (IPv6 per /64).
func (a *api) rateLimiter(rl RateLimit) func(http.Handler) http.Handler {
	if rl.Requests < 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	if rl.Requests == 0 {
		rl.Requests = DefaultRateLimit.Requests
	}
	if rl.Window <= 0 {
		rl.Window = DefaultRateLimit.Window
	}
	return httprate.LimitBy(rl.Requests, rl.Window,
		func(r *http.Request) (string, error) { return httprate.CanonicalizeIP(clientAddr(r)), nil },
		httprate.WithLimitHandler(a.handle(func(http.ResponseWriter, *http.Request) error { return errRateLimited })))
}

// clientAddr is the client's address as the trust configuration resolves it.
func clientAddr(r *http.Request) string {
	if ip := middleware.GetClientIP(r.Context()); ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func client(r *http.Request) auth.Client {
	c := auth.Client{Addr: clientAddr(r), UserAgent: r.UserAgent()}
	for _, name := range []string{browserCookieName, secureBrowserCookieName} {
		if k, err := r.Cookie(name); err == nil && k.Value != "" {
			c.BrowserToken = k.Value
		}
	}
	for _, name := range []string{trustCookieName, secureTrustCookieName} {
		if k, err := r.Cookie(name); err == nil && k.Value != "" {
			c.TrustToken = k.Value
		}
	}
	return c
}

// Sessions travel in a cookie. Behind TLS it is Secure with the __Host-
// prefix (host-only, path /). The known-browser cookie (auth/password.go)
// lives 90 days and is read only by the credential routes.
const (
	cookieName              = "twofold_session"
	secureCookieName        = "__Host-twofold_session"
	browserCookieName       = "twofold_browser"
	secureBrowserCookieName = "__Host-twofold_browser"
	// The trusted-browser cookie ("don't ask again on this browser") lives
	// as long as the organisation's trust.
	trustCookieName       = "twofold_trust"
	secureTrustCookieName = "__Host-twofold_trust"
)

func (a *api) secure(r *http.Request) bool { return r.TLS != nil || a.baseHTTPS }

func (a *api) cookieName(r *http.Request) string {
	if a.secure(r) {
		return secureCookieName
	}
	return cookieName
}

func (a *api) setSessionCookie(w http.ResponseWriter, r *http.Request, ns auth.NewSession) {
	http.SetCookie(w, &http.Cookie{
		Name: a.cookieName(r), Value: ns.Token, Path: "/", Expires: ns.Session.ExpiresAt,
		MaxAge:   max(1, int(ns.Session.ExpiresAt.Sub(a.now()).Seconds())),
		HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteLaxMode,
	})
	a.setBrowserCookie(w, r, ns.BrowserToken)
	if ns.TrustToken != "" {
		name := trustCookieName
		if a.secure(r) {
			name = secureTrustCookieName
		}
		http.SetCookie(w, &http.Cookie{Name: name, Value: ns.TrustToken, Path: "/", Expires: ns.TrustExpiresAt,
			MaxAge:   max(1, int(ns.TrustExpiresAt.Sub(a.now()).Seconds())),
			HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteLaxMode})
	}
}

// setBrowserCookie sets a new known-browser token (auth/password.go), if
// there is one.
func (a *api) setBrowserCookie(w http.ResponseWriter, r *http.Request, token string) {
	if token == "" {
		return
	}
	name := browserCookieName
	if a.secure(r) {
		name = secureBrowserCookieName
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: token, Path: "/", MaxAge: int(auth.KnownBrowserTTL.Seconds()),
		HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteLaxMode,
	})
}

func (a *api) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: a.cookieName(r), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteLaxMode})
}

// The principal is who a request acts for: a session (cookie), or an
// application token (Authorization: Bearer), then auth.TokenSession's
// stand-in (TokenID set), so handlers read UserID alike.
type principalKey struct{}

func principalFrom(ctx context.Context) (auth.Session, bool) {
	p, ok := ctx.Value(principalKey{}).(auth.Session)
	return p, ok
}

func withPrincipal(r *http.Request, p auth.Session) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
}

// authenticate resolves the session cookie, if any, into a principal. A
// missing, unknown or expired session leaves the request anonymous.
func (a *api) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if secret, ok := bearerToken(r); ok {
			a.authenticateToken(w, r, secret, next)
			return
		}
		c, err := r.Cookie(a.cookieName(r))
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := a.accounts.Authenticate(r.Context(), c.Value)
		switch {
		case err == nil:
			r = withPrincipal(r, sess)
		case publicError(err) == nil:
			a.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireSession lets any live session through, partial ones included.
func (a *api) requireSession(next http.Handler) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, ok := principalFrom(r.Context())
		if !ok {
			return errUnauthenticated
		}
		if p.ViaToken() {
			return errTokenNotAllowed
		}
		next.ServeHTTP(w, r)
		return nil
	})
}

// requireFull lets only full sessions through: a partial one may only
// present its second factor.
func (a *api) requireFull(next http.Handler) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, ok := principalFrom(r.Context())
		if !ok {
			return errUnauthenticated
		}
		if p.ViaToken() {
			return errTokenNotAllowed
		}
		switch p.Stage {
		case auth.StageFull:
		case auth.StageEnroll:
			return errEnrollFirst
		default:
			return errSecondFactor
		}
		next.ServeHTTP(w, r)
		return nil
	})
}

// requireFullOrEnroll lets full sessions, sessions in the enroll stage (a
// forced enrollment: the device routes it needs) and tokens through.
func (a *api) requireFullOrEnroll(next http.Handler) http.Handler {
	full := a.requireFullOrToken(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := principalFrom(r.Context()); ok && p.Stage == auth.StageEnroll && !p.ViaToken() {
			next.ServeHTTP(w, r)
			return
		}
		full.ServeHTTP(w, r)
	})
}

// principalOf is the principal of a request behind requireSession,
// requireFull or requireFullOrToken (the zero Session elsewhere).
func principalOf(r *http.Request) auth.Session {
	p, _ := principalFrom(r.Context())
	return p
}
