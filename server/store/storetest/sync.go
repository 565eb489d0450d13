package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// seedSyncIdentity creates an identity of the user at epoch 1 with one
// device, dev_<id>, of 32-byte keys and meta "m" (65 stored bytes).
func seedSyncIdentity(t testing.TB, s store.Store, userID, id string, recovery bool) store.SyncDevice {
	t.Helper()
	i := store.SyncIdentity{ID: id, UserID: userID, Epoch: 1, CreatedAt: T0}
	if recovery {
		i.RecoverySigningKey, i.RecoveryWrapKey = bytes.Repeat([]byte{0xee}, 32), bytes.Repeat([]byte{0xef}, 32)
	}
	d := syncDevice(id, "dev_"+id, 1)
	Update(t, s, func(tx store.Tx) error {
		if err := tx.CreateSyncIdentity(ctx, i); err != nil {
			return err
		}
		return tx.AddSyncDevice(ctx, d)
	})
	return d
}

func syncDevice(identityID, id string, key byte) store.SyncDevice {
	return store.SyncDevice{IdentityID: identityID, ID: id, SigningKey: bytes.Repeat([]byte{key}, 32),
		WrapKey: bytes.Repeat([]byte{key + 100}, 32), Meta: []byte("m"), AddedAt: T0.Add(time.Duration(key) * time.Second)}
}

// An identity round-trips with its devices: a taken id or signing key is
// ErrConflict, stored bytes count keys and meta (removed devices too), a
// removed device is read but not listed, and loses its envelopes.
func testSyncIdentities(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	seedSyncIdentity(t, s, "usr_a", "sid_a", true)
	seedSyncIdentity(t, s, "usr_a", "sid_b", false)
	a, err := s.SyncIdentity(ctx, "sid_a")
	if err != nil || a.UserID != "usr_a" || a.Epoch != 1 || a.HeadSeq != 0 || a.StoredBytes != 65 || a.RotationDue ||
		!bytes.Equal(a.RecoveryWrapKey, bytes.Repeat([]byte{0xef}, 32)) || !a.CreatedAt.Equal(T0) {
		t.Fatalf("identity %+v %v", a, err)
	}
	if b, _ := s.SyncIdentity(ctx, "sid_b"); b.RecoverySigningKey != nil || b.RecoveryWrapKey != nil {
		t.Fatalf("no recovery key: %+v", b)
	}
	if n, err := s.CountSyncIdentities(ctx, "usr_a"); n != 2 || err != nil {
		t.Fatalf("count %d %v", n, err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateSyncIdentity(ctx, store.SyncIdentity{ID: "sid_a", UserID: "usr_a", Epoch: 1, CreatedAt: T0})
	}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("taken identity id: %v", err)
	}
	second := syncDevice("sid_a", "dev_2", 2)
	second.Meta = nil // an empty meta is stored as such
	Update(t, s, func(tx store.Tx) error { return tx.AddSyncDevice(ctx, second) })
	for name, d := range map[string]store.SyncDevice{"id": syncDevice("sid_a", "dev_2", 3), "signing key": syncDevice("sid_a", "dev_3", 2)} {
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.AddSyncDevice(ctx, d) }); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("taken %s: %v", name, err)
		}
	}
	Update(t, s, func(tx store.Tx) error { return tx.AddSyncDevice(ctx, syncDevice("sid_b", "dev_2", 2)) }) // another identity
	Update(t, s, func(tx store.Tx) error {
		return tx.PutSyncEnvelopes(ctx, "sid_a", 1, map[string][]byte{"dev_sid_a": {1}, "dev_2": {2}, "recovery": {3}})
	})
	Update(t, s, func(tx store.Tx) error { return tx.RemoveSyncDevice(ctx, "sid_a", "dev_sid_a", T0.Add(time.Hour)) })
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.RemoveSyncDevice(ctx, "sid_a", "dev_sid_a", T0) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("removed twice: %v", err)
	}
	ds, err := s.SyncDevices(ctx, "sid_a")
	if err != nil || len(ds) != 1 || ds[0].ID != "dev_2" || ds[0].Meta == nil || len(ds[0].Meta) != 0 || !ds[0].AddedAt.Equal(T0.Add(2*time.Second)) {
		t.Fatalf("active devices %+v %v", ds, err)
	}
	gone, err := s.SyncDevice(ctx, "sid_a", "dev_sid_a")
	if err != nil || !gone.RemovedAt.Equal(T0.Add(time.Hour)) || !bytes.Equal(gone.Meta, []byte("m")) {
		t.Fatalf("removed device %+v %v", gone, err)
	}
	if _, err := s.SyncEnvelope(ctx, "sid_a", 1, "dev_sid_a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a removed device's envelope: %v", err)
	}
	if env, err := s.SyncEnvelope(ctx, "sid_a", 1, "recovery"); err != nil || !bytes.Equal(env, []byte{3}) {
		t.Fatalf("recovery envelope %v %v", env, err)
	}
	if a, _ := s.SyncIdentity(ctx, "sid_a"); a.StoredBytes != 65+64 {
		t.Fatalf("stored bytes %d", a.StoredBytes)
	}
	Update(t, s, func(tx store.Tx) error { return tx.SetSyncRotationDue(ctx, "sid_a", true) })
	if a, _ := s.SyncIdentity(ctx, "sid_a"); !a.RotationDue {
		t.Fatal("rotation not due")
	}
	if _, err := s.SyncDevice(ctx, "sid_b", "dev_sid_a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a device of another identity: %v", err)
	}
}

