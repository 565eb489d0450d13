package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/twofold-auth/twofold/server/store"
)

// querier is what *pgxpool.Pool and pgx.Tx share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// txState is what an Update learns from its statements: the first
// serialization failure or deadlock, after which the transaction can only
// roll back and run again.
type txState struct{ conflict error }

// reads holds the read queries, for the pool and for transactions alike;
// writes adds the writes, only inside transactions (st set).
type reads struct {
	q     querier
	onErr func(error)
	st    *txState
}

type writes struct{ reads }

func ms(t time.Time) int64 { return t.UnixMilli() }

// nullMS stores a zero time as NULL.
func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// fromNullMS reads a nullable time: NULL is the zero time.
func fromNullMS(v *int64) time.Time {
	if v == nil {
		return time.Time{}
	}
	return fromMS(*v)
}

// fromZeroMS reads a NOT NULL time where 0 means none (the throttle records).
func fromZeroMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMS(v)
}

// zeroMS is the inverse of fromZeroMS.
func zeroMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// fail wraps a database error, reporting unexpected ones. A serialization
// failure or deadlock inside a transaction is expected (Update runs the
// transaction again) and is recorded, not reported.
func (x reads) fail(what string, err error) error {
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.ErrNotFound
	case isUnique(err):
		return store.ErrConflict
	case retryable(err) && x.st != nil:
		if x.st.conflict == nil {
			x.st.conflict = err
		}
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if x.onErr != nil {
		x.onErr(err)
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == sqlstateUniqueViolation
}

// one checks that a write changed exactly one row.
func (x reads) one(what string, tag pgconn.CommandTag, err error) error {
	if err != nil {
		return x.fail(what, err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (x reads) count(what string, tag pgconn.CommandTag, err error) (int64, error) {
	if err != nil {
		return 0, x.fail(what, err)
	}
	return tag.RowsAffected(), nil
}

// insert runs an INSERT ... ON CONFLICT DO NOTHING: a duplicate key is
// ErrConflict without aborting the transaction (a failed statement would),
// so a function may go on after it, as on SQLite.
func (x writes) insert(ctx context.Context, what, query string, args ...any) error {
	tag, err := x.q.Exec(ctx, query+` ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return x.fail(what, err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrConflict
	}
	return nil
}

// collect reads every row of a query with scan.
func collect[T any](x reads, ctx context.Context, what string, scan func(pgx.Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := x.q.Query(ctx, query, args...)
	if err != nil {
		return nil, x.fail(what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, x.fail(what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, x.fail(what, err)
	}
	return out, nil
}

// flag stores a bool as the INTEGER 0 or 1 SQLite keeps.
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Users.

const userColumns = `id, email, password_hash, created_at, org_id, role, exempt_reason, last_sign_in_at, must_enroll`

// scanUser reads userColumns, then extra.
func scanUser(r pgx.Row, extra ...any) (store.User, error) {
	var u store.User
	var role string
	var exempt *string
	var created int64
	var signedIn *int64
	var mustEnroll int
	dest := append([]any{&u.ID, &u.Email, &u.PasswordHash, &created, &u.OrgID, &role, &exempt, &signedIn, &mustEnroll}, extra...)
	if err := r.Scan(dest...); err != nil {
		return store.User{}, err
	}
	u.Role, u.CreatedAt, u.LastSignInAt, u.MustEnroll = store.Role(role), fromMS(created), fromNullMS(signedIn), mustEnroll != 0
	if exempt != nil {
		u.ExemptReason = *exempt
	}
	return u, nil
}

func (x reads) UserByID(ctx context.Context, id string) (store.User, error) {
	return x.user(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
}

func (x reads) UserByEmail(ctx context.Context, email string) (store.User, error) {
	return x.user(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email)
}

func (x reads) user(ctx context.Context, query, arg string) (store.User, error) {
	u, err := scanUser(x.q.QueryRow(ctx, query, arg))
	if err != nil {
		return store.User{}, x.fail("user", err)
	}
	return u, nil
}

func (x reads) Account(ctx context.Context, userID string) (store.User, bool, error) {
	var mfa bool
	u, err := scanUser(x.q.QueryRow(ctx, `SELECT `+userColumns+`,
		EXISTS (SELECT 1 FROM totp_devices d WHERE d.user_id = users.id AND d.state = 'active')
		FROM users WHERE id = $1`, userID), &mfa)
	if err != nil {
		return store.User{}, false, x.fail("account", err)
	}
	return u, mfa, nil
}

func (x reads) VerifierState(ctx context.Context, userID string) (store.User, store.Throttle, []store.Device, error) {
	// The user and its throttle record in one round trip (a LEFT JOIN on
	// primary keys; PostgreSQL plans it once, unlike SQLite), the devices in
	// a second.
	u := store.User{ID: userID}
	t := store.Throttle{UserID: userID}
	var created int64
	var role string
	var fails, windowFails *int
	var start, locked *int64
	err := x.q.QueryRow(ctx, `SELECT u.email, u.created_at, u.org_id, u.role,
		t.consecutive_failures, t.window_start, t.window_failures, t.locked_until
		FROM users u LEFT JOIN verification_throttle t ON t.user_id = u.id WHERE u.id = $1`, userID).
		Scan(&u.Email, &created, &u.OrgID, &role, &fails, &start, &windowFails, &locked)
	if err != nil {
		return store.User{}, store.Throttle{}, nil, x.fail("verifier state", err)
	}
	u.CreatedAt, u.Role = fromMS(created), store.Role(role)
	if fails != nil {
		t.ConsecutiveFailures, t.WindowStart, t.WindowFailures, t.LockedUntil = *fails, fromZeroMS(*start), *windowFails, fromZeroMS(*locked)
	}
	devices, err := collect(x, ctx, "verifier state", func(r pgx.Row) (store.Device, error) {
		d := store.Device{UserID: userID, State: store.DeviceActive}
		return d, r.Scan(&d.ID, &d.KeyID, &d.SecretSealed, &d.Algorithm, &d.Digits, &d.Period)
	}, `SELECT id, key_id, secret_sealed, algorithm, digits, period
		FROM totp_devices WHERE user_id = $1 AND state = 'active'`, userID)
	if err != nil {
		return store.User{}, store.Throttle{}, nil, err
	}
	return u, t, devices, nil
}

// CreateUser puts the user in the default organisation as a member unless
// told otherwise.
func (x writes) CreateUser(ctx context.Context, u store.User) error {
	if u.OrgID == "" {
		u.OrgID = store.DefaultOrgID
	}
	if u.Role == "" {
		u.Role = store.RoleMember
	}
	return x.insert(ctx, "create user", `INSERT INTO users (id, email, password_hash, created_at, org_id, role)
		VALUES ($1, $2, $3, $4, $5, $6)`, u.ID, u.Email, u.PasswordHash, ms(u.CreatedAt), u.OrgID, string(u.Role))
}

func (x writes) SetPasswordHash(ctx context.Context, userID, hash string) error {
	tag, err := x.q.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
	return x.one("set password", tag, err)
}

func (x writes) SetRole(ctx context.Context, userID string, role store.Role) error {
	tag, err := x.q.Exec(ctx, `UPDATE users SET role = $1 WHERE id = $2`, string(role), userID)
	return x.one("set role", tag, err)
}

// SetExempt stores an empty reason as NULL: not exempt.
func (x writes) SetExempt(ctx context.Context, userID, reason string) error {
	var v *string
	if reason != "" {
		v = &reason
	}
	tag, err := x.q.Exec(ctx, `UPDATE users SET exempt_reason = $1 WHERE id = $2`, v, userID)
	return x.one("set exempt", tag, err)
}

func (x writes) SetMustEnroll(ctx context.Context, userID string, must bool) error {
	tag, err := x.q.Exec(ctx, `UPDATE users SET must_enroll = $1 WHERE id = $2`, flag(must), userID)
	return x.one("set must enroll", tag, err)
}

func (x writes) SetLastSignIn(ctx context.Context, userID string, at time.Time) error {
	tag, err := x.q.Exec(ctx, `UPDATE users SET last_sign_in_at = $1 WHERE id = $2`, nullMS(at), userID)
	return x.one("set last sign-in", tag, err)
}

// Sessions.

const sessionColumns = `id, token_hash, user_id, stage, amr, mfa_verified_at, created_at, expires_at, client_addr, user_agent`

func scanSession(r pgx.Row) (store.Session, error) {
	var s store.Session
	var stage, amr string
	var verified *int64
	var created, expires int64
	if err := r.Scan(&s.ID, &s.TokenHash, &s.UserID, &stage, &amr, &verified, &created, &expires, &s.ClientAddr, &s.UserAgent); err != nil {
		return store.Session{}, err
	}
	s.Stage = store.Stage(stage)
	s.AMR = strings.Fields(amr)
	s.MFAVerifiedAt, s.CreatedAt, s.ExpiresAt = fromNullMS(verified), fromMS(created), fromMS(expires)
	return s, nil
}

func (x reads) SessionByHash(ctx context.Context, tokenHash []byte) (store.Session, error) {
	s, err := scanSession(x.q.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = $1`, tokenHash))
	if err != nil {
		return store.Session{}, x.fail("session", err)
	}
	return s, nil
}

func (x reads) Sessions(ctx context.Context, userID string, now time.Time) ([]store.Session, error) {
	return collect(x, ctx, "sessions", scanSession, `SELECT `+sessionColumns+` FROM sessions
		WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, id`, userID, ms(now))
}

func (x writes) CreateSession(ctx context.Context, s store.Session) error {
	return x.insert(ctx, "create session", `INSERT INTO sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		s.ID, s.TokenHash, s.UserID, string(s.Stage), strings.Join(s.AMR, " "), nullMS(s.MFAVerifiedAt),
		ms(s.CreatedAt), ms(s.ExpiresAt), s.ClientAddr, s.UserAgent)
}

func (x writes) UpgradeSession(ctx context.Context, id string, stage store.Stage, amr []string, verifiedAt, expiresAt time.Time) error {
	tag, err := x.q.Exec(ctx, `UPDATE sessions SET stage = $1, amr = $2, mfa_verified_at = $3, expires_at = $4 WHERE id = $5`,
		string(stage), strings.Join(amr, " "), nullMS(verifiedAt), ms(expiresAt), id)
	return x.one("upgrade session", tag, err)
}

func (x writes) DeleteSession(ctx context.Context, id string) error {
	tag, err := x.q.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id)
	return x.one("delete session", tag, err)
}

func (x writes) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	tag, err := x.q.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return x.count("delete sessions", tag, err)
}

func (x writes) DeleteSessionByID(ctx context.Context, userID, id string) error {
	tag, err := x.q.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id = $2`, userID, id)
	return x.one("delete session", tag, err)
}

func (x writes) DeleteOtherSessions(ctx context.Context, userID, keepID string, unverifiedOnly bool) (int64, error) {
	q := `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`
	if unverifiedOnly {
		q += ` AND mfa_verified_at IS NULL`
	}
	tag, err := x.q.Exec(ctx, q, userID, keepID)
	return x.count("delete other sessions", tag, err)
}

func (x writes) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	tag, err := x.q.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, ms(now))
	return x.count("delete expired sessions", tag, err)
}

// Devices.

const deviceColumns = `id, user_id, name, state, key_id, secret_sealed, algorithm, digits, period,
	last_step, created_at, expires_at, activated_at, last_used_at, created_by`

func scanDevice(r pgx.Row) (store.Device, error) {
	var d store.Device
	var state string
	var lastStep, expires, activated, used *int64
	var created int64
	err := r.Scan(&d.ID, &d.UserID, &d.Name, &state, &d.KeyID, &d.SecretSealed, &d.Algorithm, &d.Digits, &d.Period,
		&lastStep, &created, &expires, &activated, &used, &d.CreatedBy)
	if err != nil {
		return store.Device{}, err
	}
	d.State = store.DeviceState(state)
	if lastStep != nil {
		step := uint64(*lastStep)
		d.LastStep = &step
	}
	d.CreatedAt, d.ExpiresAt, d.ActivatedAt, d.LastUsedAt = fromMS(created), fromNullMS(expires), fromNullMS(activated), fromNullMS(used)
	return d, nil
}

func (x reads) Devices(ctx context.Context, userID string) ([]store.Device, error) {
	return collect(x, ctx, "devices", scanDevice, `SELECT `+deviceColumns+` FROM totp_devices WHERE user_id = $1 ORDER BY created_at, id`, userID)
}

func (x reads) AllDevices(ctx context.Context) ([]store.Device, error) {
	return collect(x, ctx, "devices", scanDevice, `SELECT `+deviceColumns+` FROM totp_devices ORDER BY id`)
}

func (x reads) Device(ctx context.Context, userID, id string) (store.Device, error) {
	d, err := scanDevice(x.q.QueryRow(ctx, `SELECT `+deviceColumns+` FROM totp_devices WHERE user_id = $1 AND id = $2`, userID, id))
	if err != nil {
		return store.Device{}, x.fail("device", err)
	}
	return d, nil
}

func (x reads) DeviceByID(ctx context.Context, id string) (store.Device, error) {
	d, err := scanDevice(x.q.QueryRow(ctx, `SELECT `+deviceColumns+` FROM totp_devices WHERE id = $1`, id))
	if err != nil {
		return store.Device{}, x.fail("device by id", err)
	}
	return d, nil
}

func (x writes) CreateDevice(ctx context.Context, d store.Device) error {
	return x.insert(ctx, "create device", `INSERT INTO totp_devices (`+deviceColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11, NULL, NULL, $12)`,
		d.ID, d.UserID, d.Name, string(d.State), d.KeyID, d.SecretSealed, d.Algorithm, d.Digits, d.Period,
		ms(d.CreatedAt), nullMS(d.ExpiresAt), d.CreatedBy)
}

// ConsumeStep is one conditional UPDATE: the row changes only if the step
// is newer than the recorded one, so of concurrent attempts at one step
// exactly one changes it (the others wait for its row lock and then fail
// serialization, and on their next run find the step taken).
func (x writes) ConsumeStep(ctx context.Context, deviceID string, state store.DeviceState, step uint64, now time.Time) (bool, error) {
	if step > 1<<62 {
		return false, nil // not a time step; and it would not fit a BIGINT
	}
	tag, err := x.q.Exec(ctx, `UPDATE totp_devices SET last_step = $1, last_used_at = $2
		WHERE id = $3 AND state = $4 AND (last_step IS NULL OR last_step < $1) AND (expires_at IS NULL OR expires_at > $2)`,
		int64(step), ms(now), deviceID, string(state))
	n, err := x.count("consume step", tag, err)
	return n == 1, err
}

func (x writes) ActivateDevice(ctx context.Context, deviceID string, now time.Time) error {
	tag, err := x.q.Exec(ctx, `UPDATE totp_devices SET state = 'active', activated_at = $1, expires_at = NULL
		WHERE id = $2 AND state = 'pending'`, ms(now), deviceID)
	return x.one("activate device", tag, err)
}

func (x writes) RenameDevice(ctx context.Context, userID, id, name string) error {
	tag, err := x.q.Exec(ctx, `UPDATE totp_devices SET name = $1 WHERE user_id = $2 AND id = $3`, name, userID, id)
	return x.one("rename device", tag, err)
}

func (x writes) DeleteDevice(ctx context.Context, userID, id string, state store.DeviceState) error {
	tag, err := x.q.Exec(ctx, `DELETE FROM totp_devices WHERE user_id = $1 AND id = $2 AND state = $3`, userID, id, string(state))
	return x.one("delete device", tag, err)
}

func (x writes) DeletePendingDevices(ctx context.Context, userID string) (int64, error) {
	tag, err := x.q.Exec(ctx, `DELETE FROM totp_devices WHERE user_id = $1 AND state = 'pending'`, userID)
	return x.count("delete pending devices", tag, err)
}

func (x writes) DeleteExpiredPendingDevices(ctx context.Context, now time.Time) (int64, error) {
	tag, err := x.q.Exec(ctx, `DELETE FROM totp_devices WHERE state = 'pending' AND expires_at <= $1`, ms(now))
	return x.count("delete expired devices", tag, err)
}

func (x writes) DeleteAllDevices(ctx context.Context, userID string) (int64, error) {
	tag, err := x.q.Exec(ctx, `DELETE FROM totp_devices WHERE user_id = $1`, userID)
	return x.count("delete devices", tag, err)
}

func (x writes) ReplacePendingSecret(ctx context.Context, userID, id, createdBy, keyID string, sealed []byte, expiresAt time.Time) error {
	tag, err := x.q.Exec(ctx, `UPDATE totp_devices SET key_id = $1, secret_sealed = $2, expires_at = $3, last_step = NULL
		WHERE user_id = $4 AND id = $5 AND state = 'pending' AND created_by = $6`, keyID, sealed, ms(expiresAt), userID, id, createdBy)
	return x.one("replace pending secret", tag, err)
}

func (x writes) ResealDevice(ctx context.Context, id, keyID string, sealed []byte) error {
	tag, err := x.q.Exec(ctx, `UPDATE totp_devices SET key_id = $1, secret_sealed = $2 WHERE id = $3`, keyID, sealed, id)
	return x.one("reseal device", tag, err)
}

// Recovery codes.

func (x reads) UnusedRecoveryCodes(ctx context.Context, userID string) ([]store.RecoveryCode, error) {
	return collect(x, ctx, "recovery codes", func(r pgx.Row) (store.RecoveryCode, error) {
		var c store.RecoveryCode
		var created int64
		err := r.Scan(&c.UserID, &c.Hash, &created)
		c.CreatedAt = fromMS(created)
		return c, err
	}, `SELECT user_id, code_hash, created_at FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL ORDER BY code_hash`, userID)
}

func (x writes) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, now time.Time) error {
	if err := x.DeleteRecoveryCodes(ctx, userID); err != nil {
		return err
	}
	if len(hashes) == 0 {
		return nil
	}
	// One statement for the whole set; a repeated hash is a conflict, as
	// the second of two inserts would be.
	tag, err := x.q.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash, created_at)
		SELECT $1, h, $3 FROM unnest($2::bytea[]) AS h ON CONFLICT DO NOTHING`, userID, hashes, ms(now))
	if err != nil {
		return x.fail("replace recovery codes", err)
	}
	if tag.RowsAffected() != int64(len(hashes)) {
		return store.ErrConflict
	}
	return nil
}

