package accounts

import (
	"errors"
	"fmt"
)

// Errors returned by this package; match them with errors.Is. Messages are
// meant for people.
var (
	ErrNotFound    = errors.New("no such account")
	ErrDuplicate   = errors.New("this account is already in the authenticator")
	ErrNotHOTP     = errors.New("this account is not counter based (HOTP)")
	ErrOrder       = errors.New("the new order must list every account exactly once")
	ErrName        = errors.New("enter the account name (for example your e-mail address)")
	ErrContents    = errors.New("the vault contents are not readable")
	ErrTooLarge    = errors.New("the import is too large")
	ErrNoKeys      = errors.New("no otpauth URI found in the text")
	ErrBatchIndex  = errors.New("this export QR code has an impossible part number")
	ErrClockOffset = errors.New("the clock correction must be within a day")
)

var errIDTaken = errors.New("accounts: account id already in use")

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

// Is makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }
