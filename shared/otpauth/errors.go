package otpauth

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error this package returns matches exactly one of
// them with errors.Is. Messages name what is wrong (a parameter, a position)
// but never quote input values, so they never contain the secret.
var (
	ErrTooLong        = errors.New("otpauth: input too long")
	ErrEncoding       = errors.New("otpauth: not valid UTF-8 or broken percent-escape")
	ErrScheme         = errors.New("otpauth: scheme must be otpauth")
	ErrType           = errors.New("otpauth: type must be totp or hotp")
	ErrLabel          = errors.New("otpauth: bad label")
	ErrIssuerConflict = errors.New("otpauth: issuer parameter differs from the label's issuer")
	ErrDuplicateParam = errors.New("otpauth: parameter given twice")
	ErrParam          = errors.New("otpauth: parameter without a name")
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

func (e *Base32Error) Error() string {
	msg := fmt.Sprintf("otpauth: this key has a character that is not base32: %q at position %d", e.Char, e.Pos)
	if hint := lookalike[e.Char]; hint != "" {
		msg += " (did you mean " + hint + "?)"
	}
	return msg
}

// Is makes errors.Is(err, ErrBase32) true for a *Base32Error.
func (e *Base32Error) Is(target error) bool { return target == ErrBase32 }

// lookalike names the base32 letters that people type as digits base32 lacks.
var lookalike = map[rune]string{'0': "O", '1': "I or L", '8': "B"}

// errBase32Length is a key whose last group of characters cannot come from
// any byte string (1, 3 or 6 characters past a multiple of 8): a character
// is missing or one too many, and no single position is to blame.
var errBase32Length = fmt.Errorf("%w: a character is missing or there is one too many", ErrBase32)

// paramError says which parameter broke a rule, without quoting its value.
func paramError(sentinel error, param, problem string) error {
	if problem == "" {
		return fmt.Errorf("%w (parameter %s)", sentinel, param)
	}
	return fmt.Errorf("%w: parameter %s %s", sentinel, param, problem)
}
