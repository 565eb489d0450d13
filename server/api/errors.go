package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/twofold-auth/twofold/server/auth"
)

// APIError is an error with its public face: status, a stable code and a
// message a person can act on. Err is the private cause, logged, never sent.
type APIError struct {
	Status  int
	Code    string
	Message string
	Err     error
}

func (e *APIError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s (%d): %v", e.Code, e.Status, e.Err)
	}
	return fmt.Sprintf("%s (%d)", e.Code, e.Status)
}

func (e *APIError) Unwrap() error { return e.Err }

// errorf makes an APIError.
func errorf(status int, code, message string) *APIError {
	return &APIError{Status: status, Code: code, Message: message}
}

// Errors of the HTTP layer itself.
var (
	errUnauthenticated     = errorf(http.StatusUnauthorized, "unauthenticated", "Sign in first.")
	errSecondFactor        = errorf(http.StatusForbidden, "second_factor_required", "Enter a code from your authenticator (or a recovery code) to finish signing in.")
	errNotFound            = errorf(http.StatusNotFound, "not_found", "There is nothing at this address.")
	errMethodNotAllowed    = errorf(http.StatusMethodNotAllowed, "method_not_allowed", "This address does not accept this method.")
	errUnsupportedMedia    = errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "Send the request body as application/json.")
	errBodyTooLarge        = errorf(http.StatusRequestEntityTooLarge, "body_too_large", "The request body is larger than 64 KiB.")
	errMalformedJSON       = errorf(http.StatusBadRequest, "malformed_json", "The request body is not valid JSON for this endpoint.")
	errInvalidUTF8         = errorf(http.StatusBadRequest, "invalid_utf8", "The request body is not valid UTF-8 (or has an unpaired \\u surrogate escape).")
	errEmptyBody           = errorf(http.StatusBadRequest, "malformed_json", "The request body is empty; this endpoint needs a JSON object.")
	errCrossOrigin         = errorf(http.StatusForbidden, "cross_origin_request", "Cross-origin requests that change state are refused.")
	errRateLimited         = errorf(http.StatusTooManyRequests, "rate_limited", "Too many requests from your address; wait a minute and try again.")
	errBadQuery            = errorf(http.StatusBadRequest, "invalid_query", "A query parameter is not valid.")
	errInternal            = errorf(http.StatusInternalServerError, "internal", "Something went wrong on our side. Try again later.")
	errDatabaseUnavailable = errorf(http.StatusServiceUnavailable, "unavailable", "The service is not ready: the database does not answer.")
	// errNotificationsUnavailable: this instance cannot hear the push
	// changes other instances make (it reconnects and catches up).
	errNotificationsUnavailable = errorf(http.StatusServiceUnavailable, "unavailable", "The service is not ready: its notification connection is down.")
	errTokenNotAllowed          = errorf(http.StatusForbidden, "token_not_allowed",
		"Application tokens cannot do this; sign in with your password (and second factor) instead.")
	errFieldRequired  = errorf(http.StatusBadRequest, "field_required", "A required field is missing from the request body.")
	errSessionsChoice = errorf(http.StatusBadRequest, "invalid_sessions", `sessions is "sign_out" (every affected session ends now) or "keep".`)
	errEnrollFirst    = errorf(http.StatusForbidden, "enrollment_required",
		"Your organisation requires two-factor sign-in: set up an authenticator first (you can do nothing else until then).")
	errPushProof = errorf(http.StatusBadRequest, "invalid_proof", "proof is a registration proof: 32 bytes in base64url (see docs/push.md).")
)

