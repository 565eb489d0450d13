package main

import (
	"errors"
	"strings"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/jsutil"
	"github.com/twofold-auth/twofold/wasm/pushclient"
	"github.com/twofold-auth/twofold/wasm/qr"
	"github.com/twofold-auth/twofold/wasm/storage"
	"github.com/twofold-auth/twofold/wasm/vault"
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
	CodePushNotEnabled   = "push_not_enabled" // the account has no registration
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

// CodeNameConflict: an account with this issuer and name, and another key,
// is in the list; details say which, and conflictId is for accounts.resolve.
const CodeNameConflict = "name_conflict"

// errWeakPassphrase is returned for a new passphrase under MinPassphraseLength.
var errWeakPassphrase = errors.New("choose a passphrase of at least 8 characters")

// toAPIError classifies err. The order matters: the most specific first.
func toAPIError(err error) *APIError {
	if err == nil {
		return nil
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	e := &APIError{Message: humanize(err)}
	var b32 *otpauth.Base32Error
	var dup *accounts.DuplicateError
	var argErr *jsutil.ArgError
	var pushErr *pushclient.ServerError
	switch {
	case errors.As(err, &pushErr) && pushErr.Status == 0:
		e.Code = CodePushUnavailable
	case errors.As(err, &pushErr):
		e.Code = CodePushRefused
		e.Details = map[string]any{"status": pushErr.Status, "serverCode": pushErr.Code}
	case errors.Is(err, accounts.ErrPushNotOffered), errors.Is(err, pushclient.ErrNotOffered):
		e.Code = CodePushNotOffered
	case errors.Is(err, errPushUnavailable):
		e.Code = CodePushUnavailable
	case errors.Is(err, errPushNotEnabled):
		e.Code = CodePushNotEnabled
	case errors.Is(err, pushclient.ErrNoPrompt):
		e.Code = CodePromptGone
	case errors.Is(err, pushclient.ErrExpired):
		e.Code = CodePromptExpired
	case errors.Is(err, pushclient.ErrNumber):
		e.Code = CodeWrongNumber
	case errors.Is(err, pushclient.ErrOffline):
		e.Code = CodeOffline
	case errors.Is(err, pushclient.ErrNoVerdict):
		e.Code = CodeNoVerdict
	case errors.Is(err, pushclient.ErrDecision):
		e.Code = CodeBadArgument
	case errors.As(err, &argErr):
		e.Code = CodeBadArgument
	case errors.As(err, &dup):
		e.Code = CodeDuplicate
		if !dup.SameSecret {
			e.Code = CodeNameConflict
		}
		e.Details = map[string]any{"existingId": dup.Existing.ID}
	case errors.Is(err, errNotHeld):
		e.Code = CodeNotFound
	case errors.As(err, &b32):
		e.Code = CodeBadKey
		e.Details = map[string]any{"position": b32.Pos, "char": string(b32.Char)}
	case errors.Is(err, otpauth.ErrSecretMissing), errors.Is(err, otpauth.ErrSecretLength), errors.Is(err, otpauth.ErrBase32):
		e.Code = CodeBadKey
	case errors.Is(err, vault.ErrNoVault):
		e.Code = CodeNoVault
	case errors.Is(err, vault.ErrExists):
		e.Code = CodeVaultExists
	case errors.Is(err, errVaultChanged), errors.Is(err, vault.ErrStale):
		e.Code = CodeVaultChanged
	case errors.Is(err, errPassphraseChanged), errors.Is(err, vault.ErrPassphraseChanged):
		e.Code = CodePassphraseChanged
	case errors.Is(err, vault.ErrLocked):
		e.Code = CodeLocked
	case errors.Is(err, vault.ErrWrongPassphrase):
		e.Code = CodeWrongPassphrase
	case errors.Is(err, errWeakPassphrase), errors.Is(err, vault.ErrEmptyPassphrase):
		e.Code = CodeWeakPassphrase
	case errors.Is(err, vault.ErrTampered), errors.Is(err, vault.ErrNotVault), errors.Is(err, accounts.ErrContents):
		e.Code = CodeTampered
	case errors.Is(err, vault.ErrUnsupportedVersion):
		e.Code = CodeUnsupported
	case errors.Is(err, vault.ErrNotBackup):
		e.Code = CodeNotBackup
	case errors.Is(err, accounts.ErrNotFound):
		e.Code = CodeNotFound
	case errors.Is(err, accounts.ErrNotHOTP):
		e.Code = CodeNotHOTP
	case errors.Is(err, accounts.ErrOrder):
		e.Code = CodeBadOrder
	case errors.Is(err, accounts.ErrClockOffset):
		e.Code = CodeClockOffset
	case errors.Is(err, accounts.ErrName):
		e.Code = CodeInvalidAccount
	case errors.Is(err, qr.ErrNotFound):
		e.Code = CodeNoQR
	case errors.Is(err, qr.ErrNotAuthenticator):
		e.Code = CodeNotAuthenticator
	case errors.Is(err, qr.ErrFrame):
		e.Code = CodeBadFrame
	case errors.Is(err, accounts.ErrTooLarge), errors.Is(err, otpauth.ErrTooLong), errors.Is(err, migration.ErrTooLarge):
		e.Code = CodeTooLarge
	case errors.Is(err, accounts.ErrNoKeys), errors.Is(err, migration.ErrNoAccount):
		e.Code = CodeNoKeys
	case errors.Is(err, migration.ErrScheme), errors.Is(err, migration.ErrData), errors.Is(err, migration.ErrPayload), errors.Is(err, accounts.ErrBatchIndex):
		e.Code = CodeBadExport
	case errors.Is(err, otpauth.ErrScheme), errors.Is(err, otpauth.ErrEncoding), errors.Is(err, otpauth.ErrType),
		errors.Is(err, otpauth.ErrDuplicateParam), errors.Is(err, otpauth.ErrCounter):
		e.Code = CodeBadURI
	case errors.Is(err, otpauth.ErrLabel), errors.Is(err, otpauth.ErrIssuerConflict), errors.Is(err, otpauth.ErrAlgorithm),
		errors.Is(err, otpauth.ErrDigits), errors.Is(err, otpauth.ErrPeriod):
		e.Code = CodeInvalidAccount
	case errors.Is(err, errStorage):
		e.Code = CodeStorage
	default:
		e.Code = CodeInternal
	}
	return e
}

// errStorage marks failures of the browser storage, whatever the backend.
var errStorage = errors.New("the browser refused to store the vault")

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

// humanize drops the Go package prefix ("otpauth: ") that the shared
// packages' messages carry: the page shows them to people.
func humanize(err error) string {
	msg := err.Error()
	for _, prefix := range []string{"otpauth: ", "migration: ", "accounts: ", "vault: ", "storage: ", "push: "} {
		msg = strings.ReplaceAll(msg, prefix, "")
	}
	return msg
}
