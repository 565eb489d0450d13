package service

import (
	"context"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/store"
)

func (s *core) newRecoveryCodes() (codes []string, hashes [][]byte, err error) {
	codes, err = credential.NewRecoveryCodes(s.rand, credential.RecoveryCodeCount)
	if err != nil {
		return nil, nil, err
	}
	hashes = make([][]byte, len(codes))
	for i, c := range codes {
		if hashes[i], err = credential.HashRecoveryCode(c); err != nil {
			return nil, nil, err
		}
	}
	return codes, hashes, nil
}

// RegenerateRecoveryCodes replaces the user's recovery codes with a fresh
// set, returned once; the old set stops working. It needs MFA enrolled and
// passes authorize's rule.
func (s *Devices) RegenerateRecoveryCodes(ctx context.Context, c auth.Client, sess auth.Session, f auth.Factor) ([]string, error) {
	// Checked first for a clear answer (a factor given to an account
	// without MFA could not verify), and again in the transaction.
	if enrolled, err := s.mfaEnrolled(ctx, sess.UserID); err != nil || !enrolled {
		if err != nil {
			return nil, err
		}
		return nil, auth.ErrMFANotEnrolled
	}
	codes, hashes, err := s.newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = s.authorize(ctx, c, sess, f, PurposeRegenerate, func(ctx context.Context, tx store.Tx) error {
		enrolled, err := hasActiveDevice(ctx, tx, sess.UserID)
		if err != nil {
			return err
		}
		if !enrolled {
			return auth.ErrMFANotEnrolled
		}
		if err := tx.ReplaceRecoveryCodes(ctx, sess.UserID, hashes, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, sess.UserID, EventRecoveryCodesCreated, "", "regenerated")
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RecoveryCodesRemaining counts the user's unused recovery codes.
func (s *Devices) RecoveryCodesRemaining(ctx context.Context, userID string) (int, error) {
	codes, err := s.store.UnusedRecoveryCodes(ctx, userID)
	return len(codes), err
}
