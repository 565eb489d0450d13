package api

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
)

// users is sign-up.
type users struct{ *api }

func (u users) Routes() chi.Router {
	r := u.subrouter()
	r.With(u.limit).Post("/", u.handle(u.signUp))
	return r
}

type credentialsRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (u users) signUp(w http.ResponseWriter, r *http.Request) error {
	var req credentialsRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	usr, ns, err := u.auth.SignUp(r.Context(), client(r), req.Email, req.Password)
	if err != nil {
		return err
	}
	u.setSessionCookie(w, r, ns)
	return writeJSON(w, http.StatusCreated, sessionResponse{User: viewUser(usr, false), Session: viewSession(ns.Session)})
}

// session is the current session: sign in, the second factor, sign out.
type session struct{ *api }

func (s session) Routes() chi.Router {
	r := s.subrouter()
	r.With(s.limit).Post("/", s.handle(s.signIn))
	r.With(s.requireSession).Get("/", s.handle(s.get))
	r.Get("/status", s.handle(s.status))
	r.With(s.requireSession).Delete("/", s.handle(s.signOut))
	r.With(s.limit, s.requireSession).Post("/mfa", s.handle(s.secondFactor))
	return r
}

func (a *api) sessionResponse(ctx context.Context, sess store.Session) (sessionResponse, error) {
	u, mfa, err := a.auth.Account(ctx, sess.UserID)
	if err != nil {
		return sessionResponse{}, err
	}
	return sessionResponse{User: viewUser(u, mfa), Session: viewSession(sess)}, nil
}

func (s session) signIn(w http.ResponseWriter, r *http.Request) error {
	var req credentialsRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ns, err := s.auth.SignIn(r.Context(), client(r), req.Email, req.Password)
	if err != nil {
		return err
	}
	resp, err := s.sessionResponse(r.Context(), ns.Session)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, ns)
	return writeJSON(w, http.StatusOK, resp)
}

func (s session) get(w http.ResponseWriter, r *http.Request) error {
	resp, err := s.sessionResponse(r.Context(), mustPrincipal(r).Session)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resp)
}

// sessionStatus says whether the request carries a live session, always
// with 200: the site's sign-in pages ask it on every load, and a browser
// logs every 401 as a console error.
type sessionStatus struct {
	SignedIn bool   `json:"signed_in"`
	Stage    string `json:"stage,omitempty"`
}

func (s session) status(w http.ResponseWriter, r *http.Request) error {
	p, ok := principalFrom(r.Context())
	if !ok {
		return writeJSON(w, http.StatusOK, sessionStatus{})
	}
	if p.Token != nil {
		return errTokenNotAllowed
	}
	return writeJSON(w, http.StatusOK, sessionStatus{SignedIn: true, Stage: string(p.Session.Stage)})
}

func (s session) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.SignOut(r.Context(), client(r), mustPrincipal(r).Session); err != nil {
		return err
	}
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// secondFactor completes a partial session (a new cookie replaces it) or
// steps a full one up.
func (s session) secondFactor(w http.ResponseWriter, r *http.Request) error {
	var req factorRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ns, err := s.auth.SecondFactor(r.Context(), client(r), mustPrincipal(r).Session,
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode})
	if err != nil {
		return err
	}
	resp := sessionResponse{User: viewUser(ns.User, ns.MFAEnrolled), Session: viewSession(ns.Session)}
	if ns.Token != "" {
		s.setSessionCookie(w, r, ns)
	}
	return writeJSON(w, http.StatusOK, resp)
}

// sessions is every session of the user: the list, ending one, ending all.
type sessions struct{ *api }

func (s sessions) Routes() chi.Router {
	r := s.subrouter()
	r.Use(s.requireFull)
	r.Get("/", s.handle(s.list))
	r.Delete("/", s.handle(s.signOutEverywhere))
	r.Delete("/{id}", s.handle(s.end))
	return r
}

type sessionListItem struct {
	ID         string     `json:"id"`
	Current    bool       `json:"current"`
	Stage      string     `json:"stage"`
	AMR        []string   `json:"amr"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	VerifiedAt *time.Time `json:"mfa_verified_at"`
	ClientAddr string     `json:"client_addr"`
	Browser    string     `json:"browser"`
}

type sessionList struct {
	Sessions []sessionListItem `json:"sessions"`
}

func (s sessions) list(w http.ResponseWriter, r *http.Request) error {
	me := mustPrincipal(r).Session
	all, err := s.auth.Sessions(r.Context(), me.UserID)
	if err != nil {
		return err
	}
	out := sessionList{Sessions: make([]sessionListItem, len(all))}
	for i, x := range all {
		amr := x.AMR
		if amr == nil {
			amr = []string{}
		}
		out.Sessions[i] = sessionListItem{ID: x.ID, Current: x.ID == me.ID, Stage: string(x.Stage), AMR: amr,
			CreatedAt: x.CreatedAt.UTC(), ExpiresAt: x.ExpiresAt.UTC(), VerifiedAt: optTime(x.MFAVerifiedAt),
			ClientAddr: x.ClientAddr, Browser: auth.BrowserSummary(x.UserAgent)}
	}
	return writeJSON(w, http.StatusOK, out)
}

// end signs one session out (this one too, then the cookie goes).
func (s sessions) end(w http.ResponseWriter, r *http.Request) error {
	me := mustPrincipal(r).Session
	id := chi.URLParam(r, "id")
	if err := s.auth.EndSession(r.Context(), client(r), me.UserID, id); err != nil {
		return err
	}
	if id == me.ID {
		s.clearSessionCookie(w, r)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// passwords is the user's password: changing it.
type passwords struct{ *api }

func (p passwords) Routes() chi.Router {
	r := p.subrouter()
	r.With(p.limit, p.requireFull).Post("/", p.handle(p.change))
	return r
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
	Code            string `json:"code"`
	RecoveryCode    string `json:"recovery_code"`
}

type changePasswordResponse struct {
	SignedOutSessions int64 `json:"signed_out_sessions"`
}

func (p passwords) change(w http.ResponseWriter, r *http.Request) error {
	var req changePasswordRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	res, err := p.auth.ChangePassword(r.Context(), client(r), mustPrincipal(r).Session, req.CurrentPassword, req.NewPassword,
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode})
	if err != nil {
		return err
	}
	p.setBrowserCookie(w, r, res.BrowserToken)
	return writeJSON(w, http.StatusOK, changePasswordResponse{SignedOutSessions: res.SignedOut})
}

func (s sessions) signOutEverywhere(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.auth.SignOutEverywhere(r.Context(), client(r), mustPrincipal(r).Session.UserID); err != nil {
		return err
	}
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
