package service

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/store/sqlite"
	"github.com/twofold-auth/twofold/shared/syncproto"
)

// syncBrowser is a browser of a sync identity, as the service sees its
// requests.
type syncBrowser struct {
	key      ed25519.PrivateKey
	identity string
	device   string
	counter  int64
}

func syncKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func pub(k ed25519.PrivateKey) []byte { return k.Public().(ed25519.PublicKey) }

// req signs a request of b at the env's time: the target names the route
// (the service checks only that the signature covers it).
func (e *env) req(b *syncBrowser, method, target string, body []byte) auth.SyncRequest {
	s := syncproto.Sign(b.key, b.device, method, target, e.clock.Now(), body)
	return auth.SyncRequest{Client: cl, Identity: b.identity, Device: s.Device, Time: s.Time, Signature: s.Signature,
		Method: method, Target: target, Body: body}
}

// next is b's next counter.
func (b *syncBrowser) next() int64 { b.counter++; return b.counter }

var envelope = bytes.Repeat([]byte{0xe0}, syncproto.EnvelopeSize)

// newIdentity creates an identity for the session's user with a browser
// of key seed (and a recovery key when recovery is set).
func (e *env) newIdentity(sess auth.Session, seed byte, recovery ed25519.PrivateKey) *syncBrowser {
	e.t.Helper()
	b := &syncBrowser{key: syncKey(seed), device: syncproto.SignerNew}
	in := auth.NewSyncIdentity{Device: auth.SyncKeys{SigningKey: pub(b.key), WrapKey: bytes.Repeat([]byte{seed}, 32), Meta: []byte("laptop")},
		DeviceEnvelope: envelope, Counter: b.next()}
	if recovery != nil {
		in.RecoverySigningKey, in.RecoveryWrapKey, in.RecoveryEnvelope = pub(recovery), bytes.Repeat([]byte{0xaa}, 32), envelope
	}
	id, dev, err := e.svc.Sync.CreateIdentity(ctx, e.req(b, "POST", "/api/v1/sync/identities", []byte("new")), sess, in)
	if err != nil {
		e.t.Fatal(err)
	}
	if id != syncproto.IdentityID(pub(b.key)) || dev != syncproto.DeviceID(id, pub(b.key)) {
		e.t.Fatalf("ids %s %s do not follow from the key", id, dev)
	}
	b.identity, b.device = id, dev
	return b
}

// pair adds a browser of key seed through a pairing approved by by.
func (e *env) pair(by *syncBrowser, seed byte) *syncBrowser {
	e.t.Helper()
	p, err := e.svc.Sync.CreatePairing(ctx, e.req(by, "POST", "/pairings", []byte("p")), by.next())
	if err != nil {
		e.t.Fatal(err)
	}
	b := &syncBrowser{key: syncKey(seed), identity: by.identity}
	j := auth.SyncJoin{SyncKeys: auth.SyncKeys{SigningKey: pub(b.key), WrapKey: bytes.Repeat([]byte{seed}, 32)}, MAC: make([]byte, 32)}
	if err := e.svc.Sync.JoinPairing(ctx, by.identity, p.ID, j); err != nil {
		e.t.Fatal(err)
	}
	state, _ := e.svc.Sync.State(ctx, e.req(by, "GET", "/state", nil))
	if b.device, err = e.svc.Sync.ApprovePairing(ctx, e.req(by, "POST", "/approve", []byte("a")), p.ID,
		auth.SyncApproval{Counter: by.next(), Epoch: state.Epoch, Envelope: envelope}); err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) appendChange(b *syncBrowser, counter int64, text string) (int64, error) {
	body := []byte(text)
	return e.svc.Sync.AppendChange(ctx, e.req(b, "POST", "/changes", body), auth.SyncUpload{Counter: counter, Epoch: 1, Ciphertext: body})
}

