package service

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
)

// Purpose says what a second-factor check is for (metrics, logs, audit).
type Purpose string

// Purposes.
const (
	PurposeSignIn         Purpose = "sign_in"
	PurposeStepUp         Purpose = "step_up"
	PurposeActivate       Purpose = "activate"
	PurposeAddDevice      Purpose = "add_device"
	PurposeDelete         Purpose = "delete_device"
	PurposeDisableMFA     Purpose = "disable_mfa"
	PurposeRegenerate     Purpose = "regenerate_recovery_codes"
	PurposeRegenerateSeed Purpose = "regenerate_seed"
	PurposeCreateToken    Purpose = "create_app_token"
	PurposeChangePassword Purpose = "change_password"
	PurposePushRegister   Purpose = "push_register"
	PurposePushApprove    Purpose = "push_approve"
	PurposePushRedeem     Purpose = "push_redeem"
)

// Outcome is how a check ended; only the log and metrics see it.
type Outcome string

// Outcomes.
const (
	OutcomeSuccess   Outcome = "success"
	OutcomeWrong     Outcome = "wrong"
	OutcomeReplay    Outcome = "replay"
	OutcomeStale     Outcome = "stale" // refused without being a guess: an answer to a prompt already over
	OutcomeLocked    Outcome = "locked"
	OutcomeMalformed Outcome = "malformed"
	OutcomeError     Outcome = "error"
)

// attempt is one check of a second factor: a TOTP code, a recovery code, a
// push approval or a push redemption. Each caller supplies only what is
// its own (how to compare, what a success changes); run does everything
// else, the same way for all four.
type attempt struct {
	client  auth.Client
	userID  string
	purpose Purpose
	// precheck, if set, refuses input that cannot be right (its format)
	// before anything is read or counted: it is not a guess.
	precheck func() error
	// load reads the account's failure record in the transaction (and
	// whatever compare needs; default: tx.Throttle). An error rolls back;
	// auth.ErrCodeFormat and auth.ErrMFANotEnrolled mean the input could
	// not be right, so nothing is booked.
	load func(ctx context.Context, tx store.Tx) (store.Throttle, error)
	// compare runs only when the account is not locked. For a success it
	// has consumed the factor with a conditional write (the single use),
	// and it names the device used, if any.
	compare func(ctx context.Context, tx store.Tx) (outcome Outcome, deviceID string, err error)
	// weight is what a failure counts (devices compared; default 1).
	weight func() int
	// locked, if set, runs when the account is locked (a push approval
	// then fails its challenge).
	locked func(ctx context.Context, tx store.Tx) error
	// succeeded, if set, runs after a success in the same transaction.
	succeeded func(ctx context.Context, tx store.Tx, deviceID string) error
}

// run performs a: it owns the timing, the metric, the log line, the
// lockout check, the throttle booking, the failure and lockout audits and
// the one generic answer (auth.ErrVerificationFailed for wrong, replayed,
// stale and locked alike). Everything happens in one store transaction.
func (s *core) run(ctx context.Context, a attempt) error {
	start := time.Now()
	outcome, deviceID := OutcomeError, ""
	defer func() { s.observe(ctx, a.purpose, outcome, start, a.userID, deviceID) }()
	if a.precheck != nil {
		if err := a.precheck(); err != nil {
			outcome = OutcomeMalformed
			return err
		}
	}
	policy := s.cfg.Throttle
	err := s.store.Update(ctx, func(tx store.Tx) error {
		outcome, deviceID = OutcomeError, ""
		now := s.now()
		load := a.load
		if load == nil {
			load = func(ctx context.Context, tx store.Tx) (store.Throttle, error) { return tx.Throttle(ctx, a.userID) }
		}
		th, err := load(ctx, tx)
		if err != nil {
			return err
		}
		if policy.Locked(th, now) {
			outcome = OutcomeLocked // refused before any comparison
			if a.locked != nil {
				return a.locked(ctx, tx)
			}
			return nil
		}
		if outcome, deviceID, err = a.compare(ctx, tx); err != nil {
			return err
		}
		switch outcome {
		case OutcomeSuccess:
			if th.ConsecutiveFailures > 0 {
				if err := tx.PutThrottle(ctx, policy.Succeed(th)); err != nil {
					return err
				}
			}
			if a.succeeded != nil {
				return a.succeeded(ctx, tx, deviceID)
			}
			return nil
		case OutcomeStale:
			return nil
		}
		return s.bookFailure(ctx, tx, a, th, now)
	})
	switch {
	case errors.Is(err, auth.ErrCodeFormat) || errors.Is(err, auth.ErrMFANotEnrolled):
		outcome = OutcomeMalformed // nothing was written
		return err
	case err != nil:
		outcome = OutcomeError
		return err
	case outcome != OutcomeSuccess:
		return auth.ErrVerificationFailed
	}
	return nil
}

// bookFailure counts a wrong or replayed attempt in the account's throttle
// and audits it, and the lockout it starts.
func (s *core) bookFailure(ctx context.Context, tx store.Tx, a attempt, th store.Throttle, now time.Time) error {
	weight := 1
	if a.weight != nil {
		weight = max(a.weight(), 1)
	}
	next, lockout := s.cfg.Throttle.Fail(th, now, weight)
	if err := tx.PutThrottle(ctx, next); err != nil {
		return err
	}
	// One event for every failed check, whatever the factor; the detail
	// says what it was for (sign_in, step_up, push_approve, ...).
	if err := s.audit(ctx, tx, a.client, a.userID, EventVerificationFailure, "", string(a.purpose)); err != nil {
		return err
	}
	if lockout == "" {
		return nil
	}
	s.log.Warn("account locked", "user_id", a.userID, "lock", lockout, "until", next.LockedUntil)
	return s.audit(ctx, tx, a.client, a.userID, EventLockout, "", lockout)
}

// observe reports a check's outcome to the metrics and the log (the only
// places that learn why it failed).
func (s *core) observe(ctx context.Context, purpose Purpose, outcome Outcome, start time.Time, userID, deviceID string) {
	if s.obs != nil {
		s.obs.Verification(string(purpose), string(outcome), time.Since(start))
	}
	level := slog.LevelInfo
	if outcome != OutcomeSuccess {
		level = slog.LevelWarn
	}
	s.log.LogAttrs(ctx, level, "verification", slog.String("purpose", string(purpose)),
		slog.String("outcome", string(outcome)), slog.String("user_id", userID), slog.String("device_id", deviceID))
}
