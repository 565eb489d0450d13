-- SQLite's 0010 on PostgreSQL: sync of the authenticator's vault between
-- browsers (issue 17, docs/vault-format.md "Sync between browsers"), the
-- same tables and columns. The server keeps public keys, counters,
-- sequence numbers and ciphertexts it cannot read; never a seed, a label or
-- a key that opens anything. (0009 is another branch's.)

-- stored_bytes counts the ciphertexts of changes and snapshot and each
-- device's keys and meta, for the per-identity limit.
CREATE TABLE sync_identities (
    id                   TEXT PRIMARY KEY,
    user_id              TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    epoch                BIGINT NOT NULL,
    head_seq             BIGINT NOT NULL DEFAULT 0,
    snapshot_seq         BIGINT NOT NULL DEFAULT 0,
    stored_bytes         BIGINT NOT NULL DEFAULT 0,
    rotation_due         INTEGER NOT NULL DEFAULT 0 CHECK (rotation_due IN (0, 1)),
    recovery_signing_key BYTEA,
    recovery_wrap_key    BYTEA,
    created_at           BIGINT NOT NULL
);
CREATE INDEX sync_identities_user_id ON sync_identities (user_id);

-- A removed device keeps its row (removed_at set): its requests are told
-- apart, and its signing key is never added to the identity again.
-- counter is the last one the device used: the replay guard.
CREATE TABLE sync_devices (
    identity_id  TEXT NOT NULL REFERENCES sync_identities (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    signing_key  BYTEA NOT NULL,
    wrap_key     BYTEA NOT NULL,
    meta         BYTEA NOT NULL,
    counter      BIGINT NOT NULL,
    added_at     BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    removed_at   BIGINT,
    PRIMARY KEY (identity_id, id),
    UNIQUE (identity_id, signing_key)
);

CREATE TABLE sync_changes (
    identity_id TEXT NOT NULL REFERENCES sync_identities (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    epoch       BIGINT NOT NULL,
    device_id   TEXT NOT NULL,
    counter     BIGINT NOT NULL,
    ciphertext  BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (identity_id, seq)
);
CREATE INDEX sync_changes_created_at ON sync_changes (created_at);

-- The newest snapshot only.
CREATE TABLE sync_snapshots (
    identity_id TEXT PRIMARY KEY REFERENCES sync_identities (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    epoch       BIGINT NOT NULL,
    device_id   TEXT NOT NULL,
    counter     BIGINT NOT NULL,
    ciphertext  BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);

-- The current epoch's key wrapped to each active device and to the
-- recovery key (recipient 'recovery').
CREATE TABLE sync_envelopes (
    identity_id TEXT NOT NULL REFERENCES sync_identities (id) ON DELETE CASCADE,
    epoch       BIGINT NOT NULL,
    recipient   TEXT NOT NULL,
    envelope    BYTEA NOT NULL,
    PRIMARY KEY (identity_id, epoch, recipient)
);

-- A pairing slot moves once from waiting to joined (the first join only)
-- and once from joined to approved, both before expires_at.
CREATE TABLE sync_pairings (
    id               TEXT PRIMARY KEY,
    identity_id      TEXT NOT NULL REFERENCES sync_identities (id) ON DELETE CASCADE,
    created_by       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('waiting', 'joined', 'approved')),
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    join_signing_key BYTEA,
    join_wrap_key    BYTEA,
    join_meta        BYTEA,
    join_mac         BYTEA,
    joined_at        BIGINT,
    device_id        TEXT NOT NULL DEFAULT '',
    approved_at      BIGINT
);
CREATE INDEX sync_pairings_identity_id ON sync_pairings (identity_id);
CREATE INDEX sync_pairings_expires_at ON sync_pairings (expires_at);
