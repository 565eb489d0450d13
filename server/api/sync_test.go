package api

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/shared/syncproto"
)

// syncWorld is one person's identity in a test: the first browser, the
// epoch's key and the recovery key R.
type syncWorld struct {
	h        *harness
	owner    *account
	a        *syncBrowser
	k        []byte // the current epoch's key
	epoch    uint32
	recovery []byte // R's 16 bytes
}

// newSyncWorld signs a user up and creates their identity (with a recovery
// key) from browser a, which uploads a change holding the marker.
func newSyncWorld(t testing.TB, h *harness, email string, seed byte) *syncWorld {
	return newSyncWorldFor(t, h, h.enroll(email), seed)
}

// newSyncWorldFor is newSyncWorld for an account that exists.
func newSyncWorldFor(t testing.TB, h *harness, owner *account, seed byte) *syncWorld {
	w := &syncWorld{h: h, owner: owner, k: make([]byte, 32), epoch: 1, recovery: make([]byte, 16)}
	rand.Read(w.k)
	rand.Read(w.recovery)
	a := newSyncBrowser(h, w.owner.c, seed)
	recSign, recWrap := recoveryKeys(t, w.recovery)
	id := syncproto.IdentityID(a.signPub())
	dev := syncproto.DeviceID(id, a.signPub())
	a.counter = 1
	req := wire.SyncIdentityRequest{SigningKey: enc(a.signPub()), WrapKey: enc(a.wrap.PublicKey().Bytes()), Meta: enc([]byte("Firefox on a laptop")),
		RecoverySigningKey: enc(recSign.Public().(ed25519.PublicKey)), RecoveryWrapKey: enc(recWrap.PublicKey().Bytes()),
		Envelopes: wire.SyncIdentityEnvelopes{Device: enc(sealEnvelope(t, w.k, a.wrap.PublicKey(), id, 1, dev)),
			Recovery: enc(sealEnvelope(t, w.k, recWrap.PublicKey(), id, 1, "recovery"))}, Counter: a.counter}
	var created wire.SyncIdentityCreated
	a.sendAs(syncproto.SignerNew, a.sign, "POST", "/api/v1/sync/identities", req).must(t, 201).decode(t, &created)
	if created.IdentityID != id || created.DeviceID != dev {
		t.Fatalf("created %+v, want %s %s", created, id, dev)
	}
	a.identity, a.device = id, dev
	w.a = a
	w.change(t, a, syncMarker+" in change 1")
	return w
}

