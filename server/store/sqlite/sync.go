package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// Sync identities, devices, changes, snapshots, envelopes and pairings.

type scanner interface{ Scan(...any) error }

// scanAll reads every row of a query with scan.
func scanAll[T any](x reads, ctx context.Context, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := x.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, x.fail(what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, x.fail(what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, x.fail(what, err)
	}
	return out, nil
}

// nonNil keeps an empty byte string from being stored as NULL.
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
	var created sql.NullInt64
	err := x.q.QueryRowContext(ctx, `SELECT `+syncIdentityColumns+` FROM sync_identities WHERE id = ?`, id).Scan(
		&i.ID, &i.UserID, &i.Epoch, &i.HeadSeq, &i.SnapshotSeq, &i.StoredBytes, &i.RotationDue,
		&i.RecoverySigningKey, &i.RecoveryWrapKey, &created)
	if err != nil {
		return store.SyncIdentity{}, x.fail("sync identity", err)
	}
	i.CreatedAt = fromMS(created)
	return i, nil
}

func (x reads) CountSyncIdentities(ctx context.Context, userID string) (int, error) {
	var n int
	if err := x.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM sync_identities WHERE user_id = ?`, userID).Scan(&n); err != nil {
		return 0, x.fail("count sync identities", err)
	}
	return n, nil
}

const syncDeviceColumns = `identity_id, id, signing_key, wrap_key, meta, counter, added_at, last_seen_at, removed_at`

func scanSyncDevice(sc scanner) (store.SyncDevice, error) {
	var d store.SyncDevice
	var added, seen, removed sql.NullInt64
	if err := sc.Scan(&d.IdentityID, &d.ID, &d.SigningKey, &d.WrapKey, &d.Meta, &d.Counter, &added, &seen, &removed); err != nil {
		return store.SyncDevice{}, err
	}
	d.Meta = nonNil(d.Meta)
	d.AddedAt, d.LastSeenAt, d.RemovedAt = fromMS(added), fromMS(seen), fromMS(removed)
	return d, nil
}

func (x reads) SyncDevice(ctx context.Context, identityID, id string) (store.SyncDevice, error) {
	d, err := scanSyncDevice(x.q.QueryRowContext(ctx, `SELECT `+syncDeviceColumns+` FROM sync_devices
		WHERE identity_id = ? AND id = ?`, identityID, id))
	if err != nil {
		return store.SyncDevice{}, x.fail("sync device", err)
	}
	return d, nil
}

func (x reads) SyncDevices(ctx context.Context, identityID string) ([]store.SyncDevice, error) {
	return scanAll(x, ctx, "sync devices", scanSyncDevice, `SELECT `+syncDeviceColumns+` FROM sync_devices
		WHERE identity_id = ? AND removed_at IS NULL ORDER BY added_at, id`, identityID)
}

const syncChangeColumns = `identity_id, seq, epoch, device_id, counter, ciphertext, created_at`

func scanSyncChange(sc scanner) (store.SyncChange, error) {
	var c store.SyncChange
	var created sql.NullInt64
	if err := sc.Scan(&c.IdentityID, &c.Seq, &c.Epoch, &c.DeviceID, &c.Counter, &c.Ciphertext, &created); err != nil {
		return store.SyncChange{}, err
	}
	c.CreatedAt = fromMS(created)
	return c, nil
}

func (x reads) SyncChanges(ctx context.Context, identityID string, after int64, limit int) ([]store.SyncChange, error) {
	return scanAll(x, ctx, "sync changes", scanSyncChange, `SELECT `+syncChangeColumns+` FROM sync_changes
		WHERE identity_id = ? AND seq > ? ORDER BY seq LIMIT ?`, identityID, after, limit)
}

func (x reads) SyncSnapshot(ctx context.Context, identityID string) (store.SyncChange, error) {
	c, err := scanSyncChange(x.q.QueryRowContext(ctx, `SELECT `+syncChangeColumns+` FROM sync_snapshots
		WHERE identity_id = ?`, identityID))
	if err != nil {
		return store.SyncChange{}, x.fail("sync snapshot", err)
	}
	return c, nil
}

func (x reads) SyncEnvelope(ctx context.Context, identityID string, epoch int64, recipient string) ([]byte, error) {
	var env []byte
	err := x.q.QueryRowContext(ctx, `SELECT envelope FROM sync_envelopes WHERE identity_id = ? AND epoch = ? AND recipient = ?`,
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
	var created, expires, joined, approved sql.NullInt64
	err := x.q.QueryRowContext(ctx, `SELECT `+syncPairingColumns+` FROM sync_pairings WHERE identity_id = ? AND id = ?`,
		identityID, id).Scan(&p.ID, &p.IdentityID, &p.CreatedBy, &p.State, &created, &expires,
		&p.Join.SigningKey, &p.Join.WrapKey, &p.Join.Meta, &p.Join.MAC, &joined, &p.DeviceID, &approved)
	if err != nil {
		return store.SyncPairing{}, x.fail("sync pairing", err)
	}
	p.CreatedAt, p.ExpiresAt, p.Join.JoinedAt, p.ApprovedAt = fromMS(created), fromMS(expires), fromMS(joined), fromMS(approved)
	if p.State != store.SyncWaiting {
		p.Join.Meta = nonNil(p.Join.Meta)
	}
	return p, nil
}

func (x reads) CountOpenSyncPairings(ctx context.Context, identityID string, now time.Time) (int, error) {
	var n int
	err := x.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM sync_pairings
		WHERE identity_id = ? AND state <> 'approved' AND expires_at > ?`, identityID, ms(now)).Scan(&n)
	if err != nil {
		return 0, x.fail("count sync pairings", err)
	}
	return n, nil
}

