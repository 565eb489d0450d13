package otpauth

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// errMigrationScheme points a person who pasted a Google Authenticator
// export at the right tool instead of only saying "wrong scheme".
var errMigrationScheme = fmt.Errorf("%w (this is a Google Authenticator export, otpauth-migration://)", ErrScheme)

// Parse reads an otpauth://totp/... or otpauth://hotp/... URI. Defaults fill
// parameters that are absent (SHA1, 6 digits, 30 s). The issuer parameter
// wins over the label prefix when only one is present or they agree; when both
// are present and differ, Parse returns ErrIssuerConflict.
//
// What it accepts, beyond the letter of Google's Key URI Format:
//   - scheme, type and parameter names in any case (QR codes in alphanumeric
//     mode are upper case), and spaces around the whole URI;
//   - a label colon written literally or as %3A, with spaces around it; the
//     label splits at its first colon, so an account may hold further colons;
//   - "+" in the label is a literal plus (e-mail sub-addresses), while "+" in a
//     parameter value is a space, as in any query string;
//   - a secret in lower case, with padding, spaces or dashes;
//   - period on an HOTP key and counter on a TOTP key are checked, then
//     ignored, because they mean nothing there.
//
// Parameters it does not know are kept in Key.Extra, in order. Every
// parameter name may appear once (compared ignoring case), so a second
// secret or push endpoint cannot hide behind the first. The Key is checked
// with Validate before it is returned, so Parse(k.URI()) always succeeds.
func Parse(uri string) (*Key, error) {
	if len(uri) > MaxURILength {
		return nil, ErrTooLong
	}
	if !utf8.ValidString(uri) {
		return nil, ErrEncoding
	}
	uri = strings.TrimSpace(uri)

	scheme, rest, ok := strings.Cut(uri, "://")
	switch {
	case ok && strings.EqualFold(scheme, "otpauth"):
	case strings.EqualFold(scheme, "otpauth-migration"):
		return nil, errMigrationScheme
	default:
		return nil, ErrScheme
	}

	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	k := &Key{Type: Type(strings.ToLower(rest[:end]))}
	if k.Type != TOTP && k.Type != HOTP {
		return nil, ErrType
	}
	rawLabel, rawQuery, _ := strings.Cut(rest[end:], "?")

	label, err := Unescape(strings.TrimPrefix(rawLabel, "/"), false)
	if err != nil || !utf8.ValidString(label) {
		return nil, fmt.Errorf("%w in the label", ErrEncoding)
	}
	if len(label) > MaxLabelLength {
		return nil, fmt.Errorf("%w: the label is over %d bytes", ErrTooLong, MaxLabelLength)
	}
	labelIssuer, account := splitLabel(label)

	q, err := parseQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	if err := q.apply(k); err != nil {
		return nil, err
	}

	if labelIssuer != "" && q.issuer != "" && labelIssuer != q.issuer {
		return nil, ErrIssuerConflict
	}
	k.Issuer = q.issuer
	if k.Issuer == "" {
		k.Issuer = labelIssuer
	}
	k.Account = account
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return k, nil
}

// splitLabel splits "Issuer:account" at its first colon and trims the spaces
// people put around the colon. A label without a colon is all account.
func splitLabel(label string) (issuer, account string) {
	issuer, account, found := strings.Cut(label, ":")
	if !found {
		return "", strings.TrimSpace(label)
	}
	return strings.TrimSpace(issuer), strings.TrimSpace(account)
}

// query is the decoded query string of a URI: the known parameters by name,
// the rest in order.
type query struct {
	known  map[string]string // lower-case name -> value
	issuer string
	extra  []Param
}

// knownParams are the parameters Parse interprets.
var knownParams = map[string]bool{
	"secret": true, "issuer": true, "algorithm": true,
	"digits": true, "period": true, "counter": true,
}

// foldName is how parameter names are compared: ignoring case.
func foldName(name string) string { return strings.ToLower(name) }

func parseQuery(raw string) (*query, error) {
	q := &query{known: map[string]string{}}
	seen := map[string]bool{}
	for field := range strings.SplitSeq(raw, "&") {
		if field == "" {
			continue // "a=1&&b=2" and a trailing "&" are harmless
		}
		rawName, rawValue, _ := strings.Cut(field, "=")
		name, errName := Unescape(rawName, true)
		value, errValue := Unescape(rawValue, true)
		if errName != nil || errValue != nil || !utf8.ValidString(name) || !utf8.ValidString(value) {
			return nil, fmt.Errorf("%w in parameter %d", ErrEncoding, len(seen)+1)
		}
		if name == "" {
			return nil, fmt.Errorf("%w (parameter %d)", ErrParam, len(seen)+1)
		}
		folded := foldName(name)
		if seen[folded] {
			if knownParams[folded] {
				return nil, paramError(ErrDuplicateParam, folded, "")
			}
			// Unknown names are not quoted: any input may be the secret.
			return nil, fmt.Errorf("%w (parameter %d)", ErrDuplicateParam, len(seen)+1)
		}
		seen[folded] = true
		if knownParams[folded] {
			q.known[folded] = value
		} else {
			q.extra = append(q.extra, Param{Name: name, Value: value})
		}
	}
	q.issuer = strings.TrimSpace(q.known["issuer"])
	return q, nil
}

// apply sets k's code parameters from q, filling defaults for absent ones.
func (q *query) apply(k *Key) error {
	k.Algorithm, k.Digits, k.Extra = DefaultAlgorithm, DefaultDigits, q.extra

	secret, ok := q.known["secret"]
	if !ok {
		return ErrSecretMissing
	}
	var err error
	if k.Secret, err = DecodeSecret(secret); err != nil {
		return err
	}

	if v, ok := q.known["algorithm"]; ok {
		if k.Algorithm, ok = parseAlgorithm(v); !ok {
			return ErrAlgorithm
		}
	}
	if v, ok := q.known["digits"]; ok {
		n, ok := parseDecimal(v)
		if !ok || n < MinDigits || n > MaxDigits {
			return ErrDigits
		}
		k.Digits = int(n)
	}

	period := uint64(DefaultPeriod)
	if v, ok := q.known["period"]; ok {
		if period, ok = parseDecimal(v); !ok || period < 1 || period > MaxPeriod {
			return ErrPeriod
		}
	}
	v, haveCounter := q.known["counter"]
	counter, ok := parseDecimal(v)
	if haveCounter && !ok {
		return ErrCounter
	}

	switch k.Type {
	case TOTP:
		k.Period = int(period)
	case HOTP:
		if !haveCounter {
			return fmt.Errorf("%w: an hotp key needs one", ErrCounter)
		}
		k.Counter = counter
	}
	return nil
}

// parseAlgorithm reads an algorithm name in any case.
func parseAlgorithm(s string) (Algorithm, bool) {
	switch a := Algorithm(strings.ToUpper(s)); a {
	case SHA1, SHA256, SHA512:
		return a, true
	}
	return "", false
}

// parseDecimal reads an unsigned decimal number of ASCII digits only:
// strconv alone would take a sign, and other scripts' digits must not pass
// for numbers.
func parseDecimal(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}
