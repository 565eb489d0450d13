package accounts

import (
	"time"

	"github.com/twofold-auth/twofold/shared/pbwire"
)

// TrashDays is how long a deleted account stays restorable.
const TrashDays = 30

const trashTTL = TrashDays * 24 * time.Hour

// Trashed is a deleted account in the trash (Contents field 6): the whole
// account, secret included, until TrashDays after DeletedMs.
type Trashed struct {
	Account   *Account
	DeletedMs int64 // Unix milliseconds; not a time.Time (see Ref)
}

// TrashView is a trashed account as the page lists it.
type TrashView struct {
	ID        string
	Label     string
	DeletedMs int64
}

// Field numbers of the message Trashed (docs/vault-format.md).
const (
	trashedAccount = 1
	trashedDeleted = 2
)

// Delete moves an account to the trash, where it stays restorable for
// TrashDays; entries older than that are dropped on the way.
func (s *State) Delete(id string, now time.Time) (*State, error) {
	i := s.index(id)
	if i < 0 {
		return nil, ErrNotFound
	}
	n := s.clone()
	removed := n.accounts[i]
	n.accounts = append(n.accounts[:i], n.accounts[i+1:]...)
	n.trash = append(n.liveTrash(now), Trashed{Account: removed, DeletedMs: now.UnixMilli()})
	return n, nil
}

// liveTrash is the trash without the entries past TrashDays: they are
// gone from every State saved after this. (Not wiped here: the State
// before this one, kept if the save fails, shares them.)
func (s *State) liveTrash(now time.Time) []Trashed {
	out := make([]Trashed, 0, len(s.trash)+1)
	for _, t := range s.trash {
		if now.Sub(time.UnixMilli(t.DeletedMs)) <= trashTTL {
			out = append(out, t)
		}
	}
	return out
}

// Trash lists the restorable accounts, the latest deleted first.
func (s *State) Trash(now time.Time) []TrashView {
	out := []TrashView{}
	for i := len(s.trash) - 1; i >= 0; i-- {
		t := s.trash[i]
		if now.Sub(time.UnixMilli(t.DeletedMs)) <= trashTTL {
			out = append(out, TrashView{ID: t.Account.ID, Label: t.Account.View().Label(), DeletedMs: t.DeletedMs})
		}
	}
	return out
}

// Restore takes an account out of the trash and puts it at the end of
// the list. A key or name that is in the list again since is refused as
// Add refuses it (*DuplicateError), and the trash is left as it was.
func (s *State) Restore(id string, now time.Time) (*State, error) {
	trash := s.liveTrash(now)
	for i, t := range trash {
		if t.Account.ID != id {
			continue
		}
		n, err := s.Add(t.Account)
		if err != nil {
			return nil, err
		}
		n.trash = append(trash[:i:i], trash[i+1:]...)
		return n, nil
	}
	return nil, ErrNotFound
}

// Purge deletes a trashed account for good: it leaves the trash, and the
// next save of the vault no longer holds its key.
func (s *State) Purge(id string) (*State, error) {
	if s.TrashedAccount(id) == nil {
		return nil, ErrNotFound
	}
	return s.WithoutTrashed(id), nil
}

// TrashedAccount is the trashed account id (nil: none). Do not modify it.
func (s *State) TrashedAccount(id string) *Account {
	for _, t := range s.trash {
		if t.Account.ID == id {
			return t.Account
		}
	}
	return nil
}

// WithTrashed returns the State with a in the trash, deleted at deletedMs
// (another browser's delete, merged by sync); an entry for its id is
// replaced. It takes a.
func (s *State) WithTrashed(a *Account, deletedMs int64) *State {
	n := s.WithoutTrashed(a.ID)
	n.trash = append(n.trash, Trashed{Account: a, DeletedMs: deletedMs})
	return n
}

// WithoutTrashed returns the State without id in its trash (restored or
// deleted for good on another browser).
func (s *State) WithoutTrashed(id string) *State {
	n := *s
	n.trash = make([]Trashed, 0, len(s.trash))
	for _, t := range s.trash {
		if t.Account.ID != id {
			n.trash = append(n.trash, t)
		}
	}
	return &n
}

func appendTrashed(b []byte, t Trashed) []byte {
	m := pbwire.AppendBytes(pbwire.AppendTag(nil, trashedAccount, pbwire.BytesType), marshalAccount(t.Account))
	m = appendVarint(m, trashedDeleted, pbwire.EncodeZigZag(t.DeletedMs))
	b = pbwire.AppendTag(b, stateTrash, pbwire.BytesType)
	return pbwire.AppendBytes(b, m)
}

func unmarshalTrashed(b []byte) (Trashed, error) {
	var t Trashed
	var ignored []byte
	err := fields(b, &ignored, func(num pbwire.Number, typ pbwire.Type, v []byte, x uint64) (bool, error) {
		switch {
		case num == trashedAccount && typ == pbwire.BytesType:
			a, err := unmarshalAccount(v)
			if err != nil {
				return false, err
			}
			t.Account = a
		case num == trashedDeleted && typ == pbwire.VarintType:
			t.DeletedMs = pbwire.DecodeZigZag(x)
		default:
			return false, nil
		}
		return true, nil
	})
	if err == nil && t.Account == nil {
		err = ErrContents
	}
	return t, err
}
