package transfer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Type is the kind of code an account gives.
type Type string

// The kinds of code Twofold imports. Steam Guard codes are TOTP (HMAC-SHA1,
// 30 s) whose last step spells five characters from Steam's alphabet instead
// of decimal digits; shared/otpcode computes them.
const (
	TOTP  Type = "totp"
	HOTP  Type = "hotp"
	Steam Type = "steam"
)

// Steam Guard's fixed parameters.
const (
	SteamDigits = 5
	SteamPeriod = 30
	SteamIssuer = "Steam"
)

// Entry is one account read from a file: an issuer and account name, the
// secret, and the code parameters. Every Entry an import returns passed
// Validate.
type Entry struct {
	Type      Type
	Issuer    string
	Account   string
	Secret    []byte // raw key bytes, never base32
	Algorithm otpauth.Algorithm
	Digits    int
	Period    int    // seconds; TOTP and Steam
	Counter   uint64 // HOTP: the counter of the next code
}

// Label names the entry for a person: "Issuer (account)", or the account.
func (e *Entry) Label() string {
	if e.Issuer == "" || e.Issuer == e.Account {
		return e.Account
	}
	return e.Issuer + " (" + e.Account + ")"
}

// Validate checks an entry against the rules of an otpauth key (names,
// secret length, SHA1/SHA256/SHA512, 6 to 8 digits, a period of 1 s to an
// hour); a Steam entry must have Steam's own parameters (SHA1, 5, 30 s).
func (e *Entry) Validate() error {
	switch e.Type {
	case TOTP, HOTP:
		k := e.key()
		return k.Validate()
	case Steam:
		if e.Algorithm != otpauth.SHA1 || e.Digits != SteamDigits || e.Period != SteamPeriod {
			return fmt.Errorf("%w: a Steam account is SHA1, %d characters, %d s", ErrInvalidEntry, SteamDigits, SteamPeriod)
		}
		// The names and the secret follow the same rules as any key.
		k := e.key()
		k.Type, k.Digits = otpauth.TOTP, otpauth.DefaultDigits
		return k.Validate()
	}
	return fmt.Errorf("%w (type)", ErrInvalidEntry)
}

// key is e as an otpauth.Key, unchecked.
func (e *Entry) key() otpauth.Key {
	k := otpauth.Key{Type: otpauth.TOTP, Issuer: e.Issuer, Account: e.Account, Secret: e.Secret,
		Algorithm: e.Algorithm, Digits: e.Digits, Period: e.Period}
	if e.Type == HOTP {
		k.Type, k.Period, k.Counter = otpauth.HOTP, 0, e.Counter
	}
	return k
}

