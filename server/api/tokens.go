package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
)

// Application tokens over HTTP. Which routes a token may call is decided
// here, in one place (requireFullOrToken), and documented in openapi.json:
//
//   - yes: listing, creating, activating, renaming and deleting TOTP
//     devices, deleting inactive ones, a pending device's new seed, the
//     recovery-code count and regeneration, disabling MFA, listing and
//     revoking tokens. A token carries no second factor, so deleting an
//     active device, regenerating recovery codes and disabling MFA still
//     need a current code or recovery code in the request.
//   - no (403 token_not_allowed): creating tokens (a token must not mint
//     tokens that outlive it), the session endpoints (the session status
//     too), listing and ending sessions, signing out everywhere, changing
//     the password, the audit log and the step-up demo area. Those need a
//     browser-style session; creating a token also needs its second factor
//     verified when the account has MFA.

// bearerToken returns the token of an Authorization: Bearer header; ok is
// true whenever the Bearer scheme is used, even with an empty token, so a
// bad token is refused instead of falling back to the session cookie.
func bearerToken(r *http.Request) (secret string, ok bool) {
	h := r.Header.Get("Authorization")
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

func (a *api) authenticateToken(w http.ResponseWriter, r *http.Request, secret string, next http.Handler) {
	t, err := a.tokens.Authenticate(r.Context(), client(r), secret)
	if err != nil {
		if errors.Is(err, auth.ErrInvalidToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="twofold"`)
		}
		a.writeError(w, r, err)
		return
	}
	next.ServeHTTP(w, withPrincipal(r, auth.TokenSession(t)))
}

// requireFullOrToken lets full sessions and application tokens through: the
// routes a token may call.
func (a *api) requireFullOrToken(next http.Handler) http.Handler {
	full := a.requireFull(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := principalFrom(r.Context()); ok && p.ViaToken() {
			next.ServeHTTP(w, r)
			return
		}
		full.ServeHTTP(w, r)
	})
}

// appTokens is the user's application tokens.
type appTokens struct{ *api }

func (t appTokens) Routes() chi.Router {
	r := t.subrouter()
	r.With(t.requireFullOrToken).Get("/", t.handle(t.list))
	r.With(t.limit, t.requireFull).Post("/", t.handle(t.create)) // may carry a code
	r.With(t.requireFullOrToken).Delete("/{id}", t.handle(t.revoke))
	return r
}

func viewAppToken(t auth.AppToken) wire.AppToken {
	return wire.AppToken{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: optTime(t.ExpiresAt),
		LastUsedAt: optTime(t.LastUsedAt), LastUsedAddr: t.LastUsedAddr, MFA: t.MFA}
}

func (t appTokens) list(w http.ResponseWriter, r *http.Request) error {
	ts, err := t.tokens.List(r.Context(), principalOf(r).UserID)
	if err != nil {
		return err
	}
	out := wire.AppTokenList{Tokens: make([]wire.AppToken, len(ts))}
	for i, tok := range ts {
		out.Tokens[i] = viewAppToken(tok)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (t appTokens) create(w http.ResponseWriter, r *http.Request) error {
	var req wire.CreateAppTokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var expires time.Time
	if req.ExpiresAt != nil {
		expires = *req.ExpiresAt
	}
	nt, err := t.tokens.Create(r.Context(), client(r), principalOf(r), req.Name, expires,
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/app-tokens/"+nt.Token.ID)
	return writeJSON(w, http.StatusCreated, wire.CreatedAppToken{Token: viewAppToken(nt.Token), Secret: nt.Secret})
}

// cliGrants is `twofold login --browser`: the signed-in browser makes a
// grant (a session only, as for creating a token), the CLI redeems it with
// its verifier (no session: the grant and verifier are the credential).
type cliGrants struct{ *api }

func (g cliGrants) Routes() chi.Router {
	r := g.subrouter()
	r.With(g.limit, g.requireFull).Post("/", g.handle(g.create))
	r.With(g.limit).Post("/token", g.handle(g.redeem))
	return r
}

func (g cliGrants) create(w http.ResponseWriter, r *http.Request) error {
	var req wire.CLIGrantRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var expires time.Time
	if req.ExpiresAt != nil {
		expires = *req.ExpiresAt
	}
	code, until, err := g.tokens.CreateCLIGrant(r.Context(), client(r), principalOf(r), req.CodeChallenge, req.Name, expires,
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.CLIGrant{Grant: code, ExpiresAt: until.UTC()})
}

func (g cliGrants) redeem(w http.ResponseWriter, r *http.Request) error {
	var req wire.CLIGrantRedeem
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	nt, err := g.tokens.RedeemCLIGrant(r.Context(), client(r), req.Grant, req.CodeVerifier)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/app-tokens/"+nt.Token.ID)
	return writeJSON(w, http.StatusCreated, wire.CreatedAppToken{Token: viewAppToken(nt.Token), Secret: nt.Secret})
}

func (t appTokens) revoke(w http.ResponseWriter, r *http.Request) error {
	if err := t.tokens.Revoke(r.Context(), client(r), principalOf(r).UserID, chi.URLParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
