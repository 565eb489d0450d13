// Package auth is the vocabulary the server's services speak to their
// callers: the domain types (a user, a session, a device, a token, a push
// challenge), what callers pass in (a Factor, the Client), what they get
// back (an Enrollment, a NewSession, ...) and the sentinel errors. It
// imports no storage, so the HTTP layer that uses it cannot reach the
// store, and none of its types has a field for a sealed secret, a password
// hash or a token hash. The services themselves are in server/service.
package auth

import (
	"strings"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Factor is a second factor as a person submits it: exactly one of a TOTP
// code and a recovery code.
type Factor struct {
	Code         string
	RecoveryCode string
}

// Given reports whether anything was submitted.
func (f Factor) Given() bool {
	return strings.TrimSpace(f.Code) != "" || strings.TrimSpace(f.RecoveryCode) != ""
}

// Client describes who sent a request, for sessions and the audit log.
type Client struct {
	Addr      string
	UserAgent string
	// BrowserToken is the known-browser cookie the request carried, if any.
	BrowserToken string
	// TrustToken is the trusted-browser cookie the request carried, if any.
	TrustToken string
}

// MaxAuditPage is the most audit events one page holds.
const MaxAuditPage = 200

// KnownBrowserTTL is how long a known-browser cookie lives.
const KnownBrowserTTL = 90 * 24 * time.Hour

// Authentication methods recorded in a session's amr (RFC 8176 names where
// one exists).
const (
	MethodPassword = "pwd"
	MethodOTP      = "otp"
	MethodRecovery = "recovery"
	MethodPush     = "push"
	MethodAppToken = "app_token" // a request authenticated by an application token
)

// NewSession is a session just created or stepped up: Token (and
// BrowserToken, a new known-browser token) go to the client once, as
// cookies; empty when nothing new is to be set.
type NewSession struct {
	Token        string
	BrowserToken string
	// TrustToken is a new trusted-browser token ("don't ask again on this
	// browser"), for its cookie, which lives until TrustExpiresAt.
	TrustToken     string
	TrustExpiresAt time.Time
	Session        Session
	User           User
}

// Enrollment is a device just created, or a pending device's new seed: the
// only moments a key leaves the server.
type Enrollment struct {
	Device Device
	Key    otpauth.Key // for the URI, the grouped key and the QR code
}

// ActivateResult is a device just activated.
type ActivateResult struct {
	Device Device
	// RecoveryCodes are the account's first recovery codes, shown once;
	// nil when the account already had some.
	RecoveryCodes []string
	// SignedOut counts the user's other sessions that ended because this
	// activation turned MFA on and they had only the password.
	SignedOut int64
	// SessionCompleted: the session was in the enroll stage (the
	// organisation requires MFA) and this activation completed its sign-in.
	SessionCompleted bool
}

// NewAppToken is a token just created: Secret goes to the user once.
type NewAppToken struct {
	Secret string
	Token  AppToken
}

// ChangePasswordResult is what a password change did.
type ChangePasswordResult struct {
	SignedOut    int64  // other sessions ended
	BrowserToken string // this browser's new known-browser token
}

// BrowserSummary shortens a User-Agent to "Browser on OS" for a prompt.
func BrowserSummary(ua string) string {
	browser := "A browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
		{"curl/", "curl"}, {"Go-http-client", "A program"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return browser + " on " + o.name
		}
	}
	return browser
}

// OrgChange is a change of an organisation's settings; nil fields stay.
type OrgChange struct {
	Name       *string
	TrustDays  *int
	OpenSignup *bool
}

// RequirementResult is what turning the MFA requirement on changed.
type RequirementResult struct {
	Organisation Organisation
	Affected     int   // users now required
	Sessions     int64 // sessions ended (sign everyone out) or sent to enrollment (keep sessions)
}
