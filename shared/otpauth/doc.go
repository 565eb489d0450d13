// Package otpauth parses and formats otpauth:// key URIs (the format of the
// enrollment QR codes that authenticator apps scan) and normalises base32 keys
// typed by hand. It is strict about what it accepts and keeps what it does not
// understand: unknown URI parameters survive a parse/format round trip, and
// Parse(k.URI()) gives back k itself for every k that Parse returned (an
// equivalent Key for any that Validate accepts). Errors are typed (match them with errors.Is against the Err*
// values), name what is wrong without quoting input, and so never contain the
// secret.
package otpauth
