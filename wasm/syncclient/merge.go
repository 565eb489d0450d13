package syncclient

import (
	"bytes"
	"sort"
	"time"

	"github.com/twofold-auth/twofold/wasm/accounts"
)

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
// account added, changed or moved is sent whole with its position, one
// gone is sent with the account as it was (for the other browsers'
// trash).
func (r *Replica) Record(prev, next *accounts.State, now time.Time) {
	r.record(prev, next, now, true)
}

// record is Record; without place, accounts new here keep no position
// (they go after the others until the first round places them: see
// placeNew).
func (r *Replica) record(prev, next *accounts.State, now time.Time, place bool) {
	old := prev.Accounts()
	cur := next.Accounts()
	moved := map[string]string{}
	if place {
		moved = r.placements(cur)
	}
	for _, a := range cur {
		i := indexOf(old, a.ID)
		b := syncedBytes(a)
		pos, move := moved[a.ID]
		if i >= 0 && !move {
			ob := syncedBytes(old[i])
			same := bytes.Equal(ob, b)
			clear(ob)
			if same {
				clear(b)
				continue
			}
		}
		if !move {
			pos = r.Pos[a.ID]
		}
		base := r.Versions[a.ID]
		if _, live := r.Versions[a.ID]; !live {
			base, _ = r.trashVersion(a.ID)
		}
		v := r.next(now, base)
		r.Versions[a.ID], r.Pos[a.ID] = v, pos
		r.removeFromTrash(a.ID)
		r.setPending(AccountChange{ID: a.ID, UpdatedMs: v.Ms, Account: b, Author: v.Author, BaseMs: base.Ms, BaseAuthor: base.Author, Pos: pos})
	}
	for _, a := range old {
		if indexOf(cur, a.ID) >= 0 {
			continue
		}
		base := r.Versions[a.ID]
		v := r.next(now, base)
		delete(r.Versions, a.ID)
		delete(r.Pos, a.ID)
		entry := AccountChange{ID: a.ID, UpdatedMs: v.Ms, Deleted: true, DeletedMs: now.UnixMilli(), Author: v.Author}
		r.removeFromTrash(a.ID)
		r.Trash = append(r.Trash, entry)
		entry.Account, entry.BaseMs, entry.BaseAuthor = syncedBytes(a), base.Ms, base.Author
		r.setPending(entry)
	}
	r.recordPurges(prev, next, cur, now)
}

// recordPurges sends the accounts deleted for good from the trash here
// (not restored): a deletion without the account, which takes it out of
// every browser's trash.
func (r *Replica) recordPurges(prev, next *accounts.State, cur []*accounts.Account, now time.Time) {
	for _, t := range prev.Trash(now) {
		if next.TrashedAccount(t.ID) != nil || indexOf(cur, t.ID) >= 0 {
			continue
		}
		base, _ := r.trashVersion(t.ID)
		v := r.next(now, base)
		entry := AccountChange{ID: t.ID, UpdatedMs: v.Ms, Deleted: true, DeletedMs: t.DeletedMs, Author: v.Author}
		r.removeFromTrash(t.ID)
		r.Trash = append(r.Trash, entry)
		entry.BaseMs, entry.BaseAuthor = base.Ms, base.Author
		r.setPending(entry)
	}
}

// placements gives new positions to the accounts of list (in its order)
// that have none or whose position is out of order: the longest run of
// accounts already in order keeps its positions, the others get keys
// between their neighbours'. It returns the new positions by id.
func (r *Replica) placements(list []*accounts.Account) map[string]string {
	keep := r.inOrder(list)
	out := map[string]string{}
	lo := ""
	for i := 0; i < len(list); {
		if keep[i] {
			lo = r.Pos[list[i].ID]
			i++
			continue
		}
		j := i
		for j < len(list) && !keep[j] {
			j++
		}
		hi := ""
		if j < len(list) {
			hi = r.Pos[list[j].ID]
		}
		for k, p := range positionsBetween(lo, hi, j-i) {
			if len(p) > maxPosLen {
				return r.respace(list)
			}
			out[list[i+k].ID] = p
		}
		i = j
	}
	return out
}

