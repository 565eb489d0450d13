package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
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

var (
	errTokenNotAllowed = errorf(http.StatusForbidden, "token_not_allowed",
		"Application tokens cannot do this; sign in with your password (and second factor) instead.")
	errInvalidToken = errorf(http.StatusUnauthorized, "invalid_token",
		"The application token is unknown, revoked or expired; create a new one (twofold login).")
)

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
	t, err := a.auth.AuthenticateAppToken(r.Context(), client(r), secret)
	if err != nil {
		if errors.Is(err, auth.ErrInvalidToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="twofold"`)
			err = errInvalidToken
		}
		a.writeError(w, r, err)
		return
	}
	p := principal{Session: auth.TokenSession(t), Token: &t}
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
}

// requireFullOrToken lets full sessions and application tokens through: the
// routes a token may call.
func (a *api) requireFullOrToken(next http.Handler) http.Handler {
	full := a.requireFull(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := principalFrom(r.Context()); ok && p.Token != nil {
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

type appTokenView struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    *time.Time `json:"expires_at"`
	LastUsedAt   *time.Time `json:"last_used_at"`
	LastUsedAddr string     `json:"last_used_addr"`
}

func viewAppToken(t store.AppToken) appTokenView {
	return appTokenView{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: optTime(t.ExpiresAt),
		LastUsedAt: optTime(t.LastUsedAt), LastUsedAddr: t.LastUsedAddr}
}

type appTokenList struct {
	Tokens []appTokenView `json:"tokens"`
}

func (t appTokens) list(w http.ResponseWriter, r *http.Request) error {
	ts, err := t.auth.AppTokens(r.Context(), mustPrincipal(r).Session.UserID)
	if err != nil {
		return err
	}
	out := appTokenList{Tokens: make([]appTokenView, len(ts))}
	for i, tok := range ts {
		out.Tokens[i] = viewAppToken(tok)
	}
	return writeJSON(w, http.StatusOK, out)
}

// createAppTokenRequest names the token; with MFA enrolled it carries a
// second factor unless the session verified one within the last minutes.
type createAppTokenRequest struct {
	Name         string     `json:"name"`
	ExpiresAt    *time.Time `json:"expires_at"`
	Code         string     `json:"code"`
	RecoveryCode string     `json:"recovery_code"`
}

// createAppTokenResponse is the one response that carries a token.
type createAppTokenResponse struct {
	Token  appTokenView `json:"token"`
	Secret string       `json:"secret"`
}

func (t appTokens) create(w http.ResponseWriter, r *http.Request) error {
	var req createAppTokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var expires time.Time
	if req.ExpiresAt != nil {
		expires = *req.ExpiresAt
	}
	nt, err := t.auth.CreateAppToken(r.Context(), client(r), mustPrincipal(r).Session, req.Name, expires,
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/app-tokens/"+nt.Token.ID)
	return writeJSON(w, http.StatusCreated, createAppTokenResponse{Token: viewAppToken(nt.Token), Secret: nt.Secret})
}

func (t appTokens) revoke(w http.ResponseWriter, r *http.Request) error {
	if err := t.auth.RevokeAppToken(r.Context(), client(r), mustPrincipal(r).Session.UserID, chi.URLParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
