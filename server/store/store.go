package store

import (
	"context"
	"time"
)

// The store's contract, which every engine keeps and the conformance suite
// (storetest) checks; nothing else may be relied on:
//
//   - Update runs fn in one transaction: when fn returns nil every write it
//     made is committed, durably, before Update returns; when fn returns an
//     error or panics, none is (Update returns that error, or an error for
//     the panic). fn sees its own writes.
//   - Updates are serializable: their effect is that of running them one at
//     a time in some order. A read-modify-write inside one Update (a
//     throttle record, a count of devices) sees no concurrent Update's
//     partial work, and no concurrent Update's write is lost.
//   - fn may run more than once (an engine may retry a transaction that
//     lost a conflict), so it must not act outside the transaction other
//     than by setting variables it sets afresh on every run, and must not
//     call Update.
//   - The conditional writes (ConsumeStep, UseRecoveryCode, the push
//     challenge transitions, TouchAppToken, the state-qualified deletes,
//     the sync counter, epoch and pairing transitions)
//     change a row only if it is in the state the method names, and report
//     whether they did: of any number of concurrent attempts at one such
//     change, exactly one succeeds.
//   - Reads outside Update see committed data (not necessarily the newest
//     commit of another process).
//   - A write that changes one row returns ErrNotFound when the row is not
//     there (or not in the state the change needs); inserting a duplicate
//     key returns ErrConflict.
//   - Contexts: an engine may stop work when ctx ends; a transaction that
//     stops rolls back.
//   - Text is stored as given if it is valid UTF-8 without NUL bytes (the
//     suite checks accents, emoji, quotes). Other text is the caller's to
//     clean first: PostgreSQL refuses it (an error, nothing written) where
//     SQLite keeps it, so text from outside (a User-Agent cut at a byte
//     count, a device name) must be made valid before it is stored.
//
// How an engine batches commits, pools connections or names its tables is
// its own business (sqlite: group commit on one writer; see its package).

