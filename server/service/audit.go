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

// audit records an event the user caused themself.
func (s *core) audit(ctx context.Context, tx store.Tx, c auth.Client, userID, typ, deviceID, detail string) error {
	return s.auditAs(ctx, tx, c, userID, userID, typ, deviceID, detail)
}

// auditAs records an event actor caused to the user (an admin's action);
// the store files it under the user's organisation.
func (s *core) auditAs(ctx context.Context, tx store.Tx, c auth.Client, actorID, userID, typ, deviceID, detail string) error {
	ua := clientText(c.UserAgent, 256)
	return tx.AddAuditEvent(ctx, store.AuditEvent{
		UserID: userID, ActorID: actorID, Type: typ, At: s.now(), ClientAddr: c.Addr, UserAgent: ua, DeviceID: deviceID, Detail: detail,
	})
}

// Events lists the user's own events, newest first, before the event id
// beforeID (0 for the newest).
func (s *Audit) Events(ctx context.Context, userID string, beforeID int64, limit int) ([]auth.AuditEvent, error) {
	if limit <= 0 || limit > auth.MaxAuditPage {
		limit = auth.MaxAuditPage
	}
	evs, err := s.store.AuditEvents(ctx, userID, beforeID, limit)
	if err != nil {
		return nil, err
	}
	out := views(evs, auditView)
	// An event someone else caused (an admin's Reset MFA) names them.
	actors := map[string]string{}
	for i, e := range out {
		if e.ActorID == "" || e.ActorID == userID {
			continue
		}
		email, ok := actors[e.ActorID]
		if !ok {
			if u, err := s.store.UserByID(ctx, e.ActorID); err == nil {
				email = u.Email
			}
			actors[e.ActorID] = email
		}
		out[i].ActorEmail = email
	}
	return out, nil
}

// AuditEventTypes is every event type the services record, as the API
// documents them (a test keeps this list, the Event constants and
// openapi.json in step).
var AuditEventTypes = []string{
	EventSignUp, EventSignInSuccess, EventSignInFailure, EventVerificationFailure, EventStepUp, EventLockout,
	EventSignOut, EventSignOutEverywhere, EventDeviceEnrolled, EventDeviceActivated, EventDeviceRenamed,
	EventDeviceDeleted, EventInactiveDevicesDeleted, EventMFADisabled, EventRecoveryCodeUsed,
	EventRecoveryCodesCreated, EventUnverifiedSessionsEnded, EventPasswordChanged, EventSessionEnded,
	EventPasswordLockout, EventRequirementOn, EventRequirementOff, EventOrgChanged, EventRoleChanged,
	EventExemptChanged, EventMFAReset, EventGroupCreated, EventGroupDeleted, EventGroupChanged,
	EventMemberAdded, EventMemberRemoved, EventInvited, EventAdminDeviceGone, EventEmailCodeSent,
	EventEmailCodeFailed, EventPushRegistered, EventPushSent, EventPushApproved, EventPushDenied,
	EventPushReported, EventPushResumed, EventAppTokenCreated, EventAppTokenRevoked, EventAppTokenUsed,
	EventBrowserTrusted, EventTrustRevoked, EventDeviceSeedRegenerated, EventCLIGrantCreated,
	EventSyncIdentityCreated, EventSyncDeviceAdded, EventSyncDeviceRemoved, EventSyncEpochRotated, EventSyncRecovered,
}
