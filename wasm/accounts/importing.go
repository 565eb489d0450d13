package accounts

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/shared/errcode"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

// MaxImportBytes bounds a text import; a list of ten thousand URIs fits.
const MaxImportBytes = 1 << 20

// Entry is one key to import and where it came from.
type Entry struct {
	Line int // 1-based line of a text import; 0 otherwise
	Key  otpauth.Key

	from *Account // set for a backup: keeps Added, Push and unknown fields
}

// LineError is one entry that was not imported, and why.
type LineError struct {
	Line  int    // 1-based line of a text import; 0 otherwise
	Label string // "Issuer (account)" when known
	Err   error
}

func (e *LineError) Error() string {
	msg := e.Err.Error()
	if e.Label != "" && !errors.Is(e.Err, ErrDuplicate) {
		msg = e.Label + ": " + msg
	}
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, msg)
	}
	return msg
}

func (e *LineError) Unwrap() error { return e.Err }

// ImportResult says what an import did: the accounts added, the entries
// skipped (bad lines, keys in the list already), the entries held back
// because another account has their name, and the Google Authenticator
// exports seen.
type ImportResult struct {
	Added     []View
	Problems  []LineError
	Conflicts []Conflict
	Batches   []BatchProgress
}

// Conflict is an entry whose issuer and name another account has, with
// another key: it is not added until the person chooses (AddResolved).
type Conflict struct {
	Line     int
	Account  *Account // the entry, ready to add
	Existing Ref
}

// ParseList reads a text of otpauth:// and otpauth-migration:// URIs, one per
// line; blank lines and lines starting with # are ignored. Lines that fail
// are reported with their number and the others are returned. Export parts
// are recorded in batches when it is not nil.
func ParseList(text string, batches *Batches) ([]Entry, []LineError, []BatchProgress, error) {
	if len(text) > MaxImportBytes {
		return nil, nil, nil, ErrTooLarge
	}
	var (
		entries  []Entry
		problems []LineError
		progress []BatchProgress
	)
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		n := i + 1
		lower := strings.ToLower(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(lower, "otpauth-migration:"):
			p, err := migration.Decode(line)
			if err != nil {
				problems = append(problems, LineError{Line: n, Err: err})
				continue
			}
			if batches != nil {
				bp, err := batches.Record(p)
				if err != nil {
					problems = append(problems, LineError{Line: n, Err: err})
					continue
				}
				progress = append(progress, bp)
			}
			for _, k := range p.Accounts {
				entries = append(entries, Entry{Line: n, Key: k})
			}
		case strings.HasPrefix(lower, "otpauth:"):
			k, err := ParseURI(line)
			if err != nil {
				problems = append(problems, LineError{Line: n, Err: KeyError(err)})
				continue
			}
			entries = append(entries, Entry{Line: n, Key: *k})
		default:
			problems = append(problems, LineError{Line: n, Err: errNotURI})
		}
	}
	if len(entries) == 0 && len(problems) == 0 {
		return nil, nil, nil, ErrNoKeys
	}
	return entries, problems, progress, nil
}

var errNotURI = errcode.New("bad_uri", "not an otpauth:// or otpauth-migration:// URI")

// Import adds entries in order, skipping (and reporting) invalid keys and
// keys in the list already, including within entries, and holding back
// (in Conflicts) entries named like an account with another key.
func (s *State) Import(entries []Entry, rnd io.Reader, now time.Time) (*State, ImportResult, error) {
	var res ImportResult
	n := s
	for _, e := range entries {
		a, err := e.account(rnd, now)
		if err != nil {
			return nil, ImportResult{}, err
		}
		next, err := n.Add(a)
		var dup *DuplicateError
		if errors.As(err, &dup) && !dup.SameSecret {
			res.Conflicts = append(res.Conflicts, Conflict{Line: e.Line, Account: a, Existing: dup.Existing})
			continue
		}
		if err != nil {
			res.Problems = append(res.Problems, LineError{Line: e.Line, Label: a.View().Label(), Err: err})
			continue
		}
		n = next
		res.Added = append(res.Added, a.View())
	}
	return n, res, nil
}

// account makes the Account an entry adds: a new id, and what a backup's
// account had besides its key (added time, push registration, list
// fields, fields of a newer version).
func (e *Entry) account(rnd io.Reader, now time.Time) (*Account, error) {
	a, err := New(e.Key, rnd, now)
	if err != nil {
		return nil, err
	}
	if f := e.from; f != nil {
		a.Added, a.Push, a.unknown = f.Added, f.Push, f.unknown
		a.listFields(f)
	}
	return a, nil
}

// Entries returns the accounts of s (a decrypted backup) as import entries.
func (s *State) Entries() []Entry {
	entries := make([]Entry, len(s.accounts))
	for i, a := range s.accounts {
		entries[i] = Entry{Key: a.Key, from: a}
	}
	return entries
}

// ExportURIs returns one URI per account (Account.URI), in stored order,
// each ending in a newline. The text holds every secret in plaintext.
func (s *State) ExportURIs() string {
	var b strings.Builder
	for _, a := range s.accounts {
		b.WriteString(a.URI())
		b.WriteByte('\n')
	}
	return b.String()
}

// Batches remembers which parts of Google Authenticator exports have been
// read, per batch id, so the page can say which are still missing. The zero
// value is ready to use; it is not safe for concurrent use.
type Batches struct {
	seen map[int32]*batch
}

type batch struct {
	size int
	got  []bool
}

// BatchProgress is the state of one export after a part was read. Indexes
// are 0-based, as in the export; Message numbers parts from 1 for people.
type BatchProgress struct {
	ID       int32
	Size     int
	Index    int   // the part just read
	Received []int // indexes read so far, ascending
	Missing  []int // indexes not read yet, ascending
}

// Complete reports whether every part was read.
func (p BatchProgress) Complete() bool { return len(p.Missing) == 0 }

// Message describes the progress for a person.
func (p BatchProgress) Message() string {
	if p.Size <= 1 {
		return "export read"
	}
	if p.Complete() {
		return fmt.Sprintf("all %d parts of the export read", p.Size)
	}
	parts := make([]string, len(p.Missing))
	for i, m := range p.Missing {
		parts[i] = fmt.Sprint(m + 1)
	}
	return fmt.Sprintf("part %d of %d read; still missing: %s", p.Index+1, p.Size, strings.Join(parts, ", "))
}

// Record notes one export part and returns the progress of its batch.
func (b *Batches) Record(p *migration.Payload) (BatchProgress, error) {
	size := max(p.BatchSize, 1)
	if p.BatchIndex < 0 || p.BatchIndex >= size {
		return BatchProgress{}, ErrBatchIndex
	}
	if b.seen == nil {
		b.seen = map[int32]*batch{}
	}
	bt := b.seen[p.BatchID]
	if bt == nil || bt.size != size {
		bt = &batch{size: size, got: make([]bool, size)}
		b.seen[p.BatchID] = bt
	}
	bt.got[p.BatchIndex] = true
	bp := BatchProgress{ID: p.BatchID, Size: size, Index: p.BatchIndex}
	for i, ok := range bt.got {
		if ok {
			bp.Received = append(bp.Received, i)
		} else {
			bp.Missing = append(bp.Missing, i)
		}
	}
	slices.Sort(bp.Received)
	return bp, nil
}
