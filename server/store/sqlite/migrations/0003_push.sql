-- Push sign-in prompts (issue 7). Everything that decides a push sign-in
-- lives here, not in a server's memory: registrations, challenges and their
-- single use, the fatigue counts (read from push_challenges) and pauses.

-- One Ed25519 public key per TOTP device; deleting the device (or every
-- device, an MFA reset) revokes it by cascade.
CREATE TABLE push_registrations (
    device_id  TEXT PRIMARY KEY REFERENCES totp_devices (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    public_key BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX push_registrations_user_id ON push_registrations (user_id);

-- A challenge moves once from pending to approved, denied, reported,
-- failed, expired or cancelled (conditional updates), and an approved one
-- once to redeemed, by the partial session that asked for it.
CREATE TABLE push_challenges (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_hash BLOB NOT NULL,
    number       INTEGER NOT NULL,
    candidates   TEXT NOT NULL,
    service      TEXT NOT NULL,
    account      TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    browser      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN
                 ('pending', 'approved', 'denied', 'reported', 'failed', 'expired', 'cancelled', 'redeemed')),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    answered_at  INTEGER,
    device_id    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX push_challenges_user_created ON push_challenges (user_id, created_at);
CREATE INDEX push_challenges_state_expires ON push_challenges (state, expires_at);

-- "Deny, this wasn't me" pauses push for the account until its owner signs
-- in another way.
CREATE TABLE push_pauses (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    paused_at    INTEGER NOT NULL,
    challenge_id TEXT NOT NULL
);
