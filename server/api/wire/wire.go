// Package wire is the JSON of Twofold's HTTP API (/api/v1): the request
// and response bodies the server's handlers (server/api) write and read,
// and the Go client (server/api/client) sends and decodes. One definition
// for both sides, so they cannot drift; server/api/openapi.json documents
// the same shapes, and a test keeps it in step with the router. Times are
// RFC 3339 in UTC.
package wire

import "time"

// AuditEvent is one of the user's own security events; ActorEmail names
// the admin when someone else caused it (Reset MFA, an exemption).
type AuditEvent struct {
	ID         int64     `json:"id"`
	Type       string    `json:"type"`
	At         time.Time `json:"at"`
	ClientAddr string    `json:"client_addr"`
	UserAgent  string    `json:"user_agent,omitempty"`
	ActorEmail string    `json:"actor_email,omitempty"`
	DeviceID   string    `json:"device_id,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

type AuditList struct {
	Events     []AuditEvent `json:"events"`
	NextBefore *int64       `json:"next_before"`
}

type DeviceList struct {
	Devices []Device `json:"devices"`
}

// CreateDeviceRequest names the device; once the account has an active
// device it also carries a fresh second factor (or the session has one).
type CreateDeviceRequest struct {
	Name         string `json:"name"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

// Key is the one response that carries a device's key.
type Key struct {
	OTPAuthURI    string `json:"otpauth_uri"`
	Secret        string `json:"secret"`
	SecretGrouped string `json:"secret_grouped"`
	Issuer        string `json:"issuer"`
	Account       string `json:"account"`
	Algorithm     string `json:"algorithm"`
	Digits        int    `json:"digits"`
	Period        int    `json:"period"`
	QRPNG         string `json:"qr_png"`
}

type Enrollment struct {
	Device     Device `json:"device"`
	Enrollment Key    `json:"enrollment"`
}

type RenameRequest struct {
	Name string `json:"name"`
}

type ActivateRequest struct {
	Code string `json:"code"`
}

type ActivateResponse struct {
	Device        Device   `json:"device"`
	RecoveryCodes []string `json:"recovery_codes,omitempty"`
	// SignedOutSessions counts the other sessions that ended because this
	// activation turned MFA on and they had only the password.
	SignedOutSessions int64 `json:"signed_out_sessions"`
	// SignInCompleted: the session was in the enroll stage (the
	// organisation requires MFA) and this activation completed its sign-in.
	SignInCompleted bool `json:"sign_in_completed"`
}

type Deleted struct {
	Deleted int64 `json:"deleted"`
}

type Time struct {
	UnixMS int64 `json:"unix_ms"`
}

// Health is /healthz's answer when every part answers: the database
// engine ("sqlite" or "postgres"), and on PostgreSQL the notification
// connection that carries push changes between instances ("listening").
type Health struct {
	Status        string `json:"status"`
	Database      string `json:"database,omitempty"`
	Notifications string `json:"notifications,omitempty"`
}

type PushRegistrationRequest struct {
	DeviceID  string `json:"device_id"`
	PublicKey string `json:"public_key"`
	At        int64  `json:"at"`    // Unix seconds the proof was made at
	Proof     string `json:"proof"` // shared/pushproto registration proof, base64url
}

type PushRegistration struct {
	DeviceID     string    `json:"device_id"`
	RegisteredAt time.Time `json:"registered_at"`
}

type PushChallenge struct {
	ID        string    `json:"id"`
	Number    int       `json:"number"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

type RecoveryStatus struct {
	Remaining int `json:"remaining"`
}

type RecoveryCodes struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

type ErrorBody struct {
	Error Error `json:"error"`
}

type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Credentials sign up or sign in; Invitation (sign-up only) is the token
// of an invitation link.
type Credentials struct {
	Email      string `json:"email"`
	Password   string `json:"password"`
	Invitation string `json:"invitation,omitempty"`
}

type SessionListItem struct {
	ID         string     `json:"id"`
	Current    bool       `json:"current"`
	Stage      string     `json:"stage"`
	AMR        []string   `json:"amr"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	VerifiedAt *time.Time `json:"mfa_verified_at"`
	ClientAddr string     `json:"client_addr"`
	Browser    string     `json:"browser"`
}

type SessionList struct {
	Sessions []SessionListItem `json:"sessions"`
}

type ChangePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
	Code            string `json:"code"`
	RecoveryCode    string `json:"recovery_code"`
}

type ChangePasswordResponse struct {
	SignedOutSessions int64 `json:"signed_out_sessions"`
}

