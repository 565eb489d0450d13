// Package accounts is the authenticator's model: the list of accounts (each
// an otpauth.Key with an id, a display order and room for a push
// registration), the clock offset applied to codes, and every change a person
// makes to them. A State is immutable: each operation returns a new State and
// leaves the receiver as it was, so the caller can persist the new one and
// publish it only once it is saved, and readers never see a half-made change.
// Marshal and Unmarshal give the vault's plaintext, a protobuf message written
// with shared/pbwire (already linked for Google Authenticator exports) instead of
// encoding/json, which would add about 120 KB to the WebAssembly; unknown
// fields are kept, so a vault written by a newer version survives a save by an
// older one. Imports (otpauth URI lists, Google Authenticator exports split
// over several QR codes, backups) report per line and per part what happened.
package accounts
