package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

// verifyReq is one check of a TOTP code or a recovery code.
type verifyReq struct {
	client  auth.Client
	userID  string
	factor  auth.Factor
	purpose Purpose
	// device, when set, is the only candidate (activation of a pending
	// device); recovery codes are then refused.
	device *store.Device
	// apply runs in the same transaction after a success; its error rolls
	// everything back.
	apply func(ctx context.Context, tx store.Tx, v verified) error
}

// verified is what a success hands to apply: the method and device used,
// and the account as the verification read it in the same transaction (so
// apply need not read it again).
type verified struct {
	method      string
	deviceID    string
	user        store.User // without PasswordHash
	mfaEnrolled bool       // the account has an active TOTP device
}

// verify checks a TOTP code or a recovery code through the one attempt
// path: normalised first, compared in constant time with every candidate
// device's window (no early exit), the step or recovery code consumed by a
// conditional write. Success returns the method; every failure of the
// factor itself is auth.ErrVerificationFailed.
func (s *core) verify(ctx context.Context, r verifyReq) (method string, err error) {
	hasCode, hasRecovery := strings.TrimSpace(r.factor.Code) != "", strings.TrimSpace(r.factor.RecoveryCode) != ""
	method = auth.MethodOTP
	if hasRecovery {
		method = auth.MethodRecovery
	}
	var recoveryHash []byte
	var user store.User
	var active, candidates []store.Device
	now := s.now()
	err = s.run(ctx, attempt{client: r.client, userID: r.userID, purpose: r.purpose,
		precheck: func() error {
			if hasCode == hasRecovery || (hasRecovery && r.device != nil) {
				return auth.ErrFactorMissing
			}
			if hasRecovery {
				var err error
				if recoveryHash, err = credential.HashRecoveryCode(r.factor.RecoveryCode); err != nil {
					return auth.ErrRecoveryCodeFormat
				}
			} else if !wellFormedCode(r.factor.Code, otpauth.MinDigits, otpauth.MaxDigits) {
				return auth.ErrCodeFormat
			}
			return nil
		},
		load: func(ctx context.Context, tx store.Tx) (store.Throttle, error) {
			u, th, act, err := tx.VerifierState(ctx, r.userID)
			if errors.Is(err, store.ErrNotFound) {
				return th, auth.ErrUnauthenticated // the account is gone
			}
			if err != nil {
				return th, err
			}
			user, active, candidates = u, act, act
			if r.device != nil {
				candidates = []store.Device{*r.device}
			}
			if hasCode {
				if len(candidates) == 0 {
					return th, auth.ErrMFANotEnrolled
				}
				if !slices.ContainsFunc(candidates, func(d store.Device) bool { return wellFormedCode(r.factor.Code, d.Digits, d.Digits) }) {
					return th, auth.ErrCodeFormat
				}
			}
			return th, nil
		},
		compare: func(ctx context.Context, tx store.Tx) (Outcome, string, error) {
			if hasRecovery {
				return s.compareRecoveryCode(ctx, tx, r.userID, recoveryHash, now)
			}
			return s.compareCode(ctx, tx, candidates, r.factor.Code, now)
		},
		weight: func() int {
			if hasRecovery {
				return 1
			}
			return len(candidates) // a guess against k devices is k guesses
		},
		succeeded: func(ctx context.Context, tx store.Tx, deviceID string) error {
			if hasRecovery {
				if err := s.audit(ctx, tx, r.client, r.userID, EventRecoveryCodeUsed, "", string(r.purpose)); err != nil {
					return err
				}
			}
			if r.apply == nil {
				return nil
			}
			return r.apply(ctx, tx, verified{method: method, deviceID: deviceID, user: user, mfaEnrolled: len(active) > 0})
		},
	})
	if err != nil {
		return "", err
	}
	if method == auth.MethodRecovery {
		s.notifyUser(ctx, r.userID, "A recovery code was used on your account",
			"One of your recovery codes was just used ("+string(r.purpose)+"). Each code works once; you can make a new set on your Security page.")
	}
	return method, nil
}

// compareCode compares code with every candidate's window (no early exit)
// and consumes the matched step.
func (s *core) compareCode(ctx context.Context, tx store.Tx, candidates []store.Device, code string, now time.Time) (Outcome, string, error) {
	var matched *store.Device
	var step uint64
	for i := range candidates {
		d := &candidates[i]
		secret, err := s.keys.Open(d.KeyID, d.SecretSealed, DeviceAAD(d.ID, d.UserID))
		if err != nil {
			return OutcomeError, "", err
		}
		st, ok, err := otpcode.VerifyTOTP(secret, otpcode.Params{Algorithm: otpauth.Algorithm(d.Algorithm), Digits: d.Digits, Period: d.Period},
			code, now, s.cfg.Skew)
		clear(secret)
		if err != nil && !errors.Is(err, otpcode.ErrCodeFormat) {
			return OutcomeError, "", err
		}
		if ok {
			matched, step = d, st
		}
	}
	if matched == nil {
		return OutcomeWrong, "", nil
	}
	consumed, err := tx.ConsumeStep(ctx, matched.ID, matched.State, step, now)
	switch {
	case err != nil:
		return OutcomeError, matched.ID, err
	case !consumed:
		return OutcomeReplay, matched.ID, nil
	}
	return OutcomeSuccess, matched.ID, nil
}

// compareRecoveryCode compares the hash with every unused recovery code of
// the user (constant time, no early exit) and uses the match.
func (s *core) compareRecoveryCode(ctx context.Context, tx store.Tx, userID string, hash []byte, now time.Time) (Outcome, string, error) {
	codes, err := tx.UnusedRecoveryCodes(ctx, userID)
	if err != nil {
		return OutcomeError, "", err
	}
	hashes := make([][]byte, len(codes))
	for i, c := range codes {
		hashes[i] = c.Hash
	}
	if credential.MatchHash(hash, hashes) < 0 {
		return OutcomeWrong, "", nil
	}
	used, err := tx.UseRecoveryCode(ctx, userID, hash, now)
	switch {
	case err != nil:
		return OutcomeError, "", err
	case !used:
		return OutcomeReplay, "", nil
	}
	return OutcomeSuccess, "", nil
}

// wellFormedCode reports whether code normalises to some length in
// [minDigits, maxDigits].
func wellFormedCode(code string, minDigits, maxDigits int) bool {
	for n := minDigits; n <= maxDigits; n++ {
		if _, err := otpcode.NormalizeCode(code, n); err == nil {
			return true
		}
	}
	return false
}
