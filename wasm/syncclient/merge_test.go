package syncclient

import (
	"bytes"
	"crypto/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/wasm/accounts"
)

// The merge alone, two replicas exchanging their pending changes by hand.

type side struct {
	r     *Replica
	state *accounts.State
}

func newSide(device string) *side {
	return &side{r: &Replica{Device: device, Authors: map[string]uint64{}, Versions: map[string]Version{}, Pos: map[string]string{}}, state: &accounts.State{}}
}

var mt0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func (s *side) add(t *testing.T, name string, at time.Time) string {
	t.Helper()
	a, err := accounts.New(otpauth.Key{Type: otpauth.TOTP, Issuer: "M", Account: name, Secret: bytes.Repeat([]byte(name[:1]), 20),
		Algorithm: otpauth.SHA1, Digits: 6, Period: 30}, strings.NewReader(strings.Repeat(name[:1], 8)), at)
	if err != nil {
		t.Fatal(err)
	}
	next, err := s.state.Add(a)
	if err != nil {
		t.Fatal(err)
	}
	s.r.Record(s.state, next, at)
	s.state = next
	return a.ID
}

// send hands s's pending changes to each of others, as the server would.
func (s *side) send(t *testing.T, at time.Time, others ...*side) []Conflict {
	t.Helper()
	c, err := UnmarshalChange(s.r.Pending.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	s.r.Pending = Change{}
	var all []Conflict
	for _, o := range others {
		next, conflicts, err := o.r.Apply(o.state, c, s.r.Device, at)
		if err != nil {
			t.Fatal(err)
		}
		o.state = next
		all = append(all, conflicts...)
	}
	return all
}

func names(s *accounts.State) string {
	var out []string
	for _, v := range s.Views() {
		out = append(out, v.Account)
	}
	return strings.Join(out, ",")
}

// Accounts appended on two browsers at once end in one order on both
// (the same position: by id).
func TestConcurrentAddsConverge(t *testing.T) {
	a, b := newSide("sdv_a"), newSide("sdv_b")
	a.add(t, "apple", mt0)
	a.send(t, mt0, b)
	a.add(t, "banana", mt0.Add(time.Second))
	b.add(t, "cherry", mt0.Add(2*time.Second))
	a.send(t, mt0, b)
	b.send(t, mt0, a)
	if names(a.state) != names(b.state) || names(a.state) != "apple,banana,cherry" {
		t.Fatalf("A %q, B %q", names(a.state), names(b.state))
	}
}

// A delete wins over an older edit, loses to a newer one; after 30 days
// the trash forgets the key but an older edit still cannot bring it back.
func TestDeleteAgainstEditsAndTheTrash(t *testing.T) {
	a, b := newSide("sdv_a"), newSide("sdv_b")
	id := a.add(t, "kiwi", mt0)
	a.send(t, mt0, b)
	// B edits at t+1 without having seen A's delete at t+2.
	renamed, _ := b.state.Rename(id, "M", "kiwi-renamed")
	b.r.Record(b.state, renamed, mt0.Add(time.Second))
	b.state = renamed
	deleted, _ := a.state.Delete(id, mt0.Add(2*time.Second))
	a.r.Record(a.state, deleted, mt0.Add(2*time.Second))
	a.state = deleted
	conflictsOnB := a.send(t, mt0.Add(3*time.Second), b)
	b.send(t, mt0.Add(3*time.Second), a)
	if names(a.state) != "" || names(b.state) != "" {
		t.Fatalf("after the delete: A %q, B %q", names(a.state), names(b.state))
	}
	if len(conflictsOnB) != 1 || conflictsOnB[0].ID != id {
		t.Fatalf("B's report: %+v", conflictsOnB)
	}
	if len(a.state.Trash(mt0)) != 1 || len(b.state.Trash(mt0)) != 1 {
		t.Fatalf("trash: %+v %+v", a.state.Trash(mt0), b.state.Trash(mt0))
	}
	// 31 days on, the account is gone from the trash; its version stays.
	late := mt0.Add(31 * 24 * time.Hour)
	if len(a.state.Trash(late)) != 0 || len(a.r.Trash) != 1 {
		t.Fatalf("trash after 31 days: %+v", a.r.Trash)
	}
	stale := &Change{Accounts: []AccountChange{{ID: id, UpdatedMs: mt0.Add(time.Second).UnixMilli(), Account: accounts.MarshalAccount(mustFind(t, renamed, id))}}}
	next, _, err := a.r.Apply(a.state, stale, "sdv_b", late)
	if err != nil || names(next) != "" {
		t.Fatalf("a stale edit brought it back: %q %v", names(next), err)
	}
}

func mustFind(t *testing.T, s *accounts.State, id string) *accounts.Account {
	t.Helper()
	a, ok := s.Find(id)
	if !ok {
		t.Fatal("not found")
	}
	return a
}

// A snapshot brings an empty browser the accounts, the trash and the
// order, and merging it again changes nothing.
func TestSnapshotRoundTrip(t *testing.T) {
	a := newSide("sdv_a")
	a.add(t, "one", mt0)
	id := a.add(t, "pear", mt0.Add(time.Second))
	a.add(t, "three", mt0.Add(2*time.Second))
	deleted, _ := a.state.Delete(id, mt0.Add(3*time.Second))
	a.r.Record(a.state, deleted, mt0.Add(3*time.Second))
	a.state = deleted
	snap, err := UnmarshalChange(a.r.Snapshot(a.state).Marshal())
	if err != nil {
		t.Fatal(err)
	}
	c := newSide("sdv_c")
	next, _, err := c.r.Apply(c.state, snap, "", mt0)
	if err != nil || names(next) != names(a.state) {
		t.Fatalf("from the snapshot %q, want %q (%v)", names(next), names(a.state), err)
	}
	if tl := next.Trash(mt0); len(tl) != 1 || tl[0].ID != id {
		t.Fatalf("trash from the snapshot: %+v", tl)
	}
	again, _, err := c.r.Apply(next, snap, "", mt0)
	if err != nil || again != next {
		t.Fatalf("a second merge changed the state: %v", err)
	}
}

// move puts the account id at index to of s's list and records it.
func (s *side) move(t *testing.T, id string, to int, at time.Time) {
	t.Helper()
	var ids []string
	for _, v := range s.state.Views() {
		if v.ID != id {
			ids = append(ids, v.ID)
		}
	}
	ids = append(ids[:to], append([]string{id}, ids[to:]...)...)
	next, err := s.state.Reorder(ids)
	if err != nil {
		t.Fatal(err)
	}
	s.r.Record(s.state, next, at)
	s.state = next
}

// A move sends only the account moved; moves of different accounts made
// on two browsers at once both survive, and both browsers agree.
func TestConcurrentMovesMerge(t *testing.T) {
	a, b := newSide("sdv_a"), newSide("sdv_b")
	var ids []string
	for _, n := range []string{"a1", "b2", "c3", "d4", "e5"} {
		ids = append(ids, a.add(t, n, mt0))
	}
	a.send(t, mt0, b)
	a.move(t, ids[4], 0, mt0.Add(time.Second)) // e5 to the top on A
	if len(a.r.Pending.Accounts) != 1 || a.r.Pending.Accounts[0].ID != ids[4] {
		t.Fatalf("a move sent %d accounts", len(a.r.Pending.Accounts))
	}
	b.move(t, ids[0], 4, mt0.Add(2*time.Second)) // a1 to the bottom on B
	a.send(t, mt0, b)
	b.send(t, mt0, a)
	want := "e5,b2,c3,d4,a1"
	if names(a.state) != want || names(b.state) != want {
		t.Fatalf("A %q, B %q, want %q", names(a.state), names(b.state), want)
	}
}

// In a list of 3,000 accounts, moving one sends one account and a
// change of a few hundred bytes (not the whole order), whatever the list
// size; reversing the list keeps every browser in step.
func TestMoveInALargeList(t *testing.T) {
	a, b := newSide("sdv_a"), newSide("sdv_b")
	list := make([]*accounts.Account, 3000)
	for i := range list {
		acct, err := accounts.New(otpauth.Key{Type: otpauth.TOTP, Issuer: "I", Account: "n" + strconv.Itoa(i), Secret: bytes.Repeat([]byte{byte(i), byte(i >> 8)}, 10),
			Algorithm: otpauth.SHA1, Digits: 6, Period: 30}, rand.Reader, mt0)
		if err != nil {
			t.Fatal(err)
		}
		list[i] = acct
	}
	full := a.state.WithAccounts(list)
	a.r.Record(a.state, full, mt0)
	a.state = full
	a.send(t, mt0, b)
	a.move(t, list[2999].ID, 0, mt0.Add(time.Second))
	plain := a.r.Pending.Marshal()
	if len(a.r.Pending.Accounts) != 1 || len(plain) > 512 {
		t.Fatalf("one move in 3,000: %d accounts, %d B", len(a.r.Pending.Accounts), len(plain))
	}
	a.send(t, mt0, b)
	if names(a.state) != names(b.state) || !strings.HasPrefix(names(b.state), "n2999,n0,n1,") {
		t.Fatal("the move did not reach B")
	}
	var reversed []string
	views := a.state.Views()
	for i := len(views) - 1; i >= 0; i-- {
		reversed = append(reversed, views[i].ID)
	}
	next, err := a.state.Reorder(reversed)
	if err != nil {
		t.Fatal(err)
	}
	a.r.Record(a.state, next, mt0.Add(2*time.Second))
	a.state = next
	a.send(t, mt0, b)
	if names(a.state) != names(b.state) || !strings.HasPrefix(names(b.state), "n2998,n2997,") {
		t.Fatalf("after reversing: A %.40q B %.40q", names(a.state), names(b.state))
	}
	for id, p := range b.r.Pos {
		if len(p) > 7 {
			t.Fatalf("position of %s is %q", id, p)
		}
	}
}

// Conflict reports are kept, the latest MaxConflicts, and forgotten after
// TrashDays.
func TestConflictReportsKept(t *testing.T) {
	r := newSide("sdv_a").r
	for i := range MaxConflicts + 5 {
		r.noteConflicts([]Conflict{{ID: strconv.Itoa(i), Label: "L"}}, mt0)
	}
	if len(r.Conflicts) != MaxConflicts || r.Conflicts[0].ID != "5" || r.Conflicts[0].AtMs != mt0.UnixMilli() {
		t.Fatalf("kept %d, first %+v", len(r.Conflicts), r.Conflicts[0])
	}
	r.noteConflicts(nil, mt0.Add(31*24*time.Hour))
	if len(r.Conflicts) != 0 {
		t.Fatalf("kept %d after 31 days", len(r.Conflicts))
	}
}

// Deleting for good from one browser's trash takes the account out of
// every trash and out of the vault's bytes; a restore made elsewhere
// before it still wins if it is later.
func TestPurgeReachesEveryTrash(t *testing.T) {
	a, b := newSide("sdv_a"), newSide("sdv_b")
	id := a.add(t, "plum", mt0)
	a.send(t, mt0, b)
	deleted, _ := a.state.Delete(id, mt0.Add(time.Second))
	a.r.Record(a.state, deleted, mt0.Add(time.Second))
	a.state = deleted
	a.send(t, mt0.Add(time.Second), b)
	if len(b.state.Trash(mt0)) != 1 {
		t.Fatal("the delete did not reach B's trash")
	}
	purged, err := a.state.Purge(id)
	if err != nil {
		t.Fatal(err)
	}
	a.r.Record(a.state, purged, mt0.Add(2*time.Second))
	a.state = purged
	if len(a.r.Pending.Accounts) != 1 || a.r.Pending.Accounts[0].Account != nil || !a.r.Pending.Accounts[0].Deleted {
		t.Fatalf("the purge sent %+v", a.r.Pending.Accounts)
	}
	a.send(t, mt0.Add(2*time.Second), b)
	secret := bytes.Repeat([]byte("p"), 20)
	for name, s := range map[string]*side{"A": a, "B": b} {
		if len(s.state.Trash(mt0)) != 0 || bytes.Contains(s.state.Marshal(), secret) || bytes.Contains(s.r.Marshal(), secret) {
			t.Fatalf("%s still holds the purged account", name)
		}
	}
	// A snapshot from B now carries no bytes for it either.
	snap := b.r.Snapshot(b.state)
	for _, ac := range snap.Accounts {
		if ac.ID == id && ac.Account != nil {
			t.Fatal("the snapshot carries the purged account")
		}
	}
}

// Moving accounts to one spot again and again grows the keys there; past
// what a browser accepts, the whole list is placed afresh, and the other
// browser keeps taking every move in the same order.
func TestManyMovesToOneSpotStayReadable(t *testing.T) {
	a, b := newSide("sdv_a"), newSide("sdv_b")
	for _, n := range []string{"a1", "b2", "c3", "d4", "e5"} {
		a.add(t, n, mt0)
	}
	a.send(t, mt0, b)
	at := mt0
	for i := range 600 {
		at = at.Add(time.Second)
		last := a.state.Views()[4].ID
		a.move(t, last, 1, at) // between the first two, every time
		for _, ac := range a.r.Pending.Accounts {
			if len(ac.Pos) > maxPosLen {
				t.Fatalf("move %d: a position of %d characters", i, len(ac.Pos))
			}
		}
		a.send(t, at, b)
		if names(a.state) != names(b.state) {
			t.Fatalf("move %d: A %q, B %q", i, names(a.state), names(b.state))
		}
	}
}
