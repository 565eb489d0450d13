package service

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strconv"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/syncproto"
)

// Sync audit events, filed under the identity's owner.
const (
	EventSyncIdentityCreated = "sync_identity_created"
	EventSyncDeviceAdded     = "sync_device_added"
	EventSyncDeviceRemoved   = "sync_device_removed"
	EventSyncEpochRotated    = "sync_epoch_rotated"
	EventSyncRecovered       = "sync_recovered"
)

// SyncConfig bounds sync; zero values get the defaults.
type SyncConfig struct {
	MaxStoredBytes   int64         // per identity (default 16 MiB)
	MaxDevices       int           // active devices per identity (default 20)
	MaxIdentities    int           // per user (default 3)
	MaxOpenPairings  int           // per identity (default 5)
	UploadsPerMinute int           // changes, snapshots and rotations per identity (default 60; < 0: no limit)
	PollInterval     time.Duration // how often a long-poll reads the database (default 1 s)
	MaxWait          time.Duration // the longest long-poll (default 25 s)
	ChangeRetention  time.Duration // changes a snapshot covers are kept this long (default 60 days)
	PairingGrace     time.Duration // expired pairings are swept after this (default 1 h)
}

func (c SyncConfig) withDefaults() SyncConfig {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if c.MaxStoredBytes <= 0 {
		c.MaxStoredBytes = 16 << 20
	}
	def(&c.MaxDevices, 20)
	def(&c.MaxIdentities, 3)
	def(&c.MaxOpenPairings, 5)
	def(&c.UploadsPerMinute, 60)
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&c.PollInterval, time.Second}, {&c.MaxWait, 25 * time.Second}, {&c.ChangeRetention, 60 * 24 * time.Hour},
		{&c.PairingGrace, time.Hour}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	return c
}

// Sync is the server's side of vault sync between browsers
// (docs/vault-format.md, "Sync between browsers"): it keeps what browsers
// upload, which it cannot read, and checks who uploads it. Every request
// of a device is signed with its Ed25519 key (verify); every one that
// changes something carries a counter above the device's last, taken by a
// conditional update in the same transaction as the change (write).
type Sync struct {
	*core
	waiters *syncWaiters
	uploads *windowLimiter
}

func newSync(c *core) *Sync {
	return &Sync{core: c, waiters: &syncWaiters{},
		uploads: &windowLimiter{n: c.cfg.Sync.UploadsPerMinute, window: time.Minute}}
}

// Wake wakes this process's long-polls of an identity: for a notifier of
// changes committed by other instances (in-process changes wake them
// already).
func (s *Sync) Wake(identityID string) { s.waiters.wake(identityID) }

