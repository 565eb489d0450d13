// Package transfer moves accounts in and out of Twofold: it reads the exports
// and backups of other authenticator apps (Aegis, 2FAS, andOTP, Bitwarden,
// FreeOTP+, Ente Auth, Proton Authenticator, Authenticator Pro / Stratum,
// Steam Desktop Authenticator, Google Authenticator, otpauth URI lists) and
// recognises Twofold's own backup, and writes Aegis-compatible JSON, otpauth
// lists and Google Authenticator transfer codes. Import detects the format
// (or takes it named), asks for a password with ErrPasswordRequired, tells a
// wrong password (ErrWrongPassword) from a damaged file (ErrDamaged) where the
// format can, returns nothing from a file it cannot read whole, and lists each
// entry it cannot import with the reason instead of failing the file. Files
// are decrypted with the standard library and golang.org/x/crypto (scrypt,
// Argon2id, PBKDF2, AES-GCM, AES-CBC); the layouts and their sources are in
// docs/import-formats.md. Error messages never quote the file, so they never
// hold a secret. The package is pure Go (no syscall/js, net/http or cgo) so
// the authenticator can load it as WebAssembly.
package transfer
