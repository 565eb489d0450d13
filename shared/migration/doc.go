// Package migration decodes and encodes Google Authenticator's export format,
// otpauth-migration://offline?data=..., whose data is a base64 MigrationPayload
// protobuf. It reads and writes the wire format with shared/pbwire (checked
// against google.golang.org/protobuf's protowire in the tests) and accepts
// standard and URL-safe base64, with or without padding, including a "+"
// that arrived as a space. Decoded accounts are otpauth.Keys that passed
// otpauth's Validate, so they format as otpauth URIs; Decode refuses whole an
// export with any account that cannot be imported, so a bad code changes
// nothing, while DecodeEach (for importers that list what they leave out)
// returns the good accounts and the reason for each other one.
package migration
