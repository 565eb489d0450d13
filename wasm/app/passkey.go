package main

import (
	"encoding/base64"

	"github.com/twofold-auth/twofold/shared/errcode"
	"github.com/twofold-auth/twofold/wasm/vault"
)

// Passkey unlock (docs/vault-format.md, "Passkey unlock"). The page runs
// the WebAuthn ceremonies (web/app/passkey.js) and hands Go a credential's
// id and its PRF output on the vault's salt; Go derives the slot's key,
// uses it and wipes the output. Credential ids and the salt cross the
// bridge as base64url without padding, as WebAuthn's JSON forms write them.

var b64 = base64.RawURLEncoding

// PasskeyView is one passkey of the vault, for the settings list.
type PasskeyView struct {
	ID      string  `js:"id"`      // the credential id, base64url
	AddedMs float64 `js:"addedMs"` // when it was added, Unix ms
}

// PasskeyInfo is what the lock screen and the settings need to ask for a
// passkey: the vault's PRF salt ("" before the first passkey) and its
// passkeys. It holds nothing secret and is read without unlocking.
type PasskeyInfo struct {
	Salt     string        `js:"salt"`
	Passkeys []PasskeyView `js:"passkeys"`
}

var errBadCredentialID = errcode.New(CodeBadArgument, "the credential id is not base64url")

func credentialID(id string) ([]byte, error) {
	b, err := b64.DecodeString(id)
	if err != nil || len(b) == 0 {
		return nil, errBadCredentialID
	}
	return b, nil
}

// Passkeys reads the stored vault's passkeys, locked or not.
func (a *App) Passkeys() (PasskeyInfo, error) {
	salt, keys, err := vault.Passkeys(a.store)
	if err != nil {
		return PasskeyInfo{}, err
	}
	info := PasskeyInfo{Salt: b64.EncodeToString(salt), Passkeys: make([]PasskeyView, len(keys))}
	for i, k := range keys {
		info.Passkeys[i] = PasskeyView{ID: b64.EncodeToString(k.CredentialID), AddedMs: float64(k.Added.UnixMilli())}
	}
	return info, nil
}

// PasskeySalt is the salt a new credential's PRF is evaluated on before
// AddPasskey. It checks the passphrase first, so that a wrong one is said
// before the person makes a passkey the vault would then refuse.
func (a *App) PasskeySalt(passphrase string) (string, error) {
	v, _, err := a.session()
	if err != nil {
		return "", err
	}
	if err := v.CheckPassphrase([]byte(passphrase)); err != nil {
		return "", err
	}
	salt, err := v.PasskeySalt()
	return b64.EncodeToString(salt), err
}

// AddPasskey lets the credential id open the vault, after checking the
// passphrase. prf (its PRF output on PasskeySalt) is wiped.
func (a *App) AddPasskey(passphrase, id string, prf []byte) error {
	defer clear(prf)
	return a.editPasskeys(id, func(v *vault.Vault, cred, plain []byte) error {
		return v.AddPasskey([]byte(passphrase), cred, prf, a.now(), plain)
	})
}

// RemovePasskey stops the credential id from opening the vault.
func (a *App) RemovePasskey(id string) error {
	return a.editPasskeys(id, func(v *vault.Vault, cred, plain []byte) error {
		return v.RemovePasskey(cred, plain)
	})
}

// editPasskeys saves the session's vault with edit's change to its passkeys.
func (a *App) editPasskeys(id string, edit func(v *vault.Vault, cred, plain []byte) error) error {
	cred, err := credentialID(id)
	if err != nil {
		return err
	}
	return a.rewrap(func(v *vault.Vault, plain []byte) error { return edit(v, cred, plain) })
}

// UnlockWithPasskey opens the stored vault with the credential's PRF
// output, which is wiped. A removed or unknown credential gives
// "passkey_unknown", an output that does not open "passkey_refused"; the
// page then asks for the passphrase.
func (a *App) UnlockWithPasskey(id string, prf []byte) error {
	defer clear(prf)
	cred, err := credentialID(id)
	if err != nil {
		return err
	}
	return a.open(func() (*vault.Vault, []byte, error) { return vault.UnlockWithPasskey(a.store, cred, prf, a.vcfg) })
}