// UserReader reads accounts.
type UserReader interface {
	UserByID(ctx context.Context, id string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	// Account is a user and whether they have an active TOTP device.
	Account(ctx context.Context, userID string) (u User, mfaEnrolled bool, err error)
}

// UserWriter changes accounts.
type UserWriter interface {
	CreateUser(ctx context.Context, u User) error // ErrConflict for a taken email
	SetPasswordHash(ctx context.Context, userID, hash string) error
	SetRole(ctx context.Context, userID string, role Role) error
	// SetExempt marks a user exempt from the MFA requirement with a reason,
	// or clears it ("").
	SetExempt(ctx context.Context, userID, reason string) error
	SetLastSignIn(ctx context.Context, userID string, at time.Time) error
	// SetMustEnroll marks (Reset MFA) or clears (activation) the user's
	// obligation to enroll.
	SetMustEnroll(ctx context.Context, userID string, must bool) error
}

// OrgReader reads organisations, their users and groups.
type OrgReader interface {
	Organisation(ctx context.Context, id string) (Organisation, error)
	OrganisationBySlug(ctx context.Context, slug string) (Organisation, error)
	Organisations(ctx context.Context) ([]Organisation, error)
	// OrgUsers lists an organisation's users by email, filtered, with the
	// number of users that match the filter.
	OrgUsers(ctx context.Context, orgID string, f UserFilter) ([]UserRow, int, error)
	CountAdmins(ctx context.Context, orgID string) (int, error)
	Groups(ctx context.Context, orgID string) ([]Group, error) // by name, with member counts
	Group(ctx context.Context, orgID, id string) (Group, error)
	UserGroups(ctx context.Context, userID string) ([]Group, error)
	// GroupMembers lists the ids of a group's users.
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// OrgWriter changes organisations and groups.
type OrgWriter interface {
	CreateOrganisation(ctx context.Context, o Organisation) error // ErrConflict for a taken slug
	// UpdateOrganisation sets the policy fields (RequireMFA, TrustDays,
	// OpenSignup, Name).
	UpdateOrganisation(ctx context.Context, o Organisation) error
	CreateGroup(ctx context.Context, g Group) error // ErrConflict for a taken name
	DeleteGroup(ctx context.Context, orgID, id string) error
	SetGroupRequired(ctx context.Context, orgID, id string, required bool) error
	AddGroupMember(ctx context.Context, groupID, userID string) error // ErrConflict if already in
	RemoveGroupMember(ctx context.Context, groupID, userID string) error
	// SetSessionsStage moves the user's sessions in stage from to stage to.
	SetSessionsStage(ctx context.Context, userID string, from, to Stage) (int64, error)
}

// InvitationReader reads invitations and emailed codes.
type InvitationReader interface {
	InvitationByHash(ctx context.Context, tokenHash []byte) (Invitation, error)
	Invitations(ctx context.Context, orgID string) ([]Invitation, error) // newest first
	// EmailCode is the user's newest unused code for purpose, unexpired at now.
	EmailCode(ctx context.Context, userID, purpose string, now time.Time) (EmailCode, error)
}

// InvitationWriter changes invitations and emailed codes.
type InvitationWriter interface {
	CreateInvitation(ctx context.Context, inv Invitation) error
	// UseInvitation marks an invitation used if it is unused and unexpired
	// at now: its single use.
	UseInvitation(ctx context.Context, id string, now time.Time) (bool, error)
	CreateEmailCode(ctx context.Context, c EmailCode) error
	// UseEmailCode marks a code used if it is unused and unexpired at now:
	// its single use (false otherwise).
	UseEmailCode(ctx context.Context, id string, now time.Time) (bool, error)
	// FailEmailCode counts a wrong try of an unused code; at maxAttempts
	// the code is used up. A used code is left as it is.
	FailEmailCode(ctx context.Context, id string, maxAttempts int, now time.Time) error
	// VoidEmailCodes uses up the user's unused codes for purpose (a new one
	// replaces them).
	VoidEmailCodes(ctx context.Context, userID, purpose string, now time.Time) error
}

// MailReader reads the outbox.
type MailReader interface {
	Outbox(ctx context.Context, orgID string, limit int) ([]Mail, error) // newest first
}

// MailWriter records mail.
type MailWriter interface {
	AddMail(ctx context.Context, m Mail) (int64, error)
	MarkMailSent(ctx context.Context, id int64, at time.Time, sendErr string) error
}

// TrustReader reads trusted browsers.
type TrustReader interface {
	TrustedBrowserByHash(ctx context.Context, tokenHash []byte) (TrustedBrowser, error)
	TrustedBrowsers(ctx context.Context, userID string) ([]TrustedBrowser, error) // newest first
}

// TrustWriter changes trusted browsers.
type TrustWriter interface {
	PutTrustedBrowser(ctx context.Context, b TrustedBrowser) error
	DeleteTrustedBrowser(ctx context.Context, userID, id string) error
	DeleteTrustedBrowsers(ctx context.Context, userID string) (int64, error)
	DeleteExpiredTrustedBrowsers(ctx context.Context, now time.Time) (int64, error)
}

// SessionReader reads sessions.
type SessionReader interface {
	SessionByHash(ctx context.Context, tokenHash []byte) (Session, error)
	// Sessions lists the user's sessions unexpired at now, newest first.
	Sessions(ctx context.Context, userID string, now time.Time) ([]Session, error)
}

// SessionWriter changes sessions. Sessions are named by their id; only
// SessionByHash takes the token's hash.
type SessionWriter interface {
	CreateSession(ctx context.Context, s Session) error
	// UpgradeSession records a second factor on a session: stage, methods,
	// verification time and expiry.
	UpgradeSession(ctx context.Context, id string, stage Stage, amr []string, verifiedAt, expiresAt time.Time) error
	DeleteSession(ctx context.Context, id string) error
	// DeleteSessionByID deletes one of the user's sessions.
	DeleteSessionByID(ctx context.Context, userID, id string) error
	DeleteUserSessions(ctx context.Context, userID string) (int64, error)
	// DeleteOtherSessions ends the user's sessions but keepID's (all of them
	// for ""), or with unverifiedOnly those that never verified a second
	// factor.
	DeleteOtherSessions(ctx context.Context, userID, keepID string, unverifiedOnly bool) (int64, error)
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}

// DeviceReader reads TOTP devices.
type DeviceReader interface {
	// Devices lists the user's devices in creation order.
	Devices(ctx context.Context, userID string) ([]Device, error)
	Device(ctx context.Context, userID, id string) (Device, error)
	// DeviceByID finds a device without knowing its user (a push
	// registration is proved by the device's seed, not by a session).
	DeviceByID(ctx context.Context, id string) (Device, error)
	// VerifierState is what a verification reads first: the user (without
	// PasswordHash), the account's throttle record (zero if none) and its
	// active devices (ID, UserID, State, KeyID, SecretSealed, Algorithm,
	// Digits and Period filled in). ErrNotFound if the user does not exist.
	VerifierState(ctx context.Context, userID string) (User, Throttle, []Device, error)
	// AllDevices is for maintenance (rekey): every device of every user.
	AllDevices(ctx context.Context) ([]Device, error)
}

// DeviceWriter changes TOTP devices.
type DeviceWriter interface {
	CreateDevice(ctx context.Context, d Device) error
	// ConsumeStep records step as the device's last accepted step only if it
	// is greater than the one recorded: this conditional update is the replay
	// protection. It returns false (and changes nothing) for a replayed or
	// older step, or a device not in state (a pending one also must not have
	// expired at now).
	ConsumeStep(ctx context.Context, deviceID string, state DeviceState, step uint64, now time.Time) (bool, error)
	ActivateDevice(ctx context.Context, deviceID string, now time.Time) error
	RenameDevice(ctx context.Context, userID, id, name string) error
	// DeleteDevice deletes the user's device only if it is in state, so a
	// device activated meanwhile is not deleted under the pending rule.
	DeleteDevice(ctx context.Context, userID, id string, state DeviceState) error
	DeletePendingDevices(ctx context.Context, userID string) (int64, error)
	DeleteExpiredPendingDevices(ctx context.Context, now time.Time) (int64, error)
	DeleteAllDevices(ctx context.Context, userID string) (int64, error)
	ResealDevice(ctx context.Context, id, keyID string, sealed []byte) error
	// ReplacePendingSecret gives a pending device a new sealed secret and
	// expiry; ErrNotFound if the device is not the user's, not pending or
	// not created by createdBy.
	ReplacePendingSecret(ctx context.Context, userID, id, createdBy, keyID string, sealed []byte, expiresAt time.Time) error
}

// RecoveryReader reads recovery code hashes.
type RecoveryReader interface {
	UnusedRecoveryCodes(ctx context.Context, userID string) ([]RecoveryCode, error)
}

// RecoveryWriter changes recovery code hashes.
type RecoveryWriter interface {
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, now time.Time) error
	// UseRecoveryCode marks an unused code used; false if it was used already
	// (or is not the user's).
	UseRecoveryCode(ctx context.Context, userID string, hash []byte, now time.Time) (bool, error)
	DeleteRecoveryCodes(ctx context.Context, userID string) error
}

// ThrottleReader reads the per-account failure records.
type ThrottleReader interface {
	// Throttle is the account's second-factor failure record (zero, with
	// UserID, if none).
	Throttle(ctx context.Context, userID string) (Throttle, error)
	// PasswordThrottle is the account's password failure record (zero if
	// none), kept apart from the second factor's.
	PasswordThrottle(ctx context.Context, userID string) (Throttle, error)
	KnownBrowser(ctx context.Context, tokenHash []byte) (KnownBrowser, error)
}

// ThrottleWriter changes the failure records.
type ThrottleWriter interface {
	PutThrottle(ctx context.Context, t Throttle) error
	PutPasswordThrottle(ctx context.Context, t Throttle) error
	// PutKnownBrowser inserts a known browser or updates its expiry, last
	// use and failure record.
	PutKnownBrowser(ctx context.Context, b KnownBrowser) error
	DeleteKnownBrowsers(ctx context.Context, userID string) (int64, error)
	DeleteExpiredKnownBrowsers(ctx context.Context, now time.Time) (int64, error)
}

// AuditReader reads the audit log.
type AuditReader interface {
	// AuditEvents lists the user's events, newest first, with ids below
	// beforeID (0: from the newest).
	AuditEvents(ctx context.Context, userID string, beforeID int64, limit int) ([]AuditEvent, error)
	// OrgAuditEvents lists an organisation's events, newest first.
	OrgAuditEvents(ctx context.Context, orgID string, f AuditFilter) ([]AuditEvent, error)
}

// AuditWriter appends to the audit log.
type AuditWriter interface {
	// AddAuditEvent appends e; with OrgID empty it is filed under the
	// organisation of e.UserID (none for an unknown user).
	AddAuditEvent(ctx context.Context, e AuditEvent) error
}

// TokenReader reads application tokens.
type TokenReader interface {
	AppTokenByHash(ctx context.Context, tokenHash []byte) (AppToken, error)
	AppTokens(ctx context.Context, userID string) ([]AppToken, error)
	CLIGrantByHash(ctx context.Context, codeHash []byte) (CLIGrant, error)
}

// TokenWriter changes application tokens.
type TokenWriter interface {
	CreateAppToken(ctx context.Context, t AppToken) error
	DeleteAppToken(ctx context.Context, userID, id string) error
	// TouchAppToken records a use (time and client address) only if the last
	// recorded one is at least every old; it reports whether it wrote, so
	// the caller audits one use per token per interval.
	TouchAppToken(ctx context.Context, id, addr string, now time.Time, every time.Duration) (bool, error)
	CreateCLIGrant(ctx context.Context, g CLIGrant) error // ErrConflict for a taken code hash
	// UseCLIGrant marks an unused grant that is unexpired at now used: its
	// single use (false otherwise).
	UseCLIGrant(ctx context.Context, id string, now time.Time) (bool, error)
	DeleteExpiredCLIGrants(ctx context.Context, now time.Time) (int64, error)
}

// Reader is everything that can be read, from the store or inside a
// transaction (where reads see the transaction's own writes).
type Reader interface {
	UserReader
	SessionReader
	DeviceReader
	RecoveryReader
	ThrottleReader
	AuditReader
	TokenReader
	PushReader // push.go
	OrgReader
	InvitationReader
	MailReader
	TrustReader
	SyncReader // sync.go
}

// Tx is one transaction's view: every read and every write.
type Tx interface {
	Reader
	UserWriter
	SessionWriter
	DeviceWriter
	RecoveryWriter
	ThrottleWriter
	AuditWriter
	TokenWriter
	PushWriter // push.go
	OrgWriter
	InvitationWriter
	MailWriter
	TrustWriter
	SyncWriter // sync.go
}

// Store is the server's state (see the contract above).
type Store interface {
	Reader
	Update(ctx context.Context, fn func(Tx) error) error
	Ping(ctx context.Context) error
	Close() error
}
