package service

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Device parameters of every enrolled device: what every authenticator app
// supports.
const (
	SecretBytes    = 20 // 160 bits, RFC 4226's recommendation
	MaxNameLen     = 64 // characters
	defaultDevName = "Authenticator"
)

// NormalizeName trims and checks a device name: 1 to 64 printable
// characters; empty gives the default.
func NormalizeName(name string, allowEmpty bool) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		if allowEmpty {
			return defaultDevName, nil
		}
		return "", auth.ErrInvalidName
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLen {
		return "", auth.ErrInvalidName
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "", auth.ErrInvalidName
		}
	}
	return name, nil
}

// Create enrolls a new pending TOTP device for an account without an
// active device, as an internal caller with no session (tests, tools); see
// Enroll.
func (s *Devices) Create(ctx context.Context, c auth.Client, userID, name string) (auth.Enrollment, error) {
	return s.Enroll(ctx, c, auth.Session{UserID: userID}, name, auth.Factor{})
}

// Enroll enrolls a new pending TOTP device with a fresh 160-bit secret
// (SHA1, 6 digits, 30 s), returned this once. It expires unless activated
// within the pending TTL, and belongs to the session (or token) that
// created it: only that one may activate it or see a new seed for it.
// Whether the principal may have a seed at all is authorize's one rule.
func (s *Devices) Enroll(ctx context.Context, c auth.Client, sess auth.Session, name string, f auth.Factor) (auth.Enrollment, error) {
	userID := sess.UserID
	name, err := NormalizeName(name, true)
	if err != nil {
		return auth.Enrollment{}, err
	}
	u, err := s.user(ctx, userID)
	if err != nil {
		return auth.Enrollment{}, err
	}
	id, err := s.newID("dev")
	if err != nil {
		return auth.Enrollment{}, err
	}
	secret, keyID, sealed, err := s.newSecret(id, userID)
	if err != nil {
		return auth.Enrollment{}, err
	}
	defer clear(secret)
	now := s.now()
	d := store.Device{
		ID: id, UserID: userID, Name: name, State: store.DevicePending, KeyID: keyID, SecretSealed: sealed,
		Algorithm: string(otpauth.DefaultAlgorithm), Digits: otpauth.DefaultDigits, Period: otpauth.DefaultPeriod,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.PendingDeviceTTL), CreatedBy: sess.ID,
	}
	err = s.authorize(ctx, c, sess, f, PurposeAddDevice, func(ctx context.Context, tx store.Tx) error {
		all, err := tx.Devices(ctx, userID)
		if err != nil {
			return err
		}
		live := slices.DeleteFunc(all, func(d store.Device) bool { return d.State == store.DevicePending && !now.Before(d.ExpiresAt) })
		if len(live) >= s.cfg.MaxDevices {
			return auth.ErrTooManyDevices
		}
		if err := tx.CreateDevice(ctx, d); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventDeviceEnrolled, id, "")
	})
	if err != nil {
		return auth.Enrollment{}, err
	}
	s.log.Info("device enrolled", "user_id", userID, "device_id", id)
	return s.enrollment(ctx, u, d, secret)
}

// newSecret draws a device secret and seals it for the device's row.
func (s *core) newSecret(deviceID, userID string) (secret []byte, keyID string, sealed []byte, err error) {
	secret = make([]byte, SecretBytes)
	if _, err := io.ReadFull(s.rand, secret); err != nil {
		return nil, "", nil, err
	}
	keyID, sealed, err = s.keys.Seal(secret, DeviceAAD(deviceID, userID))
	if err != nil {
		return nil, "", nil, err
	}
	return secret, keyID, sealed, nil
}

// enrollment is what every path that shows a seed returns: the device and
// its key with the issuer and the push parameters, built in this one place.
func (s *core) enrollment(ctx context.Context, u store.User, d store.Device, secret []byte) (auth.Enrollment, error) {
	issuer, err := s.issuer(ctx, u.OrgID)
	if err != nil {
		return auth.Enrollment{}, err
	}
	return auth.Enrollment{Device: deviceView(d), Key: otpauth.Key{
		Type: otpauth.TOTP, Issuer: issuer, Account: u.Email, Secret: slices.Clone(secret),
		Algorithm: otpauth.Algorithm(d.Algorithm), Digits: d.Digits, Period: d.Period,
		Extra: s.pushParams(d.ID),
	}}, nil
}

// issuer is the otpauth issuer of an organisation's keys, as the cloud
// consoles write it: "Twofold (acme)"; the default organisation's is the
// plain issuer.
func (s *core) issuer(ctx context.Context, orgID string) (string, error) {
	if orgID == "" || orgID == store.DefaultOrgID {
		return s.cfg.Issuer, nil
	}
	org, err := s.store.Organisation(ctx, orgID)
	if err != nil {
		return "", err
	}
	return s.cfg.Issuer + " (" + org.Slug + ")", nil
}

