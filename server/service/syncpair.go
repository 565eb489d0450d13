package service

import (
	"context"
	"errors"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/syncproto"
)

// Browsers joining and leaving an identity: pairing (a device opens a slot,
// a new browser joins it, the device approves it with its envelope),
// removal, and recovery with the recovery key.

// CreatePairing opens a pairing slot, valid syncproto.PairingTTL.
func (s *Sync) CreatePairing(ctx context.Context, r auth.SyncRequest, counter int64) (auth.SyncPairing, error) {
	pid, err := s.newID("spr")
	if err != nil {
		return auth.SyncPairing{}, err
	}
	var p store.SyncPairing
	err = s.write(ctx, r, counter, false, func(tx store.Tx, d store.SyncDevice, id store.SyncIdentity) error {
		n, err := tx.CountOpenSyncPairings(ctx, id.ID, s.now())
		if err != nil {
			return err
		}
		if n >= s.cfg.Sync.MaxOpenPairings {
			return auth.ErrSyncTooManyPairings
		}
		p = store.SyncPairing{ID: pid, IdentityID: id.ID, CreatedBy: d.ID, State: store.SyncWaiting, CreatedAt: s.now(),
			ExpiresAt: s.now().Add(syncproto.PairingTTL)}
		return tx.CreateSyncPairing(ctx, p)
	})
	if err != nil {
		return auth.SyncPairing{}, err
	}
	return s.pairingView(p), nil
}

// JoinPairing records a new browser's keys, meta and MAC in a waiting
// slot: the first join only. Nothing is signed (the slot id is the
// capability, and the MAC is for the browser that showed the code to
// check); the server only stores it.
func (s *Sync) JoinPairing(ctx context.Context, identityID, pairingID string, j auth.SyncJoin) error {
	if err := checkKeys(j.SyncKeys); err != nil {
		return err
	}
	if len(j.MAC) != syncproto.MACSize {
		return auth.ErrSyncMAC
	}
	now := s.now()
	return s.store.Update(ctx, func(tx store.Tx) error {
		ok, err := tx.JoinSyncPairing(ctx, identityID, pairingID, store.SyncJoin{SigningKey: j.SigningKey, WrapKey: j.WrapKey,
			Meta: j.Meta, MAC: j.MAC, JoinedAt: now})
		if err != nil || ok {
			return err
		}
		p, err := tx.SyncPairing(ctx, identityID, pairingID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return auth.ErrSyncPairingNotFound
		case err != nil:
			return err
		case p.State == store.SyncWaiting:
			return auth.ErrSyncPairingExpired
		}
		return auth.ErrSyncPairingTaken
	})
}

// Pairing is a slot as a device of the identity sees it: its state and
// the join, whose MAC the device checks.
func (s *Sync) Pairing(ctx context.Context, r auth.SyncRequest, pairingID string) (auth.SyncPairing, error) {
	if _, err := s.reader(ctx, r); err != nil {
		return auth.SyncPairing{}, err
	}
	p, err := s.store.SyncPairing(ctx, r.Identity, pairingID)
	if errors.Is(err, store.ErrNotFound) {
		return auth.SyncPairing{}, auth.ErrSyncPairingNotFound
	}
	if err != nil {
		return auth.SyncPairing{}, err
	}
	return s.pairingView(p), nil
}

// ApprovePairing adds the browser that joined a slot as a device, with its
// envelope of the current epoch's key, and returns its id.
func (s *Sync) ApprovePairing(ctx context.Context, r auth.SyncRequest, pairingID string, a auth.SyncApproval) (string, error) {
	if err := checkEpochRange(a.Epoch); err != nil {
		return "", err
	}
	if len(a.Envelope) != syncproto.EnvelopeSize {
		return "", auth.ErrSyncEnvelope
	}
	var deviceID string
	err := s.write(ctx, r, a.Counter, false, func(tx store.Tx, d store.SyncDevice, id store.SyncIdentity) error {
		p, err := tx.SyncPairing(ctx, id.ID, pairingID)
		if errors.Is(err, store.ErrNotFound) {
			return auth.ErrSyncPairingNotFound
		}
		if err != nil {
			return err
		}
		if err := s.approvable(p); err != nil {
			return err
		}
		if err := checkEpoch(a.Epoch, id.Epoch); err != nil {
			return err
		}
		deviceID = syncproto.DeviceID(id.ID, p.Join.SigningKey)
		keys := auth.SyncKeys{SigningKey: p.Join.SigningKey, WrapKey: p.Join.WrapKey, Meta: p.Join.Meta}
		if err := s.addDevice(ctx, tx, id.ID, deviceID, keys); err != nil {
			return err
		}
		if ok, err := tx.ApproveSyncPairing(ctx, id.ID, p.ID, deviceID, s.now()); err != nil || !ok {
			return firstErr(err, auth.ErrSyncPairingState)
		}
		if err := tx.PutSyncEnvelopes(ctx, id.ID, id.Epoch, map[string][]byte{deviceID: a.Envelope}); err != nil {
			return err
		}
		return s.audit(ctx, tx, r.Client, id.UserID, EventSyncDeviceAdded, deviceID, id.ID+" approved by "+d.ID)
	})
	return deviceID, err
}

// approvable refuses a slot that is not joined, or expired.
func (s *Sync) approvable(p store.SyncPairing) error {
	switch {
	case p.State == store.SyncApproved || p.State == store.SyncWaiting && s.now().Before(p.ExpiresAt):
		return auth.ErrSyncPairingState
	case !s.now().Before(p.ExpiresAt):
		return auth.ErrSyncPairingExpired
	}
	return nil
}

