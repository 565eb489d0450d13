package auth

import "time"

// The types below are what the services hand to their callers. None has a
// field for a sealed secret, a password hash or a token hash: secrecy is
// by type, so a handler cannot leak what it was never given. The services
// make them from the store's records (server/service/views.go), the only
// place the two meet.

// User is an account.
type User struct {
	ID           string
	Email        string
	CreatedAt    time.Time
	MFAEnrolled  bool // the account has an active TOTP device
	OrgID        string
	Role         Role
	ExemptReason string // non-empty: never required to use MFA
	LastSignInAt time.Time
}

// Role is what a user may do in their organisation.
type Role string

// Roles.
const (
	RoleMember Role = "member"
	RoleAdmin  Role = "admin"
)

// Stage says what a session may do.
type Stage string

// Session stages: a partial session (password checked) may only present
// the second factor; a full one may do everything its user may.
const (
	StagePartial Stage = "partial"
	StageEnroll  Stage = "enroll" // the organisation requires MFA and the user has none yet: enrollment only
	StageFull    Stage = "full"
)

// Session is who a request acts for: a signed-in session, or an
// application token (TokenID set; see TokenSession).
type Session struct {
	ID            string // "ses_..." for a session, the token's id for a token
	UserID        string
	Stage         Stage
	AMR           []string  // authentication methods, RFC 8176 names where one exists
	MFAVerifiedAt time.Time // last second factor verified in this session
	CreatedAt     time.Time
	ExpiresAt     time.Time
	ClientAddr    string
	UserAgent     string
	TokenID       string // set when the principal is an application token
	// TokenMFA: the token was minted by a session that had verified a
	// second factor (or with a code): admin routes accept it.
	TokenMFA bool
}

// ViaToken reports whether the principal is an application token.
func (s Session) ViaToken() bool { return s.TokenID != "" }

// TokenSession is the session-shaped principal of a token-authenticated
// request: full stage (it passed its only factor), amr [app_token], and no
// second factor, so actions that need a fresh factor ask for a code.
func TokenSession(t AppToken) Session {
	return Session{ID: t.ID, TokenID: t.ID, UserID: t.UserID, Stage: StageFull, AMR: []string{MethodAppToken},
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, TokenMFA: t.MFA}
}

// DeviceState is a TOTP device's life cycle.
type DeviceState string

// Device states.
const (
	DevicePending DeviceState = "pending"
	DeviceActive  DeviceState = "active"
)

// Device is a TOTP device, without its secret.
type Device struct {
	ID          string
	UserID      string
	Name        string
	State       DeviceState
	Algorithm   string
	Digits      int
	Period      int
	CreatedAt   time.Time
	ExpiresAt   time.Time // pending devices only
	ActivatedAt time.Time
	LastUsedAt  time.Time
}

// AppToken is an application token, without its hash.
type AppToken struct {
	ID           string
	UserID       string
	Name         string
	MFA          bool // minted under a verified second factor
	CreatedAt    time.Time
	ExpiresAt    time.Time // zero: never
	LastUsedAt   time.Time
	LastUsedAddr string
}

// AuditEvent is one security event. Detail never holds a secret.
type AuditEvent struct {
	ID         int64
	UserID     string // the account concerned; empty when unknown
	ActorID    string // who acted: the user, or an admin
	UserEmail  string // filled for admins' listings
	ActorEmail string
	Type       string
	At         time.Time
	ClientAddr string
	UserAgent  string
	DeviceID   string
	Detail     string
}

// PushRegistration is a device's registered push key (public).
type PushRegistration struct {
	DeviceID  string
	UserID    string
	PublicKey []byte
	CreatedAt time.Time
}

// PushState is a push challenge's life cycle: pending moves once to one of
// the others; approved moves once to redeemed.
type PushState string

// Push challenge states.
const (
	PushPending   PushState = "pending"
	PushApproved  PushState = "approved"
	PushDenied    PushState = "denied"
	PushReported  PushState = "reported" // "deny, this wasn't me"
	PushFailed    PushState = "failed"   // wrong number, or the account was locked
	PushExpired   PushState = "expired"
	PushCancelled PushState = "cancelled" // another prompt of the account was reported
	PushRedeemed  PushState = "redeemed"
)

// PushChallenge is one sign-in prompt: what the device shows and the
// signing-in browser waits on. SessionID is the partial session that asked
// for it and alone may redeem it.
type PushChallenge struct {
	ID         string
	UserID     string
	SessionID  string
	Number     int    // the number to match, shown on the sign-in page
	Candidates [3]int // the three numbers the device offers
	Service    string
	Account    string
	ClientAddr string
	Browser    string
	State      PushState
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AnsweredAt time.Time
	DeviceID   string // the device that answered
}

// Organisation is a tenancy and its MFA policy.
type Organisation struct {
	ID         string
	Slug       string
	Name       string
	CreatedAt  time.Time
	RequireMFA Requirement
	TrustDays  int
	OpenSignup bool
}

// Requirement is an organisation's MFA policy.
type Requirement string

// Requirements: nobody, the members of the required groups, or everyone
// (exempt users never).
const (
	RequireOff      Requirement = "off"
	RequireGroups   Requirement = "groups"
	RequireEveryone Requirement = "everyone"
)

// MFAStatus is a user's standing against the requirement, as the users
// page shows it.
type MFAStatus string

// MFA statuses.
const (
	StatusEnrolled    MFAStatus = "enrolled"
	StatusNotEnrolled MFAStatus = "not-enrolled"
	StatusExempt      MFAStatus = "exempt"
)

// Status is the user's MFA status.
func (u User) Status() MFAStatus {
	switch {
	case u.ExemptReason != "":
		return StatusExempt
	case u.MFAEnrolled:
		return StatusEnrolled
	}
	return StatusNotEnrolled
}

// OrgUser is a user with their groups, for admins.
type OrgUser struct {
	User
	Groups []string
}

// UserChange is an admin's change to a user: a role, an exemption (with
// its reason), or both; nil leaves a field as it is.
type UserChange struct {
	Role         *Role
	Exempt       *bool
	ExemptReason string
}

// UserFilter narrows the users page.
type UserFilter struct {
	Query   string
	Status  MFAStatus // "" for all
	GroupID string
	Offset  int
	Limit   int
}

// Group is a named set of an organisation's users.
type Group struct {
	ID         string
	Name       string
	CreatedAt  time.Time
	RequireMFA bool // its members are required under RequireGroups
	Members    int
}

// Invitation signs someone up into an organisation, once, before it
// expires.
type Invitation struct {
	ID        string
	Email     string
	Role      Role
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// NewInvitation is an invitation just made: Link goes to the invitee (by
// email) once; only its hash is kept.
type NewInvitation struct {
	Invitation
	Link string
}

// Mail is a message the server sent or would send.
type Mail struct {
	ID        int64
	To        string
	Subject   string
	Body      string
	CreatedAt time.Time
	SentAt    time.Time
	Error     string
}

// TrustedBrowser is a browser its user chose not to be asked the second
// factor on.
type TrustedBrowser struct {
	ID         string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt time.Time
	ClientAddr string
	Browser    string
	Current    bool // the request's own browser
}

// AuditFilter narrows an organisation's audit log.
type AuditFilter struct {
	UserID   string
	Type     string
	Since    time.Time
	Until    time.Time
	BeforeID int64
	Limit    int
}