// verify checks a request's time (within syncproto.MaxSkew of the
// server's) and its Ed25519 signature by key.
func (s *Sync) verify(r auth.SyncRequest, key []byte) bool {
	unix, err := strconv.ParseInt(r.Time, 10, 64)
	if err != nil {
		return false
	}
	if d := s.now().Sub(time.Unix(unix, 0)); d > syncproto.MaxSkew || d < -syncproto.MaxSkew {
		return false
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(r.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize || len(key) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(key, syncproto.RequestMessage(r.Method, r.Target, r.Time, r.Body), sig)
}

// device authenticates a request as one of the identity's devices. An
// unknown device, another identity's, a wrong key and a stale time get one
// answer; a removed device that signed rightly is told so.
func (s *Sync) device(ctx context.Context, r auth.SyncRequest) (store.SyncDevice, error) {
	d, err := s.store.SyncDevice(ctx, r.Identity, r.Device)
	if errors.Is(err, store.ErrNotFound) {
		return store.SyncDevice{}, auth.ErrSyncSignature
	}
	if err != nil {
		return store.SyncDevice{}, err
	}
	if !s.verify(r, d.SigningKey) {
		return store.SyncDevice{}, auth.ErrSyncSignature
	}
	if !d.RemovedAt.IsZero() {
		return store.SyncDevice{}, auth.ErrSyncDeviceRemoved
	}
	return d, nil
}

// reader authenticates a request that changes nothing, recording the
// device's last sight at most once a minute.
func (s *Sync) reader(ctx context.Context, r auth.SyncRequest) (store.SyncDevice, error) {
	d, err := s.device(ctx, r)
	if err != nil || s.now().Sub(d.LastSeenAt) < time.Minute {
		return d, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		_, err := tx.TouchSyncDevice(ctx, d.IdentityID, d.ID, s.now(), time.Minute)
		return err
	})
	if err != nil {
		s.log.WarnContext(ctx, "sync: recording a device's last sight", "err", err)
	}
	return d, nil
}

// write authenticates a request that changes something and runs fn in one
// transaction after the replay guard took counter: a counter not above the
// device's last, or a device removed meanwhile, changes nothing. An upload
// (change, snapshot, rotation) also counts against the identity's limit.
func (s *Sync) write(ctx context.Context, r auth.SyncRequest, counter int64, upload bool,
	fn func(tx store.Tx, d store.SyncDevice, id store.SyncIdentity) error) error {
	if counter < 1 || counter > syncproto.MaxCounter {
		return auth.ErrSyncCounter
	}
	d, err := s.device(ctx, r)
	if err != nil {
		return err
	}
	if upload && !s.uploads.allow(r.Identity, s.now()) {
		return auth.ErrSyncRateLimited
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		ok, err := tx.AdvanceSyncCounter(ctx, r.Identity, d.ID, counter, s.now())
		if err != nil {
			return err
		}
		if !ok {
			if cur, err := tx.SyncDevice(ctx, r.Identity, d.ID); err == nil && !cur.RemovedAt.IsZero() {
				return auth.ErrSyncDeviceRemoved
			}
			return auth.ErrSyncReplay
		}
		id, err := tx.SyncIdentity(ctx, r.Identity)
		if err != nil {
			return err
		}
		return fn(tx, d, id)
	})
}

// checkEpoch compares a request's epoch with the identity's current one.
func checkEpoch(epoch, current int64) error {
	switch {
	case epoch < current:
		return auth.ErrSyncStaleEpoch
	case epoch > current:
		return auth.ErrSyncEpoch
	}
	return nil
}

// fitStorage refuses a transaction that leaves the identity storing more
// than allowed, after dropping the changes its snapshot covers (whatever
// their age: the browsers can start from the snapshot).
func (s *Sync) fitStorage(ctx context.Context, tx store.Tx, identityID string) error {
	for pruned := false; ; pruned = true {
		id, err := tx.SyncIdentity(ctx, identityID)
		if err != nil || id.StoredBytes <= s.cfg.Sync.MaxStoredBytes {
			return err
		}
		if pruned {
			return auth.ErrSyncStorageFull
		}
		if _, err := tx.PruneSyncChanges(ctx, identityID, time.Time{}); err != nil {
			return err
		}
	}
}

func checkKeys(k auth.SyncKeys) error {
	if len(k.SigningKey) != syncproto.KeySize || len(k.WrapKey) != syncproto.KeySize {
		return auth.ErrSyncKey
	}
	if len(k.Meta) > syncproto.MaxMeta {
		return auth.ErrSyncMeta
	}
	return nil
}

func checkCiphertext(c []byte, max int) error {
	switch {
	case len(c) == 0:
		return auth.ErrSyncCiphertext
	case len(c) > max:
		return auth.ErrSyncTooLarge
	}
	return nil
}

func checkEpochRange(epoch int64) error {
	if epoch < 1 || epoch > syncproto.MaxEpoch {
		return auth.ErrSyncEpoch
	}
	return nil
}

