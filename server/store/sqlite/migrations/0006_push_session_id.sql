-- A push challenge names the partial session that asked for it by the
-- session's id instead of its token hash: the services above the store
-- never handle token hashes after authenticating a request. Challenges
-- live a minute; the ones in flight keep their session through the join.
CREATE TABLE push_challenges_new (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id   TEXT NOT NULL,
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
INSERT INTO push_challenges_new
    SELECT c.id, c.user_id, COALESCE(s.id, ''), c.number, c.candidates, c.service, c.account, c.client_addr, c.browser,
           c.state, c.created_at, c.expires_at, c.answered_at, c.device_id
    FROM push_challenges c LEFT JOIN sessions s ON s.token_hash = c.session_hash;
DROP TABLE push_challenges;
ALTER TABLE push_challenges_new RENAME TO push_challenges;
CREATE INDEX push_challenges_user_created ON push_challenges (user_id, created_at);
CREATE INDEX push_challenges_state_expires ON push_challenges (state, expires_at);
