package otpauth

import (
	"fmt"

	"github.com/twofold-auth/twofold/shared/errcode"
)

// Sentinel errors; every error this package returns matches exactly one of
// them with errors.Is. Messages name what is wrong (a parameter, a position)
// but never quote input values, so they never contain the secret.
var (
	ErrTooLong        = errcode.New("too_large", "the input is too long")
	ErrEncoding       = errcode.New("bad_uri", "the link is not valid UTF-8 or has a broken percent-escape")
	ErrScheme         = errcode.New("bad_uri", "the link must start with otpauth://")
	ErrType           = errcode.New("bad_uri", "the link's type must be totp or hotp")
	ErrLabel          = errcode.New("invalid_account", "the account name is not valid")
	ErrIssuerConflict = errcode.New("invalid_account", "the issuer parameter differs from the issuer in the account name")
	ErrDuplicateParam = errcode.New("bad_uri", "a parameter is given twice")
	ErrParam          = errcode.New("bad_uri", "a parameter has no name")
	ErrSecretMissing  = errcode.New("bad_key", "the key is missing or empty")
	ErrSecretLength   = errcode.New("bad_key", "the key is too long")
	ErrSecretShort    = errcode.New("bad_key", "the key is too short: a key has at least 80 bits (16 characters)")
	ErrBase32         = errcode.New("bad_key", "the key is not valid base32")
	ErrAlgorithm      = errcode.New("invalid_account", "the algorithm must be SHA1, SHA256 or SHA512")
	ErrDigits         = errcode.New("invalid_account", "the digits must be 6, 7 or 8")
	ErrPeriod         = errcode.New("invalid_account", "the period must be a positive number of seconds")
	ErrCounter        = errcode.New("bad_uri", "the counter is missing or not a number")
)

// Base32Error says which character of a typed key is not base32. It matches
// ErrBase32 with errors.Is. Pos counts characters (not bytes) from 1, in the
// input as typed, so a UI can point at it.
type Base32Error struct {
	Pos  int
	Char rune
}

// ErrorCode is bad_key (shared/errcode).
func (e *Base32Error) ErrorCode() string { return "bad_key" }

// ErrorDetails point at the character, as typed.
func (e *Base32Error) ErrorDetails() map[string]any {
	return map[string]any{"position": e.Pos, "char": string(e.Char)}
}

func (e *Base32Error) Error() string {
	msg := fmt.Sprintf("this key has a character that is not base32: %q at position %d", e.Char, e.Pos)
	if hint := lookalike[e.Char]; hint != "" {
		msg += " (did you mean " + hint + "?)"
	}
	return msg
}

// Is makes errors.Is(err, ErrBase32) true for a *Base32Error.
func (e *Base32Error) Is(target error) bool { return target == ErrBase32 }

// Lookalike names the base32 letters that people type as r, a digit
// base32 lacks ("I or L" for '1'), or "" when r is not one of those.
func Lookalike(r rune) string { return lookalike[r] }

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
