package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/twofold-auth/twofold/server/store"
)

// Sync identities, devices, changes, snapshots, envelopes and pairings,
// in SQLite's tables and columns.

// nonNil keeps an empty byte string from being sent as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

const syncIdentityColumns = `id, user_id, epoch, head_seq, snapshot_seq, stored_bytes, rotation_due,
	recovery_signing_key, recovery_wrap_key, created_at`

func (x reads) SyncIdentity(ctx context.Context, id string) (store.SyncIdentity, error) {
	var i store.SyncIdentity
	var created int64
	var due int
	err := x.q.QueryRow(ctx, `SELECT `+syncIdentityColumns+` FROM sync_identities WHERE id = $1`, id).Scan(
		&i.ID, &i.UserID, &i.Epoch, &i.HeadSeq, &i.SnapshotSeq, &i.StoredBytes, &due,
		&i.RecoverySigningKey, &i.RecoveryWrapKey, &created)
	if err != nil {
		return store.SyncIdentity{}, x.fail("sync identity", err)
	}
	i.RotationDue, i.CreatedAt = due == 1, fromMS(created)
	return i, nil
}

func (x reads) CountSyncIdentities(ctx context.Context, userID string) (int, error) {
	var n int
	if err := x.q.QueryRow(ctx, `SELECT COUNT(*) FROM sync_identities WHERE user_id = $1`, userID).Scan(&n); err != nil {
		return 0, x.fail("count sync identities", err)
	}
	return n, nil
}

const syncDeviceColumns = `identity_id, id, signing_key, wrap_key, meta, counter, added_at, last_seen_at, removed_at`

func scanSyncDevice(r pgx.Row) (store.SyncDevice, error) {
	var d store.SyncDevice
	var added, seen int64
	var removed *int64
	if err := r.Scan(&d.IdentityID, &d.ID, &d.SigningKey, &d.WrapKey, &d.Meta, &d.Counter, &added, &seen, &removed); err != nil {
		return store.SyncDevice{}, err
	}
	d.Meta = nonNil(d.Meta)
	d.AddedAt, d.LastSeenAt, d.RemovedAt = fromMS(added), fromMS(seen), fromNullMS(removed)
	return d, nil
}

func (x reads) SyncDevice(ctx context.Context, identityID, id string) (store.SyncDevice, error) {
	d, err := scanSyncDevice(x.q.QueryRow(ctx, `SELECT `+syncDeviceColumns+` FROM sync_devices
		WHERE identity_id = $1 AND id = $2`, identityID, id))
	if err != nil {
		return store.SyncDevice{}, x.fail("sync device", err)
	}
	return d, nil
}

func (x reads) SyncDevices(ctx context.Context, identityID string) ([]store.SyncDevice, error) {
	return collect(x, ctx, "sync devices", scanSyncDevice, `SELECT `+syncDeviceColumns+` FROM sync_devices
		WHERE identity_id = $1 AND removed_at IS NULL ORDER BY added_at, id`, identityID)
}

const syncChangeColumns = `identity_id, seq, epoch, device_id, counter, ciphertext, created_at`

func scanSyncChange(r pgx.Row) (store.SyncChange, error) {
	var c store.SyncChange
	var created int64
	if err := r.Scan(&c.IdentityID, &c.Seq, &c.Epoch, &c.DeviceID, &c.Counter, &c.Ciphertext, &created); err != nil {
		return store.SyncChange{}, err
	}
	c.CreatedAt = fromMS(created)
	return c, nil
}

