// Package wire is the JSON of Twofold's HTTP API (/api/v1): the request
// and response bodies the server's handlers (server/api) write and read,
// and the Go client (server/api/client) sends and decodes. One definition
// for both sides, so they cannot drift; server/api/openapi.json documents
// the same shapes, and a test keeps it in step with the router. Times are
// RFC 3339 in UTC.
package wire

import "time"

type AuditEvent struct {
	ID         int64     `json:"id"`
	Type       string    `json:"type"`
	At         time.Time `json:"at"`
	ClientAddr string    `json:"client_addr"`
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
}

type Deleted struct {
	Deleted int64 `json:"deleted"`
}

type Time struct {
	UnixMS int64 `json:"unix_ms"`
}

type Health struct {
	Status string `json:"status"`
}

type PushRegistrationRequest struct {
	DeviceID  string `json:"device_id"`
	PublicKey string `json:"public_key"`
	At        int64  `json:"at"`    // Unix seconds the proof was made at
	Proof     string `json:"proof"` // shared/push registration proof, base64url
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

type Credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
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

// CreatedAppToken is the one response that carries a token.
type CreatedAppToken struct {
	Token  AppToken `json:"token"`
	Secret string   `json:"secret"`
}

type User struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	CreatedAt   time.Time `json:"created_at"`
	MFAEnrolled bool      `json:"mfa_enrolled"`
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
type SessionStatus struct {
	SignedIn bool   `json:"signed_in"`
	Stage    string `json:"stage,omitempty"`
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
type Factor struct {
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}
