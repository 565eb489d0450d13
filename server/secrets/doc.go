// Package secrets encrypts TOTP seeds at rest. A Keyring holds 256-bit master
// keys by key id (the first bytes of a hash of the key, never the key); Seal
// encrypts with AES-256-GCM under the primary key and binds the ciphertext to
// the row it belongs to through associated data, so a ciphertext copied to
// another row does not open. Each sealed value records its key id, which lets
// a rotation re-encrypt rows in place while old keys are still readable. Key
// files are base64 text created with mode 0600; the master key never goes into
// the database.
package secrets