type Protected struct {
	Message    string   `json:"message"`
	AMR        []string `json:"amr"`
	VerifiedAt string   `json:"mfa_verified_at"`
}

type AppToken struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    *time.Time `json:"expires_at"`
	LastUsedAt   *time.Time `json:"last_used_at"`
	LastUsedAddr string     `json:"last_used_addr"`
	MFA          bool       `json:"mfa"` // minted under a verified second factor
}

type AppTokenList struct {
	Tokens []AppToken `json:"tokens"`
}

// CreateAppTokenRequest names the token; with MFA enrolled it carries a
// second factor unless the session verified one within the last minutes.
type CreateAppTokenRequest struct {
	Name         string     `json:"name"`
	ExpiresAt    *time.Time `json:"expires_at"`
	Code         string     `json:"code"`
	RecoveryCode string     `json:"recovery_code"`
}

// CLIGrantRequest is the browser's half of `twofold login --browser`: the
// CLI's PKCE challenge (base64url of the SHA-256 of its verifier) and the
// token it will get; like CreateAppTokenRequest it may carry a code.
type CLIGrantRequest struct {
	CodeChallenge string     `json:"code_challenge"`
	Name          string     `json:"name"`
	ExpiresAt     *time.Time `json:"expires_at"`
	Code          string     `json:"code"`
	RecoveryCode  string     `json:"recovery_code"`
}

// CLIGrant is a one-time grant for the CLI's loopback listener.
type CLIGrant struct {
	Grant     string    `json:"grant"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CLIGrantRedeem is the CLI's half: the grant and its verifier.
type CLIGrantRedeem struct {
	Grant        string `json:"grant"`
	CodeVerifier string `json:"code_verifier"`
}

// CreatedAppToken is the one response that carries a token.
type CreatedAppToken struct {
	Token  AppToken `json:"token"`
	Secret string   `json:"secret"`
}

// User is an account as its owner sees it.
type User struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	CreatedAt   time.Time `json:"created_at"`
	MFAEnrolled bool      `json:"mfa_enrolled"`
	Role        string    `json:"role"` // "member" or "admin" of their organisation
}

type Session struct {
	Stage string   `json:"stage"`
	AMR   []string `json:"amr"`
	// MFATOTPVerified is true once a second factor (TOTP code or recovery
	// code; push later) was checked in this session; AMR says which.
	MFATOTPVerified bool       `json:"mfa_totp_verified"`
	MFAVerifiedAt   *time.Time `json:"mfa_verified_at"`
	CreatedAt       time.Time  `json:"created_at"`
	ExpiresAt       time.Time  `json:"expires_at"`
}

type SessionResponse struct {
	User    User    `json:"user"`
	Session Session `json:"session"`
}

// SessionStatus is GET /session/status: whether the request carries a live
// session and, if so, its stage.
// TrustDays is how long "Don't ask again on this browser" lasts in the
// user's organisation (0: not offered), so the second-factor page can offer
// it. SignupOpen, for a visitor without a session, says whether sign-up
// without an invitation is open, so the sign-up page can say it is by
// invitation before anyone fills it in.
type SessionStatus struct {
	SignedIn   bool   `json:"signed_in"`
	Stage      string `json:"stage,omitempty"`
	TrustDays  int    `json:"trust_days,omitempty"`
	SignupOpen *bool  `json:"signup_open,omitempty"`
}

type Device struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	State       string     `json:"state"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	ActivatedAt *time.Time `json:"activated_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
}

// Factor is a second factor in a request body: exactly one of the two.
// Factor is a second factor: exactly one of the two.
type Factor struct {
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

// SecondFactorRequest completes a sign-in (or steps up); TrustBrowser asks
// not to be asked again on this browser for the organisation's days.
type SecondFactorRequest struct {
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
	TrustBrowser bool   `json:"trust_browser"`
}

// TrustedBrowser is a browser that skips the second factor.
type TrustedBrowser struct {
	ID         string    `json:"id"`
	Current    bool      `json:"current"`
	Browser    string    `json:"browser"`
	ClientAddr string    `json:"client_addr"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	LastUsedAt time.Time `json:"last_used_at"`
}

// TrustedBrowserList lists them.
type TrustedBrowserList struct {
	Browsers []TrustedBrowser `json:"browsers"`
}

// Organisation is an organisation and its MFA policy, for its admins.
type Organisation struct {
	ID             string `json:"id"`
	Slug           string `json:"slug"`
	Name           string `json:"name"`
	RequireMFA     string `json:"require_mfa"` // off, groups or everyone
	TrustDays      int    `json:"trust_days"`
	OpenSignup     bool   `json:"open_signup"`
	SMTPConfigured bool   `json:"smtp_configured"`
}

