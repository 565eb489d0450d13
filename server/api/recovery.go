package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/api/wire"
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

func (rc recoveryCodes) status(w http.ResponseWriter, r *http.Request) error {
	n, err := rc.devices.RecoveryCodesRemaining(r.Context(), principalOf(r).UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.RecoveryStatus{Remaining: n})
}

func (rc recoveryCodes) regenerate(w http.ResponseWriter, r *http.Request) error {
	var req wire.Factor
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	codes, err := rc.devices.RegenerateRecoveryCodes(r.Context(), client(r), principalOf(r),
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.RecoveryCodes{RecoveryCodes: codes})
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
	var req wire.Factor
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	if err := m.devices.DisableMFA(r.Context(), client(r), principalOf(r),
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
