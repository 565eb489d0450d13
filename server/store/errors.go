package store

import "errors"

// Sentinel errors.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: already exists")
	ErrClosed   = errors.New("store: closed")
)
