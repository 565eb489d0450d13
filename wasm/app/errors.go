package main

import (
	"errors"

	"github.com/twofold-auth/twofold/shared/errcode"
	"github.com/twofold-auth/twofold/wasm/storage"
)

// APIError is what a rejected call gives the page: a stable Code to branch
// on, a Message a person can read, and Details for the few errors that point
// at something (the bad character of a key, the duplicated account).
type APIError struct {
	Code    string         `js:"code"`
	Message string         `js:"message"`
	Details map[string]any `js:"details,omitempty"`
}

func (e *APIError) Error() string { return e.Message }

// Error codes; web/app/twofold.d.ts lists them as the ErrorCode type.
const (
	CodeBadArgument      = "bad_argument"
	CodeNoVault          = "no_vault"
	CodeVaultExists      = "vault_exists"
	CodeLocked           = "locked"
	CodeWrongPassphrase  = "wrong_passphrase"
	CodeWeakPassphrase   = "weak_passphrase"
	CodeTampered         = "tampered"
	CodeUnsupported      = "unsupported_version"
	CodeNotBackup        = "not_backup"
	CodeBadKey           = "bad_key"
	CodeBadURI           = "bad_uri"
	CodeInvalidAccount   = "invalid_account"
	CodeDuplicate        = "duplicate"
	CodeNotFound         = "not_found"
	CodeNotHOTP          = "not_hotp"
	CodeBadOrder         = "bad_order"
	CodeClockOffset      = "clock_offset"
	CodeNoQR             = "no_qr"
	CodeNotAuthenticator = "not_authenticator"
	CodeBadFrame         = "bad_frame"
	CodeBadExport        = "bad_export"
	CodeTooLarge         = "too_large"
	CodeNoKeys           = "no_keys"
	CodeStorage          = "storage"
	CodePushNotOffered   = "push_not_offered" // the account's URI had no twofold_push
	CodePushRefused      = "push_refused"     // the server refused the registration (details: status, serverCode)
	CodePushUnavailable  = "push_unavailable" // no fetch/WebSocket, or the server is unreachable
	CodePromptGone       = "prompt_gone"      // answered, settled or unknown
	CodePromptExpired    = "prompt_expired"   // too late
	CodeWrongNumber      = "wrong_number"     // not one of the three numbers
	CodeOffline          = "offline"          // not connected: the answer was not sent
	CodeNoVerdict        = "no_verdict"       // sent, but the connection ended before the server's verdict
	CodeInternal         = "internal"
)

// Codes of a write that met another tab's save (docs/vault-format.md,
// "Versions and tabs").
const (
	CodeVaultChanged      = "vault_changed"      // another tab saved first: nothing written, the session reloaded
	CodePassphraseChanged = "passphrase_changed" // another tab changed the passphrase: the session locked
)

// Codes of passkey unlock (wasm/vault, passkey.go).
const (
	CodePasskeyUnknown = "passkey_unknown" // not a passkey of this vault (removed, or another vault's)
	CodePasskeyRefused = "passkey_refused" // its PRF output did not open the vault
	CodePasskeyExists  = "passkey_exists"  // already added
	CodePasskeyLimit   = "passkey_limit"   // the vault holds vault.MaxPasskeys already
)

// Codes of importing other apps' files (shared/transfer).
const (
	CodeUnknownFormat      = "unknown_format"      // not a format Twofold can import
	CodeWrongFormat        = "wrong_format"        // not in the format chosen
	CodePasswordRequired   = "password_required"   // encrypted: ask for its password
	CodeWrongPassword      = "wrong_password"      // the file's password is wrong
	CodeDamagedFile        = "damaged_file"        // cut short, damaged or modified
	CodeUnsupportedFile    = "unsupported_file"    // a kind of file that cannot be imported
	CodeUnsupportedAccount = "unsupported_account" // an account of a kind or algorithm Twofold does not do
	CodeNotExportable      = "not_exportable"      // an account that has no place in the chosen export format
)

// Codes of the list and of the transfer module.
const (
	CodeModuleUnavailable = "module_unavailable" // the transfer module could not be loaded
	CodeBadCode           = "bad_code"           // a code typed for HOTP resync is not N digits
	CodeResyncFailed      = "resync_failed"      // the two codes are not consecutive within the look-ahead
)

// CodeNameConflict: an account with this issuer and name, and another key,
// is in the list; details say which, and conflictId is for accounts.resolve.
const CodeNameConflict = "name_conflict"

// errWeakPassphrase is returned for a new passphrase under MinPassphraseLength.
var errWeakPassphrase = errcode.New(CodeWeakPassphrase, "choose a passphrase of at least 8 characters")

// internalMessage is all the page is told of an error without a code: its
// text is for the console (the bridge logs it), not for people.
const internalMessage = "something went wrong inside the authenticator; reload the page and try again"

// toAPIError gives the page an error's own code (shared/errcode: every
// package declares its errors with one), its sentence and its details. An
// error without a code is a bug: it reaches the page as "internal", without
// its text.
func toAPIError(err error) *APIError {
	if err == nil {
		return nil
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	code := errcode.Code(err)
	if code == "" {
		return &APIError{Code: CodeInternal, Message: internalMessage}
	}
	return &APIError{Code: code, Message: err.Error(), Details: errcode.Details(err)}
}

// errStorage marks failures of the browser storage, whatever the backend.
var errStorage = errcode.New(CodeStorage, "the browser refused to store the vault")

// storageError wraps a Storage failure so it is reported as such.
func storageError(err error) error {
	if err == nil || errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return &wrapped{msg: "the browser storage failed: " + err.Error(), errs: []error{errStorage, err}}
}

type wrapped struct {
	msg  string
	errs []error
}

func (w *wrapped) Error() string   { return w.msg }
func (w *wrapped) Unwrap() []error { return w.errs }
