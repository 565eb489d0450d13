package auth

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

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

// Enrollment is a device just created: the only moment its key leaves the
// server.
type Enrollment struct {
	Device store.Device // without secret fields
	Key    otpauth.Key  // for the URI, the grouped key and the QR code
}

// NormalizeName trims and checks a device name: 1 to 64 printable
// characters; empty gives the default.
func NormalizeName(name string, allowEmpty bool) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		if allowEmpty {
			return defaultDevName, nil
		}
		return "", ErrInvalidName
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLen {
		return "", ErrInvalidName
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "", ErrInvalidName
		}
	}
	return name, nil
}

// public drops the sealed secret from a device before it leaves the package.
func public(d store.Device) store.Device {
	d.SecretSealed, d.KeyID = nil, ""
	return d
}

// CreateDevice enrolls a new pending TOTP device with no second factor:
// only for an account without an active device (the first enrollment);
// otherwise ErrMFARequired. See EnrollDevice.
func (s *Service) CreateDevice(ctx context.Context, c Client, userID, name string) (Enrollment, error) {
	return s.EnrollDevice(ctx, c, store.Session{UserID: userID}, name, Factor{})
}

// EnrollDevice enrolls a new pending TOTP device with a fresh 160-bit secret
// (SHA1, 6 digits, 30 s). It expires unless activated within the pending
// TTL. When the account already has an active device, adding another needs
// the same fresh second factor as deleting one: f, verified now, or an MFA
// sign-in within the fresh window; without either it is ErrMFARequired, so a
// session (or application token) that never verified a second factor
// cannot add a device. The active-device check runs in the transaction that
// creates the device.
func (s *Service) EnrollDevice(ctx context.Context, c Client, sess store.Session, name string, f Factor) (Enrollment, error) {
	userID := sess.UserID
	name, err := NormalizeName(name, true)
	if err != nil {
		return Enrollment{}, err
	}
	u, err := s.User(ctx, userID)
	if err != nil {
		return Enrollment{}, err
	}
	existing, err := s.Devices(ctx, userID)
	if err != nil {
		return Enrollment{}, err
	}
	if len(existing) >= s.cfg.MaxDevices {
		return Enrollment{}, ErrTooManyDevices
	}
	id, err := s.newID("dev")
	if err != nil {
		return Enrollment{}, err
	}
	secret := make([]byte, SecretBytes)
	if _, err := io.ReadFull(s.rand, secret); err != nil {
		return Enrollment{}, err
	}
	keyID, sealed, err := s.keys.Seal(secret, DeviceAAD(id, userID))
	if err != nil {
		return Enrollment{}, err
	}
	now := s.now()
	d := store.Device{
		ID: id, UserID: userID, Name: name, State: store.DevicePending, KeyID: keyID, SecretSealed: sealed,
		Algorithm: string(otpauth.DefaultAlgorithm), Digits: otpauth.DefaultDigits, Period: otpauth.DefaultPeriod,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.PendingDeviceTTL),
	}
	create := func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateDevice(ctx, d); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventDeviceEnrolled, id, "")
	}
	switch {
	case f.Given():
		_, err = s.verify(ctx, verifyReq{client: c, userID: userID, factor: f, purpose: PurposeAddDevice,
			apply: func(ctx context.Context, tx store.Tx, _ verified) error { return create(ctx, tx) }})
	case s.FreshMFA(sess):
		err = s.store.Update(ctx, func(tx store.Tx) error { return create(ctx, tx) })
	default:
		err = s.store.Update(ctx, func(tx store.Tx) error {
			all, err := tx.Devices(ctx, userID)
			if err != nil {
				return err
			}
			if slices.ContainsFunc(all, func(d store.Device) bool { return d.State == store.DeviceActive }) {
				return ErrMFARequired
			}
			return create(ctx, tx)
		})
	}
	if err != nil {
		return Enrollment{}, err
	}
	s.log.Info("device enrolled", "user_id", userID, "device_id", id)
	return Enrollment{Device: public(d), Key: otpauth.Key{
		Type: otpauth.TOTP, Issuer: s.cfg.Issuer, Account: u.Email, Secret: secret,
		Algorithm: otpauth.DefaultAlgorithm, Digits: otpauth.DefaultDigits, Period: otpauth.DefaultPeriod,
		Extra: s.pushParams(id),
	}}, nil
}

// Devices lists the user's devices without their secrets; pending devices
// past their expiry are left out (the sweep deletes them).
func (s *Service) Devices(ctx context.Context, userID string) ([]store.Device, error) {
	all, err := s.store.Devices(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]store.Device, 0, len(all))
	for _, d := range all {
		if d.State == store.DevicePending && !now.Before(d.ExpiresAt) {
			continue
		}
		out = append(out, public(d))
	}
	return out, nil
}

// Device returns one of the user's devices without its secret.
func (s *Service) Device(ctx context.Context, userID, id string) (store.Device, error) {
	d, err := s.device(ctx, userID, id)
	return public(d), err
}

func (s *Service) device(ctx context.Context, userID, id string) (store.Device, error) {
	d, err := s.store.Device(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Device{}, ErrNotFound
	}
	if err != nil {
		return store.Device{}, err
	}
	if d.State == store.DevicePending && !s.now().Before(d.ExpiresAt) {
		return store.Device{}, ErrDeviceExpired
	}
	return d, nil
}

