package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/auth"
)

// recoveryCodes is the user's recovery codes: how many are left, and a new
// set.
type recoveryCodes struct{ *api }

func (rc recoveryCodes) Routes() chi.Router {
	r := rc.subrouter()
	r.Use(rc.requireFullOrToken) // a token still needs a code to regenerate
	r.Get("/", rc.handle(rc.status))
	r.With(rc.limit).Post("/", rc.handle(rc.regenerate))
	return r
}

type recoveryStatus struct {
	Remaining int `json:"remaining"`
}

func (rc recoveryCodes) status(w http.ResponseWriter, r *http.Request) error {
	n, err := rc.auth.RecoveryCodesRemaining(r.Context(), mustPrincipal(r).Session.UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, recoveryStatus{Remaining: n})
}

type recoveryCodesResponse struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

func (rc recoveryCodes) regenerate(w http.ResponseWriter, r *http.Request) error {
	var req factorRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	codes, err := rc.auth.RegenerateRecoveryCodes(r.Context(), client(r), mustPrincipal(r).Session,
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, recoveryCodesResponse{RecoveryCodes: codes})
}

// mfa is the account's multi-factor authentication as a whole.
type mfa struct{ *api }

func (m mfa) Routes() chi.Router {
	r := m.subrouter()
	r.Use(m.requireFullOrToken) // a token still needs a code to disable
	r.With(m.limit).Delete("/", m.handle(m.disable))
	return r
}

func (m mfa) disable(w http.ResponseWriter, r *http.Request) error {
	var req factorRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	if err := m.auth.DisableMFA(r.Context(), client(r), mustPrincipal(r).Session,
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
