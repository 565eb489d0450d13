package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

// devices is the user's TOTP devices.
type devices struct{ *api }

func (d devices) Routes() chi.Router {
	r := d.subrouter()
	// What a token may do: tokens.go. A session in the enroll stage (its
	// organisation requires MFA) may only list, create and activate
	// devices, and get a new seed for its own pending one.
	enroll := r.With(d.requireFullOrEnroll)
	full := r.With(d.requireFullOrToken)
	enroll.Get("/", d.handle(d.list))
	enroll.With(d.limit).Post("/", d.handle(d.create)) // may carry a code
	full.Delete("/inactive", d.handle(d.deleteInactive))
	enroll.Get("/{id}", d.handle(d.get))
	full.Patch("/{id}", d.handle(d.rename))
	full.With(d.limit).Delete("/{id}", d.handle(d.delete))
	enroll.With(d.limit).Post("/{id}/activate", d.handle(d.activate))
	enroll.With(d.limit).Post("/{id}/seed", d.handle(d.regenerateSeed)) // may carry a code
	return r
}

func (d devices) list(w http.ResponseWriter, r *http.Request) error {
	ds, err := d.devices.List(r.Context(), principalOf(r).UserID)
	if err != nil {
		return err
	}
	out := wire.DeviceList{Devices: make([]wire.Device, len(ds))}
	for i, dev := range ds {
		out.Devices[i] = viewDevice(dev)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (d devices) create(w http.ResponseWriter, r *http.Request) error {
	var req wire.CreateDeviceRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	enr, err := d.devices.Enroll(r.Context(), client(r), principalOf(r), req.Name,
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
func enrollmentResponse(enr auth.Enrollment) (wire.Enrollment, error) {
	k := enr.Key
	uri := k.URI()
	qr, err := qrDataURL(uri)
	if err != nil {
		return wire.Enrollment{}, err
	}
	return wire.Enrollment{Device: viewDevice(enr.Device), Enrollment: wire.Key{
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
	var req wire.Factor
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	enr, err := d.devices.RegenerateSeed(r.Context(), client(r), principalOf(r), chi.URLParam(r, "id"),
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
	dev, err := d.devices.Get(r.Context(), principalOf(r).UserID, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewDevice(dev))
}

func (d devices) rename(w http.ResponseWriter, r *http.Request) error {
	var req wire.RenameRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	dev, err := d.devices.Rename(r.Context(), client(r), principalOf(r).UserID, chi.URLParam(r, "id"), req.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewDevice(dev))
}

func (d devices) activate(w http.ResponseWriter, r *http.Request) error {
	var req wire.ActivateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	res, err := d.devices.Activate(r.Context(), client(r), principalOf(r), chi.URLParam(r, "id"), req.Code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.ActivateResponse{Device: viewDevice(res.Device), RecoveryCodes: res.RecoveryCodes,
		SignedOutSessions: res.SignedOut, SignInCompleted: res.SessionCompleted})
}

func (d devices) delete(w http.ResponseWriter, r *http.Request) error {
	var req wire.Factor
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	err := d.devices.Delete(r.Context(), client(r), principalOf(r), chi.URLParam(r, "id"),
		auth.Factor{Code: req.Code, RecoveryCode: req.RecoveryCode})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (d devices) deleteInactive(w http.ResponseWriter, r *http.Request) error {
	n, err := d.devices.DeleteInactive(r.Context(), client(r), principalOf(r).UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.Deleted{Deleted: n})
}