// Every way a signature can be wrong gets one answer, and changes nothing.
func TestSyncSignatures(t *testing.T) {
	e := newEnv(t)
	a := e.newIdentity(e.enroll("sync@example.com").session, 1, nil)
	other := e.newIdentity(e.enroll("other@example.com").session, 2, nil)
	body := []byte("ciphertext")
	up := auth.SyncUpload{Counter: 1000, Epoch: 1, Ciphertext: body}
	good := e.req(a, "POST", "/api/v1/sync/"+a.identity+"/changes", body)
	cases := map[string]func(r auth.SyncRequest) auth.SyncRequest{
		"wrong key": func(r auth.SyncRequest) auth.SyncRequest {
			return e.req(&syncBrowser{key: syncKey(9), identity: a.identity, device: a.device}, r.Method, r.Target, r.Body)
		},
		"body altered": func(r auth.SyncRequest) auth.SyncRequest { r.Body = []byte("ciphertexT"); return r },
		"path altered": func(r auth.SyncRequest) auth.SyncRequest { r.Target += "?x=1"; return r },
		"method":       func(r auth.SyncRequest) auth.SyncRequest { r.Method = "PUT"; return r },
		"another identity's device": func(r auth.SyncRequest) auth.SyncRequest {
			return e.req(&syncBrowser{key: other.key, identity: a.identity, device: other.device}, r.Method, r.Target, r.Body)
		},
		"unknown device": func(r auth.SyncRequest) auth.SyncRequest { r.Device = "sdv_nobody"; return r },
		"not base64":     func(r auth.SyncRequest) auth.SyncRequest { r.Signature = "!" + r.Signature[1:]; return r },
		"no signature":   func(r auth.SyncRequest) auth.SyncRequest { r.Signature = ""; return r },
		"no time":        func(r auth.SyncRequest) auth.SyncRequest { r.Time = ""; return r },
	}
	for name, tamper := range cases {
		if _, err := e.svc.Sync.AppendChange(ctx, tamper(good), up); !errors.Is(err, auth.ErrSyncSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, skew := range []time.Duration{-5*time.Minute - time.Second, 5*time.Minute + time.Second} {
		stale := e.req(a, "POST", good.Target, body)
		e.clock.Advance(skew)
		if _, err := e.svc.Sync.AppendChange(ctx, stale, up); !errors.Is(err, auth.ErrSyncSignature) {
			t.Errorf("signed %v away: %v", -skew, err)
		}
		e.clock.Advance(-skew)
	}
	if st, _ := e.svc.Sync.State(ctx, e.req(a, "GET", "/s", nil)); st.HeadSeq != 0 {
		t.Fatalf("a refused request stored a change: %+v", st)
	}
	e.clock.Advance(5 * time.Minute) // at the edge: still accepted
	if seq, err := e.svc.Sync.AppendChange(ctx, good, up); err != nil || seq != 1 {
		t.Fatalf("the signed request: %d %v", seq, err)
	}
	// A GET is signed too, and another identity's device reads nothing.
	if _, err := e.svc.Sync.Changes(ctx, e.req(&syncBrowser{key: other.key, identity: a.identity, device: other.device}, "GET", "/c", nil),
		0, 10, 0); !errors.Is(err, auth.ErrSyncSignature) {
		t.Fatalf("another identity's device read changes: %v", err)
	}
}

// A replayed request, a reordered one (a lower counter) and the copies of
// one request sent at once are refused but once, and change nothing.
func TestSyncReplayAndReorder(t *testing.T) {
	e := newEnv(t)
	a := e.newIdentity(e.enroll("sync@example.com").session, 1, nil)
	if _, err := e.appendChange(a, 5, "five"); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]int64{"replayed": 5, "reordered": 4, "the creation's": 1} {
		if _, err := e.appendChange(a, c, "again "+name); !errors.Is(err, auth.ErrSyncReplay) {
			t.Errorf("%s counter: %v", name, err)
		}
	}
	r := e.req(a, "POST", "/changes", []byte("once"))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.Sync.AppendChange(ctx, r, auth.SyncUpload{Counter: 6, Epoch: 1, Ciphertext: []byte("once")})
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, auth.ErrSyncReplay):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	cs, err := e.svc.Sync.Changes(ctx, e.req(a, "GET", "/c", nil), 0, 100, 0)
	if wins.Load() != 1 || err != nil || len(cs.Changes) != 2 || cs.HeadSeq != 2 || string(cs.Changes[1].Ciphertext) != "once" ||
		cs.Changes[0].Counter != 5 || cs.Changes[1].Counter != 6 || cs.Changes[1].DeviceID != a.device {
		t.Fatalf("%d wins; changes %+v %v", wins.Load(), cs, err)
	}
	// The other writes take counters from the same guard.
	if _, err := e.svc.Sync.CreatePairing(ctx, e.req(a, "POST", "/p", nil), 6); !errors.Is(err, auth.ErrSyncReplay) {
		t.Fatalf("a pairing with a used counter: %v", err)
	}
	for _, c := range []int64{0, -1, syncproto.MaxCounter + 1} {
		if _, err := e.appendChange(a, c, "x"); !errors.Is(err, auth.ErrSyncCounter) {
			t.Errorf("counter %d: %v", c, err)
		}
	}
}