// Of concurrent uses of one counter exactly one succeeds; a counter not
// above the last, or of a removed device, changes nothing.
func testSyncCounterGuard(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	d := seedSyncIdentity(t, s, "usr_a", "sid_a", false)
	advance := func(counter int64, at time.Time) bool {
		var ok bool
		Update(t, s, func(tx store.Tx) (err error) {
			ok, err = tx.AdvanceSyncCounter(ctx, "sid_a", d.ID, counter, at)
			return err
		})
		return ok
	}
	if n := Race(t, s, 30, func(tx store.Tx, _ int) (bool, error) {
		return tx.AdvanceSyncCounter(ctx, "sid_a", d.ID, 7, T0.Add(time.Minute))
	}); n != 1 {
		t.Fatalf("counter 7 used %d times", n)
	}
	// Racers with counters 8..37 in any order: every one that wins raises
	// the counter, so the last is the highest.
	Race(t, s, 30, func(tx store.Tx, i int) (bool, error) {
		return tx.AdvanceSyncCounter(ctx, "sid_a", d.ID, int64(8+i), T0.Add(time.Minute))
	})
	if got, _ := s.SyncDevice(ctx, "sid_a", d.ID); got.Counter != 37 || !got.LastSeenAt.Equal(T0.Add(time.Minute)) {
		t.Fatalf("counter %d, last seen %v", got.Counter, got.LastSeenAt)
	}
	if advance(37, T0) || advance(3, T0) || !advance(38, T0.Add(2*time.Minute)) {
		t.Fatal("the guard let an old counter through, or refused a new one")
	}
	touch := func(at time.Time) bool {
		var ok bool
		Update(t, s, func(tx store.Tx) (err error) {
			ok, err = tx.TouchSyncDevice(ctx, "sid_a", d.ID, at, time.Minute)
			return err
		})
		return ok
	}
	if touch(T0.Add(2*time.Minute+59*time.Second)) || !touch(T0.Add(3*time.Minute)) {
		t.Fatal("touched within the interval, or not after it")
	}
	Update(t, s, func(tx store.Tx) error { return tx.RemoveSyncDevice(ctx, "sid_a", d.ID, T0.Add(4*time.Minute)) })
	if advance(100, T0.Add(5*time.Minute)) || touch(T0.Add(time.Hour)) {
		t.Fatal("a removed device's counter moved")
	}
	if got, _ := s.SyncDevice(ctx, "sid_a", d.ID); got.Counter != 38 {
		t.Fatalf("counter %d after a refused one", got.Counter)
	}
}

