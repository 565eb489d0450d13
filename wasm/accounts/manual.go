package accounts

import (
	"errors"
	"fmt"
	"strconv"
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
	if err == nil {
		err = otpauth.CheckTypedSecret(secret)
	}
	if err != nil {
		clear(secret)
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
	Message  string // for a person, when not OK; "" when OK
	Pos      int    // 1-based position of the bad character, 0 if none
	Char     string // the bad character, "" if none
	Bits     int    // key length in bits when OK
	Warnings []string
	// Summary is the sentence to show under the field when OK: the key's
	// length ("Looks right: a 160-bit key."), with the warning for a short
	// one, or what a pasted link will do.
	Summary string
	// Link: the field holds an otpauth:// (or otpauth-migration://) link
	// rather than a key; adding it takes the link's own names and settings
	// (App.AddURI, the path of a scanned code). Label names its account.
	Link  bool
	Label string
}

// CheckKey validates what is typed into the key field without keeping it:
// a base32 key, refused below otpauth.MinTypedSecretBits and warned about
// below otpauth.MinSecretBits, or a pasted otpauth link, recognised as one.
func CheckKey(typed string) KeyCheck {
	if c, ok := checkLink(typed); ok {
		return c
	}
	secret, err := otpauth.DecodeSecret(typed)
	if err == nil {
		defer clear(secret)
		err = otpauth.CheckTypedSecret(secret)
	}
	if err != nil {
		c := KeyCheck{Message: KeyError(err).Error()}
		var b32 *otpauth.Base32Error
		if errors.As(err, &b32) {
			c.Pos, c.Char = b32.Pos, string(b32.Char)
		}
		if errors.Is(err, otpauth.ErrSecretShort) {
			c.Message = fmt.Sprintf("this key is too short: %s, and a key has at least %d bits (%d characters); check that you typed all of it",
				bitsPhrase(8*len(secret)), otpauth.MinTypedSecretBits, otpauth.MinTypedSecretBits/5)
		}
		return c
	}
	c := KeyCheck{OK: true, Bits: 8 * len(secret)}
	for _, w := range (&otpauth.Key{Secret: secret}).Warnings() {
		c.Warnings = append(c.Warnings, string(w))
	}
	c.Summary = "Looks right: " + withArticle(c.Bits) + "-bit key."
	if len(c.Warnings) > 0 {
		c.Summary = fmt.Sprintf("%s-bit key: it works, but it is shorter than the %d bits RFC 4226 asks for. If the service can issue a longer key, ask for one.",
			capitalize(withArticle(c.Bits)), otpauth.MinSecretBits)
	}
	return c
}

// checkLink recognises an otpauth or otpauth-migration link in the key
// field; ok is false for anything else.
func checkLink(typed string) (c KeyCheck, ok bool) {
	t := strings.TrimSpace(typed)
	lower := strings.ToLower(t[:min(len(t), len("otpauth-migration://"))])
	switch {
	case strings.HasPrefix(lower, "otpauth-migration://"):
		return KeyCheck{OK: true, Link: true,
			Summary: "This is a Google Authenticator export link, not a key: Add account imports the accounts it holds."}, true
	case !strings.HasPrefix(lower, "otpauth://"):
		return KeyCheck{}, false
	}
	k, err := otpauth.Parse(t)
	if err != nil {
		return KeyCheck{Link: true, Message: "this otpauth link cannot be used: " + KeyError(err).Error()}, true
	}
	defer clear(k.Secret)
	c = KeyCheck{OK: true, Link: true, Bits: 8 * len(k.Secret), Label: (&Account{Key: *k}).View().Label()}
	for _, w := range k.Warnings() {
		c.Warnings = append(c.Warnings, string(w))
	}
	c.Summary = "This is a complete otpauth link for " + c.Label + ": Add account adds it with the link's own name and settings."
	return c, true
}

// withArticle is "a 160" or "an 80": the article as the number is read.
func withArticle(n int) string {
	s := strconv.Itoa(n)
	if s[0] == '8' || n == 11 || n == 18 {
		return "an " + s
	}
	return "a " + s
}

// bitsPhrase is "8 bits" or "1 bit".
func bitsPhrase(n int) string {
	if n == 1 {
		return "1 bit"
	}
	return strconv.Itoa(n) + " bits"
}

func capitalize(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// KeyError rewords an error of otpauth.DecodeSecret for a person; the
// result still matches the original with errors.Is.
func KeyError(err error) error {
	var b32 *otpauth.Base32Error
	switch {
	case errors.As(err, &b32):
		msg := fmt.Sprintf("the key cannot have %q (character %d): a key has only the letters A to Z and the digits 2 to 7", b32.Char, b32.Pos)
		if hint := otpauth.Lookalike(b32.Char); hint != "" {
			msg += "; did you mean " + hint + "?"
		}
		return &keyError{msg, err}
	case errors.Is(err, otpauth.ErrSecretMissing):
		return &keyError{"enter the key", err}
	case errors.Is(err, otpauth.ErrSecretLength):
		return &keyError{fmt.Sprintf("this key is too long (at most %d bytes)", otpauth.MaxSecretLength), err}
	case errors.Is(err, otpauth.ErrSecretShort):
		return &keyError{fmt.Sprintf("this key is too short: a key has at least %d bits (%d characters); check that you typed all of it",
			otpauth.MinTypedSecretBits, otpauth.MinTypedSecretBits/5), err}
	case errors.Is(err, otpauth.ErrBase32):
		return &keyError{"a character of this key is missing, or there is one too many: check that you typed all of it", err}
	}
	return err
}

type keyError struct {
	msg string
	err error
}

func (e *keyError) Error() string { return e.msg }
func (e *keyError) Unwrap() error { return e.err }
