// Package vault keeps the authenticator's secrets encrypted at rest. The
// contents (an opaque plaintext the accounts package encodes) are sealed with
// AES-256-GCM under a random 256-bit master key; the master key is wrapped
// with AES-256-GCM under a key that Argon2id derives from the passphrase, so a
// passphrase change re-wraps one key. The binary envelope (docs/vault-format.md)
// carries magic, kind, version, KDF parameters, salt and nonces; each AEAD's
// associated data is every byte before it, and a trailing SHA-256 tells
// accidental damage (ErrTampered) apart from a wrong passphrase
// (ErrWrongPassphrase). Saves write a new generation blob and then flip a
// small pointer blob, so an interrupted save leaves the previous vault
// readable. The same envelope, with its own passphrase, is the backup file.
// A vault may also open with a passkey (passkey.go): format version 2 adds
// slots that wrap the same master key under keys derived with HKDF-SHA256
// from WebAuthn PRF outputs; the passphrase stays the fallback.
package vault
