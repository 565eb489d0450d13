package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/twofold-auth/twofold/server/store"
)

// Push registrations and challenges. Candidates are kept as "a,b,c" text,
// as on SQLite, so a row moves between the engines unchanged.

const pushChallengeColumns = `id, user_id, session_id, number, candidates, service, account, client_addr, browser,
	state, created_at, expires_at, answered_at, device_id`

func scanPushChallenge(r pgx.Row) (store.PushChallenge, error) {
	var c store.PushChallenge
	var cands, state string
	var created, expires int64
	var answered *int64
	if err := r.Scan(&c.ID, &c.UserID, &c.SessionID, &c.Number, &cands, &c.Service, &c.Account, &c.ClientAddr, &c.Browser,
		&state, &created, &expires, &answered, &c.DeviceID); err != nil {
		return store.PushChallenge{}, err
	}
	for i, s := range strings.SplitN(cands, ",", 3) {
		c.Candidates[i], _ = strconv.Atoi(s)
	}
	c.State = store.PushState(state)
	c.CreatedAt, c.ExpiresAt, c.AnsweredAt = fromMS(created), fromMS(expires), fromNullMS(answered)
	return c, nil
}

func scanPushRegistration(r pgx.Row) (store.PushRegistration, error) {
	var reg store.PushRegistration
	var created int64
	err := r.Scan(&reg.DeviceID, &reg.UserID, &reg.PublicKey, &created)
	reg.CreatedAt = fromMS(created)
	return reg, err
}

func (x reads) PushRegistration(ctx context.Context, deviceID string) (store.PushRegistration, error) {
	r, err := scanPushRegistration(x.q.QueryRow(ctx, `SELECT device_id, user_id, public_key, created_at
		FROM push_registrations WHERE device_id = $1`, deviceID))
	if err != nil {
		return store.PushRegistration{}, x.fail("push registration", err)
	}
	return r, nil
}

func (x reads) PushRegistrations(ctx context.Context, userID string) ([]store.PushRegistration, error) {
	return collect(x, ctx, "push registrations", scanPushRegistration, `SELECT device_id, user_id, public_key, created_at
		FROM push_registrations WHERE user_id = $1 ORDER BY created_at, device_id`, userID)
}

func (x reads) PushChallenge(ctx context.Context, id string) (store.PushChallenge, error) {
	c, err := scanPushChallenge(x.q.QueryRow(ctx, `SELECT `+pushChallengeColumns+` FROM push_challenges WHERE id = $1`, id))
	if err != nil {
		return store.PushChallenge{}, x.fail("push challenge", err)
	}
	return c, nil
}

func (x reads) PendingPushChallenges(ctx context.Context, userID string, now time.Time) ([]store.PushChallenge, error) {
	return collect(x, ctx, "pending push challenges", scanPushChallenge, `SELECT `+pushChallengeColumns+` FROM push_challenges
		WHERE user_id = $1 AND state = 'pending' AND expires_at > $2 ORDER BY created_at, id`, userID, ms(now))
}

func (x reads) PushFatigue(ctx context.Context, userID string, now, since time.Time) (store.PushFatigue, error) {
	var f store.PushFatigue
	err := x.q.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM push_challenges WHERE user_id = $1 AND state = 'pending' AND expires_at > $2),
		(SELECT COUNT(*) FROM push_challenges WHERE user_id = $1 AND created_at > $3),
		EXISTS (SELECT 1 FROM push_pauses WHERE user_id = $1)`,
		userID, ms(now), ms(since)).Scan(&f.Pending, &f.Recent, &f.Paused)
	if err != nil {
		return store.PushFatigue{}, x.fail("push fatigue", err)
	}
	return f, nil
}

func (x writes) PutPushRegistration(ctx context.Context, r store.PushRegistration) error {
	_, err := x.q.Exec(ctx, `INSERT INTO push_registrations (device_id, user_id, public_key, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (device_id) DO UPDATE SET user_id = excluded.user_id, public_key = excluded.public_key, created_at = excluded.created_at`,
		r.DeviceID, r.UserID, r.PublicKey, ms(r.CreatedAt))
	if err != nil {
		return x.fail("put push registration", err)
	}
	return nil
}

func (x writes) CreatePushChallenge(ctx context.Context, c store.PushChallenge) error {
	cands := strconv.Itoa(c.Candidates[0]) + "," + strconv.Itoa(c.Candidates[1]) + "," + strconv.Itoa(c.Candidates[2])
	return x.insert(ctx, "create push challenge", `INSERT INTO push_challenges (`+pushChallengeColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, '')`,
		c.ID, c.UserID, c.SessionID, c.Number, cands, c.Service, c.Account, c.ClientAddr, c.Browser,
		string(store.PushPending), ms(c.CreatedAt), ms(c.ExpiresAt))
}

// AnswerPushChallenge and RedeemPushChallenge are conditional UPDATEs, as
// ConsumeStep is: one of any number of concurrent attempts changes the row.
func (x writes) AnswerPushChallenge(ctx context.Context, id, userID string, state store.PushState, deviceID string, now time.Time) (bool, error) {
	tag, err := x.q.Exec(ctx, `UPDATE push_challenges SET state = $1, answered_at = $2, device_id = $3
		WHERE id = $4 AND user_id = $5 AND state = 'pending' AND expires_at > $2`,
		string(state), ms(now), deviceID, id, userID)
	n, err := x.count("answer push challenge", tag, err)
	return n == 1, err
}

func (x writes) RedeemPushChallenge(ctx context.Context, id, sessionID string, notAfter time.Time) (bool, error) {
	tag, err := x.q.Exec(ctx, `UPDATE push_challenges SET state = 'redeemed'
		WHERE id = $1 AND session_id = $2 AND state = 'approved' AND expires_at > $3`, id, sessionID, ms(notAfter))
	n, err := x.count("redeem push challenge", tag, err)
	return n == 1, err
}

func (x writes) ExpirePushChallenges(ctx context.Context, now time.Time) ([]store.PushChallenge, error) {
	return collect(x.reads, ctx, "expire push challenges", scanPushChallenge, `UPDATE push_challenges SET state = 'expired'
		WHERE state = 'pending' AND expires_at <= $1 RETURNING `+pushChallengeColumns, ms(now))
}

func (x writes) CancelPushChallenges(ctx context.Context, userID string) ([]store.PushChallenge, error) {
	return collect(x.reads, ctx, "cancel push challenges", scanPushChallenge, `UPDATE push_challenges SET state = 'cancelled'
		WHERE user_id = $1 AND state = 'pending' RETURNING `+pushChallengeColumns, userID)
}

func (x writes) PausePush(ctx context.Context, userID, challengeID string, now time.Time) error {
	_, err := x.q.Exec(ctx, `INSERT INTO push_pauses (user_id, paused_at, challenge_id) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO NOTHING`, userID, ms(now), challengeID)
	if err != nil {
		return x.fail("pause push", err)
	}
	return nil
}

func (x writes) ResumePush(ctx context.Context, userID string) (bool, error) {
	tag, err := x.q.Exec(ctx, `DELETE FROM push_pauses WHERE user_id = $1`, userID)
	n, err := x.count("resume push", tag, err)
	return n > 0, err
}
