-- Organisations and their admins (issue 14). Every user belongs to one
-- organisation; the existing users join the default one, and its first
-- user becomes its admin.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE, -- shown in the otpauth issuer: "Twofold (acme)"
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    -- Require MFA: 'off', 'groups' (the groups in org_mfa_groups) or
    -- 'everyone'; exempt users are never required.
    require_mfa TEXT NOT NULL DEFAULT 'off' CHECK (require_mfa IN ('off', 'groups', 'everyone')),
    -- "Don't ask again on this browser" for this many days (0: not offered).
    trust_days  INTEGER NOT NULL DEFAULT 30 CHECK (trust_days BETWEEN 0 AND 365),
    -- Anyone may sign up into this organisation (the demo's default).
    open_signup INTEGER NOT NULL DEFAULT 0
);
INSERT INTO organisations (id, slug, name, created_at, open_signup)
    VALUES ('org_default', 'default', 'Default organisation', CAST(strftime('%s', 'now') AS INTEGER) * 1000, 1);

-- SQLite cannot add a column with a foreign key and a non-NULL default;
-- the services keep org_id pointing at an organisation.
ALTER TABLE users ADD COLUMN org_id TEXT NOT NULL DEFAULT 'org_default';
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin'));
-- An exempt account (a service or break-glass account) is never required
-- to use MFA; the reason is shown to admins.
ALTER TABLE users ADD COLUMN exempt_reason TEXT;
ALTER TABLE users ADD COLUMN last_sign_in_at INTEGER;
-- must_enroll: an admin reset the user's MFA; they enroll at their next
-- sign-in whatever the organisation requires (cleared at activation).
ALTER TABLE users ADD COLUMN must_enroll INTEGER NOT NULL DEFAULT 0;
CREATE INDEX users_org ON users (org_id, email);
UPDATE users SET role = 'admin' WHERE id = (SELECT id FROM users ORDER BY created_at, id LIMIT 1);

CREATE TABLE user_groups (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- Under require_mfa = 'groups', the members of this group must use MFA.
    require_mfa INTEGER NOT NULL DEFAULT 0,
    UNIQUE (org_id, name)
);
CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- Invitations: a single-use, expiring link that signs someone up into an
-- organisation. Only the token's hash is kept.
CREATE TABLE invitations (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('member', 'admin')),
    token_hash BLOB NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX invitations_org ON invitations (org_id, created_at);

-- Emailed confirmation codes (turning the MFA requirement off): the hash of
-- a 6-digit code, single use, expiring, with a bounded number of tries.
CREATE TABLE email_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    code_hash  BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX email_codes_user ON email_codes (user_id, purpose, created_at);

-- Mail the server sent or would send: with no SMTP server configured it is
-- the development outbox admins read; with one, the record of delivery.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    org_id     TEXT NOT NULL,
    to_addr    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER,
    error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_org ON outbox (org_id, id);

-- Trusted browsers: after a second factor, "don't ask again on this
-- browser for N days" (the organisation's trust_days). Revocable; only the
-- token's hash is kept.
CREATE TABLE trusted_browsers (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  BLOB NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    client_addr TEXT NOT NULL,
    user_agent  TEXT NOT NULL
);
CREATE INDEX trusted_browsers_user ON trusted_browsers (user_id);

-- The audit log grows who acted (an admin acting on a user), in which
-- organisation, and from which browser.
ALTER TABLE audit_events ADD COLUMN actor_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN org_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
UPDATE audit_events SET org_id = 'org_default', actor_id = COALESCE(user_id, '');
CREATE INDEX audit_events_org ON audit_events (org_id, id);

-- Sessions in the 'enroll' stage passed the password of a user whom the
-- organisation requires to use MFA and who has no device yet: they may
-- only enroll one.
CREATE TABLE sessions_new (
    token_hash      BLOB PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stage           TEXT NOT NULL CHECK (stage IN ('partial', 'enroll', 'full')),
    amr             TEXT NOT NULL,
    mfa_verified_at INTEGER,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    client_addr     TEXT NOT NULL,
    user_agent      TEXT NOT NULL,
    id              TEXT
);
INSERT INTO sessions_new SELECT token_hash, user_id, stage, amr, mfa_verified_at, created_at, expires_at, client_addr, user_agent, id FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE UNIQUE INDEX sessions_id ON sessions (id);

-- An application token minted under a verified second factor may act as
-- an admin (the admin CLI); older tokens may not.
ALTER TABLE app_tokens ADD COLUMN mfa INTEGER NOT NULL DEFAULT 0;
