package accounts

import (
	"strings"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// ParseURI reads an account's otpauth URI: otpauth://totp/... and
// otpauth://hotp/... (otpauth.Parse), and Steam Guard accounts written
// otpauth://steam/... (Aegis, Ente Auth, Account.URI) or
// otpauth://totp/...&encoder=steam (KeePassXC). Steam's code parameters
// are fixed, so a Steam URI's digits, period and algorithm are ignored and
// the key is stored as otpauth.SteamKey describes. Errors are otpauth's.
func ParseURI(uri string) (*otpauth.Key, error) {
	const steam = "otpauth://steam/"
	isSteam := len(uri) >= len(steam) && strings.EqualFold(uri[:len(steam)], steam)
	if isSteam {
		uri = "otpauth://totp/" + uri[len(steam):]
	}
	if isSteam || strings.Contains(strings.ToLower(uri), "encoder=steam") {
		uri = dropParams(uri, "digits", "period", "algorithm", "encoder")
		isSteam = true
	}
	k, err := otpauth.Parse(uri)
	if err != nil {
		return nil, err
	}
	if isSteam && k.Type == otpauth.TOTP {
		s := otpauth.SteamKey(k.Issuer, k.Account, k.Secret)
		s.Extra = append(k.Extra, s.Extra...)
		return &s, nil
	}
	return k, nil
}

// dropParams removes the named parameters from a URI's query.
func dropParams(uri string, names ...string) string {
	base, query, ok := strings.Cut(uri, "?")
	if !ok {
		return uri
	}
	var kept []string
	for field := range strings.SplitSeq(query, "&") {
		name, _, _ := strings.Cut(field, "=")
		drop := false
		for _, n := range names {
			drop = drop || strings.EqualFold(name, n)
		}
		if !drop {
			kept = append(kept, field)
		}
	}
	return base + "?" + strings.Join(kept, "&")
}