// respace gives every account of list a new, short position: after many
// moves to one spot the keys there grow, and past maxPosLen (which other
// browsers refuse) the whole list is placed afresh, once.
func (r *Replica) respace(list []*accounts.Account) map[string]string {
	out := make(map[string]string, len(list))
	for k, p := range positionsBetween("", "", len(list)) {
		out[list[k].ID] = p
	}
	return out
}

// inOrder marks the longest subsequence of list whose positions strictly
// increase (patience sorting, O(n log n)); accounts without a position
// are never in it.
func (r *Replica) inOrder(list []*accounts.Account) []bool {
	tails := []int{} // tails[k]: index in list ending the best run of length k+1
	prevOf := make([]int, len(list))
	for i, a := range list {
		p := r.Pos[a.ID]
		prevOf[i] = -1
		if p == "" {
			continue
		}
		k := sort.Search(len(tails), func(k int) bool { return r.Pos[list[tails[k]].ID] >= p })
		if k > 0 {
			prevOf[i] = tails[k-1]
		}
		if k == len(tails) {
			tails = append(tails, i)
		} else {
			tails[k] = i
		}
	}
	keep := make([]bool, len(list))
	if len(tails) > 0 {
		for i := tails[len(tails)-1]; i >= 0; i = prevOf[i] {
			keep[i] = true
		}
	}
	return keep
}

// placeNew gives positions to the accounts that have none (a browser's
// own accounts when it joined or recovered, placed after the identity's
// once it has merged them); it reports whether it recorded any.
func (r *Replica) placeNew(state *accounts.State, now time.Time) bool {
	for _, a := range state.Accounts() {
		if r.Pos[a.ID] == "" {
			r.Record(state, state, now)
			return true
		}
	}
	return false
}

// Conflict is an account edited on two browsers: the later edit was kept.
type Conflict struct {
	ID    string
	Label string // the kept version's issuer and name
	AtMs  int64  // when this browser found it (in Replica.Conflicts)
}

// MaxConflicts is how many reports the vault keeps (the latest).
const MaxConflicts = 20

// noteConflicts keeps the reports in the vault until the person has seen
// them, whichever tab or round found them; reports past TrashDays go.
func (r *Replica) noteConflicts(found []Conflict, now time.Time) {
	kept := r.Conflicts[:0]
	for _, c := range r.Conflicts {
		if now.Sub(time.UnixMilli(c.AtMs)) <= accounts.TrashDays*24*time.Hour {
			kept = append(kept, c)
		}
	}
	for _, c := range found {
		c.AtMs = now.UnixMilli()
		kept = append(kept, c)
	}
	if len(kept) > MaxConflicts {
		kept = kept[len(kept)-MaxConflicts:]
	}
	r.Conflicts = kept
}

