package sqlite

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

const pushChallengeColumns = `id, user_id, session_id, number, candidates, service, account, client_addr, browser,
	state, created_at, expires_at, answered_at, device_id`

func scanPushChallenge(sc interface{ Scan(...any) error }) (store.PushChallenge, error) {
	var c store.PushChallenge
	var cands string
	var created, expires, answered sql.NullInt64
	if err := sc.Scan(&c.ID, &c.UserID, &c.SessionID, &c.Number, &cands, &c.Service, &c.Account, &c.ClientAddr, &c.Browser,
		&c.State, &created, &expires, &answered, &c.DeviceID); err != nil {
		return store.PushChallenge{}, err
	}
	for i, s := range strings.SplitN(cands, ",", 3) {
		c.Candidates[i], _ = strconv.Atoi(s)
	}
	c.CreatedAt, c.ExpiresAt, c.AnsweredAt = fromMS(created), fromMS(expires), fromMS(answered)
	return c, nil
}

func (x reads) pushChallenges(ctx context.Context, what, query string, args ...any) ([]store.PushChallenge, error) {
	rows, err := x.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, x.fail(what, err)
	}
	defer rows.Close()
	var out []store.PushChallenge
	for rows.Next() {
		c, err := scanPushChallenge(rows)
		if err != nil {
			return nil, x.fail(what, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, x.fail(what, err)
	}
	return out, nil
}

func (x reads) DeviceByID(ctx context.Context, id string) (store.Device, error) {
	d, err := scanDevice(x.q.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM totp_devices WHERE id = ?`, id))
	if err != nil {
		return store.Device{}, x.fail("device by id", err)
	}
	return d, nil
}

func (x reads) PushRegistration(ctx context.Context, deviceID string) (store.PushRegistration, error) {
	var r store.PushRegistration
	var created sql.NullInt64
	err := x.q.QueryRowContext(ctx, `SELECT device_id, user_id, public_key, created_at FROM push_registrations WHERE device_id = ?`,
		deviceID).Scan(&r.DeviceID, &r.UserID, &r.PublicKey, &created)
	if err != nil {
		return store.PushRegistration{}, x.fail("push registration", err)
	}
	r.CreatedAt = fromMS(created)
	return r, nil
}

func (x reads) PushRegistrations(ctx context.Context, userID string) ([]store.PushRegistration, error) {
	rows, err := x.q.QueryContext(ctx, `SELECT device_id, user_id, public_key, created_at FROM push_registrations
		WHERE user_id = ? ORDER BY created_at, device_id`, userID)
	if err != nil {
		return nil, x.fail("push registrations", err)
	}
	defer rows.Close()
	var out []store.PushRegistration
	for rows.Next() {
		var r store.PushRegistration
		var created sql.NullInt64
		if err := rows.Scan(&r.DeviceID, &r.UserID, &r.PublicKey, &created); err != nil {
			return nil, x.fail("push registrations", err)
		}
		r.CreatedAt = fromMS(created)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, x.fail("push registrations", err)
	}
	return out, nil
}

func (x reads) PushChallenge(ctx context.Context, id string) (store.PushChallenge, error) {
	c, err := scanPushChallenge(x.q.QueryRowContext(ctx, `SELECT `+pushChallengeColumns+` FROM push_challenges WHERE id = ?`, id))
	if err != nil {
		return store.PushChallenge{}, x.fail("push challenge", err)
	}
	return c, nil
}

func (x reads) PendingPushChallenges(ctx context.Context, userID string, now time.Time) ([]store.PushChallenge, error) {
	return x.pushChallenges(ctx, "pending push challenges", `SELECT `+pushChallengeColumns+` FROM push_challenges
		WHERE user_id = ? AND state = 'pending' AND expires_at > ? ORDER BY created_at, id`, userID, ms(now))
}

func (x reads) PushFatigue(ctx context.Context, userID string, now, since time.Time) (store.PushFatigue, error) {
	var f store.PushFatigue
	var paused int
	err := x.q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM push_challenges WHERE user_id = ? AND state = 'pending' AND expires_at > ?),
		(SELECT COUNT(*) FROM push_challenges WHERE user_id = ? AND created_at > ?),
		(SELECT COUNT(*) FROM push_pauses WHERE user_id = ?)`,
		userID, ms(now), userID, ms(since), userID).Scan(&f.Pending, &f.Recent, &paused)
	if err != nil {
		return store.PushFatigue{}, x.fail("push fatigue", err)
	}
	f.Paused = paused > 0
	return f, nil
}

func (x writes) PutPushRegistration(ctx context.Context, r store.PushRegistration) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO push_registrations (device_id, user_id, public_key, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (device_id) DO UPDATE SET user_id = excluded.user_id, public_key = excluded.public_key, created_at = excluded.created_at`,
		r.DeviceID, r.UserID, r.PublicKey, ms(r.CreatedAt))
	if err != nil {
		return x.fail("put push registration", err)
	}
	return nil
}

func (x writes) CreatePushChallenge(ctx context.Context, c store.PushChallenge) error {
	cands := strconv.Itoa(c.Candidates[0]) + "," + strconv.Itoa(c.Candidates[1]) + "," + strconv.Itoa(c.Candidates[2])
	_, err := x.q.ExecContext(ctx, `INSERT INTO push_challenges (`+pushChallengeColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '')`,
		c.ID, c.UserID, c.SessionID, c.Number, cands, c.Service, c.Account, c.ClientAddr, c.Browser,
		string(store.PushPending), ms(c.CreatedAt), ms(c.ExpiresAt))
	if err != nil {
		return x.fail("create push challenge", err)
	}
	return nil
}

func (x writes) AnswerPushChallenge(ctx context.Context, id, userID string, state store.PushState, deviceID string, now time.Time) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE push_challenges SET state = ?, answered_at = ?, device_id = ?
		WHERE id = ? AND user_id = ? AND state = 'pending' AND expires_at > ?`,
		string(state), ms(now), deviceID, id, userID, ms(now))
	n, err := x.count("answer push challenge", res, err)
	return n == 1, err
}

func (x writes) RedeemPushChallenge(ctx context.Context, id, sessionID string, notAfter time.Time) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE push_challenges SET state = 'redeemed'
		WHERE id = ? AND session_id = ? AND state = 'approved' AND expires_at > ?`, id, sessionID, ms(notAfter))
	n, err := x.count("redeem push challenge", res, err)
	return n == 1, err
}

func (x writes) ExpirePushChallenges(ctx context.Context, now time.Time) ([]store.PushChallenge, error) {
	return x.pushChallenges(ctx, "expire push challenges", `UPDATE push_challenges SET state = 'expired'
		WHERE state = 'pending' AND expires_at <= ? RETURNING `+pushChallengeColumns, ms(now))
}

func (x writes) CancelPushChallenges(ctx context.Context, userID string) ([]store.PushChallenge, error) {
	return x.pushChallenges(ctx, "cancel push challenges", `UPDATE push_challenges SET state = 'cancelled'
		WHERE user_id = ? AND state = 'pending' RETURNING `+pushChallengeColumns, userID)
}

func (x writes) PausePush(ctx context.Context, userID, challengeID string, now time.Time) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO push_pauses (user_id, paused_at, challenge_id) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO NOTHING`, userID, ms(now), challengeID)
	if err != nil {
		return x.fail("pause push", err)
	}
	return nil
}

func (x writes) ResumePush(ctx context.Context, userID string) (bool, error) {
	res, err := x.q.ExecContext(ctx, `DELETE FROM push_pauses WHERE user_id = ?`, userID)
	n, err := x.count("resume push", res, err)
	return n > 0, err
}
