package auth

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

// Factor is a second factor as a person submits it: exactly one of a TOTP
// code and a recovery code.
type Factor struct {
	Code         string
	RecoveryCode string
}

// Given reports whether anything was submitted.
func (f Factor) Given() bool {
	return strings.TrimSpace(f.Code) != "" || strings.TrimSpace(f.RecoveryCode) != ""
}

// Purpose says what a verification is for (metrics, logs, audit).
type Purpose string

// Purposes.
const (
	PurposeSignIn     Purpose = "sign_in"
	PurposeStepUp     Purpose = "step_up"
	PurposeActivate   Purpose = "activate"
	PurposeAddDevice  Purpose = "add_device"
	PurposeDelete     Purpose = "delete_device"
	PurposeDisableMFA Purpose = "disable_mfa"
	PurposeRegenerate Purpose = "regenerate_recovery_codes"
)

// Outcome is how a verification ended; only the log and metrics see it.
type Outcome string

// Outcomes.
const (
	OutcomeSuccess   Outcome = "success"
	OutcomeWrong     Outcome = "wrong"
	OutcomeReplay    Outcome = "replay"
	OutcomeLocked    Outcome = "locked"
	OutcomeMalformed Outcome = "malformed"
	OutcomeError     Outcome = "error"
)

// Authentication methods recorded in a session's amr (RFC 8176 names where
// one exists). Push will add "push".
const (
	MethodPassword = "pwd"
	MethodOTP      = "otp"
	MethodRecovery = "recovery"
)

