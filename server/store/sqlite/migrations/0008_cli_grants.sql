-- A CLI signing in through the browser (twofold login --browser): a
-- signed-in session makes a one-time grant bound to the CLI's PKCE
-- challenge; the CLI redeems it once, within minutes, with the verifier for
-- an application token. Only the grant code's SHA-256 and the challenge
-- (the verifier's SHA-256) are kept.
CREATE TABLE cli_grants (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash        BLOB NOT NULL UNIQUE,
    challenge        BLOB NOT NULL,
    token_name       TEXT NOT NULL,
    token_expires_at INTEGER,
    mfa              INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    used_at          INTEGER
);
CREATE INDEX cli_grants_user_id ON cli_grants (user_id);
