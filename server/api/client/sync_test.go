package client_test

import (
	"bytes"
	"crypto/ed25519"
	"net/http"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/shared/syncproto"
)

func syncKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func pubOf(k ed25519.PrivateKey) []byte { return k.Public().(ed25519.PublicKey) }

// Every sync method of the client against the real API: an identity
// created from a cookie session, a change read back (and waited for), a
// snapshot, a browser paired, removed and refused, an epoch rotated, the
// vault recovered. The server never opens what it stores, so the
// ciphertexts and envelopes here are plain bytes.
func TestSync(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	owner := e.user(t, "sync@example.com")
	env := b64(bytes.Repeat([]byte{0xe0}, syncproto.EnvelopeSize))
	aKey, recovery := syncKey(1), syncKey(0x77)
	created, err := owner.CreateSyncIdentity(ctx, client.SyncSigner{Key: aKey, Now: e.clock.Now}, wire.SyncIdentityRequest{SigningKey: b64(pubOf(aKey)), WrapKey: b64(make([]byte, 32)),
		Meta: b64([]byte("laptop")), RecoverySigningKey: b64(pubOf(recovery)), RecoveryWrapKey: b64(make([]byte, 32)),
		Envelopes: wire.SyncIdentityEnvelopes{Device: env, Recovery: env}, Counter: 1})
	if err != nil || created.IdentityID != syncproto.IdentityID(pubOf(aKey)) {
		t.Fatalf("created %+v %v", created, err)
	}
	a := client.SyncSigner{Identity: created.IdentityID, Device: created.DeviceID, Key: aKey, Now: e.clock.Now}
	c := e.Client(t) // a browser's client needs no session
	if r, err := c.AppendSyncChange(ctx, a, wire.SyncChangeRequest{Counter: 2, Epoch: 1, Ciphertext: b64([]byte("one"))}); err != nil || r.Seq != 1 {
		t.Fatalf("append %+v %v", r, err)
	}
	_, err = c.AppendSyncChange(ctx, a, wire.SyncChangeRequest{Counter: 2, Epoch: 1, Ciphertext: b64([]byte("again"))})
	wantCode(t, err, http.StatusConflict, "sync_replay")
	if err := c.PutSyncSnapshot(ctx, a, wire.SyncSnapshotRequest{Counter: 3, Epoch: 1, Seq: 1, Ciphertext: b64([]byte("all"))}); err != nil {
		t.Fatal(err)
	}
	if s, err := c.SyncSnapshot(ctx, a); err != nil || s.Seq != 1 || s.Counter != 3 || s.Ciphertext != b64([]byte("all")) {
		t.Fatalf("snapshot %+v %v", s, err)
	}
	bKey := syncKey(2)
	b := syncPair(t, c, a, bKey, env)
	waited := make(chan wire.SyncChangeList, 1)
	go func() {
		list, err := c.SyncChanges(ctx, b, 1, 10, 10*time.Second)
		if err != nil {
			t.Error(err)
		}
		waited <- list
	}()
	time.Sleep(50 * time.Millisecond)
	if _, err := c.AppendSyncChange(ctx, a, wire.SyncChangeRequest{Counter: 6, Epoch: 1, Ciphertext: b64([]byte("two"))}); err != nil {
		t.Fatal(err)
	}
	if list := <-waited; len(list.Changes) != 1 || list.Changes[0].Ciphertext != b64([]byte("two")) || list.HeadSeq != 2 {
		t.Fatalf("waited for %+v", list)
	}
	if err := c.RemoveSyncDevice(ctx, a, b.Device, 7); err != nil {
		t.Fatal(err)
	}
	_, err = c.SyncState(ctx, b)
	wantCode(t, err, http.StatusUnauthorized, "sync_device_removed")
	syncRotateAndRecover(t, c, a, recovery, env)
}