// Concurrent appends get the sequence numbers 1..n, each once, with no
// gap; reads page through them; stored bytes count their ciphertexts.
func testSyncSequence(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	d := seedSyncIdentity(t, s, "usr_a", "sid_a", false)
	seedSyncIdentity(t, s, "usr_a", "sid_b", false)
	const n = 40
	seqs := make([]int64, n)
	Race(t, s, n, func(tx store.Tx, i int) (bool, error) {
		seq, err := tx.AppendSyncChange(ctx, store.SyncChange{IdentityID: "sid_a", Seq: 99, Epoch: 1, DeviceID: d.ID,
			Counter: int64(i + 1), Ciphertext: []byte(fmt.Sprintf("ciphertext %02d", i)), CreatedAt: T0})
		seqs[i] = seq
		return true, err
	})
	slices.Sort(seqs)
	for i, seq := range seqs {
		if seq != int64(i+1) {
			t.Fatalf("sequence numbers %v", seqs)
		}
	}
	Update(t, s, func(tx store.Tx) error {
		_, err := tx.AppendSyncChange(ctx, store.SyncChange{IdentityID: "sid_b", Epoch: 1, DeviceID: "dev_sid_b", Counter: 1,
			Ciphertext: []byte{0, 1, 0}, CreatedAt: T0})
		return err
	})
	if i, _ := s.SyncIdentity(ctx, "sid_a"); i.HeadSeq != n || i.StoredBytes != 65+n*13 {
		t.Fatalf("head %d, stored bytes %d", i.HeadSeq, i.StoredBytes)
	}
	var all []store.SyncChange
	for after := int64(0); ; {
		page, err := s.SyncChanges(ctx, "sid_a", after, 15)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	if len(all) != n || all[0].Seq != 1 || all[n-1].Seq != n || all[0].DeviceID != d.ID || !all[0].CreatedAt.Equal(T0) {
		t.Fatalf("paged %d changes: first %+v", len(all), all[0])
	}
	for i, c := range all {
		if want := fmt.Sprintf("ciphertext %02d", c.Counter-1); string(c.Ciphertext) != want || c.Seq != int64(i+1) {
			t.Fatalf("change %d: %+v", i, c)
		}
	}
	if b, _ := s.SyncChanges(ctx, "sid_b", 0, 10); len(b) != 1 || b[0].Seq != 1 || !bytes.Equal(b[0].Ciphertext, []byte{0, 1, 0}) {
		t.Fatalf("another identity's changes %+v", b)
	}
}

// Of concurrent switches from one epoch exactly one succeeds; it replaces
// every envelope and clears RotationDue; a switch from a past epoch
// changes nothing.
func testSyncEpochSwitch(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	seedSyncIdentity(t, s, "usr_a", "sid_a", true)
	Update(t, s, func(tx store.Tx) error {
		if err := tx.PutSyncEnvelopes(ctx, "sid_a", 1, map[string][]byte{"dev_sid_a": {1, 1}, "recovery": {1, 2}}); err != nil {
			return err
		}
		return tx.SetSyncRotationDue(ctx, "sid_a", true)
	})
	if n := Race(t, s, 20, func(tx store.Tx, i int) (bool, error) {
		return tx.SwitchSyncEpoch(ctx, "sid_a", 1, 2, map[string][]byte{"dev_sid_a": {2, byte(i)}, "recovery": {2, 100 + byte(i)}})
	}); n != 1 {
		t.Fatalf("epoch switched %d times", n)
	}
	i, _ := s.SyncIdentity(ctx, "sid_a")
	if i.Epoch != 2 || i.RotationDue {
		t.Fatalf("after the switch %+v", i)
	}
	dev, err1 := s.SyncEnvelope(ctx, "sid_a", 2, "dev_sid_a")
	rec, err2 := s.SyncEnvelope(ctx, "sid_a", 2, "recovery")
	if err1 != nil || err2 != nil || dev[0] != 2 || rec[1] != 100+dev[1] {
		t.Fatalf("envelopes of epoch 2: %v %v (%v %v): not one switch's", dev, rec, err1, err2)
	}
	if _, err := s.SyncEnvelope(ctx, "sid_a", 1, "dev_sid_a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an old epoch's envelope: %v", err)
	}
	Update(t, s, func(tx store.Tx) error {
		if ok, err := tx.SwitchSyncEpoch(ctx, "sid_a", 1, 3, map[string][]byte{"x": {9}}); ok || err != nil {
			t.Errorf("switched from a past epoch: %v %v", ok, err)
		}
		return nil
	})
	if i, _ := s.SyncIdentity(ctx, "sid_a"); i.Epoch != 2 {
		t.Fatalf("epoch %d", i.Epoch)
	}
	if _, err := s.SyncEnvelope(ctx, "sid_a", 3, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused switch stored an envelope: %v", err)
	}
}

