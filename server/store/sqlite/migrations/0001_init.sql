-- Twofold schema, version 1. Times are Unix milliseconds (INTEGER); NULL
-- means "never". Kept to SQL that PostgreSQL also reads where that is free
-- (BLOB would be BYTEA there, INTEGER PRIMARY KEY an identity column).

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash      BLOB PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stage           TEXT NOT NULL CHECK (stage IN ('partial', 'full')),
    amr             TEXT NOT NULL,
    mfa_verified_at INTEGER,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    client_addr     TEXT NOT NULL,
    user_agent      TEXT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE totp_devices (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'active')),
    key_id        TEXT NOT NULL,
    secret_sealed BLOB NOT NULL,
    algorithm     TEXT NOT NULL,
    digits        INTEGER NOT NULL,
    period        INTEGER NOT NULL,
    last_step     INTEGER,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    activated_at  INTEGER,
    last_used_at  INTEGER
);
CREATE INDEX totp_devices_user_id ON totp_devices (user_id);
CREATE INDEX totp_devices_pending ON totp_devices (state, expires_at);

CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE verification_throttle (
    user_id              TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    consecutive_failures INTEGER NOT NULL,
    window_start         INTEGER NOT NULL,
    window_failures      INTEGER NOT NULL,
    locked_until         INTEGER NOT NULL
);

-- Audit events are kept when their user is deleted (no foreign key).
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    user_id     TEXT,
    type        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    client_addr TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_events_user_id ON audit_events (user_id, id);
