-- Application tokens (version 2): named API tokens a user creates for
-- scripts and the CLI. Only the SHA-256 of the token is kept. last_used_at
-- doubles as the audit throttle: a use is audited only when it moves
-- last_used_at on by at least a minute (see server/auth/tokens.go).

CREATE TABLE app_tokens (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    token_hash     BLOB NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    last_used_at   INTEGER,
    last_used_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX app_tokens_user_id ON app_tokens (user_id);
