package syncclient

import (
	"bytes"
	"time"

	"github.com/twofold-auth/twofold/wasm/accounts"
)

// TrashDays is how long a deleted account stays restorable.
const TrashDays = 30

const trashTTL = TrashDays * 24 * time.Hour

// syncedBytes is an account as it syncs: without its push registration,
// which is this browser's own device key at a server.
func syncedBytes(a *accounts.Account) []byte {
	c := *a
	c.Push = nil
	return accounts.MarshalAccount(&c)
}

func indexOf(list []*accounts.Account, id string) int {
	for i, a := range list {
		if a.ID == id {
			return i
		}
	}
	return -1
}

func (r *Replica) setPending(ac AccountChange) {
	for i := range r.Pending.Accounts {
		if r.Pending.Accounts[i].ID == ac.ID {
			r.Pending.Accounts[i] = ac
			return
		}
	}
	r.Pending.Accounts = append(r.Pending.Accounts, ac)
}

func (r *Replica) dropPending(id string) bool {
	for i := range r.Pending.Accounts {
		if r.Pending.Accounts[i].ID == id {
			r.Pending.Accounts = append(r.Pending.Accounts[:i], r.Pending.Accounts[i+1:]...)
			return true
		}
	}
	return false
}

func (r *Replica) removeFromTrash(id string) {
	out := r.Trash[:0]
	for _, t := range r.Trash {
		if t.ID != id {
			out = append(out, t)
		}
	}
	r.Trash = out
}

func (r *Replica) trashVersion(id string) (Version, bool) {
	for _, t := range r.Trash {
		if t.ID == id {
			return Version{t.UpdatedMs, t.Author}, true
		}
	}
	return Version{}, false
}

// next is a version of this browser at now, after cur (a clock behind
// another browser's still makes a later version).
func (r *Replica) next(now time.Time, cur Version) Version {
	v := Version{now.UnixMilli(), r.Device}
	if !v.After(cur) {
		v.Ms = cur.Ms + 1
	}
	return v
}

// Record turns a local edit (prev to next) into pending changes: an
// account added or changed is sent whole, one gone goes to the trash, a
// new order is sent if the accounts both lists hold moved.
func (r *Replica) Record(prev, next *accounts.State, now time.Time) {
	old := prev.Accounts()
	cur := next.Accounts()
	for _, a := range cur {
		i := indexOf(old, a.ID)
		b := syncedBytes(a)
		if i >= 0 {
			ob := syncedBytes(old[i])
			same := bytes.Equal(ob, b)
			clear(ob)
			if same {
				clear(b)
				continue
			}
		}
		base := r.Versions[a.ID]
		if i < 0 {
			base, _ = r.trashVersion(a.ID)
		}
		v := r.next(now, base)
		r.Versions[a.ID] = v
		r.removeFromTrash(a.ID)
		r.setPending(AccountChange{ID: a.ID, UpdatedMs: v.Ms, Account: b, Author: v.Author, BaseMs: base.Ms, BaseAuthor: base.Author})
	}
	for _, a := range old {
		if indexOf(cur, a.ID) >= 0 {
			continue
		}
		base := r.Versions[a.ID]
		v := r.next(now, base)
		delete(r.Versions, a.ID)
		entry := AccountChange{ID: a.ID, UpdatedMs: v.Ms, Deleted: true, DeletedMs: now.UnixMilli(), Account: syncedBytes(a), Author: v.Author}
		r.removeFromTrash(a.ID)
		r.Trash = append(r.Trash, entry)
		r.setPending(AccountChange{ID: entry.ID, UpdatedMs: entry.UpdatedMs, Deleted: true, DeletedMs: entry.DeletedMs,
			Account: bytes.Clone(entry.Account), Author: entry.Author, BaseMs: base.Ms, BaseAuthor: base.Author})
	}
	if !sameIDs(old, cur) {
		r.Order = r.next(now, r.Order)
		r.Pending.Order = &Order{IDs: ids(cur), UpdatedMs: r.Order.Ms, Author: r.Order.Author}
	}
}

func ids(list []*accounts.Account) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}

// sameIDs reports whether both lists hold the same ids in the same order.
// Any other edit (an account added, deleted or moved) sends the order, so
// that browsers which appended accounts in different orders agree.
func sameIDs(old, cur []*accounts.Account) bool {
	if len(old) != len(cur) {
		return false
	}
	for i := range old {
		if old[i].ID != cur[i].ID {
			return false
		}
	}
	return true
}

// Conflict is an account edited on two browsers: the later edit was kept.
type Conflict struct {
	ID    string
	Label string // the kept version's issuer and name
}

