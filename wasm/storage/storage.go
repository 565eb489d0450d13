package storage

import (
	"fmt"
	"strings"

	"github.com/twofold-auth/twofold/shared/errcode"
)

// ErrNotFound is returned by Get for a name that holds no blob.
var ErrNotFound = errcode.New("not_found", "nothing is stored under this name")

// ErrName is returned for a name that is empty, too long or uses characters
// outside [A-Za-z0-9._-], so every backend can use names as keys or file names.
var ErrName = errcode.New("storage", "a stored item has an invalid name")

// MaxNameLength bounds blob names.
const MaxNameLength = 64

// Storage holds named blobs. Implementations must be safe for concurrent use.
//
// Put must be atomic per name: after an interrupted Put, Get returns either
// the previous blob or the new one, never a mix. Callers that need several
// blobs to change together (the vault) write new names first and flip one
// small pointer blob last.
type Storage interface {
	// Get returns a copy of the blob, or ErrNotFound.
	Get(name string) ([]byte, error)
	// Put stores a copy of data under name, replacing any previous blob.
	Put(name string, data []byte) error
	// Delete removes the blob; deleting a missing name is not an error.
	Delete(name string) error
}

// CheckName reports whether name is usable with every backend.
func CheckName(name string) error {
	if name == "" || len(name) > MaxNameLength {
		return fmt.Errorf("%w: %q", ErrName, name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-", c)) {
			return fmt.Errorf("%w: %q", ErrName, name)
		}
	}
	if name[0] == '.' {
		return fmt.Errorf("%w: %q", ErrName, name) // no hidden or "." / ".." files in Dir
	}
	return nil
}
