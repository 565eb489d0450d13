package auth

import (
	"context"
	"errors"
	"io"

	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

// EventDeviceSeedRegenerated is audited when a pending device gets a new
// seed.
const EventDeviceSeedRegenerated = "device_seed_regenerated"

// RegenerateSeed gives a pending device a fresh secret and a fresh pending
// window, and returns it: the only way to see a seed again, as Oracle's
// `generate-totp-seed` does. An active device is refused (ErrDeviceActive):
// after activation no API returns a seed. The old secret stops working.
func (s *Service) RegenerateSeed(ctx context.Context, c Client, userID, id string) (Enrollment, error) {
	d, err := s.device(ctx, userID, id)
	if err != nil {
		return Enrollment{}, err
	}
	if d.State != store.DevicePending {
		return Enrollment{}, ErrDeviceActive
	}
	u, err := s.User(ctx, userID)
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
	d.ExpiresAt = s.now().Add(s.cfg.PendingDeviceTTL)
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.ReplacePendingSecret(ctx, userID, id, keyID, sealed, d.ExpiresAt); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventDeviceSeedRegenerated, id, "")
	})
	if errors.Is(err, store.ErrNotFound) {
		return Enrollment{}, ErrDeviceActive // activated (or deleted) meanwhile
	}
	if err != nil {
		return Enrollment{}, err
	}
	s.log.Info("device seed regenerated", "user_id", userID, "device_id", id)
	return Enrollment{Device: public(d), Key: otpauth.Key{
		Type: otpauth.TOTP, Issuer: s.cfg.Issuer, Account: u.Email, Secret: secret,
		Algorithm: otpauth.Algorithm(d.Algorithm), Digits: d.Digits, Period: d.Period,
	}}, nil
}
