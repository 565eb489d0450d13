package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
)

// PushRegistration is a device's push key: the Ed25519 public key of the
// authenticator registered for one TOTP device.
type PushRegistration struct {
	DeviceID  string
	UserID    string
	PublicKey []byte
	CreatedAt time.Time
}

// PushState is a push challenge's life cycle.
type PushState string

// Push challenge states. Pending moves once to one of the others; approved
// moves once to redeemed.
const (
	PushPending   PushState = "pending"
	PushApproved  PushState = "approved"
	PushDenied    PushState = "denied"
	PushReported  PushState = "reported" // "deny, this wasn't me"
	PushFailed    PushState = "failed"   // wrong number, or the account was locked
	PushExpired   PushState = "expired"
	PushCancelled PushState = "cancelled" // another prompt of the account was reported
	PushRedeemed  PushState = "redeemed"
)

// PushChallenge is one sign-in prompt. SessionHash is the partial session
// that asked for it and alone may redeem it.
type PushChallenge struct {
	ID          string
	UserID      string
	SessionHash []byte
	Number      int
	Candidates  [3]int
	Service     string
	Account     string
	ClientAddr  string
	Browser     string
	State       PushState
	CreatedAt   time.Time
	ExpiresAt   time.Time
	AnsweredAt  time.Time
	DeviceID    string // the device that answered
}

// PushFatigue is what bounds prompts to one account.
type PushFatigue struct {
	Pending int  // pending and unexpired
	Recent  int  // created since the window's start, any state
	Paused  bool // a prompt was reported; until the next other sign-in
}

// PushReader is the push part of Reader.
type PushReader interface {
	// DeviceByID finds a device without knowing its user (push registration
	// is proved by the device's code, not by a session).
	DeviceByID(ctx context.Context, id string) (Device, error)
	PushRegistration(ctx context.Context, deviceID string) (PushRegistration, error)
	PushRegistrations(ctx context.Context, userID string) ([]PushRegistration, error)
	PushChallenge(ctx context.Context, id string) (PushChallenge, error)
	// PendingPushChallenges are the user's pending challenges unexpired at now.
	PendingPushChallenges(ctx context.Context, userID string, now time.Time) ([]PushChallenge, error)
	PushFatigue(ctx context.Context, userID string, now, since time.Time) (PushFatigue, error)
}

// PushWriter is the push part of Tx.
type PushWriter interface {
	// PutPushRegistration registers (or replaces) a device's key.
	PutPushRegistration(ctx context.Context, r PushRegistration) error
	CreatePushChallenge(ctx context.Context, c PushChallenge) error
	// AnswerPushChallenge moves a pending, unexpired challenge of userID to
	// state: false (nothing changed) if it was answered, expired or is not
	// the user's. This conditional update is the challenge's single use.
	AnswerPushChallenge(ctx context.Context, id, userID string, state PushState, deviceID string, now time.Time) (bool, error)
	// RedeemPushChallenge moves an approved challenge to redeemed, only for
	// the session that asked and only before deadline.
	RedeemPushChallenge(ctx context.Context, id string, sessionHash []byte, notAfter time.Time) (bool, error)
	// ExpirePushChallenges marks pending challenges past expiry as expired and
	// returns them.
	ExpirePushChallenges(ctx context.Context, now time.Time) ([]PushChallenge, error)
	// CancelPushChallenges cancels every pending challenge of the user.
	CancelPushChallenges(ctx context.Context, userID string) ([]PushChallenge, error)
	PausePush(ctx context.Context, userID, challengeID string, now time.Time) error
	// ResumePush lifts a pause; false if there was none.
	ResumePush(ctx context.Context, userID string) (bool, error)
}

const pushChallengeColumns = `id, user_id, session_hash, number, candidates, service, account, client_addr, browser,
	state, created_at, expires_at, answered_at, device_id`

func scanPushChallenge(sc interface{ Scan(...any) error }) (PushChallenge, error) {
	var c PushChallenge
	var cands string
	var created, expires, answered sql.NullInt64
	if err := sc.Scan(&c.ID, &c.UserID, &c.SessionHash, &c.Number, &cands, &c.Service, &c.Account, &c.ClientAddr, &c.Browser,
		&c.State, &created, &expires, &answered, &c.DeviceID); err != nil {
		return PushChallenge{}, err
	}
	for i, s := range strings.SplitN(cands, ",", 3) {
		c.Candidates[i], _ = strconv.Atoi(s)
	}
	c.CreatedAt, c.ExpiresAt, c.AnsweredAt = fromMS(created), fromMS(expires), fromMS(answered)
	return c, nil
}

func (x reads) pushChallenges(ctx context.Context, what, query string, args ...any) ([]PushChallenge, error) {
	rows, err := x.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, x.fail(what, err)
	}
	defer rows.Close()
	var out []PushChallenge
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

