// Package otpcode generates HOTP (RFC 4226) and TOTP (RFC 6238) codes, the
// RFC's dynamic truncation of crypto/hmac's HMAC-SHA-1, -256 or -512, and
// verifies them; Steam computes Steam Guard codes
// (TOTP whose last step spells five characters of Steam's alphabet). Verify
// reports which time step a code matched within the skew window, because the
// server's replay protection is keyed on that step; comparisons are constant
// time. Input codes are normalised (spaces and dashes removed, then exactly N
// ASCII digits) before anything else.
package otpcode
