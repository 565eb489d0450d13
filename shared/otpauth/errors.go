package otpauth

import "errors"

// Sentinel errors; every error this package returns matches exactly one of
// them with errors.Is. Messages never contain the secret.
var (
	ErrTooLong        = errors.New("otpauth: input too long")
	ErrEncoding       = errors.New("otpauth: not valid UTF-8 or broken percent-escape")
	ErrScheme         = errors.New("otpauth: scheme must be otpauth")
	ErrType           = errors.New("otpauth: type must be totp or hotp")
	ErrLabel          = errors.New("otpauth: bad label")
	ErrIssuerConflict = errors.New("otpauth: issuer parameter differs from the label's issuer")
	ErrDuplicateParam = errors.New("otpauth: parameter given twice")
	ErrSecretMissing  = errors.New("otpauth: secret is missing or empty")
	ErrSecretLength   = errors.New("otpauth: secret is too long")
	ErrBase32         = errors.New("otpauth: secret is not valid base32")
	ErrAlgorithm      = errors.New("otpauth: algorithm must be SHA1, SHA256 or SHA512")
	ErrDigits         = errors.New("otpauth: digits must be 6, 7 or 8")
	ErrPeriod         = errors.New("otpauth: period must be a positive number of seconds")
	ErrCounter        = errors.New("otpauth: counter is missing or not a number")
)

// Base32Error says which character of a typed key is not base32. It matches
// ErrBase32 with errors.Is. Pos counts characters (not bytes) from 1, in the
// input as typed, so a UI can point at it.
type Base32Error struct {
	Pos  int
	Char rune
}

func (e *Base32Error) Error() string { panic("otpauth: implement") }

// Is makes errors.Is(err, ErrBase32) true for a *Base32Error.
func (e *Base32Error) Is(target error) bool { return target == ErrBase32 }
