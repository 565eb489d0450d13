package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

// devices is the user's TOTP devices.
type devices struct{ *api }

func (d devices) Routes() chi.Router {
	r := d.subrouter()
	r.Use(d.requireFullOrToken) // see tokens.go for what a token may do
	r.Get("/", d.handle(d.list))
	r.With(d.limit).Post("/", d.handle(d.create)) // may carry a code
	r.Delete("/inactive", d.handle(d.deleteInactive))
	r.Get("/{id}", d.handle(d.get))
	r.Patch("/{id}", d.handle(d.rename))
	r.With(d.limit).Delete("/{id}", d.handle(d.delete))
	r.With(d.limit).Post("/{id}/activate", d.handle(d.activate))
	r.With(d.limit).Post("/{id}/seed", d.handle(d.regenerateSeed)) // may carry a code
	return r
}

type deviceList struct {
	Devices []deviceView `json:"devices"`
}

func (d devices) list(w http.ResponseWriter, r *http.Request) error {
	ds, err := d.auth.Devices(r.Context(), mustPrincipal(r).Session.UserID)
	if err != nil {
		return err
	}
	out := deviceList{Devices: make([]deviceView, len(ds))}
	for i, dev := range ds {
		out.Devices[i] = viewDevice(dev)
	}
	return writeJSON(w, http.StatusOK, out)
}

// createDeviceRequest names the device; once the account has an active
// device it also carries a fresh second factor (or the session has one).
type createDeviceRequest struct {
	Name         string `json:"name"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

// enrollmentView is the one response that carries a device's key.
type enrollmentView struct {
	OTPAuthURI    string `json:"otpauth_uri"`
	Secret        string `json:"secret"`
	SecretGrouped string `json:"secret_grouped"`
	Issuer        string `json:"issuer"`
	Account       string `json:"account"`
	Algorithm     string `json:"algorithm"`
	Digits        int    `json:"digits"`
	Period        int    `json:"period"`
	QRPNG         string `json:"qr_png"`
}

type createDeviceResponse struct {
	Device     deviceView     `json:"device"`
	Enrollment enrollmentView `json:"enrollment"`
}

func (d devices) create(w http.ResponseWriter, r *http.Request) error {
	var req createDeviceRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	enr, err := d.auth.EnrollDevice(r.Context(), client(r), mustPrincipal(r).Session, req.Name,
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode})
	if err != nil {
		return err
	}
	resp, err := enrollmentResponse(enr)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/totp-devices/"+enr.Device.ID)
	return writeJSON(w, http.StatusCreated, resp)
}

// enrollmentResponse shows a key: at creation, or a pending device's new
// seed.
func enrollmentResponse(enr auth.Enrollment) (createDeviceResponse, error) {
	k := enr.Key
	uri := k.URI()
	qr, err := qrDataURL(uri)
	if err != nil {
		return createDeviceResponse{}, err
	}
	return createDeviceResponse{Device: viewDevice(enr.Device), Enrollment: enrollmentView{
		OTPAuthURI: uri, Secret: otpauth.EncodeSecret(k.Secret), SecretGrouped: otpauth.GroupSecret(k.Secret),
		Issuer: k.Issuer, Account: k.Account, Algorithm: string(k.Algorithm), Digits: k.Digits, Period: k.Period, QRPNG: qr,
	}}, nil
}

// regenerateSeed gives a pending device a new seed (Oracle's
// generate-totp-seed); an active device's seed is never shown again.
// It yields a seed, so it asks what creating a device asks: a second
// factor in the body when the account has MFA and the session's is not
// fresh.
func (d devices) regenerateSeed(w http.ResponseWriter, r *http.Request) error {
	var req factorRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	enr, err := d.auth.RegenerateSeed(r.Context(), client(r), mustPrincipal(r).Session, chi.URLParam(r, "id"),
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode})
	if err != nil {
		return err
	}
	resp, err := enrollmentResponse(enr)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resp)
}

func (d devices) get(w http.ResponseWriter, r *http.Request) error {
	dev, err := d.auth.Device(r.Context(), mustPrincipal(r).Session.UserID, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewDevice(dev))
}

type renameRequest struct {
	Name string `json:"name"`
}

func (d devices) rename(w http.ResponseWriter, r *http.Request) error {
	var req renameRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	dev, err := d.auth.RenameDevice(r.Context(), client(r), mustPrincipal(r).Session.UserID, chi.URLParam(r, "id"), req.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewDevice(dev))
}

type activateRequest struct {
	Code string `json:"code"`
}

type activateResponse struct {
	Device        deviceView `json:"device"`
	RecoveryCodes []string   `json:"recovery_codes,omitempty"`
	// SignedOutSessions counts the other sessions that ended because this
	// activation turned MFA on and they had only the password.
	SignedOutSessions int64 `json:"signed_out_sessions"`
}

func (d devices) activate(w http.ResponseWriter, r *http.Request) error {
	var req activateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	res, err := d.auth.ActivateDevice(r.Context(), client(r), mustPrincipal(r).Session, chi.URLParam(r, "id"), req.Code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, activateResponse{Device: viewDevice(res.Device), RecoveryCodes: res.RecoveryCodes,
		SignedOutSessions: res.SignedOut})
}

func (d devices) delete(w http.ResponseWriter, r *http.Request) error {
	var req factorRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	err := d.auth.DeleteDevice(r.Context(), client(r), mustPrincipal(r).Session, chi.URLParam(r, "id"),
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type deletedResponse struct {
	Deleted int64 `json:"deleted"`
}

func (d devices) deleteInactive(w http.ResponseWriter, r *http.Request) error {
	n, err := d.auth.DeleteInactiveDevices(r.Context(), client(r), mustPrincipal(r).Session.UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, deletedResponse{Deleted: n})
}
