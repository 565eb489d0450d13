// Package otpauth parses and formats otpauth:// key URIs (the format of the
// enrollment QR codes that authenticator apps scan) and normalises base32 keys
// typed by hand. It is strict about what it accepts and keeps what it does not
// understand: unknown URI parameters survive a parse/format round trip. Errors
// are typed (match them with errors.Is against the Err* values) and never
// contain the secret.
package otpauth
