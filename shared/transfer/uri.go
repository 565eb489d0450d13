package transfer

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// An account as one string, as Bitwarden, Proton Authenticator, Ente Auth
// and otpauth lists carry it:
//   - otpauth://totp/... and otpauth://hotp/... (Google's Key URI Format,
//     read by shared/otpauth);
//   - otpauth://steam/... (Aegis's and Ente's Steam accounts) and
//     otpauth://totp/...&encoder=steam (KeePassXC's): Steam Guard, whose
//     digits, period and algorithm are fixed and so ignored;
//   - otpauth://yandex/... and otpauth://motp/...: kinds Twofold does not
//     support;
//   - steam://SECRET (Bitwarden; Proton writes base32 or, for secrets it
//     got from a .maFile, unpadded base64);
//   - a bare base32 secret (Bitwarden): TOTP, SHA1, 6 digits, 30 s.

// parseAccountString reads one such string. fallbackIssuer and
// fallbackAccount name the account when the string does not.
func parseAccountString(s, fallbackIssuer, fallbackAccount string) (fields, error) {
	s = strings.TrimSpace(s)
	f := fields{issuer: fallbackIssuer, account: fallbackAccount}
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "otpauth://"):
		return parseOTPAuth(s, fallbackIssuer, fallbackAccount)
	case strings.HasPrefix(lower, "steam://"):
		f.typ = Steam
		if f.issuer == "" {
			f.issuer = SteamIssuer
		}
		var err error
		f.secret, err = decodeSteamSecret(strings.TrimSuffix(s[len("steam://"):], "/"))
		return f, err
	}
	f.typ = TOTP
	var err error
	f.secret, err = decodeBase32(s)
	return f, err
}

// decodeSteamSecret reads base32, or failing that base64 (with or without
// padding), as Proton Authenticator writes either.
func decodeSteamSecret(s string) ([]byte, error) {
	if b, err := decodeBase32(s); err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) > 0 {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: the secret is neither base32 nor base64", ErrInvalidEntry)
}

// parseOTPAuth reads an otpauth:// URI of any type Twofold knows of.
func parseOTPAuth(uri, fallbackIssuer, fallbackAccount string) (fields, error) {
	f := fields{issuer: fallbackIssuer, account: fallbackAccount}
	const scheme = "otpauth://"
	if len(uri) < len(scheme) || !strings.EqualFold(uri[:len(scheme)], scheme) {
		return f, fmt.Errorf("%w: not an otpauth:// URI", ErrInvalidEntry)
	}
	rest := uri[len(scheme):]
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	host := strings.ToLower(rest[:end])
	label, query, _ := strings.Cut(rest[end:], "?")
	label = strings.TrimPrefix(label, "/")
	steam := host == "steam" || host == "totp" && hasParam(query, "encoder", "steam")
	switch {
	case steam:
		host, query = "totp", dropParams(query, "digits", "period", "algorithm", "encoder")
	case host == "totp", host == "hotp":
	case otherTypes[host] != "":
		return f, unsupportedType(otherTypes[host])
	default:
		return f, errUnknownType
	}
	if label == "" && fallbackAccount != "" {
		label = url.PathEscape(fallbackAccount)
	}
	k, err := otpauth.Parse("otpauth://" + host + "/" + label + "?" + query)
	if err != nil {
		return f, entryError(err)
	}
	f = fields{typ: TOTP, issuer: k.Issuer, account: k.Account, secret: k.Secret,
		algorithm: k.Algorithm, digits: k.Digits, period: k.Period, counter: k.Counter}
	switch {
	case steam:
		f.typ, f.digits, f.period, f.algorithm = Steam, 0, 0, ""
	case k.Type == otpauth.HOTP:
		f.typ = HOTP
	}
	if f.issuer == "" {
		f.issuer = fallbackIssuer
	}
	return f, nil
}

// hasParam reports whether a raw query has name=value (ignoring case).
func hasParam(query, name, value string) bool {
	for field := range strings.SplitSeq(query, "&") {
		n, v, _ := strings.Cut(field, "=")
		if strings.EqualFold(n, name) && strings.EqualFold(v, value) {
			return true
		}
	}
	return false
}

// dropParams removes the named parameters from a raw query.
func dropParams(query string, names ...string) string {
	var kept []string
	for field := range strings.SplitSeq(query, "&") {
		n, _, _ := strings.Cut(field, "=")
		drop := false
		for _, name := range names {
			drop = drop || strings.EqualFold(n, name)
		}
		if !drop {
			kept = append(kept, field)
		}
	}
	return strings.Join(kept, "&")
}
