package auth

import "errors"

// Sentinel errors of the services. The API maps each to a status, a stable
// code and a sentence in one table (server/api/errors.go); the texts here
// are for logs.
var (
	ErrInvalidEmail        = errors.New("email address is not valid")
	ErrInvalidPassword     = errors.New("password length out of range")
	ErrEmailTaken          = errors.New("email address already registered")
	ErrInvalidCredentials  = errors.New("email or password is wrong")
	ErrWrongPassword       = errors.New("the current password is wrong")
	ErrUnauthenticated     = errors.New("no valid session")
	ErrVerificationFailed  = errors.New("verification failed")
	ErrCodeFormat          = errors.New("code is not the expected number of digits")
	ErrRecoveryCodeFormat  = errors.New("recovery code is malformed")
	ErrFactorMissing       = errors.New("give exactly one of code and recovery_code")
	ErrFreshFactorRequired = errors.New("a fresh second factor is required")
	ErrMFANotEnrolled      = errors.New("no active TOTP device")
	ErrMFARequired         = errors.New("the session has not verified a second factor")
	ErrSessionNotFound     = errors.New("no such session")

	ErrDeviceNotFound = errors.New("no such device")
	ErrDeviceExpired  = errors.New("pending device expired")
	ErrDeviceActive   = errors.New("device is already active")
	ErrDeviceNotYours = errors.New("pending device was created by another session or token")
	ErrTooManyDevices = errors.New("too many devices")
	ErrInvalidName    = errors.New("device name is not valid")

	ErrInvalidToken     = errors.New("application token unknown, revoked or expired")
	ErrInvalidTokenName = errors.New("token name is not valid")
	ErrInvalidExpiry    = errors.New("token expiry out of range")
	ErrTooManyTokens    = errors.New("too many application tokens")
	ErrTokenNotFound    = errors.New("no such application token")
	ErrTokenNotAllowed  = errors.New("application tokens cannot do this")

	ErrPushDisabled      = errors.New("push is not enabled on this server")
	ErrPushKey           = errors.New("push public key is not 32 bytes of Ed25519")
	ErrPushRejected      = errors.New("push registration or answer rejected")
	ErrPushRevoked       = errors.New("push registration revoked")
	ErrPushNotRegistered = errors.New("no device of the account is registered for push")
	ErrPushPaused        = errors.New("push is paused for the account after a reported prompt")
	ErrPushTooMany       = errors.New("too many push prompts")
	ErrPushNotFound      = errors.New("no such push challenge")
	ErrPushNotApproved   = errors.New("push challenge not approved, or expired")
	ErrPushNotPartial    = errors.New("push challenges are for a partial session")
)
