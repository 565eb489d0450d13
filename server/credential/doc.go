// Package credential makes and checks the secrets a person or browser holds:
// passwords hashed with Argon2id into PHC strings that carry their own
// parameters, 256-bit session tokens of which only a SHA-256 hash is kept,
// and recovery codes from Crockford's unambiguous base32 alphabet, also kept
// only as hashes. Randomness comes from an injected io.Reader and every
// comparison of a secret is constant time.
package credential
