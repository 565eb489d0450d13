package vault

import "errors"

// Errors returned by this package; match them with errors.Is. Messages are
// meant to be shown to a person as they are.
var (
	ErrWrongPassphrase    = errors.New("wrong passphrase")
	ErrTampered           = errors.New("the vault data is damaged or was modified")
	ErrUnsupportedVersion = errors.New("this vault was written by a newer version of Twofold")
	ErrNotVault           = errors.New("this is not a Twofold vault")
	ErrNotBackup          = errors.New("this is not a Twofold backup file")
	ErrNoVault            = errors.New("no vault has been created yet")
	ErrExists             = errors.New("a vault already exists")
	ErrLocked             = errors.New("the vault is locked")
	ErrEmptyPassphrase    = errors.New("the passphrase is empty")
	ErrParams             = errors.New("invalid key derivation parameters")
	// ErrStale: another writer saved since this Vault last read or wrote;
	// nothing was written (Reload, then decide again).
	ErrStale = errors.New("the vault was changed elsewhere since it was read")
	// ErrPassphraseChanged: the stored vault is wrapped under another
	// passphrase than the one this Vault was unlocked with.
	ErrPassphraseChanged = errors.New("the vault's passphrase was changed elsewhere")
)