func (x writes) UseRecoveryCode(ctx context.Context, userID string, hash []byte, now time.Time) (bool, error) {
	tag, err := x.q.Exec(ctx, `UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`,
		ms(now), userID, hash)
	n, err := x.count("use recovery code", tag, err)
	return n == 1, err
}

func (x writes) DeleteRecoveryCodes(ctx context.Context, userID string) error {
	if _, err := x.q.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return x.fail("delete recovery codes", err)
	}
	return nil
}

// Throttle records.

func (x reads) Throttle(ctx context.Context, userID string) (store.Throttle, error) {
	return x.throttle(ctx, "verification_throttle", userID)
}

func (x reads) PasswordThrottle(ctx context.Context, userID string) (store.Throttle, error) {
	return x.throttle(ctx, "password_throttle", userID)
}

func (x writes) PutThrottle(ctx context.Context, t store.Throttle) error {
	return x.putThrottle(ctx, "verification_throttle", t)
}

func (x writes) PutPasswordThrottle(ctx context.Context, t store.Throttle) error {
	return x.putThrottle(ctx, "password_throttle", t)
}

// throttle reads a failure record of table (a constant, never input).
func (x reads) throttle(ctx context.Context, table, userID string) (store.Throttle, error) {
	t := store.Throttle{UserID: userID}
	var start, locked int64
	err := x.q.QueryRow(ctx, `SELECT consecutive_failures, window_start, window_failures, locked_until
		FROM `+table+` WHERE user_id = $1`, userID).Scan(&t.ConsecutiveFailures, &start, &t.WindowFailures, &locked)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, nil
	}
	if err != nil {
		return store.Throttle{}, x.fail("throttle", err)
	}
	t.WindowStart, t.LockedUntil = fromZeroMS(start), fromZeroMS(locked)
	return t, nil
}

