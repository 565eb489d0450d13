package secrets

import "errors"

// Sentinel errors; messages never contain key material.
var (
	ErrKeyLength   = errors.New("secrets: master key must be 32 bytes")
	ErrKeyFormat   = errors.New("secrets: master key is not base64 of 32 bytes")
	ErrUnknownKey  = errors.New("secrets: no key with this key id in the keyring")
	ErrOpen        = errors.New("secrets: ciphertext does not open (wrong key or row)")
	ErrKeyFileMode = errors.New("secrets: master key file is readable by group or others")
)
