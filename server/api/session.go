package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
)

// users is sign-up.
type users struct{ *api }

func (u users) Routes() chi.Router {
	r := u.subrouter()
	r.With(u.limit).Post("/", u.handle(u.signUp))
	return r
}

func (u users) signUp(w http.ResponseWriter, r *http.Request) error {
	var req wire.Credentials
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ns, err := u.accounts.SignUp(r.Context(), client(r), req.Email, req.Password, req.Invitation)
	if err != nil {
		return err
	}
	u.setSessionCookie(w, r, ns)
	return writeJSON(w, http.StatusCreated, wire.SessionResponse{User: viewUser(ns.User), Session: viewSession(ns.Session)})
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

// sessionResponse shows a session with its user, read now.
func (a *api) sessionResponse(ctx context.Context, sess auth.Session) (wire.SessionResponse, error) {
	u, err := a.accounts.Account(ctx, sess.UserID)
	if err != nil {
		return wire.SessionResponse{}, err
	}
	return wire.SessionResponse{User: viewUser(u), Session: viewSession(sess)}, nil
}

func (s session) signIn(w http.ResponseWriter, r *http.Request) error {
	var req wire.Credentials
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ns, err := s.accounts.SignIn(r.Context(), client(r), req.Email, req.Password)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, ns)
	return writeJSON(w, http.StatusOK, wire.SessionResponse{User: viewUser(ns.User), Session: viewSession(ns.Session)})
}

func (s session) get(w http.ResponseWriter, r *http.Request) error {
	resp, err := s.sessionResponse(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resp)
}

// status says whether the request carries a live session, always with
// 200: the site's sign-in pages ask it on every load, and a browser logs
// every 401 as a console error. Without a session it says whether sign-up
// is open (the sign-up page).
func (s session) status(w http.ResponseWriter, r *http.Request) error {
	p, ok := principalFrom(r.Context())
	if !ok {
		open, err := s.accounts.SignupOpen(r.Context())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, wire.SessionStatus{SignupOpen: &open})
	}
	if p.ViaToken() {
		return errTokenNotAllowed
	}
	days, err := s.accounts.TrustDays(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.SessionStatus{SignedIn: true, Stage: string(p.Stage), TrustDays: days})
}

func (s session) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.accounts.SignOut(r.Context(), client(r), principalOf(r)); err != nil {
		return err
	}
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// secondFactor completes a partial session (a new cookie replaces it) or
// steps a full one up.
func (s session) secondFactor(w http.ResponseWriter, r *http.Request) error {
	var req wire.SecondFactorRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ns, err := s.accounts.SecondFactor(r.Context(), client(r), principalOf(r),
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode}, req.TrustBrowser)
	if err != nil {
		return err
	}
	resp := wire.SessionResponse{User: viewUser(ns.User), Session: viewSession(ns.Session)}
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

func (s sessions) list(w http.ResponseWriter, r *http.Request) error {
	me := principalOf(r)
	all, err := s.accounts.Sessions(r.Context(), me.UserID)
	if err != nil {
		return err
	}
	out := wire.SessionList{Sessions: make([]wire.SessionListItem, len(all))}
	for i, x := range all {
		amr := x.AMR
		if amr == nil {
			amr = []string{}
		}
		out.Sessions[i] = wire.SessionListItem{ID: x.ID, Current: x.ID == me.ID, Stage: string(x.Stage), AMR: amr,
			CreatedAt: x.CreatedAt.UTC(), ExpiresAt: x.ExpiresAt.UTC(), VerifiedAt: optTime(x.MFAVerifiedAt),
			ClientAddr: x.ClientAddr, Browser: auth.BrowserSummary(x.UserAgent)}
	}
	return writeJSON(w, http.StatusOK, out)
}

// end signs one session out (this one too, then the cookie goes).
func (s sessions) end(w http.ResponseWriter, r *http.Request) error {
	me := principalOf(r)
	id := chi.URLParam(r, "id")
	if err := s.accounts.EndSession(r.Context(), client(r), me.UserID, id); err != nil {
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

func (p passwords) change(w http.ResponseWriter, r *http.Request) error {
	var req wire.ChangePasswordRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	res, err := p.accounts.ChangePassword(r.Context(), client(r), principalOf(r), req.CurrentPassword, req.NewPassword,
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode})
	if err != nil {
		return err
	}
	p.setBrowserCookie(w, r, res.BrowserToken)
	return writeJSON(w, http.StatusOK, wire.ChangePasswordResponse{SignedOutSessions: res.SignedOut})
}

func (s sessions) signOutEverywhere(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.accounts.SignOutEverywhere(r.Context(), client(r), principalOf(r).UserID); err != nil {
		return err
	}
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// trustedBrowsers is the user's trusted browsers: listed, and revoked.
type trustedBrowsers struct{ *api }

func (t trustedBrowsers) Routes() chi.Router {
	r := t.subrouter()
	r.Use(t.requireFull)
	r.Get("/", t.handle(t.list))
	r.Delete("/{id}", t.handle(t.revoke))
	return r
}

func (t trustedBrowsers) list(w http.ResponseWriter, r *http.Request) error {
	bs, err := t.accounts.TrustedBrowsers(r.Context(), client(r), principalOf(r).UserID)
	if err != nil {
		return err
	}
	out := wire.TrustedBrowserList{Browsers: make([]wire.TrustedBrowser, len(bs))}
	for i, b := range bs {
		out.Browsers[i] = wire.TrustedBrowser{ID: b.ID, Current: b.Current, Browser: b.Browser, ClientAddr: b.ClientAddr,
			CreatedAt: b.CreatedAt.UTC(), ExpiresAt: b.ExpiresAt.UTC(), LastUsedAt: b.LastUsedAt.UTC()}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (t trustedBrowsers) revoke(w http.ResponseWriter, r *http.Request) error {
	if err := t.accounts.RevokeTrustedBrowser(r.Context(), client(r), principalOf(r).UserID, chi.URLParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