// CreateIdentity creates a sync identity for the signed-in user with its
// first device, signed by that device's key (Twofold-Sync-Device: new):
// the ids follow from the key (syncproto), so the envelopes of epoch 1
// could name them.
func (s *Sync) CreateIdentity(ctx context.Context, r auth.SyncRequest, sess auth.Session, in auth.NewSyncIdentity) (identityID, deviceID string, err error) {
	if err := checkNewIdentity(in); err != nil {
		return "", "", err
	}
	recovery := in.RecoverySigningKey != nil
	if r.Device != syncproto.SignerNew || !s.verify(r, in.Device.SigningKey) {
		return "", "", auth.ErrSyncSignature
	}
	identityID = syncproto.IdentityID(in.Device.SigningKey)
	deviceID = syncproto.DeviceID(identityID, in.Device.SigningKey)
	envelopes := map[string][]byte{deviceID: in.DeviceEnvelope}
	if recovery {
		envelopes[syncproto.RecoveryRecipient] = in.RecoveryEnvelope
	}
	now := s.now()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		n, err := tx.CountSyncIdentities(ctx, sess.UserID)
		if err != nil {
			return err
		}
		if n >= s.cfg.Sync.MaxIdentities {
			return auth.ErrSyncTooManyIdentities
		}
		err = tx.CreateSyncIdentity(ctx, store.SyncIdentity{ID: identityID, UserID: sess.UserID, Epoch: 1,
			RecoverySigningKey: in.RecoverySigningKey, RecoveryWrapKey: in.RecoveryWrapKey, CreatedAt: now})
		if errors.Is(err, store.ErrConflict) {
			return auth.ErrSyncKeyTaken
		}
		if err != nil {
			return err
		}
		if err := tx.AddSyncDevice(ctx, store.SyncDevice{IdentityID: identityID, ID: deviceID, SigningKey: in.Device.SigningKey,
			WrapKey: in.Device.WrapKey, Meta: in.Device.Meta, Counter: in.Counter, AddedAt: now}); err != nil {
			return err
		}
		if err := tx.PutSyncEnvelopes(ctx, identityID, 1, envelopes); err != nil {
			return err
		}
		return s.audit(ctx, tx, r.Client, sess.UserID, EventSyncIdentityCreated, deviceID, identityID)
	})
	if err != nil {
		return "", "", err
	}
	return identityID, deviceID, nil
}

// State is the identity's epoch, sequence numbers and active devices.
func (s *Sync) State(ctx context.Context, r auth.SyncRequest) (auth.SyncState, error) {
	if _, err := s.reader(ctx, r); err != nil {
		return auth.SyncState{}, err
	}
	id, err := s.store.SyncIdentity(ctx, r.Identity)
	if err != nil {
		return auth.SyncState{}, err
	}
	ds, err := s.store.SyncDevices(ctx, r.Identity)
	if err != nil {
		return auth.SyncState{}, err
	}
	return auth.SyncState{Epoch: id.Epoch, HeadSeq: id.HeadSeq, SnapshotSeq: id.SnapshotSeq, RotationDue: id.RotationDue,
		Devices: views(ds, syncDeviceView)}, nil
}

// AppendChange stores a change of the current epoch and returns its
// sequence number; it wakes the identity's long-polls.
func (s *Sync) AppendChange(ctx context.Context, r auth.SyncRequest, u auth.SyncUpload) (int64, error) {
	if err := firstErr(checkEpochRange(u.Epoch), checkCiphertext(u.Ciphertext, syncproto.MaxChange)); err != nil {
		return 0, err
	}
	var seq int64
	err := s.write(ctx, r, u.Counter, true, func(tx store.Tx, d store.SyncDevice, id store.SyncIdentity) error {
		if err := checkEpoch(u.Epoch, id.Epoch); err != nil {
			return err
		}
		var err error
		seq, err = tx.AppendSyncChange(ctx, store.SyncChange{IdentityID: id.ID, Epoch: u.Epoch, DeviceID: d.ID, Counter: u.Counter,
			Ciphertext: u.Ciphertext, CreatedAt: s.now()})
		if err != nil {
			return err
		}
		return s.fitStorage(ctx, tx, id.ID)
	})
	if err != nil {
		return 0, err
	}
	s.waiters.wake(r.Identity)
	return seq, nil
}