// OrgUpdate changes an organisation's settings; absent fields stay.
type OrgUpdate struct {
	Name       *string `json:"name"`
	TrustDays  *int    `json:"trust_days"`
	OpenSignup *bool   `json:"open_signup"`
}

// RequirementRequest turns the MFA requirement on: for everyone or the
// groups given; Sessions is "sign_out" (every affected session ends) or
// "keep" (they stay; unenrolled users are sent to enrollment).
type RequirementRequest struct {
	Scope    string   `json:"scope"`
	GroupIDs []string `json:"group_ids"`
	Sessions string   `json:"sessions"`
}

// RequirementResult is what turning it on changed.
type RequirementResult struct {
	Organisation    Organisation `json:"organisation"`
	AffectedUsers   int          `json:"affected_users"`
	SessionsChanged int64        `json:"sessions_changed"`
}

// CodeSent says where an emailed code went.
type CodeSent struct {
	SentTo           string `json:"sent_to"`
	ExpiresInSeconds int    `json:"expires_in_seconds"`
}

// EmailCode is a code received by email.
type EmailCode struct {
	Code string `json:"code"`
}

// OrgUser is a user as the users page lists them.
type OrgUser struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	Role         string     `json:"role"`
	Groups       []string   `json:"groups"`
	MFAStatus    string     `json:"mfa_status"` // enrolled, not-enrolled or exempt
	ExemptReason string     `json:"exempt_reason,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	LastSignInAt *time.Time `json:"last_sign_in_at"`
}

// OrgUserList is a page of users and how many match.
type OrgUserList struct {
	Users []OrgUser `json:"users"`
	Total int       `json:"total"`
}

// OrgUserDetail is one user with their devices.
type OrgUserDetail struct {
	User    OrgUser  `json:"user"`
	Devices []Device `json:"devices"`
}

// UserUpdate changes a user's role or exemption; absent fields stay.
type UserUpdate struct {
	Role         *string `json:"role"`
	Exempt       *bool   `json:"exempt"`
	ExemptReason string  `json:"exempt_reason"`
}

// Reason is an admin's reason (Reset MFA).
type Reason struct {
	Reason string `json:"reason"`
}

// Group is a named set of users.
type Group struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	RequireMFA bool      `json:"require_mfa"`
	Members    int       `json:"members"`
	CreatedAt  time.Time `json:"created_at"`
}

// GroupList lists groups.
type GroupList struct {
	Groups []Group `json:"groups"`
}

// GroupRequest names a new group.
type GroupRequest struct {
	Name string `json:"name"`
}

// GroupUpdate marks a group required or not (the field is required: an
// empty body changes nothing).
type GroupUpdate struct {
	RequireMFA *bool `json:"require_mfa"`
}

// InvitationRequest invites an email address.
type InvitationRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Invitation is an invitation, without its link.
type Invitation struct {
	ID        string     `json:"id"`
	Email     string     `json:"email"`
	Role      string     `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at"`
}

// NewInvitation is an invitation just made, with its link (shown once).
type NewInvitation struct {
	Invitation Invitation `json:"invitation"`
	Link       string     `json:"link"`
}

// InvitationList lists invitations.
type InvitationList struct {
	Invitations []Invitation `json:"invitations"`
}

// OrgAuditEvent is an event of the organisation's audit log.
type OrgAuditEvent struct {
	ID         int64     `json:"id"`
	Type       string    `json:"type"`
	At         time.Time `json:"at"`
	UserID     string    `json:"user_id,omitempty"`
	UserEmail  string    `json:"user_email,omitempty"`
	ActorID    string    `json:"actor_id,omitempty"`
	ActorEmail string    `json:"actor_email,omitempty"`
	ClientAddr string    `json:"client_addr"`
	UserAgent  string    `json:"user_agent,omitempty"`
	DeviceID   string    `json:"device_id,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

// OrgAuditList is a page of the organisation's events.
type OrgAuditList struct {
	Events     []OrgAuditEvent `json:"events"`
	NextBefore *int64          `json:"next_before"`
}

// Mail is a message of the outbox.
type Mail struct {
	ID        int64      `json:"id"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
	Error     string     `json:"error,omitempty"`
}

// Outbox is the organisation's mail: the development outbox when no SMTP
// server is configured.
type Outbox struct {
	SMTPConfigured bool   `json:"smtp_configured"`
	Mails          []Mail `json:"mails"`
}