func (x writes) putThrottle(ctx context.Context, table string, t store.Throttle) error {
	_, err := x.q.Exec(ctx, `INSERT INTO `+table+`
		(user_id, consecutive_failures, window_start, window_failures, locked_until) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET consecutive_failures = excluded.consecutive_failures,
		window_start = excluded.window_start, window_failures = excluded.window_failures, locked_until = excluded.locked_until`,
		t.UserID, t.ConsecutiveFailures, zeroMS(t.WindowStart), t.WindowFailures, zeroMS(t.LockedUntil))
	if err != nil {
		return x.fail("put throttle", err)
	}
	return nil
}

// Known browsers.

func (x reads) KnownBrowser(ctx context.Context, tokenHash []byte) (store.KnownBrowser, error) {
	var b store.KnownBrowser
	var created, expires, used, locked int64
	err := x.q.QueryRow(ctx, `SELECT token_hash, user_id, created_at, expires_at, last_used_at, consecutive_failures, locked_until
		FROM known_browsers WHERE token_hash = $1`, tokenHash).
		Scan(&b.TokenHash, &b.UserID, &created, &expires, &used, &b.ConsecutiveFailures, &locked)
	if err != nil {
		return store.KnownBrowser{}, x.fail("known browser", err)
	}
	b.CreatedAt, b.ExpiresAt, b.LastUsedAt, b.LockedUntil = fromMS(created), fromMS(expires), fromMS(used), fromZeroMS(locked)
	return b, nil
}

