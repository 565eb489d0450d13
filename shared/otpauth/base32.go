package otpauth

// DecodeSecret normalises a base32 key as a person types it (any case; spaces,
// dashes and missing "=" padding accepted) and decodes it. Any other character
// is a *Base32Error naming its position; an empty key is ErrSecretMissing and
// one over MaxSecretLength bytes ErrSecretLength.
func DecodeSecret(typed string) ([]byte, error) { panic("otpauth: implement") }

// EncodeSecret gives the canonical form of a secret: upper-case base32 with
// no padding, as URIs carry it.
func EncodeSecret(secret []byte) string { panic("otpauth: implement") }

// GroupSecret formats a secret for typing by hand: canonical base32 in groups
// of four separated by spaces ("JBSW Y3DP EHPK 3PXP").
func GroupSecret(secret []byte) string { panic("otpauth: implement") }
