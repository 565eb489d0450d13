// Package migration decodes and encodes Google Authenticator's export format,
// otpauth-migration://offline?data=..., whose data is a base64 MigrationPayload
// protobuf. It uses google.golang.org/protobuf's protowire for the wire format
// and accepts standard and URL-safe base64, with or without padding, including
// a "+" that arrived as a space.
package migration

import (
	"errors"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Errors Decode returns, matched with errors.Is.
var (
	ErrScheme    = errors.New("migration: not an otpauth-migration://offline URI")
	ErrData      = errors.New("migration: data parameter missing or not base64")
	ErrPayload   = errors.New("migration: payload is not a valid MigrationPayload")
	ErrTooLarge  = errors.New("migration: payload too large")
	ErrNoAccount = errors.New("migration: export holds no accounts")
)

// Payload is one export QR code. A large export is split over BatchSize codes
// that share BatchID, numbered by BatchIndex from 0.
type Payload struct {
	Version    int
	BatchSize  int
	BatchIndex int
	BatchID    int32
	Accounts   []otpauth.Key
}

// Decode parses an otpauth-migration URI.
func Decode(uri string) (*Payload, error) { panic("migration: implement") }

// Encode formats p as an otpauth-migration URI that Decode reads back.
func Encode(p *Payload) (string, error) { panic("migration: implement") }
