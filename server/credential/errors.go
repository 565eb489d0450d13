package credential

import "errors"

// Sentinel errors.
var (
	ErrHashFormat     = errors.New("credential: not an argon2id PHC string")
	ErrHashParams     = errors.New("credential: argon2id parameters out of range")
	ErrRecoveryFormat = errors.New("credential: recovery code must be 16 characters of the recovery alphabet")
)
