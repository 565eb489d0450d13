package store

import "time"

// Times are stored as Unix milliseconds; a zero time.Time is NULL.

// User is an account.
type User struct {
	ID           string
	Email        string // lower-cased
	PasswordHash string // argon2id PHC string
	CreatedAt    time.Time
	OrgID        string // its organisation
	Role         Role
	ExemptReason string // non-empty: never required to use MFA (a service or break-glass account)
	LastSignInAt time.Time
	// MustEnroll: an admin reset the user's MFA; they must enroll again
	// before anything else, whatever the organisation requires.
	MustEnroll bool
}

// DefaultOrgID is the organisation that exists from the first start: open
// sign-up joins it.
const DefaultOrgID = "org_default"

// Role is what a user may do in their organisation.
type Role string

// Roles.
const (
	RoleMember Role = "member"
	RoleAdmin  Role = "admin"
)

// Stage says what a session may do.
type Stage string

// Session stages: a partial session (password checked) may only present the
// second factor; a full one may do everything its user may.
const (
	StagePartial Stage = "partial"
	StageEnroll  Stage = "enroll" // the organisation requires MFA and the user has no device: enrollment only
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
	UserID     string // the account it concerns; empty for events without a known account
	ActorID    string // who acted: the user themself, or an admin
	OrgID      string
	Type       string
	At         time.Time
	ClientAddr string
	UserAgent  string
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
	MFA          bool // minted under a verified second factor
}

// CLIGrant is a one-time grant that hands an application token to a CLI
// signing in through the browser: made by a signed-in session, redeemed
// once before ExpiresAt by the CLI with its PKCE verifier. Only the grant
// code's SHA-256 (CodeHash) and the verifier's SHA-256 (Challenge) are kept.
type CLIGrant struct {
	ID             string
	UserID         string
	CodeHash       []byte
	Challenge      []byte
	TokenName      string
	TokenExpiresAt time.Time // zero: the token never expires
	MFA            bool      // the session had verified a second factor
	CreatedAt      time.Time
	ExpiresAt      time.Time
	UsedAt         time.Time
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

// Organisation is a tenancy: its users, admins, groups and MFA policy.
type Organisation struct {
	ID         string
	Slug       string // lower-case letters, digits and dashes: the otpauth issuer's suffix
	Name       string
	CreatedAt  time.Time
	RequireMFA Requirement
	TrustDays  int  // "don't ask again on this browser" lasts this long; 0: not offered
	OpenSignup bool // anyone may sign up into it
}

// Requirement is an organisation's MFA policy.
type Requirement string

// Requirements: nobody, the members of the groups marked RequireMFA, or
// everyone (exempt users never).
const (
	RequireOff      Requirement = "off"
	RequireGroups   Requirement = "groups"
	RequireEveryone Requirement = "everyone"
)

// Group is a named set of an organisation's users.
type Group struct {
	ID         string
	OrgID      string
	Name       string
	CreatedAt  time.Time
	RequireMFA bool // its members are required under RequireGroups
	Members    int  // filled by listings
}

// UserRow is a user as the admin's users page lists them.
type UserRow struct {
	User        User
	MFAEnrolled bool
	Groups      []string // group names, sorted
}

// UserFilter narrows an organisation's user listing.
type UserFilter struct {
	Query   string // part of the email address, case-insensitive
	Status  string // "", "enrolled", "not-enrolled" or "exempt"
	GroupID string
	Offset  int
	Limit   int // at most 500
}

// Invitation signs someone up into an organisation, once, before it
// expires. Only the token's hash is kept.
type Invitation struct {
	ID        string
	OrgID     string
	Email     string
	Role      Role
	TokenHash []byte
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// EmailCode is a code sent by email to confirm a dangerous action: its
// hash, single use, expiring, with the wrong tries counted.
type EmailCode struct {
	ID        string
	UserID    string
	Purpose   string
	CodeHash  []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
	Attempts  int
}

// Mail is a message the server sent, or would send (the development
// outbox, when no SMTP server is configured).
type Mail struct {
	ID        int64
	OrgID     string
	To        string
	Subject   string
	Body      string
	CreatedAt time.Time
	SentAt    time.Time // zero: not sent (the outbox, or a failure)
	Error     string
}

// TrustedBrowser is a browser its user chose not to be asked the second
// factor on, until it expires or is revoked. Only the token's hash is kept.
type TrustedBrowser struct {
	ID         string
	UserID     string
	TokenHash  []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt time.Time
	ClientAddr string
	UserAgent  string
}

// AuditFilter narrows an organisation's audit log.
type AuditFilter struct {
	UserID   string // the account concerned
	Type     string
	Since    time.Time
	Until    time.Time
	BeforeID int64
	Limit    int
}
