package auth

import "errors"

// Sentinel errors. The API maps each to a status and a public message; the
// messages here are for logs.
var (
	ErrInvalidEmail        = errors.New("auth: email address is not valid")
	ErrInvalidPassword     = errors.New("auth: password length out of range")
	ErrEmailTaken          = errors.New("auth: email address already registered")
	ErrInvalidCredentials  = errors.New("auth: email or password is wrong")
	ErrUnauthenticated     = errors.New("auth: no valid session")
	ErrVerificationFailed  = errors.New("auth: verification failed")
	ErrCodeFormat          = errors.New("auth: code is not the expected number of digits")
	ErrRecoveryCodeFormat  = errors.New("auth: recovery code is malformed")
	ErrFactorMissing       = errors.New("auth: give exactly one of code and recovery_code")
	ErrFreshFactorRequired = errors.New("auth: a fresh second factor is required")
	ErrNotFound            = errors.New("auth: not found")
	ErrDeviceExpired       = errors.New("auth: pending device expired")
	ErrDeviceActive        = errors.New("auth: device is already active")
	ErrTooManyDevices      = errors.New("auth: too many devices")
	ErrInvalidName         = errors.New("auth: device name is not valid")
	ErrMFANotEnrolled      = errors.New("auth: no active TOTP device")
	ErrMFARequired         = errors.New("auth: the session has not verified a second factor")
	ErrInvalidToken        = errors.New("auth: application token unknown, revoked or expired")
	ErrInvalidTokenName    = errors.New("auth: token name is not valid")
	ErrInvalidExpiry       = errors.New("auth: token expiry out of range")
	ErrTooManyTokens       = errors.New("auth: too many application tokens")
	ErrTokenNotFound       = errors.New("auth: no such application token")
	ErrTokenNotAllowed     = errors.New("auth: application tokens cannot do this")
	ErrDeviceNotYours      = errors.New("auth: pending device was created by another session or token")
	ErrSessionNotFound     = errors.New("auth: no such session")
	ErrWrongPassword       = errors.New("auth: the current password is wrong")
)
