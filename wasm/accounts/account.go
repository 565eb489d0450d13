package accounts

import (
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

// Account is one stored key with what the authenticator adds to it.
type Account struct {
	ID    string // random, stable across renames and reorders
	Key   otpauth.Key
	Added time.Time
	Push  *PushRegistration // nil until the account is registered for push

	// How the list shows it (docs/vault-format.md): pinned accounts come
	// first, Tags are the groups the person put it in (the list's filter),
	// Icon is the letter of its avatar ("" for the first letter of its
	// name), LastUsed is when a code of it was last copied (the "recent
	// use" order).
	Pinned   bool
	Tags     []string
	Icon     string
	LastUsed time.Time

	unknown []byte // fields written by a newer version, kept verbatim
}

// Kind is the kind of code an account gives.
type Kind string

// The kinds: TOTP and HOTP (RFC 6238, RFC 4226), and Steam Guard (TOTP
// spelled in five characters of Steam's alphabet; in the vault a TOTP key
// with encoder=steam, see otpauth.Key.IsSteam).
const (
	TOTP  Kind = "totp"
	HOTP  Kind = "hotp"
	Steam Kind = "steam"
)

// Kind says which kind of code the account gives.
func (a *Account) Kind() Kind {
	switch {
	case a.Key.Type == otpauth.HOTP:
		return HOTP
	case a.Key.IsSteam():
		return Steam
	}
	return TOTP
}

// PushRegistration is what an account needs to answer push sign-in prompts:
// the device key registered with the server (wasm/pushclient). The key never
// leaves the vault and the Go program.
type PushRegistration struct {
	Server     string // origin of the Twofold server, e.g. https://id.example.com
	DeviceID   string // the server's id for this device
	PrivateKey []byte // Ed25519 private key seed (32 bytes)
	Registered time.Time
	// PausedMs is when a reported prompt paused this account's prompts
	// at its server (Unix ms; 0: not paused, or lifted by a new prompt).
	// The server tells devices nothing of its pause, so the vault keeps
	// what this browser inferred, across reloads.
	PausedMs int64

	unknown []byte
}

// IDBytes is the number of random bytes in an account id.
const IDBytes = 8

// New makes an Account for k with a random id from rnd.
func New(k otpauth.Key, rnd io.Reader, now time.Time) (*Account, error) {
	id := make([]byte, IDBytes)
	if _, err := io.ReadFull(rnd, id); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	return &Account{ID: hex.EncodeToString(id), Key: k, Added: now.UTC().Truncate(time.Millisecond)}, nil
}

// View is what the page may see of an account: everything but the secret.
type View struct {
	ID        string
	Issuer    string
	Account   string
	Type      Kind
	Algorithm otpauth.Algorithm
	Digits    int    // Steam: 5 (characters)
	Period    int    // TOTP and Steam
	Counter   uint64 // HOTP: the counter of the next code
	Added     time.Time
	Pinned    bool
	Tags      []string
	Icon      string // "" for the first letter of the name
	LastUsed  time.Time
	Push      bool // registered for push sign-in prompts
	// PushOffered: the enrollment URI named a push server (twofold_push).
	PushOffered bool
	PushServer  string // the server's origin, when Push or PushOffered
}

// View returns a's public fields.
func (a *Account) View() View {
	v := View{
		ID: a.ID, Issuer: a.Key.Issuer, Account: a.Key.Account,
		Type: a.Kind(), Algorithm: a.Key.Algorithm, Digits: a.Key.Digits,
		Period: a.Key.Period, Counter: a.Key.Counter, Added: a.Added, Push: a.Push != nil,
		Pinned: a.Pinned, Tags: a.Tags, Icon: a.Icon, LastUsed: a.LastUsed,
	}
	if v.Type == Steam {
		v.Digits, v.Period = otpcode.SteamDigits, otpcode.SteamPeriod
	}
	if origin, _, ok := a.PushOffered(); ok {
		v.PushOffered, v.PushServer = true, origin
	}
	if a.Push != nil {
		v.PushServer = a.Push.Server
	}
	return v
}

// Label is the account as a person names it: "Issuer (account)", or either
// part alone.
func (v View) Label() string {
	switch {
	case v.Issuer == "":
		return v.Account
	case v.Account == "":
		return v.Issuer
	default:
		return v.Issuer + " (" + v.Account + ")"
	}
}

// wipe zeroes the account's secrets.
func (a *Account) wipe() {
	clear(a.Key.Secret)
	if a.Push != nil {
		clear(a.Push.PrivateKey)
	}
}