func (x writes) PutKnownBrowser(ctx context.Context, b store.KnownBrowser) error {
	_, err := x.q.Exec(ctx, `INSERT INTO known_browsers
		(token_hash, user_id, created_at, expires_at, last_used_at, consecutive_failures, locked_until) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (token_hash) DO UPDATE SET expires_at = excluded.expires_at, last_used_at = excluded.last_used_at,
		consecutive_failures = excluded.consecutive_failures, locked_until = excluded.locked_until`,
		b.TokenHash, b.UserID, ms(b.CreatedAt), ms(b.ExpiresAt), ms(b.LastUsedAt), b.ConsecutiveFailures, zeroMS(b.LockedUntil))
	if err != nil {
		return x.fail("put known browser", err)
	}
	return nil
}

func (x writes) DeleteKnownBrowsers(ctx context.Context, userID string) (int64, error) {
	tag, err := x.q.Exec(ctx, `DELETE FROM known_browsers WHERE user_id = $1`, userID)
	return x.count("delete known browsers", tag, err)
}

func (x writes) DeleteExpiredKnownBrowsers(ctx context.Context, now time.Time) (int64, error) {
	tag, err := x.q.Exec(ctx, `DELETE FROM known_browsers WHERE expires_at <= $1`, ms(now))
	return x.count("delete expired known browsers", tag, err)
}