// Apply merges a change by author (for a snapshot, each entry's Author)
// into state: per account the later (UpdatedMs, author) wins, edit or
// delete; a local pending change it beats or loses to is reported. It
// returns the new State, or state itself when nothing changed.
func (r *Replica) Apply(state *accounts.State, c *Change, author string, now time.Time) (*accounts.State, []Conflict, error) {
	list := state.Accounts()
	changed := false
	var conflicts []Conflict
	for _, ac := range c.Accounts {
		by := ac.Author
		if author != "" {
			by = author
		}
		v := Version{ac.UpdatedMs, by}
		cur, live := r.Versions[ac.ID]
		if !live {
			cur, _ = r.trashVersion(ac.ID)
		}
		// Concurrent: the author edited a version other than the one
		// here (not for snapshots, whose entries carry no base).
		concurrent := author != "" && author != r.Device && v != cur && (cur != Version{}) && (Version{ac.BaseMs, ac.BaseAuthor}) != cur
		if !v.After(cur) {
			if concurrent {
				conflicts = append(conflicts, Conflict{ID: ac.ID})
			}
			continue
		}
		r.dropPending(ac.ID)
		if concurrent {
			conflicts = append(conflicts, Conflict{ID: ac.ID})
		}
		i := indexOf(list, ac.ID)
		if ac.Deleted {
			delete(r.Versions, ac.ID)
			entry := AccountChange{ID: ac.ID, UpdatedMs: v.Ms, Deleted: true, DeletedMs: ac.DeletedMs, Author: v.Author, Account: bytes.Clone(ac.Account)}
			if i >= 0 {
				if entry.Account == nil {
					entry.Account = syncedBytes(list[i])
				}
				list = append(list[:i], list[i+1:]...)
				changed = true
			}
			r.removeFromTrash(ac.ID)
			r.Trash = append(r.Trash, entry)
			continue
		}
		a, err := accounts.UnmarshalAccount(ac.Account)
		if err != nil {
			return nil, nil, errContents
		}
		if a.ID != ac.ID {
			return nil, nil, errContents
		}
		if i >= 0 {
			a.Push = list[i].Push // this browser's own registration stays
			list[i] = a
		} else {
			a.Push = nil
			list = append(list, a)
		}
		changed = true
		r.Versions[ac.ID] = v
		r.removeFromTrash(ac.ID)
	}
	if o := c.Order; o != nil && len(o.IDs) > 0 {
		by := o.Author
		if author != "" {
			by = author
		}
		v := Version{o.UpdatedMs, by}
		if v.After(r.Order) {
			r.Order = v
			if r.Pending.Order != nil {
				r.Pending.Order = nil
			}
			list = reorder(list, o.IDs)
			changed = true
		}
	}
	r.addDevices(c.Devices)
	r.purgeTrash(now)
	for i := range conflicts {
		conflicts[i].Label = labelOf(list, conflicts[i].ID)
	}
	if !changed {
		return state, conflicts, nil
	}
	return state.WithAccounts(list), conflicts, nil
}

// reorder puts the accounts named by ids first, in that order; the others
// keep their relative order at the end.
func reorder(list []*accounts.Account, ids []string) []*accounts.Account {
	out := make([]*accounts.Account, 0, len(list))
	taken := map[string]bool{}
	for _, id := range ids {
		if i := indexOf(list, id); i >= 0 && !taken[id] {
			out = append(out, list[i])
			taken[id] = true
		}
	}
	for _, a := range list {
		if !taken[a.ID] {
			out = append(out, a)
		}
	}
	return out
}

func labelOf(list []*accounts.Account, id string) string {
	if i := indexOf(list, id); i >= 0 {
		return list[i].View().Label()
	}
	return ""
}

// purgeTrash drops the account of trash entries older than TrashDays; the
// entry stays (without the key), so an older edit cannot bring it back.
func (r *Replica) purgeTrash(now time.Time) {
	for i := range r.Trash {
		if r.Trash[i].Account != nil && now.Sub(time.UnixMilli(r.Trash[i].DeletedMs)) > trashTTL {
			clear(r.Trash[i].Account)
			r.Trash[i].Account = nil
		}
	}
}

// TrashEntry is a deleted account that can be restored.
type TrashEntry struct {
	ID        string
	Label     string
	DeletedMs int64
}

// TrashList is the restorable trash, newest first.
func (r *Replica) TrashList() []TrashEntry {
	var out []TrashEntry
	for i := len(r.Trash) - 1; i >= 0; i-- {
		t := r.Trash[i]
		if t.Account == nil {
			continue
		}
		a, err := accounts.UnmarshalAccount(t.Account)
		if err != nil {
			continue
		}
		out = append(out, TrashEntry{ID: t.ID, Label: a.View().Label(), DeletedMs: t.DeletedMs})
		a.Wipe()
	}
	return out
}

// Restore takes an account out of the trash into state (at the end); the
// caller records the edit (Record) so it syncs as a new version.
func (r *Replica) Restore(state *accounts.State, id string) (*accounts.State, error) {
	for _, t := range r.Trash {
		if t.ID == id && t.Account != nil {
			a, err := accounts.UnmarshalAccount(t.Account)
			if err != nil {
				return nil, err
			}
			return state.WithAccounts(append(state.Accounts(), a)), nil
		}
	}
	return nil, accounts.ErrNotFound
}

// Snapshot is the whole merged state as a Change: every account with its
// version, the trash, the order and the devices.
func (r *Replica) Snapshot(state *accounts.State) *Change {
	list := state.Accounts()
	c := r.mergedChange(func(id string) []byte {
		if i := indexOf(list, id); i >= 0 {
			return syncedBytes(list[i])
		}
		return nil
	})
	kept := c.Accounts[:0]
	for _, a := range c.Accounts {
		if a.Deleted || a.Account != nil {
			kept = append(kept, a)
		}
	}
	c.Accounts = kept
	c.Order.IDs = ids(list)
	return c
}
