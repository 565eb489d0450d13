-- SQLite's 0008 on PostgreSQL: one-time grants that hand an application
-- token to a CLI signing in through the browser.
CREATE TABLE cli_grants (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash        BYTEA NOT NULL UNIQUE,
    challenge        BYTEA NOT NULL,
    token_name       TEXT NOT NULL,
    token_expires_at BIGINT,
    mfa              INTEGER NOT NULL DEFAULT 0 CHECK (mfa IN (0, 1)),
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    used_at          BIGINT
);
CREATE INDEX cli_grants_user_id ON cli_grants (user_id);