// registry gives every sentinel error of the services its public face:
// the one table of the server's error codes (the HTTP layer's own errors
// above are APIErrors already). A failed verification has one answer
// whatever the reason (wrong, replayed, locked out).
var registry = []struct {
	err error
	api *APIError
}{
	{auth.ErrInvalidEmail, errorf(http.StatusBadRequest, "invalid_email", "Enter a valid email address.")},
	{auth.ErrInvalidPassword, errorf(http.StatusBadRequest, "invalid_password", "Choose a password of 8 characters or more (at most 1024 bytes).")},
	{auth.ErrEmailTaken, errorf(http.StatusConflict, "email_taken", "An account with this email address exists; sign in instead.")},
	{auth.ErrInvalidCredentials, errorf(http.StatusUnauthorized, "invalid_credentials", "The email address or password is wrong.")},
	{auth.ErrUnauthenticated, errUnauthenticated},
	{auth.ErrVerificationFailed, errorf(http.StatusForbidden, "verification_failed", "That code was not accepted. Wait for a new code and try again; after repeated failures, wait longer.")},
	{auth.ErrCodeFormat, errorf(http.StatusBadRequest, "invalid_code_format", "A code is the 6 digits your authenticator shows.")},
	{auth.ErrRecoveryCodeFormat, errorf(http.StatusBadRequest, "invalid_recovery_code_format", "A recovery code looks like XXXX-XXXX-XXXX-XXXX.")},
	{auth.ErrFactorMissing, errorf(http.StatusBadRequest, "factor_required", "Give either code or recovery_code (exactly one).")},
	{auth.ErrFreshFactorRequired, errorf(http.StatusForbidden, "fresh_factor_required", "Confirm with a current code or a recovery code (or sign in again with MFA).")},
	{auth.ErrDeviceNotFound, errorf(http.StatusNotFound, "not_found", "No such device.")},
	{auth.ErrDeviceExpired, errorf(http.StatusGone, "device_expired", "This device was not activated within 10 minutes; create a new one.")},
	{auth.ErrDeviceActive, errorf(http.StatusConflict, "device_active", "This device is already active.")},
	{auth.ErrTooManyDevices, errorf(http.StatusConflict, "too_many_devices", "You have the most devices allowed; delete one first.")},
	{auth.ErrInvalidName, errorf(http.StatusBadRequest, "invalid_name", "A device name is 1 to 64 printable characters.")},
	{auth.ErrMFANotEnrolled, errorf(http.StatusConflict, "mfa_not_enrolled", "Multi-factor authentication is not set up: activate a TOTP device first.")},
	{auth.ErrMFARequired, errorf(http.StatusForbidden, "mfa_required", "Confirm it is you: enter a code from your authenticator (or a recovery code) first.")},
	{auth.ErrInvalidTokenName, errorf(http.StatusBadRequest, "invalid_token_name", "A token name is 1 to 64 printable characters.")},
	{auth.ErrInvalidExpiry, errorf(http.StatusBadRequest, "invalid_expiry", "A token expires in the future and within 366 days (or leave the expiry out).")},
	{auth.ErrInvalidChallenge, errorf(http.StatusBadRequest, "invalid_challenge", "code_challenge is base64url (no padding) of the SHA-256 of the CLI's verifier: 43 characters.")},
	{auth.ErrGrantInvalid, errorf(http.StatusBadRequest, "invalid_grant", "This sign-in link is unknown, used or expired (2 minutes); run twofold login --browser again.")},
	{auth.ErrTooManyTokens, errorf(http.StatusConflict, "too_many_tokens", "You have the most application tokens allowed (20); revoke one first.")},
	{auth.ErrTokenNotFound, errorf(http.StatusNotFound, "not_found", "No such application token.")},
	{auth.ErrTokenNotAllowed, errTokenNotAllowed},
	{auth.ErrDeviceNotYours, errorf(http.StatusForbidden, "device_not_yours",
		"This device is being set up in another session; finish it there, or delete it and add a new one here.")},
	{auth.ErrSessionNotFound, errorf(http.StatusNotFound, "not_found", "No such session.")},
	{auth.ErrWrongPassword, errorf(http.StatusForbidden, "wrong_password",
		"That is not your current password. (After many failed attempts, wait a few minutes before trying again.)")},
	{auth.ErrInvalidToken, errorf(http.StatusUnauthorized, "invalid_token",
		"The application token is unknown, revoked or expired; create a new one (twofold login).")},

	{auth.ErrPushDisabled, errorf(http.StatusNotFound, "push_disabled", "Push sign-in is not enabled on this server.")},
	{auth.ErrPushKey, errorf(http.StatusBadRequest, "invalid_public_key", "public_key is an Ed25519 public key: 32 bytes in base64url.")},
	{auth.ErrPushRejected, errorf(http.StatusForbidden, "registration_rejected",
		"The server did not accept this registration: the account must be active on this server and the authenticator's clock within 5 minutes of the server's.")},
	{auth.ErrPushNotRegistered, errorf(http.StatusConflict, "push_not_registered",
		"No authenticator of this account is set up for sign-in prompts; enter a code instead.")},
	{auth.ErrPushPaused, errorf(http.StatusForbidden, "push_paused",
		"Sign-in prompts are paused for this account because one was reported; sign in with a code or a recovery code to turn them back on.")},
	{auth.ErrPushTooMany, errorf(http.StatusTooManyRequests, "push_limit",
		"Too many sign-in prompts; answer the ones sent or wait a few minutes, or enter a code instead.")},
	{auth.ErrPushNotFound, errorf(http.StatusNotFound, "not_found", "No such sign-in prompt.")},
	{auth.ErrPushNotApproved, errorf(http.StatusForbidden, "verification_failed",
		"This sign-in prompt was not approved (or has expired); send a new one or enter a code.")},
	{auth.ErrPushNotPartial, errorf(http.StatusConflict, "not_signing_in",
		"Prompts are for finishing a sign-in: sign in with your password first.")},

	{auth.ErrSignupClosed, errorf(http.StatusForbidden, "signup_closed", "Sign-up is closed here: ask an administrator for an invitation.")},
	{auth.ErrInvitationInvalid, errorf(http.StatusForbidden, "invitation_invalid",
		"This invitation link is not valid: it was used, it expired, or it is for another email address. Ask for a new one.")},
	{auth.ErrEnrollmentRequired, errEnrollFirst},
	{auth.ErrRequiredByOrg, errorf(http.StatusForbidden, "mfa_required_by_organisation",
		"Your organisation requires two-factor sign-in for your account, so it cannot be turned off. Add another authenticator first, or ask an administrator.")},
	{auth.ErrNotAdmin, errorf(http.StatusForbidden, "not_admin", "This needs an administrator of your organisation.")},
	{auth.ErrAdminStepUp, errorf(http.StatusForbidden, "admin_step_up_required",
		"Administration needs a session that verified a second factor: confirm with a code from your authenticator first.")},
	{auth.ErrAdminNotEnrolled, errorf(http.StatusConflict, "admin_not_enrolled",
		"Set up two-factor sign-in for your own account before you require it of others.")},
	{auth.ErrLastAdmin, errorf(http.StatusConflict, "last_admin", "The organisation needs at least one administrator: promote someone else first.")},
	{auth.ErrUserNotFound, errorf(http.StatusNotFound, "not_found", "No such user in your organisation.")},
	{auth.ErrGroupNotFound, errorf(http.StatusNotFound, "not_found", "No such group in your organisation.")},
	{auth.ErrInvalidGroupName, errorf(http.StatusBadRequest, "invalid_group_name", "A group name is 1 to 64 printable characters.")},
	{auth.ErrGroupTaken, errorf(http.StatusConflict, "group_taken", "A group of this name exists.")},
	{auth.ErrAlreadyMember, errorf(http.StatusConflict, "already_member", "This user is already in the group.")},
	{auth.ErrNothingToChange, errorf(http.StatusBadRequest, "nothing_to_change", "Give role, or exempt (with exempt_reason).")},
	{auth.ErrReasonRequired, errorf(http.StatusBadRequest, "reason_required", "Give a reason (at most 200 characters); it goes to the audit log.")},
	{auth.ErrInvalidScope, errorf(http.StatusBadRequest, "invalid_scope",
		`The value is not one of those allowed: scope is "everyone" or "groups" (with group_ids); role is "member" or "admin".`)},
	{auth.ErrEmailCodeFailed, errorf(http.StatusForbidden, "email_code_failed",
		"That code was not accepted: it may be wrong, used or expired (codes last 5 minutes). Send a new one and try again.")},
	{auth.ErrSelfReset, errorf(http.StatusConflict, "self_reset", "You cannot reset your own two-factor sign-in here; use your Security page.")},
	{auth.ErrInvalidOrg, errorf(http.StatusBadRequest, "invalid_organisation", "An organisation's name is 1 to 64 printable characters, with letters or digits.")},
	{auth.ErrOrgTaken, errorf(http.StatusConflict, "organisation_taken", "An organisation with this name exists.")},
	{auth.ErrTrustNotOffered, errorf(http.StatusConflict, "trust_not_offered", "Your organisation does not offer trusted browsers.")},
	{auth.ErrTrustedNotFound, errorf(http.StatusNotFound, "not_found", "No such trusted browser.")},
	{auth.ErrInvalidTrustDays, errorf(http.StatusBadRequest, "invalid_trust_days", "Trusted browsers last 0 (off) to 365 days.")},

	{auth.ErrSyncSignature, errorf(http.StatusUnauthorized, "sync_unauthenticated",
		"The sync request's signature was not accepted: check the Twofold-Sync-Device, Twofold-Sync-Time and Twofold-Sync-Signature headers, the key, and that the clock is within 5 minutes of the server's (GET /api/v1/time).")},
	{auth.ErrSyncDeviceRemoved, errorf(http.StatusUnauthorized, "sync_device_removed",
		"This browser was removed from the sync identity and gets nothing new; pair it again from a browser that is still in.")},
	{auth.ErrSyncReplay, errorf(http.StatusConflict, "sync_replay",
		"The counter is not above this browser's last one: the request was replayed, reordered or sent twice. Nothing changed.")},
	{auth.ErrSyncStaleEpoch, errorf(http.StatusConflict, "sync_stale_epoch",
		"The identity's key changed (a newer epoch began): fetch this browser's envelope and encrypt again under the new key.")},
	{auth.ErrSyncEpoch, errorf(http.StatusBadRequest, "invalid_sync_epoch",
		"epoch is the identity's current one (for a rotation, the next one), from 1 to 4294967295.")},
	{auth.ErrSyncStaleSnapshot, errorf(http.StatusConflict, "sync_stale_snapshot",
		"The snapshot does not cover what it must: more changes than the last snapshot, and at a rotation every change. Read the changes and try again.")},
	{auth.ErrSyncSeq, errorf(http.StatusBadRequest, "invalid_sync_seq", "seq is beyond the newest change's sequence number.")},
	{auth.ErrSyncDevicesChanged, errorf(http.StatusConflict, "sync_devices_changed",
		`The envelopes must name exactly the identity's active browsers (and "recovery" when it has a recovery key): read the identity and try again.`)},
	{auth.ErrSyncTooLarge, errorf(http.StatusRequestEntityTooLarge, "sync_too_large", "A change's ciphertext is at most 48 KiB, a snapshot's 1 MiB.")},
	{auth.ErrSyncStorageFull, errorf(http.StatusConflict, "sync_storage_full",
		"This sync identity stores the most allowed (16 MiB) even without the changes its snapshot covers: upload a newer snapshot.")},
	{auth.ErrSyncTooManyDevices, errorf(http.StatusConflict, "sync_too_many_devices", "A sync identity has at most 20 browsers; remove one first.")},
	{auth.ErrSyncTooManyIdentities, errorf(http.StatusConflict, "sync_too_many_identities", "You have the most sync identities allowed (3).")},
	{auth.ErrSyncTooManyPairings, errorf(http.StatusConflict, "sync_too_many_pairings",
		"Too many pairing codes are open for this identity; use one, or wait until they expire (5 minutes).")},
	{auth.ErrSyncKeyTaken, errorf(http.StatusConflict, "sync_key_taken",
		"This signing key is, or was, a browser of the identity already; make new keys.")},
	{auth.ErrSyncPairingNotFound, errorf(http.StatusNotFound, "not_found", "No such pairing code.")},
	{auth.ErrSyncPairingExpired, errorf(http.StatusGone, "sync_pairing_expired", "This pairing code expired (they last 5 minutes); show a new one.")},
	{auth.ErrSyncPairingTaken, errorf(http.StatusConflict, "sync_pairing_taken",
		"Another browser joined with this pairing code first; show a new one.")},
	{auth.ErrSyncPairingState, errorf(http.StatusConflict, "sync_pairing_not_joined",
		"No browser has joined with this pairing code yet, or it was approved already.")},
	{auth.ErrSyncDeviceNotFound, errorf(http.StatusNotFound, "not_found", "No such browser in this sync identity.")},
	{auth.ErrSyncNoSnapshot, errorf(http.StatusNotFound, "not_found", "This sync identity has no snapshot yet: read the changes from the start.")},
	{auth.ErrSyncNoEnvelope, errorf(http.StatusNotFound, "not_found",
		"This browser has no envelope of the current epoch's key: a browser that has the key must start a new epoch.")},
	{auth.ErrSyncRateLimited, errorf(http.StatusTooManyRequests, "sync_rate_limited", "Too many uploads to this sync identity; wait a minute.")},
	{auth.ErrSyncKey, errorf(http.StatusBadRequest, "invalid_sync_key",
		"signing_key and wrap_key (and the recovery keys) are 32-byte public keys: Ed25519 and X25519.")},
	{auth.ErrSyncMeta, errorf(http.StatusBadRequest, "invalid_sync_meta", "meta is at most 1 KiB.")},
	{auth.ErrSyncMAC, errorf(http.StatusBadRequest, "invalid_sync_mac", "mac is 32 bytes (HMAC-SHA256).")},
	{auth.ErrSyncEnvelope, errorf(http.StatusBadRequest, "invalid_sync_envelope",
		"An envelope is 92 bytes; the recovery envelope comes with the recovery keys, and only with them.")},
	{auth.ErrSyncCounter, errorf(http.StatusBadRequest, "invalid_sync_counter", "counter is a whole number from 1 to 9007199254740991.")},
	{auth.ErrSyncCiphertext, errorf(http.StatusBadRequest, "invalid_sync_ciphertext", "ciphertext is empty.")},
}

// publicError finds the public face of err, or nil for an unexpected error.
func publicError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	for _, m := range registry {
		if errors.Is(err, m.err) {
			return m.api
		}
	}
	return nil
}