// Audit.

const auditColumns = `id, user_id, actor_id, org_id, type, at, client_addr, user_agent, device_id, detail`

func scanAuditEvent(r pgx.Row) (store.AuditEvent, error) {
	var e store.AuditEvent
	var user *string
	var at int64
	err := r.Scan(&e.ID, &user, &e.ActorID, &e.OrgID, &e.Type, &at, &e.ClientAddr, &e.UserAgent, &e.DeviceID, &e.Detail)
	if user != nil {
		e.UserID = *user
	}
	e.At = fromMS(at)
	return e, err
}

// AddAuditEvent files an event without an organisation under its user's
// (none for an unknown user), in the same statement.
func (x writes) AddAuditEvent(ctx context.Context, e store.AuditEvent) error {
	var user *string
	if e.UserID != "" {
		user = &e.UserID
	}
	_, err := x.q.Exec(ctx, `INSERT INTO audit_events (user_id, actor_id, org_id, type, at, client_addr, user_agent, device_id, detail)
		VALUES ($1, $2, COALESCE(NULLIF($3, ''), (SELECT org_id FROM users WHERE id = $1), ''), $4, $5, $6, $7, $8, $9)`,
		user, e.ActorID, e.OrgID, e.Type, ms(e.At), e.ClientAddr, e.UserAgent, e.DeviceID, e.Detail)
	if err != nil {
		return x.fail("audit", err)
	}
	return nil
}

