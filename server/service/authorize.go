package service

import (
	"context"
	"slices"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
)

// authorize is the one rule for every power over an account: a seed (a new
// device, a pending device's new seed), a token, deleting an active
// device, new recovery codes, turning MFA off, a new password (DESIGN
// invariant 8). apply runs, in one transaction, only if:
//
//   - f is given and verifies now (it is consumed, and apply runs in the
//     verification's transaction), or
//   - the session verified a second factor within FreshFactorWindow, or
//   - the account has no active TOTP device (read in apply's transaction,
//     so a device activated meanwhile is seen) and the principal is a
//     session: without MFA there is nothing to confirm with. An
//     application token proves no factor and cannot make one, so it is
//     refused there (ErrTokenNotAllowed): it cannot enroll the first device
//     of an account and receive its recovery codes.
//
// Otherwise the answer is ErrFreshFactorRequired, before anything is read
// or written for the power itself.
func (s *core) authorize(ctx context.Context, c auth.Client, sess auth.Session, f auth.Factor, purpose Purpose,
	apply func(ctx context.Context, tx store.Tx) error) error {
	if f.Given() {
		_, err := s.verify(ctx, verifyReq{client: c, userID: sess.UserID, factor: f, purpose: purpose,
			apply: func(ctx context.Context, tx store.Tx, _ verified) error { return apply(ctx, tx) }})
		return err
	}
	if s.freshMFA(sess) {
		return s.store.Update(ctx, func(tx store.Tx) error { return apply(ctx, tx) })
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		enrolled, err := hasActiveDevice(ctx, tx, sess.UserID)
		switch {
		case err != nil:
			return err
		case enrolled:
			return auth.ErrFreshFactorRequired
		case sess.ViaToken():
			return auth.ErrTokenNotAllowed
		}
		return apply(ctx, tx)
	})
}

func hasActiveDevice(ctx context.Context, r store.Reader, userID string) (bool, error) {
	ds, err := r.Devices(ctx, userID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(ds, func(d store.Device) bool { return d.State == store.DeviceActive }), nil
}
