package otpauth

import "strings"

// Steam Guard codes are TOTP (HMAC-SHA1, 30 s) whose last step spells five
// characters of Steam's alphabet (shared/otpcode.Steam). The Key URI Format
// has no type for them; KeePassXC writes such a key as a TOTP URI with the
// parameter encoder=steam, and the authenticator's vault keeps its Steam
// accounts that way: Type TOTP, SHA1, 6 digits (what Validate accepts; the
// codes are 5 characters regardless), 30 s, and encoder=steam in Extra.

// SteamEncoder is the value of the encoder parameter of a Steam Guard key.
const SteamEncoder = "steam"

// IsSteam reports whether k is a Steam Guard key: TOTP with encoder=steam
// (any case).
func (k *Key) IsSteam() bool {
	v, ok := k.Param("encoder")
	return ok && k.Type == TOTP && strings.EqualFold(v, SteamEncoder)
}

// SteamKey returns the Key of a Steam Guard account as IsSteam recognises it.
func SteamKey(issuer, account string, secret []byte) Key {
	return Key{Type: TOTP, Issuer: issuer, Account: account, Secret: secret, Algorithm: SHA1,
		Digits: DefaultDigits, Period: DefaultPeriod, Extra: []Param{{Name: "encoder", Value: SteamEncoder}}}
}
