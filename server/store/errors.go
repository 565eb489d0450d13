package store

import (
	"errors"
	"fmt"
	"slices"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: already exists")
	ErrClosed   = errors.New("store: closed")
	// ErrSchemaTooNew: the database records a migration this binary does
	// not have, so a newer version of the server migrated it. Opening it
	// would run old code on a schema it does not know; Open refuses.
	ErrSchemaTooNew = errors.New("store: the database was migrated by a newer version of the server")
)

// CheckKnownMigrations returns ErrSchemaTooNew, naming the versions, when
// applied (the versions a database records) holds one that known (the
// versions this binary embeds) lacks. An engine calls it before applying
// anything.
func CheckKnownMigrations(applied map[int]bool, known []int) error {
	have := make(map[int]bool, len(known))
	for _, v := range known {
		have[v] = true
	}
	var unknown []int
	for v := range applied {
		if !have[v] {
			unknown = append(unknown, v)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	newest := 0
	if len(known) > 0 {
		newest = slices.Max(known)
	}
	return fmt.Errorf("%w (it records migrations %v; this binary knows up to %d): run a version that has them", ErrSchemaTooNew, unknown, newest)
}
