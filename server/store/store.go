package store

import (
	"context"
	"time"
)

// Reader is what can be read, from the store or inside a transaction (where
// reads see the transaction's own writes).
type Reader interface {
	UserByID(ctx context.Context, id string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	// Account is a user and whether they have an active TOTP device, in one
	// query.
	Account(ctx context.Context, userID string) (u User, mfaEnrolled bool, err error)
	// VerifierState is what a verification reads first: the user (without
	// PasswordHash), the account's throttle record (zero if none) and its
	// active devices (ID, UserID, State, KeyID, SecretSealed, Algorithm,
	// Digits and Period filled in). ErrNotFound if the user does not exist.
	VerifierState(ctx context.Context, userID string) (User, Throttle, []Device, error)
	SessionByHash(ctx context.Context, tokenHash []byte) (Session, error)
	// Sessions lists the user's unexpired sessions, newest first.
	Sessions(ctx context.Context, userID string, now time.Time) ([]Session, error)
	Devices(ctx context.Context, userID string) ([]Device, error)
	Device(ctx context.Context, userID, id string) (Device, error)
	UnusedRecoveryCodes(ctx context.Context, userID string) ([]RecoveryCode, error)
	Throttle(ctx context.Context, userID string) (Throttle, error) // zero record (with UserID) if none
	// PasswordThrottle is the account's password failure record (zero if
	// none), kept apart from the second factor's.
	PasswordThrottle(ctx context.Context, userID string) (Throttle, error)
	KnownBrowser(ctx context.Context, tokenHash []byte) (KnownBrowser, error)
	AuditEvents(ctx context.Context, userID string, beforeID int64, limit int) ([]AuditEvent, error)
	// AllDevices is for maintenance (rekey): every device of every user.
	AllDevices(ctx context.Context) ([]Device, error)
	PushReader // push.go
	AppTokenByHash(ctx context.Context, tokenHash []byte) (AppToken, error)
	AppTokens(ctx context.Context, userID string) ([]AppToken, error)
}

// Tx is one transaction's view: reads plus every write. Methods that change
// one row return ErrNotFound when the row is not there (or not in the state
// the change needs).
type Tx interface {
	Reader

	CreateUser(ctx context.Context, u User) error // ErrConflict for a taken email
	SetPasswordHash(ctx context.Context, userID, hash string) error

	CreateSession(ctx context.Context, s Session) error
	// UpgradeSession records a second factor on a session: stage, methods,
	// verification time and expiry.
	UpgradeSession(ctx context.Context, tokenHash []byte, stage Stage, amr []string, verifiedAt, expiresAt time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte) error
	DeleteUserSessions(ctx context.Context, userID string) (int64, error)
	DeleteSessionByID(ctx context.Context, userID, id string) error
	// DeleteOtherSessions ends the user's sessions but keepID's (all of them
	// for ""), or with unverifiedOnly those that never verified a second
	// factor.
	DeleteOtherSessions(ctx context.Context, userID, keepID string, unverifiedOnly bool) (int64, error)
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	CreateDevice(ctx context.Context, d Device) error
	// ConsumeStep records step as the device's last accepted step only if it
	// is greater than the one recorded: this conditional update is the replay
	// protection. It returns false (and changes nothing) for a replayed or
	// older step, or a device not in state (a pending one also must not have
	// expired at now).
	ConsumeStep(ctx context.Context, deviceID string, state DeviceState, step uint64, now time.Time) (bool, error)
	ActivateDevice(ctx context.Context, deviceID string, now time.Time) error
	RenameDevice(ctx context.Context, userID, id, name string) error
	// DeleteDevice deletes the user's device only if it is in state:
	// deciding on the state in the statement keeps a device activated in
	// the meantime from being deleted under the pending rule.
	DeleteDevice(ctx context.Context, userID, id string, state DeviceState) error
	DeletePendingDevices(ctx context.Context, userID string) (int64, error)
	DeleteExpiredPendingDevices(ctx context.Context, now time.Time) (int64, error)
	DeleteAllDevices(ctx context.Context, userID string) (int64, error)
	ResealDevice(ctx context.Context, id, keyID string, sealed []byte) error
	// ReplacePendingSecret gives a pending device a new sealed secret and
	// expiry; ErrNotFound if the device is not the user's, not pending or
	// not created by createdBy.
	ReplacePendingSecret(ctx context.Context, userID, id, createdBy, keyID string, sealed []byte, expiresAt time.Time) error

	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, now time.Time) error
	// UseRecoveryCode marks an unused code used; false if it was used already
	// (or is not the user's).
	UseRecoveryCode(ctx context.Context, userID string, hash []byte, now time.Time) (bool, error)
	DeleteRecoveryCodes(ctx context.Context, userID string) error

	PutThrottle(ctx context.Context, t Throttle) error
	PutPasswordThrottle(ctx context.Context, t Throttle) error
	// PutKnownBrowser inserts a known browser or updates its expiry, last
	// use and failure record.
	PutKnownBrowser(ctx context.Context, b KnownBrowser) error
	DeleteKnownBrowsers(ctx context.Context, userID string) (int64, error)
	DeleteExpiredKnownBrowsers(ctx context.Context, now time.Time) (int64, error)

	AddAuditEvent(ctx context.Context, e AuditEvent) error
	PushWriter // push.go

	CreateAppToken(ctx context.Context, t AppToken) error
	DeleteAppToken(ctx context.Context, userID, id string) error
	// TouchAppToken records a use (time and client address) only if the last
	// recorded one is at least every old; it reports whether it wrote, so
	// the caller audits one use per token per interval.
	TouchAppToken(ctx context.Context, id, addr string, now time.Time, every time.Duration) (bool, error)
}

// Store is the server's state.
type Store interface {
	Reader
	// Update runs fn in a transaction and commits when fn returns nil; any
	// error rolls back everything fn did. fn must not call Update. The
	// database transaction may be shared with other Update calls (group
	// commit): each runs under its own savepoint, so an error rolls back only
	// its own writes, and Update returns only once the commit is durable.
	// Contexts given to Tx methods may be ignored: once started, fn's
	// statements run to the end.
	Update(ctx context.Context, fn func(Tx) error) error
	Ping(ctx context.Context) error
	Close() error
}