// syncPair opens a slot as a, joins it with key, approves it and returns
// the new browser's signer.
func syncPair(t *testing.T, c *client.Client, a client.SyncSigner, key ed25519.PrivateKey, env string) client.SyncSigner {
	slot, err := c.CreateSyncPairing(ctx, a, 4)
	if err != nil {
		t.Fatal(err)
	}
	join := wire.SyncJoinRequest{SigningKey: b64(pubOf(key)), WrapKey: b64(make([]byte, 32)), MAC: b64(make([]byte, 32))}
	if err := c.JoinSyncPairing(ctx, a.Identity, slot.PairingID, join); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.JoinSyncPairing(ctx, a.Identity, slot.PairingID, join), http.StatusConflict, "sync_pairing_taken")
	if p, err := c.SyncPairing(ctx, a, slot.PairingID); err != nil || p.State != "joined" || p.Join == nil || p.Join.SigningKey != join.SigningKey {
		t.Fatalf("pairing %+v %v", p, err)
	}
	added, err := c.ApproveSyncPairing(ctx, a, slot.PairingID, wire.SyncApproveRequest{Counter: 5, Epoch: 1, Envelope: env})
	if err != nil {
		t.Fatal(err)
	}
	joiner := client.SyncSigner{Identity: a.Identity, Device: syncproto.SignerJoin, Key: key, Now: a.Now}
	if st, err := c.SyncPairingStatus(ctx, joiner, slot.PairingID); err != nil || st.State != "approved" || st.DeviceID != added.DeviceID {
		t.Fatalf("status %+v %v", st, err)
	}
	b := client.SyncSigner{Identity: a.Identity, Device: added.DeviceID, Key: key, Now: a.Now}
	if e, err := c.SyncEnvelope(ctx, b); err != nil || e.Epoch != 1 || e.Envelope != env {
		t.Fatalf("envelope %+v %v", e, err)
	}
	return b
}

// syncRotateAndRecover rotates the key as a, then recovers with the
// recovery key (a wrong one refused).
func syncRotateAndRecover(t *testing.T, c *client.Client, a client.SyncSigner, recovery ed25519.PrivateKey, env string) {
	st, err := c.SyncState(ctx, a)
	if err != nil || !st.RotationDue || len(st.Devices) != 1 {
		t.Fatalf("state %+v %v", st, err)
	}
	if err := c.RotateSyncEpoch(ctx, a, wire.SyncRotationRequest{Counter: 8, Epoch: 2, Envelopes: map[string]string{a.Device: env, "recovery": env},
		Snapshot: wire.SyncRotationSnapshot{Seq: st.HeadSeq, Ciphertext: b64([]byte("all, under the new key"))}}); err != nil {
		t.Fatal(err)
	}
	newKey := syncKey(3)
	req := wire.SyncRecoveryRequest{SigningKey: b64(pubOf(newKey)), WrapKey: b64(make([]byte, 32)), Meta: b64([]byte("new laptop"))}
	_, err = c.RecoverSync(ctx, client.SyncSigner{Identity: a.Identity, Device: syncproto.SignerRecovery, Key: syncKey(0x78), Now: a.Now}, req)
	wantCode(t, err, http.StatusUnauthorized, "sync_unauthenticated")
	got, err := c.RecoverSync(ctx, client.SyncSigner{Identity: a.Identity, Device: syncproto.SignerRecovery, Key: recovery, Now: a.Now}, req)
	if err != nil || got.Epoch != 2 || got.Envelope != env || got.DeviceID != syncproto.DeviceID(a.Identity, pubOf(newKey)) {
		t.Fatalf("recovered %+v %v", got, err)
	}
	d := client.SyncSigner{Identity: a.Identity, Device: got.DeviceID, Key: newKey, Now: a.Now}
	if s, err := c.SyncSnapshot(ctx, d); err != nil || s.Epoch != 2 || s.Seq != 2 {
		t.Fatalf("the recovered browser's snapshot %+v %v", s, err)
	}
}
