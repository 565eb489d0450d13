-- Trust fixes (issue 11).
--
-- Sessions get a public id: it names a session in the sessions list and
-- says which session (or application token, "tok_...") created a pending
-- TOTP device, which then belongs to it alone (its seed and activation).
ALTER TABLE sessions ADD COLUMN id TEXT;
UPDATE sessions SET id = 'ses_' || lower(hex(randomblob(10)));
CREATE UNIQUE INDEX sessions_id ON sessions (id);
ALTER TABLE totp_devices ADD COLUMN created_by TEXT NOT NULL DEFAULT '';

-- Password guesses per account: the same backoff and daily budget as the
-- second-factor throttle, in its own record, so that a stranger's password
-- guesses never lock the owner's second factor and vice versa.
CREATE TABLE password_throttle (
    user_id              TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    consecutive_failures INTEGER NOT NULL,
    window_start         INTEGER NOT NULL,
    window_failures      INTEGER NOT NULL,
    locked_until         INTEGER NOT NULL
);

-- Known browsers (OWASP's "device cookies"): a browser that completed a
-- sign-in holds a random token whose hash is kept here. During a password
-- lock it may still sign in, against its own small failure record.
CREATE TABLE known_browsers (
    token_hash           BLOB PRIMARY KEY,
    user_id              TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at           INTEGER NOT NULL,
    expires_at           INTEGER NOT NULL,
    last_used_at         INTEGER NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    locked_until         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX known_browsers_user_id ON known_browsers (user_id);
CREATE INDEX known_browsers_expires_at ON known_browsers (expires_at);
