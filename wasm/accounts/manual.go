package accounts

import (
	"errors"
	"fmt"
	"strings"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Manual is an account typed by hand: issuer, account name and key, and the
// advanced settings, whose zero values mean the usual defaults (TOTP, SHA1,
// 6 digits, 30 seconds, counter 0).
type Manual struct {
	Issuer    string
	Account   string
	Secret    string       // base32 as typed: any case, spaces and dashes allowed
	Type      otpauth.Type // or "steam": a Steam Guard key (its settings are fixed)
	Algorithm otpauth.Algorithm
	Digits    int
	Period    int
	Counter   uint64
}

// Key validates m and returns the otpauth.Key it describes.
func (m Manual) Key() (*otpauth.Key, error) {
	secret, err := otpauth.DecodeSecret(m.Secret)
	if err != nil {
		return nil, KeyError(err)
	}
	k := &otpauth.Key{
		Type:      m.Type,
		Issuer:    strings.TrimSpace(m.Issuer),
		Account:   strings.TrimSpace(m.Account),
		Secret:    secret,
		Algorithm: otpauth.Algorithm(strings.ToUpper(string(m.Algorithm))),
		Digits:    m.Digits,
		Period:    m.Period,
		Counter:   m.Counter,
	}
	if k.Type == "" {
		k.Type = otpauth.TOTP
	}
	k.Type = otpauth.Type(strings.ToLower(string(k.Type)))
	if k.Algorithm == "" {
		k.Algorithm = otpauth.DefaultAlgorithm
	}
	if k.Digits == 0 {
		k.Digits = otpauth.DefaultDigits
	}
	switch k.Type {
	case otpauth.Type(Steam):
		*k = otpauth.SteamKey(k.Issuer, k.Account, k.Secret)
	case otpauth.TOTP:
		if k.Period == 0 {
			k.Period = otpauth.DefaultPeriod
		}
		k.Counter = 0
	case otpauth.HOTP:
		k.Period = 0
	}
	if k.Account == "" {
		return nil, ErrName
	}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return k, nil
}

// KeyCheck is the live validation of a key being typed.
type KeyCheck struct {
	OK       bool
	Message  string // for a person; "" when OK
	Pos      int    // 1-based position of the bad character, 0 if none
	Char     string // the bad character, "" if none
	Bits     int    // key length in bits when OK
	Warnings []string
}

// CheckKey validates a typed base32 key without keeping it.
func CheckKey(typed string) KeyCheck {
	secret, err := otpauth.DecodeSecret(typed)
	if err != nil {
		c := KeyCheck{Message: KeyError(err).Error()}
		var b32 *otpauth.Base32Error
		if errors.As(err, &b32) {
			c.Pos, c.Char = b32.Pos, string(b32.Char)
		}
		return c
	}
	defer clear(secret)
	c := KeyCheck{OK: true, Bits: 8 * len(secret)}
	for _, w := range (&otpauth.Key{Secret: secret}).Warnings() {
		c.Warnings = append(c.Warnings, string(w))
	}
	return c
}

// KeyError rewords an error of otpauth.DecodeSecret for a person; the
// result still matches the original with errors.Is.
func KeyError(err error) error {
	var b32 *otpauth.Base32Error
	switch {
	case errors.As(err, &b32):
		return &keyError{fmt.Sprintf("this key has a character that is not base32: %q at position %d", b32.Char, b32.Pos), err}
	case errors.Is(err, otpauth.ErrSecretMissing):
		return &keyError{"enter the key", err}
	case errors.Is(err, otpauth.ErrSecretLength):
		return &keyError{fmt.Sprintf("this key is too long (at most %d bytes)", otpauth.MaxSecretLength), err}
	}
	return err
}

type keyError struct {
	msg string
	err error
}

func (e *keyError) Error() string { return e.msg }
func (e *keyError) Unwrap() error { return e.err }