// firstErr is the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkNewIdentity checks a new identity's keys, envelopes and counter:
// recovery keys and the recovery envelope come all together or not at all.
func checkNewIdentity(in auth.NewSyncIdentity) error {
	if err := checkKeys(in.Device); err != nil {
		return err
	}
	recovery := in.RecoverySigningKey != nil || in.RecoveryWrapKey != nil
	if recovery && (len(in.RecoverySigningKey) != syncproto.KeySize || len(in.RecoveryWrapKey) != syncproto.KeySize) {
		return auth.ErrSyncKey
	}
	if len(in.DeviceEnvelope) != syncproto.EnvelopeSize || recovery != (in.RecoveryEnvelope != nil) ||
		recovery && len(in.RecoveryEnvelope) != syncproto.EnvelopeSize {
		return auth.ErrSyncEnvelope
	}
	if in.Counter < 1 || in.Counter > syncproto.MaxCounter {
		return auth.ErrSyncCounter
	}
	return nil
}

// Changes are up to limit (at most auth.MaxSyncPage) changes after
// sequence number after. With wait, it waits (up to MaxWait) until there
// is one: woken at once by a change made through this process, and
// reading the database every PollInterval for those made through another
// instance.
func (s *Sync) Changes(ctx context.Context, r auth.SyncRequest, after int64, limit int, wait time.Duration) (auth.SyncChanges, error) {
	if _, err := s.reader(ctx, r); err != nil {
		return auth.SyncChanges{}, err
	}
	if limit <= 0 || limit > auth.MaxSyncPage {
		limit = auth.MaxSyncPage
	}
	wake, cancel := s.waiters.subscribe(r.Identity) // before the first read, so no change is missed
	defer cancel()
	deadline := time.NewTimer(min(wait, s.cfg.Sync.MaxWait))
	defer deadline.Stop()
	poll := time.NewTicker(s.cfg.Sync.PollInterval)
	defer poll.Stop()
	for waited := false; ; waited = true {
		cs, err := s.store.SyncChanges(ctx, r.Identity, after, limit)
		if err != nil {
			return auth.SyncChanges{}, err
		}
		id, err := s.store.SyncIdentity(ctx, r.Identity)
		if err != nil {
			return auth.SyncChanges{}, err
		}
		if waited && len(cs) > 0 {
			// The device may have been removed while it waited.
			if d, err := s.store.SyncDevice(ctx, r.Identity, r.Device); err != nil || !d.RemovedAt.IsZero() {
				return auth.SyncChanges{}, firstErr(err, auth.ErrSyncDeviceRemoved)
			}
		}
		if len(cs) > 0 || wait <= 0 {
			return auth.SyncChanges{Changes: views(pageBytes(cs), syncChangeView), HeadSeq: id.HeadSeq}, nil
		}
		select {
		case <-wake:
		case <-poll.C:
		case <-deadline.C:
			wait = 0 // one last read
		case <-ctx.Done():
			return auth.SyncChanges{HeadSeq: id.HeadSeq}, nil // the caller is gone
		}
	}
}

// pageBytes cuts a page after the change that brings its ciphertext to
// auth.MaxSyncPageBytes.
func pageBytes(cs []store.SyncChange) []store.SyncChange {
	total := 0
	for i, c := range cs {
		if total += len(c.Ciphertext); total >= auth.MaxSyncPageBytes {
			return cs[:i+1]
		}
	}
	return cs
}

// PutSnapshot replaces the identity's snapshot with one of the current
// epoch covering the changes up to u.Seq, newer than the one it replaces.
func (s *Sync) PutSnapshot(ctx context.Context, r auth.SyncRequest, u auth.SyncUpload) error {
	if err := firstErr(checkEpochRange(u.Epoch), checkCiphertext(u.Ciphertext, syncproto.MaxSnapshot)); err != nil {
		return err
	}
	return s.write(ctx, r, u.Counter, true, func(tx store.Tx, d store.SyncDevice, id store.SyncIdentity) error {
		if err := checkEpoch(u.Epoch, id.Epoch); err != nil {
			return err
		}
		switch {
		case u.Seq <= id.SnapshotSeq:
			return auth.ErrSyncStaleSnapshot
		case u.Seq > id.HeadSeq:
			return auth.ErrSyncSeq
		}
		if err := tx.PutSyncSnapshot(ctx, store.SyncChange{IdentityID: id.ID, Seq: u.Seq, Epoch: u.Epoch, DeviceID: d.ID,
			Counter: u.Counter, Ciphertext: u.Ciphertext, CreatedAt: s.now()}); err != nil {
			return err
		}
		return s.fitStorage(ctx, tx, id.ID)
	})
}