func (r response) must(t testing.TB, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

func (r response) mustCode(t testing.TB, status int, code string) {
	t.Helper()
	if r.status != status || r.errorCode() != code {
		t.Fatalf("status %d %s, want %d %s: %s", r.status, r.errorCode(), status, code, r.body)
	}
}

// change uploads plaintext as a change of b under the current key.
func (w *syncWorld) change(t testing.TB, b *syncBrowser, plaintext string) int64 {
	c := b.next()
	ct := seal(t, w.k, []byte(plaintext), changeAD(b.identity, w.epoch, b.device, uint64(c), nil))
	var created wire.SyncChangeCreated
	b.send("POST", b.path("/changes"), wire.SyncChangeRequest{Counter: c, Epoch: int64(w.epoch), Ciphertext: enc(ct)}).must(t, 201).decode(t, &created)
	return created.Seq
}

// read reads b's changes after seq and opens them.
func (w *syncWorld) read(t testing.TB, b *syncBrowser, after int64, k []byte) []string {
	var list wire.SyncChangeList
	b.send("GET", b.path("/changes?after="+itoa(after)), nil).must(t, 200).decode(t, &list)
	var out []string
	for _, c := range list.Changes {
		out = append(out, string(open(t, k, dec(t, c.Ciphertext), changeAD(b.identity, uint32(c.Epoch), c.DeviceID, uint64(c.Counter), nil))))
	}
	return out
}

// pair adds browser b (seed) through a pairing opened and approved by
// w.a: a stranger's later join is refused, the MAC travels untouched.
func (w *syncWorld) pair(t testing.TB, seed byte) *syncBrowser {
	a := w.a
	var slot wire.SyncPairingCreated
	a.send("POST", a.path("/pairings"), wire.SyncCounter{Counter: a.next()}).must(t, 201).decode(t, &slot)
	if !slot.ExpiresAt.Equal(w.h.clock.Now().Add(5 * time.Minute)) {
		t.Fatalf("slot %+v", slot)
	}
	secret := make([]byte, 16) // in the QR code, never sent
	rand.Read(secret)
	b := newSyncBrowser(w.h, w.h.client(), seed)
	b.identity = a.identity
	meta := []byte("Chrome on a phone")
	mac := pairingMAC(t, secret, b.signPub(), b.wrap.PublicKey().Bytes(), meta)
	join := wire.SyncJoinRequest{SigningKey: enc(b.signPub()), WrapKey: enc(b.wrap.PublicKey().Bytes()), Meta: enc(meta), MAC: enc(mac)}
	joinPath := a.path("/pairings/" + slot.PairingID)
	b.c.must(202, "POST", joinPath+"/join", join)
	stranger := newSyncBrowser(w.h, w.h.client(), seed+100)
	stranger.c.do("POST", joinPath+"/join", wire.SyncJoinRequest{SigningKey: enc(stranger.signPub()),
		WrapKey: enc(stranger.wrap.PublicKey().Bytes()), MAC: enc(make([]byte, 32))}).mustCode(t, 409, "sync_pairing_taken")
	var status wire.SyncPairingStatus
	b.sendAs(syncproto.SignerJoin, b.sign, "GET", joinPath+"/status", nil).must(t, 200).decode(t, &status)
	if status.State != "joined" || status.DeviceID != "" {
		t.Fatalf("joiner's status %+v", status)
	}
	stranger.sendAs(syncproto.SignerJoin, stranger.sign, "GET", joinPath+"/status", nil).mustCode(t, 401, "sync_unauthenticated")
	var seen wire.SyncPairing
	a.send("GET", joinPath, nil).must(t, 200).decode(t, &seen)
	if seen.State != "joined" || seen.Join == nil || !bytes.Equal(dec(t, seen.Join.MAC), pairingMAC(t, secret, dec(t, seen.Join.SigningKey),
		dec(t, seen.Join.WrapKey), dec(t, seen.Join.Meta))) {
		t.Fatalf("A cannot check the join's MAC: %+v", seen)
	}
	b.device = syncproto.DeviceID(a.identity, b.signPub())
	env := sealEnvelope(t, w.k, b.wrap.PublicKey(), a.identity, w.epoch, b.device)
	var added wire.SyncDeviceCreated
	a.send("POST", joinPath+"/approve", wire.SyncApproveRequest{Counter: a.next(), Epoch: int64(w.epoch), Envelope: enc(env)}).must(t, 201).decode(t, &added)
	a.send("POST", joinPath+"/approve", wire.SyncApproveRequest{Counter: a.next(), Epoch: int64(w.epoch), Envelope: enc(env)}).
		mustCode(t, 409, "sync_pairing_not_joined")
	b.sendAs(syncproto.SignerJoin, b.sign, "GET", joinPath+"/status", nil).must(t, 200).decode(t, &status)
	if added.DeviceID != b.device || status.State != "approved" || status.DeviceID != b.device {
		t.Fatalf("approved %+v, status %+v, want %s", added, status, b.device)
	}
	return b
}

// envelope is b's key of the current epoch, from its envelope.
func (w *syncWorld) envelope(t testing.TB, b *syncBrowser) []byte {
	var e wire.SyncEnvelope
	b.send("GET", b.path("/envelope"), nil).must(t, 200).decode(t, &e)
	return openEnvelope(t, dec(t, e.Envelope), b.wrap, b.identity, uint32(e.Epoch), b.device)
}

// rotate starts the next epoch from w.a with envelopes for browsers (and
// recovery), after checking that a wrong set of envelopes is refused.
func (w *syncWorld) rotate(t testing.TB, snapshot string, browsers ...*syncBrowser) {
	a := w.a
	var st wire.SyncState
	a.send("GET", a.path(""), nil).must(t, 200).decode(t, &st)
	next, k := w.epoch+1, make([]byte, 32)
	rand.Read(k)
	_, recWrap := recoveryKeys(t, w.recovery)
	envs := map[string]string{"recovery": enc(sealEnvelope(t, k, recWrap.PublicKey(), a.identity, next, "recovery"))}
	for _, b := range browsers {
		envs[b.device] = enc(sealEnvelope(t, k, b.wrap.PublicKey(), a.identity, next, b.device))
	}
	c := a.next()
	seq := uint64(st.HeadSeq)
	ct := seal(t, k, []byte(snapshot), changeAD(a.identity, next, a.device, uint64(c), &seq))
	req := wire.SyncRotationRequest{Counter: c, Epoch: int64(next), Envelopes: envs,
		Snapshot: wire.SyncRotationSnapshot{Seq: st.HeadSeq, Ciphertext: enc(ct)}}
	without := req
	without.Envelopes = map[string]string{a.device: envs[a.device]}
	a.send("POST", a.path("/epochs"), without).mustCode(t, 409, "sync_devices_changed")
	skip := req
	skip.Epoch++
	a.send("POST", a.path("/epochs"), skip).mustCode(t, 400, "invalid_sync_epoch")
	a.send("POST", a.path("/epochs"), req).must(t, 204)
	a.send("POST", a.path("/epochs"), req).mustCode(t, 409, "sync_replay")
	w.k, w.epoch = k, next
}

// The whole life of an identity over HTTP with real envelopes and
// ciphertexts: a second browser paired, reading what the first wrote and
// woken by its next change; removed, and refused; the key rotated, old
// epochs refused; the vault recovered with R after a wrong key was
// refused; and the marker, in every ciphertext, never in the database, a
// response or the log.
func TestSyncEndToEndOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.record(true)
	w := newSyncWorld(t, h, "sync@example.com", 1)
	b := w.pair(t, 2)
	if k := w.envelope(t, b); !bytes.Equal(k, w.k) {
		t.Fatal("B's envelope holds another key")
	}
	if got := w.read(t, b, 0, w.k); len(got) != 1 || got[0] != syncMarker+" in change 1" {
		t.Fatalf("B read %q", got)
	}
	longPoll(t, w, b)
	w.a.send("DELETE", w.a.path("/devices/"+b.device), wire.SyncCounter{Counter: w.a.next()}).must(t, 204)
	b.send("GET", b.path("/changes"), nil).mustCode(t, 401, "sync_device_removed")
	b.send("POST", b.path("/changes"), wire.SyncChangeRequest{Counter: b.next(), Epoch: 1, Ciphertext: enc([]byte("late"))}).
		mustCode(t, 401, "sync_device_removed")
	var st wire.SyncState
	w.a.send("GET", w.a.path(""), nil).must(t, 200).decode(t, &st)
	if !st.RotationDue || len(st.Devices) != 1 || st.Devices[0].ID != w.a.device || string(dec(t, st.Devices[0].Meta)) != "Firefox on a laptop" {
		t.Fatalf("state after the removal %+v", st)
	}
	oldK := w.k
	w.rotate(t, syncMarker+" in the snapshot", w.a)
	stale := seal(t, oldK, []byte(syncMarker+" too late"), changeAD(w.a.identity, 1, w.a.device, uint64(w.a.counter+1), nil))
	w.a.send("POST", w.a.path("/changes"), wire.SyncChangeRequest{Counter: w.a.next(), Epoch: 1, Ciphertext: enc(stale)}).
		mustCode(t, 409, "sync_stale_epoch")
	w.change(t, w.a, syncMarker+" in epoch 2")
	recoverWithR(t, w)
	h.record(false)
	h.stop() // the database file as it is at rest
	assertNoMarker(t, h)
	h.start(t)
}