// A pairing is joined once, by one of any number of concurrent joins, and
// approved once, both only before it expires; the sweep deletes expired
// ones.
func testSyncPairings(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	seedSyncIdentity(t, s, "usr_a", "sid_a", false)
	for _, id := range []string{"spr_a", "spr_b"} {
		Update(t, s, func(tx store.Tx) error {
			return tx.CreateSyncPairing(ctx, store.SyncPairing{ID: id, IdentityID: "sid_a", CreatedBy: "dev_sid_a",
				CreatedAt: T0, ExpiresAt: T0.Add(5 * time.Minute)})
		})
	}
	p, err := s.SyncPairing(ctx, "sid_a", "spr_a")
	if err != nil || p.State != store.SyncWaiting || p.CreatedBy != "dev_sid_a" || p.Join.SigningKey != nil || !p.ExpiresAt.Equal(T0.Add(5*time.Minute)) {
		t.Fatalf("pairing %+v %v", p, err)
	}
	if n, _ := s.CountOpenSyncPairings(ctx, "sid_a", T0); n != 2 {
		t.Fatalf("open pairings %d", n)
	}
	join := func(i int) store.SyncJoin {
		return store.SyncJoin{SigningKey: bytes.Repeat([]byte{byte(i)}, 32), WrapKey: bytes.Repeat([]byte{byte(i + 1)}, 32),
			Meta: []byte(fmt.Sprintf("browser %d", i)), MAC: bytes.Repeat([]byte{byte(i + 2)}, 32), JoinedAt: T0.Add(time.Minute)}
	}
	if n := Race(t, s, 30, func(tx store.Tx, i int) (bool, error) { return tx.JoinSyncPairing(ctx, "sid_a", "spr_a", join(i)) }); n != 1 {
		t.Fatalf("joined %d times", n)
	}
	p, _ = s.SyncPairing(ctx, "sid_a", "spr_a")
	w := int(p.Join.SigningKey[0])
	if p.State != store.SyncJoined || !bytes.Equal(p.Join.WrapKey, join(w).WrapKey) || string(p.Join.Meta) != fmt.Sprintf("browser %d", w) ||
		!bytes.Equal(p.Join.MAC, join(w).MAC) || !p.Join.JoinedAt.Equal(T0.Add(time.Minute)) {
		t.Fatalf("joined pairing %+v: not one join's", p)
	}
	try := func(what string, fn func(tx store.Tx) (bool, error)) {
		Update(t, s, func(tx store.Tx) error {
			if ok, err := fn(tx); ok || err != nil {
				t.Errorf("%s: %v %v", what, ok, err)
			}
			return nil
		})
	}
	late := join(7)
	late.JoinedAt = T0.Add(5 * time.Minute)
	try("joined after expiry", func(tx store.Tx) (bool, error) { return tx.JoinSyncPairing(ctx, "sid_a", "spr_b", late) })
	try("joined in another identity", func(tx store.Tx) (bool, error) { return tx.JoinSyncPairing(ctx, "sid_x", "spr_b", join(8)) })
	try("approved while waiting", func(tx store.Tx) (bool, error) {
		return tx.ApproveSyncPairing(ctx, "sid_a", "spr_b", "dev_new", T0)
	})
	try("approved after expiry", func(tx store.Tx) (bool, error) {
		return tx.ApproveSyncPairing(ctx, "sid_a", "spr_a", "dev_new", T0.Add(5*time.Minute))
	})
	if n := Race(t, s, 20, func(tx store.Tx, i int) (bool, error) {
		return tx.ApproveSyncPairing(ctx, "sid_a", "spr_a", fmt.Sprint("dev_", i), T0.Add(2*time.Minute))
	}); n != 1 {
		t.Fatalf("approved %d times", n)
	}
	if p, _ := s.SyncPairing(ctx, "sid_a", "spr_a"); p.State != store.SyncApproved || p.DeviceID == "" || !p.ApprovedAt.Equal(T0.Add(2*time.Minute)) {
		t.Fatalf("approved pairing %+v", p)
	}
	if n, _ := s.CountOpenSyncPairings(ctx, "sid_a", T0.Add(3*time.Minute)); n != 1 {
		t.Fatalf("open pairings %d (the approved one is not open)", n)
	}
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteExpiredSyncPairings(ctx, T0.Add(5*time.Minute+time.Millisecond))
		if n != 2 {
			t.Errorf("swept %d", n)
		}
		return err
	})
	if _, err := s.SyncPairing(ctx, "sid_a", "spr_a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("swept pairing: %v", err)
	}
}

