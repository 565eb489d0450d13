package accounts

import (
	"errors"
	"fmt"

	"github.com/twofold-auth/twofold/shared/errcode"
)

// Errors returned by this package; match them with errors.Is. Messages are
// meant for people.
var (
	ErrNotFound    = errcode.New("not_found", "no such account")
	ErrDuplicate   = errcode.New("duplicate", "this account is already in the authenticator")
	ErrNotHOTP     = errcode.New("not_hotp", "this account is not counter based (HOTP)")
	ErrOrder       = errcode.New("bad_order", "the new order must list every account exactly once")
	ErrName        = errcode.New("invalid_account", "enter the account name (for example your e-mail address)")
	ErrContents    = errcode.New("tampered", "the vault contents are not readable")
	ErrTooLarge    = errcode.New("too_large", "the import is too large")
	ErrNoKeys      = errcode.New("no_keys", "no otpauth URI found in the text")
	ErrBatchIndex  = errcode.New("bad_export", "this export QR code has an impossible part number")
	ErrClockOffset = errcode.New("clock_offset", "the clock correction must be within a day")
)

var errIDTaken = errors.New("an account id is already in use")

// DuplicateError says which stored account a new one duplicates and how:
// the same key (a copy: skip it), or the same issuer and account name with
// another key (ask: replace the old key, or keep both).
type DuplicateError struct {
	Existing   Ref
	SameSecret bool // same key; otherwise same issuer and account name
}

// Ref names a stored account in an error or a choice. Not a View: an
// error holding a time.Time (View.Added) makes the linker keep time's
// formatting code in the WebAssembly (see shared/pbwire).
type Ref struct {
	ID    string
	Label string // "Issuer (account)"
}

func refOf(a *Account) Ref { return Ref{ID: a.ID, Label: a.View().Label()} }

func (e *DuplicateError) Error() string {
	if e.SameSecret {
		return fmt.Sprintf("this key is already in your list as %s", e.Existing.Label)
	}
	return fmt.Sprintf("an account named %s is already in your list", e.Existing.Label)
}

// ErrorCode is duplicate for the same key, name_conflict for the same
// name with another key.
func (e *DuplicateError) ErrorCode() string {
	if e.SameSecret {
		return "duplicate"
	}
	return "name_conflict"
}

// ErrorDetails names the account already in the list.
func (e *DuplicateError) ErrorDetails() map[string]any {
	return map[string]any{"existingId": e.Existing.ID}
}

// Is makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }
