package transfer

import "errors"

// Errors that end a whole import; match them with errors.Is. Messages say
// what is wrong with the file without quoting it, so they never contain a
// secret, a password or anything else the file holds.
var (
	ErrUnknownFormat    = errors.New("transfer: not a file format Twofold can import")
	ErrNotFormat        = errors.New("transfer: the file is not in the chosen format")
	ErrTooLarge         = errors.New("transfer: the file is too large")
	ErrPasswordRequired = errors.New("transfer: the file is encrypted; its password is needed")
	ErrWrongPassword    = errors.New("transfer: wrong password")
	ErrDamaged          = errors.New("transfer: the file is damaged, cut short or was modified")
	ErrUnsupported      = errors.New("transfer: this kind of file cannot be imported")
	ErrNoAccounts       = errors.New("transfer: the file holds no accounts")
)

// Errors that keep one entry out of an import (a Skipped's Err) or out of an
// export, while the others go through.
var (
	ErrUnsupportedType      = errors.New("transfer: this kind of code is not supported")
	ErrUnsupportedAlgorithm = errors.New("transfer: this hash algorithm is not supported")
	ErrInvalidEntry         = errors.New("transfer: invalid account")
	ErrNotExportable        = errors.New("transfer: this account has no place in the chosen export format")
)

// wrongPasswordOrDamaged is the answer of a format whose one authentication
// tag covers both the key and the data (andOTP, Authenticator Pro / Stratum,
// 2FAS without a reference): a wrong password and a modified file fail the
// same check. It matches both ErrWrongPassword and ErrDamaged.
type wrongPasswordOrDamaged struct{}

func (wrongPasswordOrDamaged) Error() string {
	return "transfer: wrong password, or the file is damaged (this format cannot tell the two apart)"
}

func (wrongPasswordOrDamaged) Is(target error) bool {
	return target == ErrWrongPassword || target == ErrDamaged
}

var errWrongPasswordOrDamaged error = wrongPasswordOrDamaged{}