// A snapshot replaces the last and sets the covered sequence number;
// pruning drops only covered changes older than the cut, of one identity
// or of all, and stored bytes follow.
func testSyncSnapshots(t *testing.T, s store.Store) {
	SeedUser(t, s, "usr_a")
	for _, id := range []string{"sid_a", "sid_b"} {
		seedSyncIdentity(t, s, "usr_a", id, false)
		for i := range 6 {
			Update(t, s, func(tx store.Tx) error {
				_, err := tx.AppendSyncChange(ctx, store.SyncChange{IdentityID: id, Epoch: 1, DeviceID: "dev_" + id,
					Counter: int64(i + 1), Ciphertext: bytes.Repeat([]byte{1}, 10), CreatedAt: T0.Add(time.Duration(i) * time.Hour)})
				return err
			})
		}
	}
	if _, err := s.SyncSnapshot(ctx, "sid_a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no snapshot yet: %v", err)
	}
	put := func(id string, seq int64, size int) {
		Update(t, s, func(tx store.Tx) error {
			return tx.PutSyncSnapshot(ctx, store.SyncChange{IdentityID: id, Seq: seq, Epoch: 1, DeviceID: "dev_" + id, Counter: 10 + seq,
				Ciphertext: bytes.Repeat([]byte{byte(seq)}, size), CreatedAt: T0.Add(time.Duration(seq) * time.Minute)})
		})
	}
	put("sid_a", 2, 100)
	put("sid_a", 4, 30) // replaces
	put("sid_b", 5, 50)
	snap, err := s.SyncSnapshot(ctx, "sid_a")
	if err != nil || snap.Seq != 4 || snap.Counter != 14 || len(snap.Ciphertext) != 30 || snap.DeviceID != "dev_sid_a" ||
		!snap.CreatedAt.Equal(T0.Add(4*time.Minute)) {
		t.Fatalf("snapshot %+v %v", snap, err)
	}
	if i, _ := s.SyncIdentity(ctx, "sid_a"); i.SnapshotSeq != 4 || i.StoredBytes != 65+60+30 {
		t.Fatalf("after the snapshot %+v", i)
	}
	prune := func(id string, before time.Time) int64 {
		var n int64
		Update(t, s, func(tx store.Tx) (err error) {
			n, err = tx.PruneSyncChanges(ctx, id, before)
			return err
		})
		return n
	}
	// Covered are sid_a's 1..4 (created at 0..3 h), sid_b's 1..5.
	if n := prune("sid_a", T0.Add(2*time.Hour)); n != 2 {
		t.Fatalf("pruned %d of sid_a's older than 2 h", n)
	}
	if n := prune("", T0.Add(3*time.Hour)); n != 1+3 {
		t.Fatalf("pruned %d of every identity's older than 3 h", n)
	}
	if n := prune("sid_b", time.Time{}); n != 2 {
		t.Fatalf("pruned %d of sid_b's whatever their age", n)
	}
	a, _ := s.SyncChanges(ctx, "sid_a", 0, 100)
	b, _ := s.SyncChanges(ctx, "sid_b", 0, 100)
	if len(a) != 3 || a[0].Seq != 4 || len(b) != 1 || b[0].Seq != 6 {
		t.Fatalf("left %d of sid_a from %d, %d of sid_b", len(a), a[0].Seq, len(b))
	}
	ia, _ := s.SyncIdentity(ctx, "sid_a")
	ib, _ := s.SyncIdentity(ctx, "sid_b")
	if ia.StoredBytes != 65+30+30 || ib.StoredBytes != 65+10+50 || ia.HeadSeq != 6 {
		t.Fatalf("stored bytes %d and %d, head %d", ia.StoredBytes, ib.StoredBytes, ia.HeadSeq)
	}
}