func (x writes) CreateSyncIdentity(ctx context.Context, i store.SyncIdentity) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO sync_identities (`+syncIdentityColumns+`) VALUES (?, ?, ?, 0, 0, 0, 0, ?, ?, ?)`,
		i.ID, i.UserID, i.Epoch, i.RecoverySigningKey, i.RecoveryWrapKey, ms(i.CreatedAt))
	if err != nil {
		return x.fail("create sync identity", err)
	}
	return nil
}

func (x writes) AddSyncDevice(ctx context.Context, d store.SyncDevice) error {
	if _, err := x.q.ExecContext(ctx, `INSERT INTO sync_devices (`+syncDeviceColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
		d.IdentityID, d.ID, d.SigningKey, d.WrapKey, nonNil(d.Meta), d.Counter, ms(d.AddedAt), ms(d.AddedAt)); err != nil {
		return x.fail("add sync device", err)
	}
	res, err := x.q.ExecContext(ctx, `UPDATE sync_identities SET stored_bytes = stored_bytes + ? WHERE id = ?`,
		len(d.SigningKey)+len(d.WrapKey)+len(d.Meta), d.IdentityID)
	return x.one("add sync device", res, err)
}

func (x writes) AdvanceSyncCounter(ctx context.Context, identityID, deviceID string, counter int64, now time.Time) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE sync_devices SET counter = ?, last_seen_at = ?
		WHERE identity_id = ? AND id = ? AND removed_at IS NULL AND counter < ?`, counter, ms(now), identityID, deviceID, counter)
	n, err := x.count("advance sync counter", res, err)
	return n == 1, err
}

func (x writes) TouchSyncDevice(ctx context.Context, identityID, deviceID string, now time.Time, every time.Duration) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE sync_devices SET last_seen_at = ?
		WHERE identity_id = ? AND id = ? AND removed_at IS NULL AND last_seen_at <= ?`,
		ms(now), identityID, deviceID, ms(now.Add(-every)))
	n, err := x.count("touch sync device", res, err)
	return n == 1, err
}

func (x writes) RemoveSyncDevice(ctx context.Context, identityID, deviceID string, now time.Time) error {
	res, err := x.q.ExecContext(ctx, `UPDATE sync_devices SET removed_at = ? WHERE identity_id = ? AND id = ? AND removed_at IS NULL`,
		ms(now), identityID, deviceID)
	if err := x.one("remove sync device", res, err); err != nil {
		return err
	}
	if _, err := x.q.ExecContext(ctx, `DELETE FROM sync_envelopes WHERE identity_id = ? AND recipient = ?`, identityID, deviceID); err != nil {
		return x.fail("remove sync device", err)
	}
	return nil
}

func (x writes) SetSyncRotationDue(ctx context.Context, identityID string, due bool) error {
	res, err := x.q.ExecContext(ctx, `UPDATE sync_identities SET rotation_due = ? WHERE id = ?`, due, identityID)
	return x.one("set sync rotation due", res, err)
}

func (x writes) AppendSyncChange(ctx context.Context, c store.SyncChange) (int64, error) {
	var seq int64
	err := x.q.QueryRowContext(ctx, `UPDATE sync_identities SET head_seq = head_seq + 1, stored_bytes = stored_bytes + ?
		WHERE id = ? RETURNING head_seq`, len(c.Ciphertext), c.IdentityID).Scan(&seq)
	if err != nil {
		return 0, x.fail("append sync change", err)
	}
	_, err = x.q.ExecContext(ctx, `INSERT INTO sync_changes (`+syncChangeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.IdentityID, seq, c.Epoch, c.DeviceID, c.Counter, nonNil(c.Ciphertext), ms(c.CreatedAt))
	if err != nil {
		return 0, x.fail("append sync change", err)
	}
	return seq, nil
}

func (x writes) PutSyncSnapshot(ctx context.Context, s store.SyncChange) error {
	res, err := x.q.ExecContext(ctx, `UPDATE sync_identities SET snapshot_seq = ?,
		stored_bytes = stored_bytes + ? - COALESCE((SELECT length(ciphertext) FROM sync_snapshots WHERE identity_id = ?), 0)
		WHERE id = ?`, s.Seq, len(s.Ciphertext), s.IdentityID, s.IdentityID)
	if err := x.one("put sync snapshot", res, err); err != nil {
		return err
	}
	_, err = x.q.ExecContext(ctx, `INSERT INTO sync_snapshots (`+syncChangeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (identity_id) DO UPDATE SET seq = excluded.seq, epoch = excluded.epoch, device_id = excluded.device_id,
		counter = excluded.counter, ciphertext = excluded.ciphertext, created_at = excluded.created_at`,
		s.IdentityID, s.Seq, s.Epoch, s.DeviceID, s.Counter, nonNil(s.Ciphertext), ms(s.CreatedAt))
	if err != nil {
		return x.fail("put sync snapshot", err)
	}
	return nil
}