// Apply merges a change by author (for a snapshot, each entry's Author)
// into state: per account the later (UpdatedMs, author) wins, edit or
// delete; a local pending change it beats or loses to is reported. A
// deleted account goes to state's trash, one edited or restored elsewhere
// leaves it; the list is then sorted by position. It returns the new
// State, or state itself when nothing changed.
func (r *Replica) Apply(state *accounts.State, c *Change, author string, now time.Time) (*accounts.State, []Conflict, error) {
	list := state.Accounts()
	st := state
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
		if ac.Pos != "" && !validPos(ac.Pos) {
			return nil, nil, errContents
		}
		r.dropPending(ac.ID)
		if concurrent {
			conflicts = append(conflicts, Conflict{ID: ac.ID})
		}
		i := indexOf(list, ac.ID)
		changed = true
		if ac.Deleted {
			delete(r.Versions, ac.ID)
			delete(r.Pos, ac.ID)
			if i >= 0 {
				list = append(list[:i], list[i+1:]...)
			}
			st = r.toTrash(st, ac, now)
			r.removeFromTrash(ac.ID)
			r.Trash = append(r.Trash, AccountChange{ID: ac.ID, UpdatedMs: v.Ms, Deleted: true, DeletedMs: ac.DeletedMs, Author: v.Author})
			continue
		}
		a, err := accounts.UnmarshalAccount(ac.Account)
		if err != nil || a.ID != ac.ID {
			return nil, nil, errContents
		}
		if i >= 0 {
			a.Push = list[i].Push // this browser's own registration stays
			list[i] = a
		} else {
			a.Push = nil
			list = append(list, a)
		}
		if st.TrashedAccount(ac.ID) != nil {
			st = st.WithoutTrashed(ac.ID)
		}
		r.Versions[ac.ID], r.Pos[ac.ID] = v, ac.Pos
		r.removeFromTrash(ac.ID)
	}
	r.addDevices(c.Devices)
	for i := range conflicts {
		conflicts[i].Label = labelOf(list, conflicts[i].ID)
	}
	r.noteConflicts(conflicts, now)
	if !changed {
		return state, conflicts, nil
	}
	r.sortByPosition(list)
	return st.WithAccounts(list), conflicts, nil
}

// toTrash puts a deleted account in st's trash as the change carries it.
// A deletion without the account (deleted for good from a trash, or past
// its 30 days in a snapshot) leaves no trace here either.
func (r *Replica) toTrash(st *accounts.State, ac AccountChange, now time.Time) *accounts.State {
	if ac.Account == nil || now.Sub(time.UnixMilli(ac.DeletedMs)) > accounts.TrashDays*24*time.Hour {
		return st.WithoutTrashed(ac.ID)
	}
	a, err := accounts.UnmarshalAccount(ac.Account)
	if err != nil || a.ID != ac.ID {
		return st.WithoutTrashed(ac.ID)
	}
	a.Push = nil
	return st.WithTrashed(a, ac.DeletedMs)
}

// sortByPosition sorts list by (position, id); accounts without a
// position go last, by id. A merge sort by hand: sort.Slice's reflection
// on []*Account would keep time's formatting code in the WebAssembly
// (see accounts.State.Accounts).
func (r *Replica) sortByPosition(list []*accounts.Account) {
	key := func(a *accounts.Account) string {
		if p := r.Pos[a.ID]; p != "" {
			return p
		}
		return "~" // after every digit
	}
	less := func(a, b *accounts.Account) bool {
		ka, kb := key(a), key(b)
		return ka < kb || ka == kb && a.ID < b.ID
	}
	tmp := make([]*accounts.Account, len(list))
	for width := 1; width < len(list); width *= 2 {
		for lo := 0; lo < len(list); lo += 2 * width {
			mid, hi := min(lo+width, len(list)), min(lo+2*width, len(list))
			i, j, k := lo, mid, lo
			for ; i < mid && j < hi; k++ {
				if less(list[j], list[i]) {
					tmp[k], j = list[j], j+1
				} else {
					tmp[k], i = list[i], i+1
				}
			}
			k += copy(tmp[k:], list[i:mid])
			copy(tmp[k:], list[j:hi])
		}
		copy(list, tmp)
	}
}

func labelOf(list []*accounts.Account, id string) string {
	if i := indexOf(list, id); i >= 0 {
		return list[i].View().Label()
	}
	return ""
}

// Snapshot is the whole merged state as a Change: every account with its
// version and position, the trash (the accounts still restorable, from
// state's trash) and the devices.
func (r *Replica) Snapshot(state *accounts.State) *Change {
	list := state.Accounts()
	return r.mergedChange(func(id string) []byte {
		if i := indexOf(list, id); i >= 0 {
			return syncedBytes(list[i])
		}
		if a := state.TrashedAccount(id); a != nil {
			return syncedBytes(a)
		}
		return nil
	})
}