// ActivateDevice activates a pending device with a current code from it. The
// matched time step is recorded, so the same code cannot sign in afterwards.
// The first activation of an account also creates its recovery codes,
// returned here once.
func (s *Service) ActivateDevice(ctx context.Context, c Client, userID, id, code string) (store.Device, []string, error) {
	d, err := s.device(ctx, userID, id)
	if err != nil {
		return store.Device{}, nil, err
	}
	if d.State != store.DevicePending {
		return store.Device{}, nil, ErrDeviceActive
	}
	codes, hashes, err := s.newRecoveryCodes()
	if err != nil {
		return store.Device{}, nil, err
	}
	issued := false
	_, err = s.verify(ctx, verifyReq{client: c, userID: userID, factor: Factor{Code: code}, purpose: PurposeActivate, device: &d,
		apply: func(ctx context.Context, tx store.Tx, _ verified) error {
			if err := tx.ActivateDevice(ctx, id, s.now()); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, c, userID, EventDeviceActivated, id, ""); err != nil {
				return err
			}
			existing, err := tx.UnusedRecoveryCodes(ctx, userID)
			if err != nil || len(existing) > 0 {
				return err
			}
			issued = true
			if err := tx.ReplaceRecoveryCodes(ctx, userID, hashes, s.now()); err != nil {
				return err
			}
			return s.audit(ctx, tx, c, userID, EventRecoveryCodesCreated, "", "first activation")
		}})
	if errors.Is(err, store.ErrNotFound) {
		return store.Device{}, nil, ErrNotFound
	}
	if err != nil {
		return store.Device{}, nil, err
	}
	d, err = s.Device(ctx, userID, id)
	if err != nil {
		return store.Device{}, nil, err
	}
	if !issued {
		codes = nil
	}
	return d, codes, nil
}

// RenameDevice changes a device's name.
func (s *Service) RenameDevice(ctx context.Context, c Client, userID, id, name string) (store.Device, error) {
	name, err := NormalizeName(name, false)
	if err != nil {
		return store.Device{}, err
	}
	if _, err := s.device(ctx, userID, id); err != nil {
		return store.Device{}, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.RenameDevice(ctx, userID, id, name); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventDeviceRenamed, id, "")
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Device{}, ErrNotFound
	}
	if err != nil {
		return store.Device{}, err
	}
	return s.Device(ctx, userID, id)
}

// withFreshFactor runs apply in one transaction if the request carries a
// second factor that verifies now, or if the session's MFA is fresh.
func (s *Service) withFreshFactor(ctx context.Context, c Client, sess store.Session, f Factor, purpose Purpose,
	apply func(ctx context.Context, tx store.Tx) error) error {
	if f.Given() {
		_, err := s.verify(ctx, verifyReq{client: c, userID: sess.UserID, factor: f, purpose: purpose,
			apply: func(ctx context.Context, tx store.Tx, _ verified) error { return apply(ctx, tx) }})
		return err
	}
	if !s.FreshMFA(sess) {
		return ErrFreshFactorRequired
	}
	return s.store.Update(ctx, func(tx store.Tx) error { return apply(ctx, tx) })
}

// DeleteDevice deletes a device. A pending one goes at once; an active one
// needs a fresh second factor (f, or an MFA sign-in within the fresh window).
// Deleting the last active device turns MFA off and drops the recovery codes.
func (s *Service) DeleteDevice(ctx context.Context, c Client, sess store.Session, id string, f Factor) error {
	d, err := s.store.Device(ctx, sess.UserID, id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	del := func(ctx context.Context, tx store.Tx) error {
		if err := tx.DeleteDevice(ctx, sess.UserID, id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, c, sess.UserID, EventDeviceDeleted, id, string(d.State)); err != nil {
			return err
		}
		rest, err := tx.Devices(ctx, sess.UserID)
		if err != nil {
			return err
		}
		if d.State == store.DeviceActive && !slices.ContainsFunc(rest, func(d store.Device) bool { return d.State == store.DeviceActive }) {
			if err := tx.DeleteRecoveryCodes(ctx, sess.UserID); err != nil {
				return err
			}
			return s.audit(ctx, tx, c, sess.UserID, EventMFADisabled, "", "last device deleted")
		}
		return nil
	}
	if d.State == store.DevicePending {
		err = s.store.Update(ctx, func(tx store.Tx) error { return del(ctx, tx) })
	} else {
		err = s.withFreshFactor(ctx, c, sess, f, PurposeDelete, del)
	}
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err == nil {
		s.revokedPush([]string{id})
	}
	return err
}

// DeleteInactiveDevices deletes all of the user's pending devices.
func (s *Service) DeleteInactiveDevices(ctx context.Context, c Client, userID string) (int64, error) {
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

// DisableMFA deletes every device and recovery code of the user, with a
// fresh second factor.
func (s *Service) DisableMFA(ctx context.Context, c Client, sess store.Session, f Factor) error {
	enrolled, err := s.MFAEnrolled(ctx, sess.UserID)
	if err != nil {
		return err
	}
	if !enrolled {
		return ErrMFANotEnrolled
	}
	regs, err := s.store.PushRegistrations(ctx, sess.UserID)
	if err != nil {
		return err
	}
	err = s.withFreshFactor(ctx, c, sess, f, PurposeDisableMFA, func(ctx context.Context, tx store.Tx) error {
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
	}
	return err
}