// verifyReq is one verification.
type verifyReq struct {
	client  Client
	userID  string
	factor  Factor
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

// verify checks a second factor. Success returns the method; every failure
// of the factor itself (wrong, replayed, locked) is ErrVerificationFailed.
func (s *Service) verify(ctx context.Context, r verifyReq) (method string, err error) {
	start := time.Now()
	outcome := OutcomeError
	var deviceID string
	defer func() {
		if s.obs != nil {
			s.obs.Verification(r.purpose, outcome, time.Since(start))
		}
		level := slog.LevelInfo
		if outcome != OutcomeSuccess {
			level = slog.LevelWarn
		}
		s.log.LogAttrs(ctx, level, "verification", slog.String("purpose", string(r.purpose)),
			slog.String("outcome", string(outcome)), slog.String("user_id", r.userID), slog.String("device_id", deviceID))
	}()
	now := s.now()
	hasCode, hasRecovery := strings.TrimSpace(r.factor.Code) != "", strings.TrimSpace(r.factor.RecoveryCode) != ""
	if hasCode == hasRecovery || (hasRecovery && r.device != nil) {
		outcome = OutcomeMalformed
		return "", ErrFactorMissing
	}

	// Format first, before anything is read or counted: a malformed code
	// cannot be right, so it is not a guess.
	var recoveryHash []byte
	if hasRecovery {
		method = MethodRecovery
		if recoveryHash, err = credential.HashRecoveryCode(r.factor.RecoveryCode); err != nil {
			outcome = OutcomeMalformed
			return "", ErrRecoveryCodeFormat
		}
	} else {
		method = MethodOTP
		if !wellFormedCode(r.factor.Code, otpauth.MinDigits, otpauth.MaxDigits) {
			outcome = OutcomeMalformed
			return "", ErrCodeFormat
		}
	}

	// Everything else happens in one store transaction: read the throttle
	// and the candidates, compare, consume the step (the conditional update
	// is the replay protection), book the outcome, apply, audit. Inside the
	// writer the reads hit a warm page cache, and concurrent verifications
	// share one commit.
	policy := s.cfg.Throttle
	err = s.store.Update(ctx, func(tx store.Tx) error {
		outcome = OutcomeError
		user, th, active, err := tx.VerifierState(ctx, r.userID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrUnauthenticated // the account is gone
		}
		if err != nil {
			return err
		}
		candidates := active
		if r.device != nil {
			candidates = []store.Device{*r.device}
		}
		if hasCode {
			if len(candidates) == 0 {
				outcome = OutcomeMalformed
				return ErrMFANotEnrolled
			}
			if !slices.ContainsFunc(candidates, func(d store.Device) bool { return wellFormedCode(r.factor.Code, d.Digits, d.Digits) }) {
				outcome = OutcomeMalformed
				return ErrCodeFormat
			}
		}
		if policy.Locked(th, now) {
			outcome = OutcomeLocked // refused before any comparison
			return nil
		}

		// Compare with every candidate (no early exit).
		var matched *store.Device
		var step uint64
		for i := range candidates {
			d := &candidates[i]
			secret, err := s.keys.Open(d.KeyID, d.SecretSealed, DeviceAAD(d.ID, d.UserID))
			if err != nil {
				return err
			}
			st, ok, err := otpcode.VerifyTOTP(secret, otpcode.Params{Algorithm: otpauth.Algorithm(d.Algorithm), Digits: d.Digits, Period: d.Period},
				r.factor.Code, now, s.cfg.Skew)
			clear(secret)
			if err != nil && !errors.Is(err, otpcode.ErrCodeFormat) {
				return err
			}
			if ok {
				matched, step = d, st
			}
		}
		recoveryMatched := false
		if hasRecovery {
			codes, err := tx.UnusedRecoveryCodes(ctx, r.userID)
			if err != nil {
				return err
			}
			hashes := make([][]byte, len(codes))
			for i, c := range codes {
				hashes[i] = c.Hash
			}
			recoveryMatched = credential.MatchHash(recoveryHash, hashes) >= 0
		}
		if matched != nil {
			deviceID = matched.ID
		}

		consumed := false
		switch {
		case matched != nil:
			consumed, err = tx.ConsumeStep(ctx, matched.ID, matched.State, step, now)
		case recoveryMatched:
			consumed, err = tx.UseRecoveryCode(ctx, r.userID, recoveryHash, now)
		}
		if err != nil {
			return err
		}
		if consumed {
			outcome = OutcomeSuccess
			if th.ConsecutiveFailures > 0 {
				if err := tx.PutThrottle(ctx, policy.Succeed(th)); err != nil {
					return err
				}
			}
			if method == MethodRecovery {
				if err := s.audit(ctx, tx, r.client, r.userID, EventRecoveryCodeUsed, "", string(r.purpose)); err != nil {
					return err
				}
			}
			if r.apply != nil {
				return r.apply(ctx, tx, verified{method: method, deviceID: deviceID, user: user, mfaEnrolled: len(active) > 0})
			}
			return nil
		}
		outcome = OutcomeWrong
		if matched != nil || recoveryMatched {
			outcome = OutcomeReplay
		}
		weight := max(len(candidates), 1) // a guess against k devices is k guesses
		if hasRecovery {
			weight = 1
		}
		next, lockout := policy.Fail(th, now, weight)
		if err := tx.PutThrottle(ctx, next); err != nil {
			return err
		}
		event := EventVerificationFailure
		if r.purpose == PurposeSignIn {
			event = EventSignInFailure
		}
		if err := s.audit(ctx, tx, r.client, r.userID, event, "", string(r.purpose)); err != nil {
			return err
		}
		if lockout != "" {
			s.log.Warn("account locked", "user_id", r.userID, "lock", lockout, "until", next.LockedUntil)
			return s.audit(ctx, tx, r.client, r.userID, EventLockout, "", lockout)
		}
		return nil
	})
	if errors.Is(err, ErrCodeFormat) || errors.Is(err, ErrMFANotEnrolled) {
		return "", err // malformed: nothing was written
	}
	if err != nil {
		outcome = OutcomeError
		return "", err
	}
	if outcome != OutcomeSuccess {
		return "", ErrVerificationFailed
	}
	return method, nil
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