func (x reads) AuditEvents(ctx context.Context, userID string, beforeID int64, limit int) ([]store.AuditEvent, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	var lim any = limit
	if limit < 0 {
		lim = nil // no limit, as a negative LIMIT is on SQLite (PostgreSQL refuses one)
	}
	return collect(x, ctx, "audit events", scanAuditEvent, `SELECT `+auditColumns+` FROM audit_events
		WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, userID, beforeID, lim)
}

// OrgAuditEvents filters on the event's time (since inclusive, until
// exclusive) and on the user as the one concerned or the one who acted.
func (x reads) OrgAuditEvents(ctx context.Context, orgID string, f store.AuditFilter) ([]store.AuditEvent, error) {
	var b where
	b.add(`org_id = `, orgID)
	if f.UserID != "" {
		p := b.arg(f.UserID)
		b.and(`(user_id = ` + p + ` OR actor_id = ` + p + `)`)
	}
	if f.Type != "" {
		b.add(`type = `, f.Type)
	}
	if !f.Since.IsZero() {
		b.add(`at >= `, ms(f.Since))
	}
	if !f.Until.IsZero() {
		b.add(`at < `, ms(f.Until))
	}
	if f.BeforeID > 0 {
		b.add(`id < `, f.BeforeID)
	}
	q := `SELECT ` + auditColumns + ` FROM audit_events` + b.sql + ` ORDER BY id DESC LIMIT ` + b.arg(max(1, f.Limit))
	return collect(x, ctx, "audit events", scanAuditEvent, q, b.args...)
}

// where builds a WHERE clause with numbered parameters.
type where struct {
	sql  string
	args []any
}

// arg adds a parameter and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// and adds a condition.
func (w *where) and(cond string) {
	if w.sql == "" {
		w.sql = ` WHERE ` + cond
	} else {
		w.sql += ` AND ` + cond
	}
}

// add adds the condition expr followed by v's placeholder.
func (w *where) add(expr string, v any) { w.and(expr + w.arg(v)) }