// Snapshot is the identity's newest snapshot.
func (s *Sync) Snapshot(ctx context.Context, r auth.SyncRequest) (auth.SyncChange, error) {
	if _, err := s.reader(ctx, r); err != nil {
		return auth.SyncChange{}, err
	}
	c, err := s.store.SyncSnapshot(ctx, r.Identity)
	if errors.Is(err, store.ErrNotFound) {
		return auth.SyncChange{}, auth.ErrSyncNoSnapshot
	}
	return syncChangeView(c), err
}

// Envelope is the caller's envelope of the current epoch's key.
func (s *Sync) Envelope(ctx context.Context, r auth.SyncRequest) (epoch int64, envelope []byte, err error) {
	d, err := s.reader(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	id, err := s.store.SyncIdentity(ctx, r.Identity)
	if err != nil {
		return 0, nil, err
	}
	env, err := s.store.SyncEnvelope(ctx, r.Identity, id.Epoch, d.ID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, auth.ErrSyncNoEnvelope
	}
	return id.Epoch, env, err
}

// RotateEpoch starts the next epoch in one transaction: envelopes of the
// new key for exactly the active devices (and the recovery key when the
// identity has one) and a snapshot under it of everything up to the newest
// change. Changes of older epochs are refused from then on.
func (s *Sync) RotateEpoch(ctx context.Context, r auth.SyncRequest, rot auth.SyncRotation) error {
	if err := firstErr(checkEpochRange(rot.Epoch), checkCiphertext(rot.Snapshot, syncproto.MaxSnapshot)); err != nil {
		return err
	}
	if len(rot.Envelopes) > s.cfg.Sync.MaxDevices+1 {
		return auth.ErrSyncDevicesChanged
	}
	for _, env := range rot.Envelopes {
		if len(env) != syncproto.EnvelopeSize {
			return auth.ErrSyncEnvelope
		}
	}
	return s.write(ctx, r, rot.Counter, true, func(tx store.Tx, d store.SyncDevice, id store.SyncIdentity) error {
		if err := checkEpoch(rot.Epoch, id.Epoch+1); err != nil {
			return err
		}
		if err := s.coversActive(ctx, tx, id, rot.Envelopes); err != nil {
			return err
		}
		switch {
		case rot.SnapshotSeq < id.HeadSeq:
			return auth.ErrSyncStaleSnapshot
		case rot.SnapshotSeq > id.HeadSeq:
			return auth.ErrSyncSeq
		}
		if ok, err := tx.SwitchSyncEpoch(ctx, id.ID, id.Epoch, rot.Epoch, rot.Envelopes); err != nil || !ok {
			return firstErr(err, auth.ErrSyncStaleEpoch)
		}
		if err := tx.PutSyncSnapshot(ctx, store.SyncChange{IdentityID: id.ID, Seq: rot.SnapshotSeq, Epoch: rot.Epoch, DeviceID: d.ID,
			Counter: rot.Counter, Ciphertext: rot.Snapshot, CreatedAt: s.now()}); err != nil {
			return err
		}
		if err := s.fitStorage(ctx, tx, id.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, r.Client, id.UserID, EventSyncEpochRotated, d.ID, id.ID+" epoch "+strconv.FormatInt(rot.Epoch, 10))
	})
}

// coversActive checks that envelopes name exactly the identity's active
// devices, and the recovery key when it has one.
func (s *Sync) coversActive(ctx context.Context, tx store.Tx, id store.SyncIdentity, envelopes map[string][]byte) error {
	ds, err := tx.SyncDevices(ctx, id.ID)
	if err != nil {
		return err
	}
	want := len(ds)
	if id.RecoverySigningKey != nil {
		want++
		if _, ok := envelopes[syncproto.RecoveryRecipient]; !ok {
			return auth.ErrSyncDevicesChanged
		}
	}
	for _, d := range ds {
		if _, ok := envelopes[d.ID]; !ok {
			return auth.ErrSyncDevicesChanged
		}
	}
	if len(envelopes) != want {
		return auth.ErrSyncDevicesChanged
	}
	return nil
}
