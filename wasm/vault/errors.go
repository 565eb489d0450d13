package vault

import "github.com/twofold-auth/twofold/shared/errcode"

// Errors returned by this package; match them with errors.Is. Messages are
// meant to be shown to a person as they are.
var (
	ErrWrongPassphrase    = errcode.New("wrong_passphrase", "wrong passphrase")
	ErrTampered           = errcode.New("tampered", "the vault data is damaged or was modified")
	ErrUnsupportedVersion = errcode.New("unsupported_version", "this vault was written by a newer version of Twofold")
	ErrNotVault           = errcode.New("tampered", "this is not a Twofold vault")
	ErrNotBackup          = errcode.New("not_backup", "this is not a Twofold backup file")
	ErrNoVault            = errcode.New("no_vault", "no vault has been created yet")
	ErrExists             = errcode.New("vault_exists", "a vault already exists")
	ErrLocked             = errcode.New("locked", "the vault is locked")
	ErrEmptyPassphrase    = errcode.New("weak_passphrase", "the passphrase is empty")
	ErrParams             = errcode.New("tampered", "invalid key derivation parameters")
	// ErrStale: another writer saved since this Vault last read or wrote;
	// nothing was written (Reload, then decide again).
	ErrStale = errcode.New("vault_changed", "the vault was changed elsewhere since it was read")
	// ErrPassphraseChanged: the stored vault is wrapped under another
	// passphrase than the one this Vault was unlocked with.
	ErrPassphraseChanged = errcode.New("passphrase_changed", "the vault's passphrase was changed elsewhere")

	// Passkey unlock (passkey.go). The page falls back to the passphrase
	// on each of the first two.
	ErrPasskeyUnknown = errcode.New("passkey_unknown", "this passkey is not set up for this vault (it may have been removed); unlock with your passphrase")
	ErrPasskeyRefused = errcode.New("passkey_refused", "this passkey did not open the vault; unlock with your passphrase")
	ErrPasskeyExists  = errcode.New("passkey_exists", "this passkey already unlocks the vault")
	ErrPasskeyLimit   = errcode.New("passkey_limit", "the vault already has 8 passkeys; remove one first")
)
