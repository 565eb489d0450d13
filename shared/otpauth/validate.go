package otpauth

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Validate checks the fields of a Key built by hand (manual entry) against the
// same rules Parse applies, so that a valid Key survives URI and Parse
// unchanged. Names must be trimmed already (Parse trims; a form should too).
// Period is not checked for HOTP nor Counter for TOTP: they are not used.
func (k *Key) Validate() error {
	if k.Type != TOTP && k.Type != HOTP {
		return ErrType
	}
	if err := checkName(k.Issuer, "issuer"); err != nil {
		return err
	}
	if k.Account == "" {
		return fmt.Errorf("%w: the account name is empty", ErrLabel)
	}
	if err := checkName(k.Account, "account name"); err != nil {
		return err
	}
	// The label splits at its first colon, so only the account may hold one,
	// and only behind an issuer.
	if strings.Contains(k.Issuer, ":") {
		return fmt.Errorf("%w: the issuer contains a colon", ErrLabel)
	}
	if k.Issuer == "" && strings.Contains(k.Account, ":") {
		return fmt.Errorf("%w: the account name contains a colon but there is no issuer", ErrLabel)
	}
	if labelLen := len(k.Issuer) + len(":") + len(k.Account); labelLen > MaxLabelLength {
		return fmt.Errorf("%w: the label is over %d bytes", ErrTooLong, MaxLabelLength)
	}

	switch {
	case len(k.Secret) == 0:
		return ErrSecretMissing
	case len(k.Secret) > MaxSecretLength:
		return ErrSecretLength
	}
	switch k.Algorithm {
	case SHA1, SHA256, SHA512:
	default:
		return ErrAlgorithm
	}
	if k.Digits < MinDigits || k.Digits > MaxDigits {
		return ErrDigits
	}
	if k.Type == TOTP && (k.Period < 1 || k.Period > MaxPeriod) {
		return ErrPeriod
	}
	if err := checkExtra(k.Extra); err != nil {
		return err
	}
	if len(k.URI()) > MaxURILength {
		return fmt.Errorf("%w: the URI would be over %d bytes", ErrTooLong, MaxURILength)
	}
	return nil
}

// checkName refuses what would make a name unreadable or misleading on
// screen: invalid UTF-8, control characters, bidirectional overrides (which
// can make "elgoog" display as "google"), and surrounding spaces.
func checkName(name, what string) error {
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w in the %s", ErrEncoding, what)
	}
	for _, r := range name {
		if unicode.IsControl(r) || isBidiControl(r) {
			return fmt.Errorf("%w: the %s contains a control character", ErrLabel, what)
		}
	}
	if strings.TrimSpace(name) != name {
		return fmt.Errorf("%w: the %s starts or ends with a space", ErrLabel, what)
	}
	return nil
}

func isBidiControl(r rune) bool {
	return '\u202A' <= r && r <= '\u202E' || '\u2066' <= r && r <= '\u2069'
}

// checkExtra applies Parse's rules to unknown parameters: named, valid UTF-8,
// none twice and none that Parse would take for a known one.
func checkExtra(extra []Param) error {
	seen := make(map[string]bool, len(extra))
	for i, p := range extra {
		if p.Name == "" {
			return fmt.Errorf("%w (extra parameter %d)", ErrParam, i+1)
		}
		if !utf8.ValidString(p.Name) || !utf8.ValidString(p.Value) {
			return fmt.Errorf("%w in extra parameter %d", ErrEncoding, i+1)
		}
		folded := foldName(p.Name)
		if knownParams[folded] {
			return paramError(ErrDuplicateParam, folded, "is also an extra parameter")
		}
		if seen[folded] {
			return fmt.Errorf("%w (extra parameter %d)", ErrDuplicateParam, i+1)
		}
		seen[folded] = true
	}
	return nil
}

// Warnings lists what is allowed but worth showing (a short secret).
func (k *Key) Warnings() []Warning {
	var w []Warning
	if len(k.Secret)*8 < MinSecretBits {
		w = append(w, WarnShortSecret)
	}
	return w
}

// CheckTypedSecret refuses a decoded secret typed by hand that is shorter
// than MinTypedSecretBits (ErrSecretShort). Parse and Validate do not apply
// it: keys read from a QR code, a link or a backup are the service's own,
// and a short one is a warning (Warnings), not a reason to lose it.
func CheckTypedSecret(secret []byte) error {
	if len(secret)*8 < MinTypedSecretBits {
		return ErrSecretShort
	}
	return nil
}

// Param returns the value of an unknown (Extra) parameter and whether it was
// present. Names compare ignoring case, as Parse compares them.
func (k *Key) Param(name string) (string, bool) {
	folded := foldName(name)
	for _, p := range k.Extra {
		if foldName(p.Name) == folded {
			return p.Value, true
		}
	}
	return "", false
}
