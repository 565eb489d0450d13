package accounts

import (
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Account is one stored key with what the authenticator adds to it.
type Account struct {
	ID    string // random, stable across renames and reorders
	Key   otpauth.Key
	Added time.Time
	Push  *PushRegistration // nil until the account is registered for push

	unknown []byte // fields written by a newer version, kept verbatim
}

// PushRegistration is what an account needs to answer push sign-in prompts:
// the device key registered with the server (wasm/pushclient). The key never
// leaves the vault and the Go program.
type PushRegistration struct {
	Server     string // origin of the Twofold server, e.g. https://id.example.com
	DeviceID   string // the server's id for this device
	PrivateKey []byte // Ed25519 private key seed (32 bytes)
	Registered time.Time

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
	Type      otpauth.Type
	Algorithm otpauth.Algorithm
	Digits    int
	Period    int    // TOTP
	Counter   uint64 // HOTP: the counter of the next code
	Added     time.Time
	Push      bool // registered for push sign-in prompts
	// PushOffered: the enrollment URI named a push server (twofold_push).
	PushOffered bool
	PushServer  string // the server's origin, when Push or PushOffered
}

// View returns a's public fields.
func (a *Account) View() View {
	v := View{
		ID: a.ID, Issuer: a.Key.Issuer, Account: a.Key.Account,
		Type: a.Key.Type, Algorithm: a.Key.Algorithm, Digits: a.Key.Digits,
		Period: a.Key.Period, Counter: a.Key.Counter, Added: a.Added, Push: a.Push != nil,
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
