package api

import (
	"context"
	"net/http"

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

// sessions is every session of the user.
type sessions struct{ *api }

func (s sessions) Routes() chi.Router {
	r := s.subrouter()
	r.With(s.requireFull).Delete("/", s.handle(s.signOutEverywhere))
	return r
}

func (s sessions) signOutEverywhere(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.auth.SignOutEverywhere(r.Context(), client(r), mustPrincipal(r).Session.UserID); err != nil {
		return err
	}
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
