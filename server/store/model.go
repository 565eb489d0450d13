package store

import "time"

// Times are stored as Unix milliseconds; a zero time.Time is NULL.

// User is an account.
type User struct {
	ID           string
	Email        string // lower-cased
	PasswordHash string // argon2id PHC string
	CreatedAt    time.Time
}

// Stage says what a session may do.
type Stage string

// Session stages: a partial session (password checked) may only present the
// second factor; a full one may do everything its user may.
const (
	StagePartial Stage = "partial"
	StageFull    Stage = "full"
)

// Session is a signed-in browser or client. Only the token's hash is kept.
type Session struct {
	ID            string // public id ("ses_..."); the hash is the key
	TokenHash     []byte
	UserID        string
	Stage         Stage
	AMR           []string  // authentication methods, RFC 8176 names where one exists: pwd, otp, recovery, push
	MFAVerifiedAt time.Time // last time a second factor was checked in this session
	CreatedAt     time.Time
	ExpiresAt     time.Time
	ClientAddr    string
	UserAgent     string
}

// DeviceState is a TOTP device's life cycle.
type DeviceState string

// Device states: pending until a code activates it (or it expires), then
// active.
const (
	DevicePending DeviceState = "pending"
	DeviceActive  DeviceState = "active"
)

// Device is a TOTP device. SecretSealed is the seed sealed under the master
// key KeyID with the device's identity as associated data.
type Device struct {
	ID           string
	UserID       string
	Name         string
	State        DeviceState
	KeyID        string
	SecretSealed []byte
	Algorithm    string
	Digits       int
	Period       int
	LastStep     *uint64 // highest time step accepted; nil before the first
	CreatedAt    time.Time
	ExpiresAt    time.Time // pending devices only
	ActivatedAt  time.Time
	LastUsedAt   time.Time
	// CreatedBy is the session id or application token id that created the
	// device: a pending device's seed and activation belong to it alone.
	CreatedBy string
}

// RecoveryCode is one recovery code's hash.
type RecoveryCode struct {
	UserID    string
	Hash      []byte
	CreatedAt time.Time
	UsedAt    time.Time
}

// Throttle is an account's verification failure record (see
// docs/security.md for the budget it enforces).
type Throttle struct {
	UserID              string
	ConsecutiveFailures int       // since the last success
	WindowStart         time.Time // start of the current 24 h budget window
	WindowFailures      int       // weighted failures in that window (never reset by a success)
	LockedUntil         time.Time
}

// AuditEvent is one security event. Detail never holds a secret.
type AuditEvent struct {
	ID         int64
	UserID     string // empty for events without a known account
	Type       string
	At         time.Time
	ClientAddr string
	DeviceID   string
	Detail     string
}

// AppToken is a named application token (an API credential for scripts and
// the CLI). Only the token's SHA-256 is kept.
type AppToken struct {
	ID           string
	UserID       string
	Name         string
	TokenHash    []byte
	CreatedAt    time.Time
	ExpiresAt    time.Time // zero: never expires
	LastUsedAt   time.Time
	LastUsedAddr string
}

// KnownBrowser is a browser that completed a sign-in to an account (a
// device cookie): during a password lock it may still sign in, against its
// own failure record. Only the token's hash is kept.
type KnownBrowser struct {
	TokenHash           []byte
	UserID              string
	CreatedAt           time.Time
	ExpiresAt           time.Time
	LastUsedAt          time.Time
	ConsecutiveFailures int
	LockedUntil         time.Time
}
