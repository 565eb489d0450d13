package otpcode

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Steam Guard codes: TOTP with HMAC-SHA1 and 30-second steps, truncated as
// in RFC 4226 §5.3 to a 31-bit number, which then gives five characters
// from Steam's 26-character alphabet, least significant first. Steam
// publishes no specification; this is the algorithm of Valve's mobile app
// as the apps that import Steam accounts implement it (Steam Desktop
// Authenticator's SteamGuardAccount.GenerateSteamGuardCodeForTime, Aegis's
// OTP.toString, the steam-totp npm package).
const (
	SteamAlphabet = "23456789BCDFGHJKMNPQRTVWXY"
	SteamDigits   = 5
	SteamPeriod   = 30
)

// Steam returns the Steam Guard code for the 30-second step that contains t.
func Steam(secret []byte, t time.Time) (string, error) {
	return SteamAt(secret, Step(t, SteamPeriod))
}

// SteamAt returns the Steam Guard code for a time step (Unix time / 30).
func SteamAt(secret []byte, step uint64) (string, error) {
	if len(secret) == 0 {
		return "", otpauth.ErrSecretMissing
	}
	if len(secret) > otpauth.MaxSecretLength {
		return "", otpauth.ErrSecretLength
	}
	mac := hmac.New(sha1.New, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], step)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[offset:]) & 0x7fffffff
	var code [SteamDigits]byte
	for i := range code {
		code[i] = SteamAlphabet[n%uint32(len(SteamAlphabet))]
		n /= uint32(len(SteamAlphabet))
	}
	return string(code[:]), nil
}