// longPoll: B waits for a change after the newest; A's change, sent on
// another connection, ends the wait at once.
func longPoll(t *testing.T, w *syncWorld, b *syncBrowser) {
	done := make(chan response, 1)
	go func() { done <- b.send("GET", b.path("/changes?after=1&wait=20"), nil) }()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	w.change(t, w.a, syncMarker+" in change 2")
	select {
	case r := <-done:
		var list wire.SyncChangeList
		r.must(t, 200).decode(t, &list)
		if len(list.Changes) != 1 || list.Changes[0].Seq != 2 || list.HeadSeq != 2 || time.Since(start) > 5*time.Second {
			t.Fatalf("long-poll got %+v after %v", list, time.Since(start))
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the long-poll was not woken")
	}
}

// recoverWithR: a wrong recovery key is refused and changes nothing; R
// adds a new browser, whose recovery envelope opens the current key and
// the snapshot.
func recoverWithR(t *testing.T, w *syncWorld) {
	d := newSyncBrowser(w.h, w.h.client(), 9)
	d.identity = w.a.identity
	req := wire.SyncRecoveryRequest{SigningKey: enc(d.signPub()), WrapKey: enc(d.wrap.PublicKey().Bytes()), Meta: enc([]byte("new laptop"))}
	wrongR := bytes.Clone(w.recovery)
	wrongR[0] ^= 1
	wrongSign, _ := recoveryKeys(t, wrongR)
	d.sendAs(syncproto.SignerRecovery, wrongSign, "POST", d.path("/recovery"), req).mustCode(t, 401, "sync_unauthenticated")
	var st wire.SyncState
	w.a.send("GET", w.a.path(""), nil).must(t, 200).decode(t, &st)
	if len(st.Devices) != 1 || st.RotationDue {
		t.Fatalf("a wrong recovery key changed the identity: %+v", st)
	}
	recSign, recWrap := recoveryKeys(t, w.recovery)
	var got wire.SyncRecovered
	d.sendAs(syncproto.SignerRecovery, recSign, "POST", d.path("/recovery"), req).must(t, 201).decode(t, &got)
	d.device = got.DeviceID
	k := openEnvelope(t, dec(t, got.Envelope), recWrap, d.identity, uint32(got.Epoch), "recovery")
	if got.DeviceID != syncproto.DeviceID(d.identity, d.signPub()) || got.Epoch != int64(w.epoch) || !bytes.Equal(k, w.k) {
		t.Fatalf("recovered %+v", got)
	}
	var snap wire.SyncChange
	d.send("GET", d.path("/snapshot"), nil).must(t, 200).decode(t, &snap)
	seq := uint64(snap.Seq)
	plain := open(t, k, dec(t, snap.Ciphertext), changeAD(d.identity, uint32(snap.Epoch), snap.DeviceID, uint64(snap.Counter), &seq))
	if string(plain) != syncMarker+" in the snapshot" {
		t.Fatalf("snapshot %q", plain)
	}
	if got := w.read(t, d, snap.Seq, k); len(got) != 1 || got[0] != syncMarker+" in epoch 2" {
		t.Fatalf("the recovered browser read %q", got)
	}
	d.send("GET", d.path("/envelope"), nil).mustCode(t, http.StatusNotFound, "not_found")
}

// Over HTTP, every way a signature can be wrong gets 401
// sync_unauthenticated and changes nothing: a wrong key, a stale time, a
// body or a query altered after signing, another identity's device.
func TestSyncSignaturesOverHTTP(t *testing.T) {
	h := newHarness(t)
	w := newSyncWorld(t, h, "sync@example.com", 1)
	other := newSyncWorld(t, h, "other@example.com", 2)
	a := w.a
	body := wire.SyncChangeRequest{Counter: 100, Epoch: 1, Ciphertext: enc([]byte("ciphertext"))}
	a.sendAs(a.device, other.a.sign, "POST", a.path("/changes"), body).mustCode(t, 401, "sync_unauthenticated")
	a.sendAs(other.a.device, other.a.sign, "POST", a.path("/changes"), body).mustCode(t, 401, "sync_unauthenticated")
	a.at = h.clock.Now().Add(-6 * time.Minute)
	a.send("POST", a.path("/changes"), body).mustCode(t, 401, "sync_unauthenticated")
	a.at = time.Time{}
	signed, _ := json.Marshal(body)
	altered, _ := json.Marshal(wire.SyncChangeRequest{Counter: 100, Epoch: 1, Ciphertext: enc([]byte("ciphertexT"))})
	a.c.do("POST", a.path("/changes"), altered, a.headers(a.device, a.sign, "POST", a.path("/changes"), signed)...).
		mustCode(t, 401, "sync_unauthenticated")
	a.c.do("GET", a.path("/changes?after=0"), nil, a.headers(a.device, a.sign, "GET", a.path("/changes?after=1"), nil)...).
		mustCode(t, 401, "sync_unauthenticated")
	a.c.do("GET", a.path("/changes"), nil).mustCode(t, 401, "sync_unauthenticated") // no signature at all
	var st wire.SyncState
	a.send("GET", a.path(""), nil).must(t, 200).decode(t, &st)
	if st.HeadSeq != 1 {
		t.Fatalf("a refused upload was stored: %+v", st)
	}
	a.send("POST", a.path("/changes"), body).must(t, 201)
	a.send("POST", a.path("/changes"), body).mustCode(t, 409, "sync_replay")
	body.Counter = 99
	a.send("POST", a.path("/changes"), body).mustCode(t, 409, "sync_replay")
}

// Creating an identity needs a full session, and the new browser's
// signature over the request.
func TestSyncIdentityNeedsSessionAndKey(t *testing.T) {
	h := newHarness(t)
	acct := h.enroll("sync@example.com")
	b := newSyncBrowser(h, h.client(), 1)
	id := syncproto.IdentityID(b.signPub())
	req := wire.SyncIdentityRequest{SigningKey: enc(b.signPub()), WrapKey: enc(b.wrap.PublicKey().Bytes()), Counter: 1,
		Envelopes: wire.SyncIdentityEnvelopes{Device: enc(sealEnvelope(t, make([]byte, 32), b.wrap.PublicKey(), id, 1, "x"))}}
	b.sendAs(syncproto.SignerNew, b.sign, "POST", "/api/v1/sync/identities", req).mustCode(t, 401, "unauthenticated")
	b.c = h.signIn(acct.email) // partial: the second factor is missing
	b.sendAs(syncproto.SignerNew, b.sign, "POST", "/api/v1/sync/identities", req).mustCode(t, 403, "second_factor_required")
	b.c = acct.c
	other := newSyncBrowser(h, acct.c, 2)
	b.sendAs(syncproto.SignerNew, other.sign, "POST", "/api/v1/sync/identities", req).mustCode(t, 401, "sync_unauthenticated")
	withRecovery := req
	withRecovery.RecoverySigningKey = enc(other.signPub())
	b.sendAs(syncproto.SignerNew, b.sign, "POST", "/api/v1/sync/identities", withRecovery).mustCode(t, 400, "invalid_sync_key")
	withRecovery.RecoveryWrapKey = enc(other.wrap.PublicKey().Bytes())
	b.sendAs(syncproto.SignerNew, b.sign, "POST", "/api/v1/sync/identities", withRecovery).mustCode(t, 400, "invalid_sync_envelope")
	bad := req
	bad.Meta = enc(make([]byte, syncproto.MaxMeta+1))
	b.sendAs(syncproto.SignerNew, b.sign, "POST", "/api/v1/sync/identities", bad).mustCode(t, 400, "invalid_sync_meta")
	bad.Meta = "not base64!"
	b.sendAs(syncproto.SignerNew, b.sign, "POST", "/api/v1/sync/identities", bad).mustCode(t, 400, "invalid_base64")
	b.sendAs(syncproto.SignerNew, b.sign, "POST", "/api/v1/sync/identities", req).must(t, 201)
	b.sendAs(syncproto.SignerNew, b.sign, "POST", "/api/v1/sync/identities", req).mustCode(t, 409, "sync_key_taken")
	newSyncWorldFor(t, h, acct, 2)
	newSyncWorldFor(t, h, acct, 3)
	fourth := newSyncBrowser(h, acct.c, 4)
	req.SigningKey = enc(fourth.signPub())
	fourth.sendAs(syncproto.SignerNew, fourth.sign, "POST", "/api/v1/sync/identities", req).mustCode(t, 409, "sync_too_many_identities")
}

// The limits: a change's ciphertext of 48 KiB and a snapshot's of 1 MiB
// (413 beyond, and larger bodies than the other routes' 64 KiB), the
// browsers of an identity, the open pairing codes, their 5 minutes.
func TestSyncLimitsOverHTTP(t *testing.T) {
	h := newHarness(t, func(o *harnessOptions) { o.sync.MaxDevices = 2 })
	w := newSyncWorld(t, h, "sync@example.com", 1)
	a := w.a
	up := func(size int) response {
		return a.send("POST", a.path("/changes"), wire.SyncChangeRequest{Counter: a.next(), Epoch: 1, Ciphertext: enc(make([]byte, size))})
	}
	up(syncproto.MaxChange).must(t, 201)
	up(syncproto.MaxChange+1).mustCode(t, 413, "sync_too_large")
	up(70<<10).mustCode(t, 413, "body_too_large")
	snap := func(size int) response {
		return a.send("PUT", a.path("/snapshot"), wire.SyncSnapshotRequest{Counter: a.next(), Epoch: 1, Seq: 2, Ciphertext: enc(make([]byte, size))})
	}
	snap(syncproto.MaxSnapshot+1).mustCode(t, 413, "sync_too_large")
	snap(syncproto.MaxSnapshot).must(t, 204)
	snap(10).mustCode(t, 409, "sync_stale_snapshot")
	a.send("PUT", a.path("/snapshot"), wire.SyncSnapshotRequest{Counter: a.next(), Epoch: 1, Seq: 3, Ciphertext: enc([]byte("x"))}).
		mustCode(t, 400, "invalid_sync_seq")
	big, _ := json.Marshal(map[string]any{"counter": 1, "pad": string(make([]byte, 65<<10))})
	a.c.do("POST", a.path("/pairings"), big, a.headers(a.device, a.sign, "POST", a.path("/pairings"), big)...).mustCode(t, 413, "body_too_large")

	w.pair(t, 2) // the second and last browser
	var slots []string
	for range 5 {
		var slot wire.SyncPairingCreated
		a.send("POST", a.path("/pairings"), wire.SyncCounter{Counter: a.next()}).must(t, 201).decode(t, &slot)
		slots = append(slots, slot.PairingID)
	}
	a.send("POST", a.path("/pairings"), wire.SyncCounter{Counter: a.next()}).mustCode(t, 409, "sync_too_many_pairings")
	c := newSyncBrowser(h, h.client(), 3)
	join := wire.SyncJoinRequest{SigningKey: enc(c.signPub()), WrapKey: enc(c.wrap.PublicKey().Bytes()), MAC: enc(make([]byte, 32))}
	c.c.must(202, "POST", a.path("/pairings/"+slots[0]+"/join"), join)
	env := enc(sealEnvelope(t, w.k, c.wrap.PublicKey(), a.identity, 1, syncproto.DeviceID(a.identity, c.signPub())))
	a.send("POST", a.path("/pairings/"+slots[0]+"/approve"), wire.SyncApproveRequest{Counter: a.next(), Epoch: 1, Envelope: env}).
		mustCode(t, 409, "sync_too_many_devices")
	a.send("POST", a.path("/pairings/"+slots[2]+"/approve"), wire.SyncApproveRequest{Counter: a.next(), Epoch: 1, Envelope: env}).
		mustCode(t, 409, "sync_pairing_not_joined")
	c.c.do("POST", a.path("/pairings/spr_nosuchslot/join"), join).mustCode(t, 404, "not_found")
	h.clock.Advance(5 * time.Minute)
	c.c.do("POST", a.path("/pairings/"+slots[1]+"/join"), join).mustCode(t, 410, "sync_pairing_expired")
	a.send("POST", a.path("/pairings/"+slots[0]+"/approve"), wire.SyncApproveRequest{Counter: a.next(), Epoch: 1, Envelope: env}).
		mustCode(t, 410, "sync_pairing_expired")
	var p wire.SyncPairing
	a.send("GET", a.path("/pairings/"+slots[1]), nil).must(t, 200).decode(t, &p)
	if p.State != "expired" || p.Join != nil {
		t.Fatalf("an expired slot %+v", p)
	}
	a.send("POST", a.path("/pairings"), wire.SyncCounter{Counter: a.next()}).must(t, 201) // the expired ones are not open
}

// The routes strangers may call (join, the joiner's status, recovery) are
// limited per address; uploads per identity (429 with Retry-After).
func TestSyncRateLimits(t *testing.T) {
	h := newHarness(t, func(o *harnessOptions) {
		o.rateLimit = RateLimit{Requests: 4, Window: time.Minute}
		o.sync.UploadsPerMinute = 2
	})
	w := newSyncWorld(t, h, "sync@example.com", 1) // one upload
	a := w.a
	w.change(t, a, "second upload")
	r := a.send("POST", a.path("/changes"), wire.SyncChangeRequest{Counter: a.next(), Epoch: 1, Ciphertext: enc([]byte("third"))})
	r.mustCode(t, 429, "sync_rate_limited")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	a.send("GET", a.path(""), nil).must(t, 200) // reads are not uploads
	stranger := h.client()
	for range 4 {
		stranger.do("POST", a.path("/pairings/spr_guess/join"), wire.SyncJoinRequest{}).mustCode(t, 400, "invalid_sync_key")
	}
	stranger.do("POST", a.path("/pairings/spr_guess/join"), wire.SyncJoinRequest{}).mustCode(t, 429, "rate_limited")
	stranger.do("POST", a.path("/recovery"), wire.SyncRecoveryRequest{}).mustCode(t, 429, "rate_limited")
}