// ownPending checks that d is a live pending device created by sess.
func (s *core) ownPending(d store.Device, sess auth.Session) error {
	switch {
	case d.State != store.DevicePending:
		return auth.ErrDeviceActive
	case !s.now().Before(d.ExpiresAt):
		return auth.ErrDeviceExpired
	case d.CreatedBy != sess.ID:
		return auth.ErrDeviceNotYours
	}
	return nil
}

// List lists the user's devices; pending devices past their expiry are
// left out (the sweep deletes them).
func (s *Devices) List(ctx context.Context, userID string) ([]auth.Device, error) {
	all, err := s.store.Devices(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]auth.Device, 0, len(all))
	for _, d := range all {
		if d.State == store.DevicePending && !now.Before(d.ExpiresAt) {
			continue
		}
		out = append(out, deviceView(d))
	}
	return out, nil
}

// Get returns one of the user's devices.
func (s *Devices) Get(ctx context.Context, userID, id string) (auth.Device, error) {
	d, err := s.device(ctx, userID, id)
	if err != nil {
		return auth.Device{}, err
	}
	return deviceView(d), nil
}

func (s *core) device(ctx context.Context, userID, id string) (store.Device, error) {
	d, err := s.store.Device(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Device{}, auth.ErrDeviceNotFound
	}
	if err != nil {
		return store.Device{}, err
	}
	if d.State == store.DevicePending && !s.now().Before(d.ExpiresAt) {
		return store.Device{}, auth.ErrDeviceExpired
	}
	return d, nil
}

// Activate activates a pending device, created by this session or
// token, with a current code from it. The matched time step is recorded, so
// the same code cannot sign in afterwards. When this turns MFA on (the
// account had no active device), in the same transaction: the account gets
// its recovery codes (returned once), the user's other sessions that never
// verified a second factor end (a password alone no longer signs in, so a
// session that had only the password must not outlive that). This session
// stays as it is: activating a device is not a sign-in, and the step-up
// areas still ask it for a code.
func (s *Devices) Activate(ctx context.Context, c auth.Client, sess auth.Session, id, code string) (auth.ActivateResult, error) {
	userID := sess.UserID
	d, err := s.device(ctx, userID, id)
	if err != nil {
		return auth.ActivateResult{}, err
	}
	if err := s.ownPending(d, sess); err != nil {
		return auth.ActivateResult{}, err
	}
	codes, hashes, err := s.newRecoveryCodes()
	if err != nil {
		return auth.ActivateResult{}, err
	}
	var res auth.ActivateResult
	issued := false
	_, err = s.verify(ctx, verifyReq{client: c, userID: userID, factor: auth.Factor{Code: code}, purpose: PurposeActivate, device: &d,
		apply: func(ctx context.Context, tx store.Tx, v verified) error {
			now := s.now()
			if err := tx.ActivateDevice(ctx, id, now); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, c, userID, EventDeviceActivated, id, ""); err != nil {
				return err
			}
			if !v.mfaEnrolled {
				if err := s.mfaTurnedOn(ctx, tx, c, sess, &res); err != nil {
					return err
				}
				if err := tx.SetMustEnroll(ctx, userID, false); err != nil {
					return err
				}
			}
			if sess.Stage == auth.StageEnroll {
				// A forced enrollment: this activation is the second
				// factor that completes the sign-in.
				amr := append(slices.Clip(sess.AMR), auth.MethodOTP)
				if err := tx.UpgradeSession(ctx, sess.ID, store.StageFull, amr, now, sess.ExpiresAt); err != nil {
					return err
				}
				if err := tx.SetLastSignIn(ctx, userID, now); err != nil {
					return err
				}
				res.SessionCompleted = true
			}
			existing, err := tx.UnusedRecoveryCodes(ctx, userID)
			if err != nil || len(existing) > 0 {
				return err
			}
			issued = true
			if err := tx.ReplaceRecoveryCodes(ctx, userID, hashes, now); err != nil {
				return err
			}
			return s.audit(ctx, tx, c, userID, EventRecoveryCodesCreated, "", "first activation")
		}})
	if errors.Is(err, store.ErrNotFound) {
		return auth.ActivateResult{}, auth.ErrDeviceNotFound
	}
	if err != nil {
		return auth.ActivateResult{}, err
	}
	if res.Device, err = s.Get(ctx, userID, id); err != nil {
		return auth.ActivateResult{}, err
	}
	if issued {
		res.RecoveryCodes = codes
	}
	if res.SignedOut > 0 {
		s.log.Info("MFA turned on: unverified sessions ended", "user_id", userID, "sessions", res.SignedOut)
	}
	s.notifyUser(ctx, userID, "A device was added to your account",
		"The authenticator \""+res.Device.Name+"\" was added to your account's two-factor sign-in.")
	return res, nil
}

