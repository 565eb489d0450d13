package service

import (
	"context"
	"errors"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
)

// EventDeviceSeedRegenerated is audited when a pending device gets a new
// seed.
const EventDeviceSeedRegenerated = "device_seed_regenerated"

// RegenerateSeed gives a pending device a fresh secret and a fresh pending
// window, and returns it, as Oracle's `generate-totp-seed` does. It yields a
// seed, so it goes through authorize's rule exactly like EnrollDevice, and
// only the session or token that created the device may call it. An active
// device is refused (ErrDeviceActive): after activation no API returns a
// seed. The old secret stops working.
func (s *Devices) RegenerateSeed(ctx context.Context, c auth.Client, sess auth.Session, id string, f auth.Factor) (auth.Enrollment, error) {
	userID := sess.UserID
	d, err := s.device(ctx, userID, id)
	if err != nil {
		return auth.Enrollment{}, err
	}
	if err := s.ownPending(d, sess); err != nil {
		return auth.Enrollment{}, err
	}
	u, err := s.user(ctx, userID)
	if err != nil {
		return auth.Enrollment{}, err
	}
	secret, keyID, sealed, err := s.newSecret(id, userID)
	if err != nil {
		return auth.Enrollment{}, err
	}
	defer clear(secret)
	d.KeyID, d.SecretSealed, d.ExpiresAt = keyID, sealed, s.now().Add(s.cfg.PendingDeviceTTL)
	err = s.authorize(ctx, c, sess, f, PurposeRegenerateSeed, func(ctx context.Context, tx store.Tx) error {
		if err := tx.ReplacePendingSecret(ctx, userID, id, sess.ID, keyID, sealed, d.ExpiresAt); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventDeviceSeedRegenerated, id, "")
	})
	if errors.Is(err, store.ErrNotFound) {
		return auth.Enrollment{}, auth.ErrDeviceActive // activated (or deleted) meanwhile
	}
	if err != nil {
		return auth.Enrollment{}, err
	}
	s.log.Info("device seed regenerated", "user_id", userID, "device_id", id)
	return s.enrollment(ctx, u, d, secret)
}