// Key returns a TOTP or HOTP entry as an otpauth.Key (the authenticator's
// account type). A Steam entry has no otpauth form and gives
// ErrNotExportable.
func (e *Entry) Key() (*otpauth.Key, error) {
	if e.Type == Steam {
		return nil, fmt.Errorf("%w (Steam Guard is not an otpauth key)", ErrNotExportable)
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	k := e.key()
	return &k, nil
}

// FromKey makes an Entry of an otpauth key. A TOTP key with the parameter
// encoder=steam (otpauth.Key.IsSteam: KeePassXC's spelling, which the
// authenticator's vault uses for its Steam accounts) is a Steam entry.
func FromKey(k *otpauth.Key) Entry {
	e := Entry{Type: TOTP, Issuer: k.Issuer, Account: k.Account, Secret: k.Secret,
		Algorithm: k.Algorithm, Digits: k.Digits, Period: k.Period}
	switch {
	case k.Type == otpauth.HOTP:
		e.Type, e.Period, e.Counter = HOTP, 0, k.Counter
	case k.IsSteam():
		e.Type, e.Algorithm, e.Digits, e.Period = Steam, otpauth.SHA1, SteamDigits, SteamPeriod
	}
	return e
}

// Skipped is an entry of the file that cannot be imported, and why.
type Skipped struct {
	Index   int    // the entry's place in the file, from 1 (for a text file, its line)
	Issuer  string // as the file names them, when it does
	Account string
	Err     error // matches ErrUnsupportedType, ErrUnsupportedAlgorithm, ErrInvalidEntry or ErrNotExportable
}

func (s *Skipped) Error() string {
	name := s.Account
	if s.Issuer != "" && s.Issuer != s.Account {
		name = s.Issuer + " (" + s.Account + ")"
	}
	msg := s.Err.Error()
	if name != "" {
		msg = name + ": " + msg
	}
	return fmt.Sprintf("entry %d: %s", s.Index, msg)
}

func (s *Skipped) Unwrap() error { return s.Err }

// fields is an entry as a file gives it, before defaults and checks.
type fields struct {
	typ             Type
	issuer, account string
	secret          []byte
	algorithm       otpauth.Algorithm
	digits, period  int
	counter         uint64
}

// entry fills defaults (SHA1, 6 digits, 30 s; Steam's own for Steam), trims
// the names, uses the issuer as the account name when the file has none,
// and validates the result.
func (f fields) entry() (Entry, error) {
	e := Entry{Type: f.typ, Issuer: strings.TrimSpace(f.issuer), Account: strings.TrimSpace(f.account),
		Secret: f.secret, Algorithm: f.algorithm, Digits: f.digits, Period: f.period, Counter: f.counter}
	if e.Account == "" {
		e.Account = e.Issuer
	}
	if e.Algorithm == "" {
		e.Algorithm = otpauth.SHA1
	}
	if e.Type != HOTP {
		e.Counter = 0
	}
	switch e.Type {
	case Steam:
		if e.Issuer == "" {
			e.Issuer = SteamIssuer
			if e.Account == "" {
				e.Account = SteamIssuer
			}
		}
		if e.Digits == 0 {
			e.Digits = SteamDigits
		}
		if e.Period == 0 {
			e.Period = SteamPeriod
		}
	case TOTP:
		if e.Digits == 0 {
			e.Digits = otpauth.DefaultDigits
		}
		if e.Period == 0 {
			e.Period = otpauth.DefaultPeriod
		}
	case HOTP:
		if e.Digits == 0 {
			e.Digits = otpauth.DefaultDigits
		}
		e.Period = 0
	}
	if err := e.Validate(); err != nil {
		return Entry{}, entryError(err)
	}
	return e, nil
}

// entryError makes a validation error an ErrInvalidEntry (or, for an
// algorithm, ErrUnsupportedAlgorithm) that keeps the otpauth sentinel.
func entryError(err error) error {
	switch {
	case errors.Is(err, ErrInvalidEntry), errors.Is(err, ErrUnsupportedAlgorithm), errors.Is(err, ErrUnsupportedType):
		return err
	case errors.Is(err, otpauth.ErrAlgorithm):
		return fmt.Errorf("%w (%w)", ErrUnsupportedAlgorithm, err)
	}
	return fmt.Errorf("%w: %w", ErrInvalidEntry, err)
}

// parseAlgorithm reads an algorithm name as apps spell it ("SHA1", "sha-256",
// "HmacSHA512"). Names Twofold knows but does not support (MD5, SHA224,
// SHA384) are named in the error; any other is "unknown", never quoted.
func parseAlgorithm(name string) (otpauth.Algorithm, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "HMAC")
	n = strings.NewReplacer("-", "", "_", "").Replace(n)
	switch n {
	case "", "SHA1":
		return otpauth.SHA1, nil
	case "SHA256":
		return otpauth.SHA256, nil
	case "SHA512":
		return otpauth.SHA512, nil
	case "MD5", "SHA224", "SHA384":
		return "", fmt.Errorf("%w: %s", ErrUnsupportedAlgorithm, n)
	}
	return "", fmt.Errorf("%w (an unknown one)", ErrUnsupportedAlgorithm)
}

// unsupportedType is the reason for a kind of code Twofold does not
// generate; name is one of ours (never input).
func unsupportedType(name string) error {
	return fmt.Errorf("%w: %s", ErrUnsupportedType, name)
}

// errUnknownType is the reason for a type name no app we know writes.
var errUnknownType = fmt.Errorf("%w (an unknown one)", ErrUnsupportedType)

// otherTypes names the kinds of code other apps have and Twofold does not,
// by the lower-case spellings their files use.
var otherTypes = map[string]string{
	"yandex": "Yandex", "yaotp": "Yandex", "motp": "mOTP", "mobileotp": "mOTP",
}

// parseType reads a type name ("TOTP", "hotp", "Steam", ...).
func parseType(name string) (Type, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "", "totp":
		return TOTP, nil
	case "hotp":
		return HOTP, nil
	case "steam":
		return Steam, nil
	}
	if other, ok := otherTypes[n]; ok {
		return "", unsupportedType(other)
	}
	return "", errUnknownType
}

// decodeBase32 decodes a secret written in base32 (any case, padding,
// spaces). Its errors never name a character: that would be part of a key.
func decodeBase32(s string) ([]byte, error) {
	b, err := otpauth.DecodeSecret(s)
	switch {
	case err == nil:
		return b, nil
	case errors.Is(err, otpauth.ErrBase32):
		return nil, fmt.Errorf("%w: the secret is not valid base32", ErrInvalidEntry)
	}
	return nil, entryError(err)
}