// mfaTurnedOn ends the user's sessions, other than sess, that never
// verified a second factor.
func (s *core) mfaTurnedOn(ctx context.Context, tx store.Tx, c auth.Client, sess auth.Session, res *auth.ActivateResult) error {
	n, err := tx.DeleteOtherSessions(ctx, sess.UserID, sess.ID, true)
	if err != nil {
		return err
	}
	res.SignedOut = n
	if n == 0 {
		return nil
	}
	return s.audit(ctx, tx, c, sess.UserID, EventUnverifiedSessionsEnded, "", strconv.FormatInt(n, 10))
}

// Rename changes a device's name.
func (s *Devices) Rename(ctx context.Context, c auth.Client, userID, id, name string) (auth.Device, error) {
	name, err := NormalizeName(name, false)
	if err != nil {
		return auth.Device{}, err
	}
	if _, err := s.device(ctx, userID, id); err != nil {
		return auth.Device{}, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.RenameDevice(ctx, userID, id, name); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventDeviceRenamed, id, "")
	})
	if errors.Is(err, store.ErrNotFound) {
		return auth.Device{}, auth.ErrDeviceNotFound
	}
	if err != nil {
		return auth.Device{}, err
	}
	return s.Get(ctx, userID, id)
}

// Delete deletes a device. A pending one goes at once, whoever
// created it; an active one only under authorize's rule. Each decision is
// made on the state in the transaction that deletes (a conditional delete),
// so a device activated meanwhile is never deleted under the pending rule.
// Deleting the last active device turns MFA off and drops the recovery
// codes.
func (s *Devices) Delete(ctx context.Context, c auth.Client, sess auth.Session, id string, f auth.Factor) error {
	userID := sess.UserID
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteDevice(ctx, userID, id, store.DevicePending); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventDeviceDeleted, id, string(store.DevicePending))
	})
	if !errors.Is(err, store.ErrNotFound) {
		return err // deleted as pending, or failed
	}
	if _, err := s.store.Device(ctx, userID, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return auth.ErrDeviceNotFound
		}
		return err
	}
	err = s.authorize(ctx, c, sess, f, PurposeDelete, func(ctx context.Context, tx store.Tx) error {
		if err := tx.DeleteDevice(ctx, userID, id, store.DeviceActive); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, c, userID, EventDeviceDeleted, id, string(store.DeviceActive)); err != nil {
			return err
		}
		enrolled, err := hasActiveDevice(ctx, tx, userID)
		if err != nil || enrolled {
			return err
		}
		if err := s.refuseIfRequired(ctx, tx, userID); err != nil {
			return err
		}
		if err := tx.DeleteRecoveryCodes(ctx, userID); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventMFADisabled, "", "last device deleted")
	})
	if errors.Is(err, store.ErrNotFound) {
		return auth.ErrDeviceNotFound
	}
	if err == nil {
		s.revokedPush([]string{id})
	}
	return err
}

// DeleteInactive deletes all of the user's pending devices.
func (s *Devices) DeleteInactive(ctx context.Context, c auth.Client, userID string) (int64, error) {
	var n int64
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if n, err = tx.DeletePendingDevices(ctx, userID); err != nil || n == 0 {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventInactiveDevicesDeleted, "", "")
	})
	return n, err
}

// DisableMFA deletes every device and recovery code of the user, under
// authorize's rule.
func (s *Devices) DisableMFA(ctx context.Context, c auth.Client, sess auth.Session, f auth.Factor) error {
	// Checked first for a clear answer (a factor given to an account
	// without MFA could not verify), and again in the transaction.
	if enrolled, err := s.mfaEnrolled(ctx, sess.UserID); err != nil || !enrolled {
		if err != nil {
			return err
		}
		return auth.ErrMFANotEnrolled
	}
	regs, err := s.store.PushRegistrations(ctx, sess.UserID)
	if err != nil {
		return err
	}
	err = s.authorize(ctx, c, sess, f, PurposeDisableMFA, func(ctx context.Context, tx store.Tx) error {
		enrolled, err := hasActiveDevice(ctx, tx, sess.UserID)
		if err != nil {
			return err
		}
		if !enrolled {
			return auth.ErrMFANotEnrolled
		}
		if err := s.refuseIfRequired(ctx, tx, sess.UserID); err != nil {
			return err
		}
		if _, err := tx.DeleteAllDevices(ctx, sess.UserID); err != nil {
			return err
		}
		if err := tx.DeleteRecoveryCodes(ctx, sess.UserID); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, sess.UserID, EventMFADisabled, "", "")
	})
	if err == nil {
		s.revokedPush(deviceIDs(regs))
		s.notifyUser(ctx, sess.UserID, "Two-factor sign-in was turned off",
			"Two-factor sign-in was turned off for your account: every authenticator and recovery code was removed.")
	}
	return err
}

// refuseIfRequired refuses, in tx, to leave a user without MFA whom their
// organisation requires to use it.
func (s *core) refuseIfRequired(ctx context.Context, tx store.Tx, userID string) error {
	u, err := tx.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	req, err := s.required(ctx, tx, u)
	if err != nil {
		return err
	}
	if req {
		return auth.ErrRequiredByOrg
	}
	return nil
}