func (x reads) SyncChanges(ctx context.Context, identityID string, after int64, limit int) ([]store.SyncChange, error) {
	return collect(x, ctx, "sync changes", scanSyncChange, `SELECT `+syncChangeColumns+` FROM sync_changes
		WHERE identity_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, identityID, after, limit)
}

func (x reads) SyncSnapshot(ctx context.Context, identityID string) (store.SyncChange, error) {
	c, err := scanSyncChange(x.q.QueryRow(ctx, `SELECT `+syncChangeColumns+` FROM sync_snapshots WHERE identity_id = $1`, identityID))
	if err != nil {
		return store.SyncChange{}, x.fail("sync snapshot", err)
	}
	return c, nil
}

func (x reads) SyncEnvelope(ctx context.Context, identityID string, epoch int64, recipient string) ([]byte, error) {
	var env []byte
	err := x.q.QueryRow(ctx, `SELECT envelope FROM sync_envelopes WHERE identity_id = $1 AND epoch = $2 AND recipient = $3`,
		identityID, epoch, recipient).Scan(&env)
	if err != nil {
		return nil, x.fail("sync envelope", err)
	}
	return env, nil
}

const syncPairingColumns = `id, identity_id, created_by, state, created_at, expires_at,
	join_signing_key, join_wrap_key, join_meta, join_mac, joined_at, device_id, approved_at`

func (x reads) SyncPairing(ctx context.Context, identityID, id string) (store.SyncPairing, error) {
	var p store.SyncPairing
	var state string
	var created, expires int64
	var joined, approved *int64
	err := x.q.QueryRow(ctx, `SELECT `+syncPairingColumns+` FROM sync_pairings WHERE identity_id = $1 AND id = $2`,
		identityID, id).Scan(&p.ID, &p.IdentityID, &p.CreatedBy, &state, &created, &expires,
		&p.Join.SigningKey, &p.Join.WrapKey, &p.Join.Meta, &p.Join.MAC, &joined, &p.DeviceID, &approved)
	if err != nil {
		return store.SyncPairing{}, x.fail("sync pairing", err)
	}
	p.State = store.SyncPairingState(state)
	p.CreatedAt, p.ExpiresAt, p.Join.JoinedAt, p.ApprovedAt = fromMS(created), fromMS(expires), fromNullMS(joined), fromNullMS(approved)
	if p.State != store.SyncWaiting {
		p.Join.Meta = nonNil(p.Join.Meta)
	}
	return p, nil
}

func (x reads) CountOpenSyncPairings(ctx context.Context, identityID string, now time.Time) (int, error) {
	var n int
	err := x.q.QueryRow(ctx, `SELECT COUNT(*) FROM sync_pairings
		WHERE identity_id = $1 AND state <> 'approved' AND expires_at > $2`, identityID, ms(now)).Scan(&n)
	if err != nil {
		return 0, x.fail("count sync pairings", err)
	}
	return n, nil
}

func (x writes) CreateSyncIdentity(ctx context.Context, i store.SyncIdentity) error {
	return x.insert(ctx, "create sync identity", `INSERT INTO sync_identities (`+syncIdentityColumns+`)
		VALUES ($1, $2, $3, 0, 0, 0, 0, $4, $5, $6)`,
		i.ID, i.UserID, i.Epoch, i.RecoverySigningKey, i.RecoveryWrapKey, ms(i.CreatedAt))
}

func (x writes) AddSyncDevice(ctx context.Context, d store.SyncDevice) error {
	if err := x.insert(ctx, "add sync device", `INSERT INTO sync_devices (`+syncDeviceColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7, NULL)`,
		d.IdentityID, d.ID, d.SigningKey, d.WrapKey, nonNil(d.Meta), d.Counter, ms(d.AddedAt)); err != nil {
		return err
	}
	tag, err := x.q.Exec(ctx, `UPDATE sync_identities SET stored_bytes = stored_bytes + $1 WHERE id = $2`,
		len(d.SigningKey)+len(d.WrapKey)+len(d.Meta), d.IdentityID)
	return x.one("add sync device", tag, err)
}

func (x writes) AdvanceSyncCounter(ctx context.Context, identityID, deviceID string, counter int64, now time.Time) (bool, error) {
	tag, err := x.q.Exec(ctx, `UPDATE sync_devices SET counter = $1, last_seen_at = $2
		WHERE identity_id = $3 AND id = $4 AND removed_at IS NULL AND counter < $1`, counter, ms(now), identityID, deviceID)
	n, err := x.count("advance sync counter", tag, err)
	return n == 1, err
}

func (x writes) TouchSyncDevice(ctx context.Context, identityID, deviceID string, now time.Time, every time.Duration) (bool, error) {
	tag, err := x.q.Exec(ctx, `UPDATE sync_devices SET last_seen_at = $1
		WHERE identity_id = $2 AND id = $3 AND removed_at IS NULL AND last_seen_at <= $4`,
		ms(now), identityID, deviceID, ms(now.Add(-every)))
	n, err := x.count("touch sync device", tag, err)
	return n == 1, err
}

func (x writes) RemoveSyncDevice(ctx context.Context, identityID, deviceID string, now time.Time) error {
	tag, err := x.q.Exec(ctx, `UPDATE sync_devices SET removed_at = $1 WHERE identity_id = $2 AND id = $3 AND removed_at IS NULL`,
		ms(now), identityID, deviceID)
	if err := x.one("remove sync device", tag, err); err != nil {
		return err
	}
	if _, err := x.q.Exec(ctx, `DELETE FROM sync_envelopes WHERE identity_id = $1 AND recipient = $2`, identityID, deviceID); err != nil {
		return x.fail("remove sync device", err)
	}
	return nil
}

func (x writes) SetSyncRotationDue(ctx context.Context, identityID string, due bool) error {
	tag, err := x.q.Exec(ctx, `UPDATE sync_identities SET rotation_due = $1 WHERE id = $2`, flag(due), identityID)
	return x.one("set sync rotation due", tag, err)
}

func (x writes) AppendSyncChange(ctx context.Context, c store.SyncChange) (int64, error) {
	var seq int64
	err := x.q.QueryRow(ctx, `UPDATE sync_identities SET head_seq = head_seq + 1, stored_bytes = stored_bytes + $1
		WHERE id = $2 RETURNING head_seq`, len(c.Ciphertext), c.IdentityID).Scan(&seq)
	if err != nil {
		return 0, x.fail("append sync change", err)
	}
	_, err = x.q.Exec(ctx, `INSERT INTO sync_changes (`+syncChangeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.IdentityID, seq, c.Epoch, c.DeviceID, c.Counter, nonNil(c.Ciphertext), ms(c.CreatedAt))
	if err != nil {
		return 0, x.fail("append sync change", err)
	}
	return seq, nil
}

func (x writes) PutSyncSnapshot(ctx context.Context, s store.SyncChange) error {
	tag, err := x.q.Exec(ctx, `UPDATE sync_identities SET snapshot_seq = $1,
		stored_bytes = stored_bytes + $2 - COALESCE((SELECT length(ciphertext) FROM sync_snapshots WHERE identity_id = $3), 0)
		WHERE id = $3`, s.Seq, len(s.Ciphertext), s.IdentityID)
	if err := x.one("put sync snapshot", tag, err); err != nil {
		return err
	}
	_, err = x.q.Exec(ctx, `INSERT INTO sync_snapshots (`+syncChangeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (identity_id) DO UPDATE SET seq = excluded.seq, epoch = excluded.epoch, device_id = excluded.device_id,
		counter = excluded.counter, ciphertext = excluded.ciphertext, created_at = excluded.created_at`,
		s.IdentityID, s.Seq, s.Epoch, s.DeviceID, s.Counter, nonNil(s.Ciphertext), ms(s.CreatedAt))
	if err != nil {
		return x.fail("put sync snapshot", err)
	}
	return nil
}

// prunable selects the changes PruneSyncChanges deletes: those of the
// identity i whose snapshot covers them, created before $1.
const prunable = `FROM sync_changes c WHERE c.identity_id = i.id AND c.seq <= i.snapshot_seq AND c.created_at < $1`

func (x writes) PruneSyncChanges(ctx context.Context, identityID string, before time.Time) (int64, error) {
	cut := int64(1<<63 - 1)
	if !before.IsZero() {
		cut = ms(before)
	}
	_, err := x.q.Exec(ctx, `UPDATE sync_identities AS i SET stored_bytes = stored_bytes -
		(SELECT COALESCE(SUM(length(c.ciphertext)), 0) `+prunable+`)
		WHERE ($2 = '' OR i.id = $2) AND EXISTS (SELECT 1 `+prunable+`)`, cut, identityID)
	if err != nil {
		return 0, x.fail("prune sync changes", err)
	}
	tag, err := x.q.Exec(ctx, `DELETE FROM sync_changes WHERE ($1 = '' OR identity_id = $1) AND created_at < $2
		AND seq <= (SELECT i.snapshot_seq FROM sync_identities i WHERE i.id = sync_changes.identity_id)`, identityID, cut)
	return x.count("prune sync changes", tag, err)
}

func (x writes) PutSyncEnvelopes(ctx context.Context, identityID string, epoch int64, envelopes map[string][]byte) error {
	for recipient, env := range envelopes {
		_, err := x.q.Exec(ctx, `INSERT INTO sync_envelopes (identity_id, epoch, recipient, envelope) VALUES ($1, $2, $3, $4)
			ON CONFLICT (identity_id, epoch, recipient) DO UPDATE SET envelope = excluded.envelope`,
			identityID, epoch, recipient, nonNil(env))
		if err != nil {
			return x.fail("put sync envelopes", err)
		}
	}
	return nil
}

func (x writes) SwitchSyncEpoch(ctx context.Context, identityID string, from, to int64, envelopes map[string][]byte) (bool, error) {
	tag, err := x.q.Exec(ctx, `UPDATE sync_identities SET epoch = $1, rotation_due = 0 WHERE id = $2 AND epoch = $3`,
		to, identityID, from)
	if n, err := x.count("switch sync epoch", tag, err); n != 1 {
		return false, err
	}
	if _, err := x.q.Exec(ctx, `DELETE FROM sync_envelopes WHERE identity_id = $1`, identityID); err != nil {
		return false, x.fail("switch sync epoch", err)
	}
	return true, x.PutSyncEnvelopes(ctx, identityID, to, envelopes)
}

func (x writes) CreateSyncPairing(ctx context.Context, p store.SyncPairing) error {
	return x.insert(ctx, "create sync pairing", `INSERT INTO sync_pairings (id, identity_id, created_by, state, created_at, expires_at)
		VALUES ($1, $2, $3, 'waiting', $4, $5)`, p.ID, p.IdentityID, p.CreatedBy, ms(p.CreatedAt), ms(p.ExpiresAt))
}

func (x writes) JoinSyncPairing(ctx context.Context, identityID, id string, j store.SyncJoin) (bool, error) {
	tag, err := x.q.Exec(ctx, `UPDATE sync_pairings SET state = 'joined', join_signing_key = $1, join_wrap_key = $2,
		join_meta = $3, join_mac = $4, joined_at = $5
		WHERE identity_id = $6 AND id = $7 AND state = 'waiting' AND expires_at > $5`,
		j.SigningKey, j.WrapKey, nonNil(j.Meta), j.MAC, ms(j.JoinedAt), identityID, id)
	n, err := x.count("join sync pairing", tag, err)
	return n == 1, err
}

func (x writes) ApproveSyncPairing(ctx context.Context, identityID, id, deviceID string, now time.Time) (bool, error) {
	tag, err := x.q.Exec(ctx, `UPDATE sync_pairings SET state = 'approved', device_id = $1, approved_at = $2
		WHERE identity_id = $3 AND id = $4 AND state = 'joined' AND expires_at > $2`, deviceID, ms(now), identityID, id)
	n, err := x.count("approve sync pairing", tag, err)
	return n == 1, err
}

func (x writes) DeleteExpiredSyncPairings(ctx context.Context, before time.Time) (int64, error) {
	tag, err := x.q.Exec(ctx, `DELETE FROM sync_pairings WHERE expires_at < $1`, ms(before))
	return x.count("delete expired sync pairings", tag, err)
}
