package syncclient

import (
	"bytes"
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
	return &side{r: &Replica{Device: device, Authors: map[string]uint64{}, Versions: map[string]Version{}}, state: &accounts.State{}}
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

// Accounts appended on two browsers at once end in one order on both.
func TestConcurrentAddsConverge(t *testing.T) {
	a, b := newSide("sdv_a"), newSide("sdv_b")
	a.add(t, "apple", mt0)
	a.send(t, mt0, b)
	a.add(t, "banana", mt0.Add(time.Second))
	b.add(t, "cherry", mt0.Add(2*time.Second))
	a.send(t, mt0, b)
	b.send(t, mt0, a)
	if names(a.state) != names(b.state) || names(a.state) != "apple,cherry,banana" {
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
	deleted, _, _ := a.state.Delete(id)
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
	if len(a.r.TrashList()) != 1 || len(b.r.TrashList()) != 1 {
		t.Fatalf("trash: %+v %+v", a.r.TrashList(), b.r.TrashList())
	}
	// 31 days on, the key is gone from the trash; the entry stays.
	late := mt0.Add(31 * 24 * time.Hour)
	a.r.purgeTrash(late)
	if len(a.r.TrashList()) != 0 || len(a.r.Trash) != 1 || a.r.Trash[0].Account != nil {
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
	deleted, _, _ := a.state.Delete(id)
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
	if tl := c.r.TrashList(); len(tl) != 1 || tl[0].ID != id {
		t.Fatalf("trash from the snapshot: %+v", tl)
	}
	again, _, err := c.r.Apply(next, snap, "", mt0)
	if err != nil || again != next {
		t.Fatalf("a second merge changed the state: %v", err)
	}
}
