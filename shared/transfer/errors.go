package transfer

import (
	"github.com/twofold-auth/twofold/shared/errcode"
)

// Errors that end a whole import; match them with errors.Is. Messages say
// what is wrong with the file without quoting it, so they never contain a
// secret, a password or anything else the file holds.
var (
	ErrUnknownFormat    = errcode.New("unknown_format", "not a file format Twofold can import")
	ErrNotFormat        = errcode.New("wrong_format", "the file is not in the chosen format")
	ErrTooLarge         = errcode.New("too_large", "the file is too large")
	ErrPasswordRequired = errcode.New("password_required", "the file is encrypted; its password is needed")
	ErrWrongPassword    = errcode.New("wrong_password", "wrong password")
	ErrDamaged          = errcode.New("damaged_file", "the file is damaged, cut short or was modified")
	ErrUnsupported      = errcode.New("unsupported_file", "this kind of file cannot be imported")
	ErrNoAccounts       = errcode.New("no_keys", "the file holds no accounts")
)

// Errors that keep one entry out of an import (a Skipped's Err) or out of an
// export, while the others go through.
var (
	ErrUnsupportedType      = errcode.New("unsupported_account", "this kind of code is not supported")
	ErrUnsupportedAlgorithm = errcode.New("unsupported_account", "this hash algorithm is not supported")
	ErrInvalidEntry         = errcode.New("invalid_account", "invalid account")
	ErrNotExportable        = errcode.New("not_exportable", "this account has no place in the chosen export format")
)

// wrongPasswordOrDamaged is the answer of a format whose one authentication
// tag covers both the key and the data (andOTP, Authenticator Pro / Stratum,
// 2FAS without a reference): a wrong password and a modified file fail the
// same check. It matches both ErrWrongPassword and ErrDamaged.
type wrongPasswordOrDamaged struct{}

func (wrongPasswordOrDamaged) Error() string {
	return "wrong password, or the file is damaged (this format cannot tell the two apart)"
}

// ErrorCode is wrong_password: the likelier cause, and the one a person can
// act on (shared/errcode).
func (wrongPasswordOrDamaged) ErrorCode() string { return "wrong_password" }

func (wrongPasswordOrDamaged) Is(target error) bool {
	return target == ErrWrongPassword || target == ErrDamaged
}

var errWrongPasswordOrDamaged error = wrongPasswordOrDamaged{}