// A removed device that signs rightly is told so, for reads and writes;
// its envelope goes and the identity's rotation is due.
func TestSyncRemovedDevice(t *testing.T) {
	e := newEnv(t)
	a := e.newIdentity(e.enroll("sync@example.com").session, 1, nil)
	b := e.pair(a, 2)
	if err := e.svc.Sync.RemoveDevice(ctx, e.req(a, "DELETE", "/d", []byte("r")), b.device, a.next()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.appendChange(b, b.next(), "late"); !errors.Is(err, auth.ErrSyncDeviceRemoved) {
		t.Fatalf("a removed device's upload: %v", err)
	}
	if _, err := e.svc.Sync.Changes(ctx, e.req(b, "GET", "/c", nil), 0, 10, 0); !errors.Is(err, auth.ErrSyncDeviceRemoved) {
		t.Fatalf("a removed device's read: %v", err)
	}
	if _, _, err := e.svc.Sync.Envelope(ctx, e.req(b, "GET", "/e", nil)); !errors.Is(err, auth.ErrSyncDeviceRemoved) {
		t.Fatalf("a removed device's envelope: %v", err)
	}
	stranger := &syncBrowser{key: syncKey(3), identity: a.identity, device: b.device}
	if _, err := e.appendChange(stranger, 99, "x"); !errors.Is(err, auth.ErrSyncSignature) {
		t.Fatalf("a wrong key for a removed device: %v (must not say removed)", err)
	}
	st, err := e.svc.Sync.State(ctx, e.req(a, "GET", "/s", nil))
	if err != nil || !st.RotationDue || len(st.Devices) != 1 || st.Devices[0].ID != a.device {
		t.Fatalf("state %+v %v", st, err)
	}
	if err := e.svc.Sync.RemoveDevice(ctx, e.req(a, "DELETE", "/d", nil), b.device, a.next()); !errors.Is(err, auth.ErrSyncDeviceNotFound) {
		t.Fatalf("removed twice: %v", err)
	}
	// A device may remove itself.
	if err := e.svc.Sync.RemoveDevice(ctx, e.req(a, "DELETE", "/d", nil), a.device, a.next()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Sync.State(ctx, e.req(a, "GET", "/s", nil)); !errors.Is(err, auth.ErrSyncDeviceRemoved) {
		t.Fatalf("after removing itself: %v", err)
	}
}

// secondInstance is another service on the same database file: another
// server instance, whose changes wake nobody here.
func (e *env) secondInstance() *Service {
	e.t.Helper()
	st, err := sqlite.Open(e.path, sqlite.Options{Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	keys, _ := secrets.NewKeyring(nil, testKey)
	svc, err := New(Config{Argon2: fastArgon2}, Deps{Store: st, Keys: keys, Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return svc
}

// A long-poll returns as soon as a change exists: woken at once by a
// change made through this instance, and within a poll interval by one
// made through another instance (which cannot wake it).
func TestSyncLongPoll(t *testing.T) {
	e := newEnv(t)
	a := e.newIdentity(e.enroll("sync@example.com").session, 1, nil)
	b := e.pair(a, 2)
	wait := func(poll time.Duration, write func()) (auth.SyncChanges, time.Duration) {
		e.svc.Sync.cfg.Sync.PollInterval = poll
		type result struct {
			cs  auth.SyncChanges
			err error
		}
		done := make(chan result, 1)
		st, _ := e.svc.Sync.State(ctx, e.req(b, "GET", "/s", nil))
		go func() {
			cs, err := e.svc.Sync.Changes(ctx, e.req(b, "GET", "/c", nil), st.HeadSeq, 10, 20*time.Second)
			done <- result{cs, err}
		}()
		time.Sleep(50 * time.Millisecond) // the poll is waiting
		start := time.Now()
		write()
		select {
		case r := <-done:
			if r.err != nil {
				t.Fatal(r.err)
			}
			return r.cs, time.Since(start)
		case <-time.After(10 * time.Second):
			t.Fatal("the long-poll did not return")
		}
		return auth.SyncChanges{}, 0
	}
	// Through this instance, with a poll interval of an hour: only the
	// wake-up can end the wait.
	cs, took := wait(time.Hour, func() {
		if _, err := e.appendChange(a, a.next(), "here"); err != nil {
			t.Error(err)
		}
	})
	if len(cs.Changes) != 1 || string(cs.Changes[0].Ciphertext) != "here" || took > 5*time.Second {
		t.Fatalf("woken after %v with %+v", took, cs)
	}
	// Through another instance: the poll of the database finds it.
	other := e.secondInstance()
	cs, took = wait(100*time.Millisecond, func() {
		body := []byte("there")
		if _, err := other.Sync.AppendChange(ctx, e.req(a, "POST", "/c", body), auth.SyncUpload{Counter: a.next(), Epoch: 1, Ciphertext: body}); err != nil {
			t.Error(err)
		}
	})
	if len(cs.Changes) != 1 || string(cs.Changes[0].Ciphertext) != "there" || took > 5*time.Second {
		t.Fatalf("found after %v with %+v", took, cs)
	}
	// With nothing new, a short wait ends empty.
	e.svc.Sync.cfg.Sync.PollInterval = 20 * time.Millisecond
	cs, err := e.svc.Sync.Changes(ctx, e.req(b, "GET", "/c", nil), cs.HeadSeq, 10, time.Second)
	if err != nil || len(cs.Changes) != 0 || cs.HeadSeq != 2 {
		t.Fatalf("an empty wait: %+v %v", cs, err)
	}
}

// The per-identity storage limit: a change that would exceed it drops the
// changes the snapshot covers first, and is refused (changing nothing)
// when that is not enough.
func TestSyncStorageLimit(t *testing.T) {
	e := newEnv(t)
	a := e.newIdentity(e.enroll("sync@example.com").session, 1, nil)
	base := 32 + 32 + len("laptop")
	e.svc.Sync.cfg.Sync.MaxStoredBytes = int64(base + 3*1000)
	k := bytes.Repeat([]byte{1}, 1000)
	up := func(c int64) error {
		_, err := e.svc.Sync.AppendChange(ctx, e.req(a, "POST", "/c", k), auth.SyncUpload{Counter: c, Epoch: 1, Ciphertext: k})
		return err
	}
	for c := int64(10); c < 13; c++ {
		if err := up(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := up(13); !errors.Is(err, auth.ErrSyncStorageFull) {
		t.Fatalf("over the limit: %v", err)
	}
	if err := up(13); !errors.Is(err, auth.ErrSyncStorageFull) {
		t.Fatalf("the refused change took its counter: %v", err)
	}
	// A snapshot of 500 bytes covering changes 1 and 2 leaves room for one
	// more change once they are dropped.
	snap := bytes.Repeat([]byte{2}, 500)
	if err := e.svc.Sync.PutSnapshot(ctx, e.req(a, "PUT", "/s", snap), auth.SyncUpload{Counter: 14, Epoch: 1, Seq: 2, Ciphertext: snap}); err != nil {
		t.Fatalf("the snapshot, which makes room: %v", err)
	}
	if err := up(15); err != nil {
		t.Fatalf("after the snapshot: %v", err)
	}
	cs, _ := e.svc.Sync.Changes(ctx, e.req(a, "GET", "/c", nil), 0, 100, 0)
	if len(cs.Changes) != 2 || cs.Changes[0].Seq != 3 || cs.HeadSeq != 4 {
		t.Fatalf("changes left %+v", cs)
	}
	for _, size := range []int{syncproto.MaxChange + 1} {
		big := make([]byte, size)
		if _, err := e.svc.Sync.AppendChange(ctx, e.req(a, "POST", "/c", big), auth.SyncUpload{Counter: 20, Epoch: 1, Ciphertext: big}); !errors.Is(err, auth.ErrSyncTooLarge) {
			t.Fatalf("%d bytes: %v", size, err)
		}
	}
}

// Uploads per identity are limited per minute; reads and other identities
// are not.
func TestSyncUploadLimit(t *testing.T) {
	e := newEnv(t)
	e.svc.Sync.uploads.n = 3
	a := e.newIdentity(e.enroll("sync@example.com").session, 1, nil)
	other := e.newIdentity(e.enroll("other@example.com").session, 2, nil)
	for i := range 3 {
		if _, err := e.appendChange(a, a.next(), fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.appendChange(a, a.next(), "fourth"); !errors.Is(err, auth.ErrSyncRateLimited) {
		t.Fatalf("fourth upload: %v", err)
	}
	if _, err := e.appendChange(other, other.next(), "other"); err != nil {
		t.Fatalf("another identity: %v", err)
	}
	if _, err := e.svc.Sync.State(ctx, e.req(a, "GET", "/s", nil)); err != nil {
		t.Fatalf("a read: %v", err)
	}
	e.clock.Advance(time.Minute)
	if _, err := e.appendChange(a, a.next(), "later"); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
}

// The sweep drops pairings an hour after they expired, and changes a
// snapshot covers once they are 60 days old.
func TestSyncSweep(t *testing.T) {
	e := newEnv(t)
	a := e.newIdentity(e.enroll("sync@example.com").session, 1, nil)
	p, err := e.svc.Sync.CreatePairing(ctx, e.req(a, "POST", "/p", nil), a.next())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := e.appendChange(a, a.next(), "c"); err != nil {
			t.Fatal(err)
		}
	}
	snap := []byte("snapshot")
	if err := e.svc.Sync.PutSnapshot(ctx, e.req(a, "PUT", "/s", snap), auth.SyncUpload{Counter: a.next(), Epoch: 1, Seq: 2, Ciphertext: snap}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(66 * time.Minute)
	if got, err := e.svc.Sync.Pairing(ctx, e.req(a, "GET", "/p", nil), p.ID); err != nil || got.State != auth.SyncExpired {
		t.Fatalf("an expired pairing: %+v %v", got, err)
	}
	if _, _, err := e.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Sync.Pairing(ctx, e.req(a, "GET", "/p", nil), p.ID); !errors.Is(err, auth.ErrSyncPairingNotFound) {
		t.Fatalf("a pairing expired an hour: %v", err)
	}
	if cs, _ := e.svc.Sync.Changes(ctx, e.req(a, "GET", "/c", nil), 0, 10, 0); len(cs.Changes) != 3 {
		t.Fatalf("young changes swept: %+v", cs)
	}
	e.clock.Advance(60 * 24 * time.Hour)
	if _, _, err := e.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if cs, _ := e.svc.Sync.Changes(ctx, e.req(a, "GET", "/c", nil), 0, 10, 0); len(cs.Changes) != 1 || cs.Changes[0].Seq != 3 {
		t.Fatalf("after 60 days: %+v", cs)
	}
	if i, _ := e.st.SyncIdentity(ctx, a.identity); i.StoredBytes != int64(64+len("laptop")+1+len(snap)) {
		t.Fatalf("stored bytes %d", i.StoredBytes)
	}
}

// Recovery: a wrong recovery key (or none) is refused and changes
// nothing; the right one adds the browser, hands it the recovery
// envelope, makes the rotation due, and cannot be replayed. Every step is
// audited under the identity's owner.
func TestSyncRecoveryAndAudit(t *testing.T) {
	e := newEnv(t)
	owner := e.enroll("sync@example.com")
	recovery := syncKey(0x77)
	a := e.newIdentity(owner.session, 1, recovery)
	keys := auth.SyncKeys{SigningKey: pub(syncKey(5)), WrapKey: bytes.Repeat([]byte{5}, 32), Meta: []byte("new laptop")}
	try := func(k ed25519.PrivateKey, signer string) (auth.SyncRecovered, error) {
		r := e.req(&syncBrowser{key: k, identity: a.identity, device: signer}, "POST", "/api/v1/sync/"+a.identity+"/recovery", []byte("r"))
		return e.svc.Sync.Recover(ctx, r, keys)
	}
	for name, k := range map[string]ed25519.PrivateKey{"wrong recovery key": syncKey(0x78), "the device's key": a.key} {
		if _, err := try(k, syncproto.SignerRecovery); !errors.Is(err, auth.ErrSyncSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := try(recovery, a.device); !errors.Is(err, auth.ErrSyncSignature) {
		t.Errorf("signed as a device: %v", err)
	}
	if st, _ := e.svc.Sync.State(ctx, e.req(a, "GET", "/s", nil)); len(st.Devices) != 1 || st.RotationDue {
		t.Fatalf("a refused recovery changed the identity: %+v", st)
	}
	got, err := try(recovery, syncproto.SignerRecovery)
	if err != nil || got.DeviceID != syncproto.DeviceID(a.identity, keys.SigningKey) || got.Epoch != 1 || !bytes.Equal(got.Envelope, envelope) {
		t.Fatalf("recovered %+v %v", got, err)
	}
	if _, err := try(recovery, syncproto.SignerRecovery); !errors.Is(err, auth.ErrSyncKeyTaken) {
		t.Fatalf("a replayed recovery: %v", err)
	}
	st, _ := e.svc.Sync.State(ctx, e.req(a, "GET", "/s", nil))
	if len(st.Devices) != 2 || !st.RotationDue || st.Devices[1].ID != got.DeviceID || string(st.Devices[1].Meta) != "new laptop" {
		t.Fatalf("after recovery %+v", st)
	}
	recovered := &syncBrowser{key: syncKey(5), identity: a.identity, device: got.DeviceID}
	if _, _, err := e.svc.Sync.Envelope(ctx, e.req(recovered, "GET", "/e", nil)); !errors.Is(err, auth.ErrSyncNoEnvelope) {
		t.Fatalf("the recovered browser's own envelope before a rotation: %v", err)
	}
	noRecovery := e.newIdentity(e.enroll("other@example.com").session, 2, nil)
	r := e.req(&syncBrowser{key: recovery, identity: noRecovery.identity, device: syncproto.SignerRecovery}, "POST", "/r", nil)
	if _, err := e.svc.Sync.Recover(ctx, r, keys); !errors.Is(err, auth.ErrSyncSignature) {
		t.Fatalf("an identity without a recovery key: %v", err)
	}
	evs, _ := e.svc.Audit.Events(ctx, owner.user.ID, 0, 50)
	var types []string
	for _, ev := range evs {
		if len(ev.Type) > 5 && ev.Type[:5] == "sync_" {
			types = append(types, ev.Type+" "+ev.DeviceID)
		}
	}
	want := []string{EventSyncRecovered + " " + got.DeviceID, EventSyncIdentityCreated + " " + a.device}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Fatalf("audit %v, want %v", types, want)
	}
}