// prunable selects the changes PruneSyncChanges deletes: those of the
// identities i.id names whose snapshot covers them, created before ?.
const prunable = `FROM sync_changes c WHERE c.identity_id = i.id AND c.seq <= i.snapshot_seq AND c.created_at < ?`

func (x writes) PruneSyncChanges(ctx context.Context, identityID string, before time.Time) (int64, error) {
	cut := int64(1<<63 - 1)
	if !before.IsZero() {
		cut = ms(before)
	}
	_, err := x.q.ExecContext(ctx, `UPDATE sync_identities AS i SET stored_bytes = stored_bytes -
		(SELECT COALESCE(SUM(length(c.ciphertext)), 0) `+prunable+`)
		WHERE (? = '' OR i.id = ?) AND EXISTS (SELECT 1 `+prunable+`)`, cut, identityID, identityID, cut)
	if err != nil {
		return 0, x.fail("prune sync changes", err)
	}
	res, err := x.q.ExecContext(ctx, `DELETE FROM sync_changes WHERE (? = '' OR identity_id = ?) AND created_at < ?
		AND seq <= (SELECT i.snapshot_seq FROM sync_identities i WHERE i.id = sync_changes.identity_id)`,
		identityID, identityID, cut)
	return x.count("prune sync changes", res, err)
}

func (x writes) PutSyncEnvelopes(ctx context.Context, identityID string, epoch int64, envelopes map[string][]byte) error {
	for recipient, env := range envelopes {
		_, err := x.q.ExecContext(ctx, `INSERT INTO sync_envelopes (identity_id, epoch, recipient, envelope) VALUES (?, ?, ?, ?)
			ON CONFLICT (identity_id, epoch, recipient) DO UPDATE SET envelope = excluded.envelope`,
			identityID, epoch, recipient, nonNil(env))
		if err != nil {
			return x.fail("put sync envelopes", err)
		}
	}
	return nil
}

func (x writes) SwitchSyncEpoch(ctx context.Context, identityID string, from, to int64, envelopes map[string][]byte) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE sync_identities SET epoch = ?, rotation_due = 0 WHERE id = ? AND epoch = ?`,
		to, identityID, from)
	if n, err := x.count("switch sync epoch", res, err); n != 1 {
		return false, err
	}
	if _, err := x.q.ExecContext(ctx, `DELETE FROM sync_envelopes WHERE identity_id = ?`, identityID); err != nil {
		return false, x.fail("switch sync epoch", err)
	}
	return true, x.PutSyncEnvelopes(ctx, identityID, to, envelopes)
}

func (x writes) CreateSyncPairing(ctx context.Context, p store.SyncPairing) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO sync_pairings (id, identity_id, created_by, state, created_at, expires_at)
		VALUES (?, ?, ?, 'waiting', ?, ?)`, p.ID, p.IdentityID, p.CreatedBy, ms(p.CreatedAt), ms(p.ExpiresAt))
	if err != nil {
		return x.fail("create sync pairing", err)
	}
	return nil
}

func (x writes) JoinSyncPairing(ctx context.Context, identityID, id string, j store.SyncJoin) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE sync_pairings SET state = 'joined', join_signing_key = ?, join_wrap_key = ?,
		join_meta = ?, join_mac = ?, joined_at = ?
		WHERE identity_id = ? AND id = ? AND state = 'waiting' AND expires_at > ?`,
		j.SigningKey, j.WrapKey, nonNil(j.Meta), j.MAC, ms(j.JoinedAt), identityID, id, ms(j.JoinedAt))
	n, err := x.count("join sync pairing", res, err)
	return n == 1, err
}

func (x writes) ApproveSyncPairing(ctx context.Context, identityID, id, deviceID string, now time.Time) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE sync_pairings SET state = 'approved', device_id = ?, approved_at = ?
		WHERE identity_id = ? AND id = ? AND state = 'joined' AND expires_at > ?`, deviceID, ms(now), identityID, id, ms(now))
	n, err := x.count("approve sync pairing", res, err)
	return n == 1, err
}

func (x writes) DeleteExpiredSyncPairings(ctx context.Context, before time.Time) (int64, error) {
	res, err := x.q.ExecContext(ctx, `DELETE FROM sync_pairings WHERE expires_at < ?`, ms(before))
	return x.count("delete expired sync pairings", res, err)
}