func (x reads) DeviceByID(ctx context.Context, id string) (Device, error) {
	d, err := scanDevice(x.q.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM totp_devices WHERE id = ?`, id))
	if err != nil {
		return Device{}, x.fail("device by id", err)
	}
	return d, nil
}

func (x reads) PushRegistration(ctx context.Context, deviceID string) (PushRegistration, error) {
	var r PushRegistration
	var created sql.NullInt64
	err := x.q.QueryRowContext(ctx, `SELECT device_id, user_id, public_key, created_at FROM push_registrations WHERE device_id = ?`,
		deviceID).Scan(&r.DeviceID, &r.UserID, &r.PublicKey, &created)
	if err != nil {
		return PushRegistration{}, x.fail("push registration", err)
	}
	r.CreatedAt = fromMS(created)
	return r, nil
}

func (x reads) PushRegistrations(ctx context.Context, userID string) ([]PushRegistration, error) {
	rows, err := x.q.QueryContext(ctx, `SELECT device_id, user_id, public_key, created_at FROM push_registrations
		WHERE user_id = ? ORDER BY created_at, device_id`, userID)
	if err != nil {
		return nil, x.fail("push registrations", err)
	}
	defer rows.Close()
	var out []PushRegistration
	for rows.Next() {
		var r PushRegistration
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

func (x reads) PushChallenge(ctx context.Context, id string) (PushChallenge, error) {
	c, err := scanPushChallenge(x.q.QueryRowContext(ctx, `SELECT `+pushChallengeColumns+` FROM push_challenges WHERE id = ?`, id))
	if err != nil {
		return PushChallenge{}, x.fail("push challenge", err)
	}
	return c, nil
}

func (x reads) PendingPushChallenges(ctx context.Context, userID string, now time.Time) ([]PushChallenge, error) {
	return x.pushChallenges(ctx, "pending push challenges", `SELECT `+pushChallengeColumns+` FROM push_challenges
		WHERE user_id = ? AND state = 'pending' AND expires_at > ? ORDER BY created_at, id`, userID, ms(now))
}

func (x reads) PushFatigue(ctx context.Context, userID string, now, since time.Time) (PushFatigue, error) {
	var f PushFatigue
	var paused int
	err := x.q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM push_challenges WHERE user_id = ? AND state = 'pending' AND expires_at > ?),
		(SELECT COUNT(*) FROM push_challenges WHERE user_id = ? AND created_at > ?),
		(SELECT COUNT(*) FROM push_pauses WHERE user_id = ?)`,
		userID, ms(now), userID, ms(since), userID).Scan(&f.Pending, &f.Recent, &paused)
	if err != nil {
		return PushFatigue{}, x.fail("push fatigue", err)
	}
	f.Paused = paused > 0
	return f, nil
}

func (x writes) PutPushRegistration(ctx context.Context, r PushRegistration) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO push_registrations (device_id, user_id, public_key, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (device_id) DO UPDATE SET user_id = excluded.user_id, public_key = excluded.public_key, created_at = excluded.created_at`,
		r.DeviceID, r.UserID, r.PublicKey, ms(r.CreatedAt))
	if err != nil {
		return x.fail("put push registration", err)
	}
	return nil
}

func (x writes) CreatePushChallenge(ctx context.Context, c PushChallenge) error {
	cands := strconv.Itoa(c.Candidates[0]) + "," + strconv.Itoa(c.Candidates[1]) + "," + strconv.Itoa(c.Candidates[2])
	_, err := x.q.ExecContext(ctx, `INSERT INTO push_challenges (`+pushChallengeColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '')`,
		c.ID, c.UserID, c.SessionHash, c.Number, cands, c.Service, c.Account, c.ClientAddr, c.Browser,
		string(PushPending), ms(c.CreatedAt), ms(c.ExpiresAt))
	if err != nil {
		return x.fail("create push challenge", err)
	}
	return nil
}

func (x writes) AnswerPushChallenge(ctx context.Context, id, userID string, state PushState, deviceID string, now time.Time) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE push_challenges SET state = ?, answered_at = ?, device_id = ?
		WHERE id = ? AND user_id = ? AND state = 'pending' AND expires_at > ?`,
		string(state), ms(now), deviceID, id, userID, ms(now))
	n, err := x.count("answer push challenge", res, err)
	return n == 1, err
}

func (x writes) RedeemPushChallenge(ctx context.Context, id string, sessionHash []byte, notAfter time.Time) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE push_challenges SET state = 'redeemed'
		WHERE id = ? AND session_hash = ? AND state = 'approved' AND expires_at > ?`, id, sessionHash, ms(notAfter))
	n, err := x.count("redeem push challenge", res, err)
	return n == 1, err
}

func (x writes) ExpirePushChallenges(ctx context.Context, now time.Time) ([]PushChallenge, error) {
	return x.pushChallenges(ctx, "expire push challenges", `UPDATE push_challenges SET state = 'expired'
		WHERE state = 'pending' AND expires_at <= ? RETURNING `+pushChallengeColumns, ms(now))
}

func (x writes) CancelPushChallenges(ctx context.Context, userID string) ([]PushChallenge, error) {
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