// addDevice adds a device, within the identity's limit: a signing key the
// identity has had (a replayed join or recovery) is refused.
func (s *Sync) addDevice(ctx context.Context, tx store.Tx, identityID, deviceID string, k auth.SyncKeys) error {
	ds, err := tx.SyncDevices(ctx, identityID)
	if err != nil {
		return err
	}
	if len(ds) >= s.cfg.Sync.MaxDevices {
		return auth.ErrSyncTooManyDevices
	}
	err = tx.AddSyncDevice(ctx, store.SyncDevice{IdentityID: identityID, ID: deviceID, SigningKey: k.SigningKey, WrapKey: k.WrapKey,
		Meta: k.Meta, AddedAt: s.now()})
	if errors.Is(err, store.ErrConflict) {
		return auth.ErrSyncKeyTaken
	}
	return err
}

// PairingStatus is a slot as the browser that joined it sees it, signed by
// the key it joined with (Twofold-Sync-Device: join): its state, and once
// approved its device id.
func (s *Sync) PairingStatus(ctx context.Context, r auth.SyncRequest, pairingID string) (auth.SyncPairing, error) {
	if r.Device != syncproto.SignerJoin {
		return auth.SyncPairing{}, auth.ErrSyncSignature
	}
	p, err := s.store.SyncPairing(ctx, r.Identity, pairingID)
	if errors.Is(err, store.ErrNotFound) {
		return auth.SyncPairing{}, auth.ErrSyncPairingNotFound
	}
	if err != nil {
		return auth.SyncPairing{}, err
	}
	if p.State == store.SyncWaiting || !s.verify(r, p.Join.SigningKey) {
		return auth.SyncPairing{}, auth.ErrSyncSignature
	}
	v := s.pairingView(p)
	v.Join = nil // the joiner knows what it sent
	return v, nil
}

// RemoveDevice removes a device of the identity (any, the caller
// included): its requests are refused from then on. The identity's
// rotation is then due.
func (s *Sync) RemoveDevice(ctx context.Context, r auth.SyncRequest, deviceID string, counter int64) error {
	return s.write(ctx, r, counter, false, func(tx store.Tx, d store.SyncDevice, id store.SyncIdentity) error {
		err := tx.RemoveSyncDevice(ctx, id.ID, deviceID, s.now())
		if errors.Is(err, store.ErrNotFound) {
			return auth.ErrSyncDeviceNotFound
		}
		if err != nil {
			return err
		}
		if err := tx.SetSyncRotationDue(ctx, id.ID, true); err != nil {
			return err
		}
		return s.audit(ctx, tx, r.Client, id.UserID, EventSyncDeviceRemoved, deviceID, id.ID+" removed by "+d.ID)
	})
}

// Recover adds a new browser to the identity on the strength of the
// recovery key (Twofold-Sync-Device: recovery, signed by the recovery
// signing key) and hands it the recovery envelope of the current epoch's
// key. A wrong key changes nothing. The identity's rotation is then due.
func (s *Sync) Recover(ctx context.Context, r auth.SyncRequest, k auth.SyncKeys) (auth.SyncRecovered, error) {
	if err := checkKeys(k); err != nil {
		return auth.SyncRecovered{}, err
	}
	id, err := s.store.SyncIdentity(ctx, r.Identity)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return auth.SyncRecovered{}, err
	}
	if err != nil || r.Device != syncproto.SignerRecovery || id.RecoverySigningKey == nil || !s.verify(r, id.RecoverySigningKey) {
		return auth.SyncRecovered{}, auth.ErrSyncSignature
	}
	out := auth.SyncRecovered{DeviceID: syncproto.DeviceID(id.ID, k.SigningKey)}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		id, err := tx.SyncIdentity(ctx, r.Identity)
		if err != nil {
			return err
		}
		if err := s.addDevice(ctx, tx, id.ID, out.DeviceID, k); err != nil {
			return err
		}
		if err := tx.SetSyncRotationDue(ctx, id.ID, true); err != nil {
			return err
		}
		out.Epoch = id.Epoch
		if out.Envelope, err = tx.SyncEnvelope(ctx, id.ID, id.Epoch, syncproto.RecoveryRecipient); err != nil {
			return err
		}
		return s.audit(ctx, tx, r.Client, id.UserID, EventSyncRecovered, out.DeviceID, id.ID)
	})
	if err != nil {
		return auth.SyncRecovered{}, err
	}
	return out, nil
}

// pairingView is a slot as callers see it: expired once past its expiry
// unless approved.
func (s *Sync) pairingView(p store.SyncPairing) auth.SyncPairing {
	v := auth.SyncPairing{ID: p.ID, State: auth.SyncPairingState(p.State), ExpiresAt: p.ExpiresAt, DeviceID: p.DeviceID}
	if p.State != store.SyncApproved && !s.now().Before(p.ExpiresAt) {
		v.State = auth.SyncExpired
	}
	if p.State != store.SyncWaiting {
		v.Join = &auth.SyncJoin{SyncKeys: auth.SyncKeys{SigningKey: p.Join.SigningKey, WrapKey: p.Join.WrapKey, Meta: p.Join.Meta},
			MAC: p.Join.MAC, JoinedAt: p.Join.JoinedAt}
	}
	return v
}
