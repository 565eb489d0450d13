package service

import (
	"context"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
)

// Audit event types. Details never hold a secret, a code or a token.
const (
	EventSignUp                 = "sign_up"
	EventSignInSuccess          = "sign_in_success"
	EventSignInFailure          = "sign_in_failure"
	EventVerificationFailure    = "verification_failure"
	EventStepUp                 = "step_up"
	EventLockout                = "lockout"
	EventSignOut                = "sign_out"
	EventSignOutEverywhere      = "sign_out_everywhere"
	EventDeviceEnrolled         = "device_enrolled"
	EventDeviceActivated        = "device_activated"
	EventDeviceRenamed          = "device_renamed"
	EventDeviceDeleted          = "device_deleted"
	EventInactiveDevicesDeleted = "inactive_devices_deleted"
	EventMFADisabled            = "mfa_disabled"
	EventRecoveryCodeUsed       = "recovery_code_used"
	EventRecoveryCodesCreated   = "recovery_codes_generated"
	// EventUnverifiedSessionsEnded: turning MFA on ended the user's other
	// sessions that had only the password (detail: how many).
	EventUnverifiedSessionsEnded = "unverified_sessions_ended"
)

func (s *core) audit(ctx context.Context, tx store.Tx, c auth.Client, userID, typ, deviceID, detail string) error {
	return tx.AddAuditEvent(ctx, store.AuditEvent{
		UserID: userID, Type: typ, At: s.now(), ClientAddr: c.Addr, DeviceID: deviceID, Detail: detail,
	})
}

// Events lists the user's own events, newest first, before the event id
// beforeID (0 for the newest).
func (s *Audit) Events(ctx context.Context, userID string, beforeID int64, limit int) ([]auth.AuditEvent, error) {
	if limit <= 0 || limit > auth.MaxAuditPage {
		limit = auth.MaxAuditPage
	}
	evs, err := s.store.AuditEvents(ctx, userID, beforeID, limit)
	return views(evs, auditView), err
}
