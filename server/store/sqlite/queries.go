package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reads holds the read queries, for the read pool and for transactions
// alike; writes adds the writes, only inside transactions.
type reads struct {
	q     querier
	onErr func(error)
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

func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// fail wraps a database error, reporting unexpected ones.
func (x reads) fail(what string, err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case isUnique(err):
		return store.ErrConflict
	}
	if x.onErr != nil {
		x.onErr(err)
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// one checks that a write changed exactly one row.
func (x reads) one(what string, res sql.Result, err error) error {
	if err != nil {
		return x.fail(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return x.fail(what, err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (x reads) count(what string, res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, x.fail(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, x.fail(what, err)
	}
	return n, nil
}

// Users.

const userColumns = `id, email, password_hash, created_at, org_id, role, exempt_reason, last_sign_in_at, must_enroll`

func scanUser(sc interface{ Scan(...any) error }, extra ...any) (store.User, error) {
	var u store.User
	var created, signedIn sql.NullInt64
	var exempt sql.NullString
	dest := append([]any{&u.ID, &u.Email, &u.PasswordHash, &created, &u.OrgID, &u.Role, &exempt, &signedIn, &u.MustEnroll}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return store.User{}, err
	}
	u.CreatedAt, u.LastSignInAt, u.ExemptReason = fromMS(created), fromMS(signedIn), exempt.String
	return u, nil
}

func (x reads) UserByID(ctx context.Context, id string) (store.User, error) {
	return x.user(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id)
}

func (x reads) UserByEmail(ctx context.Context, email string) (store.User, error) {
	return x.user(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email)
}

func (x reads) user(ctx context.Context, query, arg string) (store.User, error) {
	u, err := scanUser(x.q.QueryRowContext(ctx, query, arg))
	if err != nil {
		return store.User{}, x.fail("user", err)
	}
	return u, nil
}

func (x reads) Account(ctx context.Context, userID string) (store.User, bool, error) {
	var mfa bool
	u, err := scanUser(x.q.QueryRowContext(ctx, `SELECT `+userColumns+`,
		EXISTS (SELECT 1 FROM totp_devices d WHERE d.user_id = users.id AND d.state = 'active')
		FROM users WHERE id = ?`, userID), &mfa)
	if err != nil {
		return store.User{}, false, x.fail("account", err)
	}
	return u, mfa, nil
}

func (x reads) VerifierState(ctx context.Context, userID string) (store.User, store.Throttle, []store.Device, error) {
	// Three single-table statements on indexes. Joining the throttle record
	// to the user (LEFT JOIN) made SQLite re-prepare the statement on every
	// run (its plan depended on the bound id), which cost more than the
	// three statements together; joining the devices in measured 4× slower.
	u := store.User{ID: userID}
	var created sql.NullInt64
	if err := x.q.QueryRowContext(ctx, `SELECT email, created_at, org_id, role FROM users WHERE id = ?`, userID).
		Scan(&u.Email, &created, &u.OrgID, &u.Role); err != nil {
		return store.User{}, store.Throttle{}, nil, x.fail("verifier state", err)
	}
	u.CreatedAt = fromMS(created)
	t, err := x.Throttle(ctx, userID)
	if err != nil {
		return store.User{}, store.Throttle{}, nil, err
	}
	rows, err := x.q.QueryContext(ctx, `SELECT id, key_id, secret_sealed, algorithm, digits, period
		FROM totp_devices WHERE user_id = ? AND state = 'active'`, userID)
	if err != nil {
		return store.User{}, store.Throttle{}, nil, x.fail("verifier state", err)
	}
	defer rows.Close()
	var devices []store.Device
	for rows.Next() {
		d := store.Device{UserID: userID, State: store.DeviceActive}
		if err := rows.Scan(&d.ID, &d.KeyID, &d.SecretSealed, &d.Algorithm, &d.Digits, &d.Period); err != nil {
			return store.User{}, store.Throttle{}, nil, x.fail("verifier state", err)
		}
		devices = append(devices, d)
	}
	if err := rows.Err(); err != nil {
		return store.User{}, store.Throttle{}, nil, x.fail("verifier state", err)
	}
	return u, t, devices, nil
}

func (x writes) CreateUser(ctx context.Context, u store.User) error {
	if u.OrgID == "" {
		u.OrgID = store.DefaultOrgID
	}
	if u.Role == "" {
		u.Role = store.RoleMember
	}
	_, err := x.q.ExecContext(ctx, `INSERT INTO users (id, email, password_hash, created_at, org_id, role) VALUES (?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.PasswordHash, ms(u.CreatedAt), u.OrgID, string(u.Role))
	if err != nil {
		return x.fail("create user", err)
	}
	return nil
}

func (x writes) SetPasswordHash(ctx context.Context, userID, hash string) error {
	res, err := x.q.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
	return x.one("set password", res, err)
}

// Sessions.

const sessionColumns = `id, token_hash, user_id, stage, amr, mfa_verified_at, created_at, expires_at, client_addr, user_agent`

func scanSession(sc interface{ Scan(...any) error }) (store.Session, error) {
	var s store.Session
	var id sql.NullString
	var amr string
	var verified, created, expires sql.NullInt64
	if err := sc.Scan(&id, &s.TokenHash, &s.UserID, &s.Stage, &amr, &verified, &created, &expires, &s.ClientAddr, &s.UserAgent); err != nil {
		return store.Session{}, err
	}
	s.ID = id.String
	s.AMR = strings.Fields(amr)
	s.MFAVerifiedAt, s.CreatedAt, s.ExpiresAt = fromMS(verified), fromMS(created), fromMS(expires)
	return s, nil
}

func (x reads) SessionByHash(ctx context.Context, tokenHash []byte) (store.Session, error) {
	s, err := scanSession(x.q.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`, tokenHash))
	if err != nil {
		return store.Session{}, x.fail("session", err)
	}
	return s, nil
}

func (x reads) Sessions(ctx context.Context, userID string, now time.Time) ([]store.Session, error) {
	rows, err := x.q.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE user_id = ? AND expires_at > ?
		ORDER BY created_at DESC, id`, userID, ms(now))
	if err != nil {
		return nil, x.fail("sessions", err)
	}
	defer rows.Close()
	var out []store.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, x.fail("sessions", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, x.fail("sessions", err)
	}
	return out, nil
}

func (x writes) CreateSession(ctx context.Context, s store.Session) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.TokenHash, s.UserID, string(s.Stage), strings.Join(s.AMR, " "), nullMS(s.MFAVerifiedAt),
		ms(s.CreatedAt), ms(s.ExpiresAt), s.ClientAddr, s.UserAgent)
	if err != nil {
		return x.fail("create session", err)
	}
	return nil
}

func (x writes) UpgradeSession(ctx context.Context, id string, stage store.Stage, amr []string, verifiedAt, expiresAt time.Time) error {
	res, err := x.q.ExecContext(ctx, `UPDATE sessions SET stage = ?, amr = ?, mfa_verified_at = ?, expires_at = ? WHERE id = ?`,
		string(stage), strings.Join(amr, " "), nullMS(verifiedAt), ms(expiresAt), id)
	return x.one("upgrade session", res, err)
}

func (x writes) DeleteSession(ctx context.Context, id string) error {
	res, err := x.q.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
	return x.one("delete session", res, err)
}

func (x writes) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	res, err := x.q.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return x.count("delete sessions", res, err)
}

func (x writes) DeleteSessionByID(ctx context.Context, userID, id string) error {
	res, err := x.q.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id = ?`, userID, id)
	return x.one("delete session", res, err)
}

func (x writes) DeleteOtherSessions(ctx context.Context, userID, keepID string, unverifiedOnly bool) (int64, error) {
	q := `DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?`
	if unverifiedOnly {
		q += ` AND mfa_verified_at IS NULL`
	}
	res, err := x.q.ExecContext(ctx, q, userID, keepID)
	return x.count("delete other sessions", res, err)
}

func (x writes) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := x.q.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, ms(now))
	return x.count("delete expired sessions", res, err)
}

// Devices.

const deviceColumns = `id, user_id, name, state, key_id, secret_sealed, algorithm, digits, period,
	last_step, created_at, expires_at, activated_at, last_used_at, created_by`

func scanDevice(sc interface{ Scan(...any) error }) (store.Device, error) {
	var d store.Device
	var lastStep, created, expires, activated, used sql.NullInt64
	err := sc.Scan(&d.ID, &d.UserID, &d.Name, &d.State, &d.KeyID, &d.SecretSealed, &d.Algorithm, &d.Digits, &d.Period,
		&lastStep, &created, &expires, &activated, &used, &d.CreatedBy)
	if err != nil {
		return store.Device{}, err
	}
	if lastStep.Valid {
		step := uint64(lastStep.Int64)
		d.LastStep = &step
	}
	d.CreatedAt, d.ExpiresAt, d.ActivatedAt, d.LastUsedAt = fromMS(created), fromMS(expires), fromMS(activated), fromMS(used)
	return d, nil
}

func (x reads) devices(ctx context.Context, query string, args ...any) ([]store.Device, error) {
	rows, err := x.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, x.fail("devices", err)
	}
	defer rows.Close()
	var out []store.Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, x.fail("devices", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, x.fail("devices", err)
	}
	return out, nil
}

func (x reads) Devices(ctx context.Context, userID string) ([]store.Device, error) {
	return x.devices(ctx, `SELECT `+deviceColumns+` FROM totp_devices WHERE user_id = ? ORDER BY created_at, id`, userID)
}

func (x reads) AllDevices(ctx context.Context) ([]store.Device, error) {
	return x.devices(ctx, `SELECT `+deviceColumns+` FROM totp_devices ORDER BY id`)
}

func (x reads) Device(ctx context.Context, userID, id string) (store.Device, error) {
	d, err := scanDevice(x.q.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM totp_devices WHERE user_id = ? AND id = ?`, userID, id))
	if err != nil {
		return store.Device{}, x.fail("device", err)
	}
	return d, nil
}

func (x writes) CreateDevice(ctx context.Context, d store.Device) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO totp_devices (`+deviceColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, NULL, ?)`,
		d.ID, d.UserID, d.Name, string(d.State), d.KeyID, d.SecretSealed, d.Algorithm, d.Digits, d.Period,
		ms(d.CreatedAt), nullMS(d.ExpiresAt), d.CreatedBy)
	if err != nil {
		return x.fail("create device", err)
	}
	return nil
}

func (x writes) ConsumeStep(ctx context.Context, deviceID string, state store.DeviceState, step uint64, now time.Time) (bool, error) {
	if step > 1<<62 {
		return false, nil
	}
	res, err := x.q.ExecContext(ctx, `UPDATE totp_devices SET last_step = ?, last_used_at = ?
		WHERE id = ? AND state = ? AND (last_step IS NULL OR last_step < ?) AND (expires_at IS NULL OR expires_at > ?)`,
		int64(step), ms(now), deviceID, string(state), int64(step), ms(now))
	n, err := x.count("consume step", res, err)
	return n == 1, err
}

func (x writes) ActivateDevice(ctx context.Context, deviceID string, now time.Time) error {
	res, err := x.q.ExecContext(ctx, `UPDATE totp_devices SET state = 'active', activated_at = ?, expires_at = NULL
		WHERE id = ? AND state = 'pending'`, ms(now), deviceID)
	return x.one("activate device", res, err)
}

func (x writes) RenameDevice(ctx context.Context, userID, id, name string) error {
	res, err := x.q.ExecContext(ctx, `UPDATE totp_devices SET name = ? WHERE user_id = ? AND id = ?`, name, userID, id)
	return x.one("rename device", res, err)
}

func (x writes) DeleteDevice(ctx context.Context, userID, id string, state store.DeviceState) error {
	res, err := x.q.ExecContext(ctx, `DELETE FROM totp_devices WHERE user_id = ? AND id = ? AND state = ?`, userID, id, string(state))
	return x.one("delete device", res, err)
}

func (x writes) DeletePendingDevices(ctx context.Context, userID string) (int64, error) {
	res, err := x.q.ExecContext(ctx, `DELETE FROM totp_devices WHERE user_id = ? AND state = 'pending'`, userID)
	return x.count("delete pending devices", res, err)
}

func (x writes) DeleteExpiredPendingDevices(ctx context.Context, now time.Time) (int64, error) {
	res, err := x.q.ExecContext(ctx, `DELETE FROM totp_devices WHERE state = 'pending' AND expires_at <= ?`, ms(now))
	return x.count("delete expired devices", res, err)
}

func (x writes) DeleteAllDevices(ctx context.Context, userID string) (int64, error) {
	res, err := x.q.ExecContext(ctx, `DELETE FROM totp_devices WHERE user_id = ?`, userID)
	return x.count("delete devices", res, err)
}

func (x writes) ReplacePendingSecret(ctx context.Context, userID, id, createdBy, keyID string, sealed []byte, expiresAt time.Time) error {
	res, err := x.q.ExecContext(ctx, `UPDATE totp_devices SET key_id = ?, secret_sealed = ?, expires_at = ?, last_step = NULL
		WHERE user_id = ? AND id = ? AND state = 'pending' AND created_by = ?`, keyID, sealed, ms(expiresAt), userID, id, createdBy)
	return x.one("replace pending secret", res, err)
}

func (x writes) ResealDevice(ctx context.Context, id, keyID string, sealed []byte) error {
	res, err := x.q.ExecContext(ctx, `UPDATE totp_devices SET key_id = ?, secret_sealed = ? WHERE id = ?`, keyID, sealed, id)
	return x.one("reseal device", res, err)
}

// Recovery codes.

func (x reads) UnusedRecoveryCodes(ctx context.Context, userID string) ([]store.RecoveryCode, error) {
	rows, err := x.q.QueryContext(ctx, `SELECT user_id, code_hash, created_at FROM recovery_codes
		WHERE user_id = ? AND used_at IS NULL ORDER BY code_hash`, userID)
	if err != nil {
		return nil, x.fail("recovery codes", err)
	}
	defer rows.Close()
	var out []store.RecoveryCode
	for rows.Next() {
		var c store.RecoveryCode
		var created sql.NullInt64
		if err := rows.Scan(&c.UserID, &c.Hash, &created); err != nil {
			return nil, x.fail("recovery codes", err)
		}
		c.CreatedAt = fromMS(created)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, x.fail("recovery codes", err)
	}
	return out, nil
}

func (x writes) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, now time.Time) error {
	if err := x.DeleteRecoveryCodes(ctx, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := x.q.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)`,
			userID, h, ms(now)); err != nil {
			return x.fail("insert recovery code", err)
		}
	}
	return nil
}

func (x writes) UseRecoveryCode(ctx context.Context, userID string, hash []byte, now time.Time) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
		ms(now), userID, hash)
	n, err := x.count("use recovery code", res, err)
	return n == 1, err
}

func (x writes) DeleteRecoveryCodes(ctx context.Context, userID string) error {
	if _, err := x.q.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return x.fail("delete recovery codes", err)
	}
	return nil
}

// Throttle.

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
	var start, locked sql.NullInt64
	err := x.q.QueryRowContext(ctx, `SELECT consecutive_failures, window_start, window_failures, locked_until
		FROM `+table+` WHERE user_id = ?`, userID).Scan(&t.ConsecutiveFailures, &start, &t.WindowFailures, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return t, nil
	}
	if err != nil {
		return store.Throttle{}, x.fail("throttle", err)
	}
	if start.Int64 != 0 {
		t.WindowStart = fromMS(start)
	}
	if locked.Int64 != 0 {
		t.LockedUntil = fromMS(locked)
	}
	return t, nil
}

func (x writes) putThrottle(ctx context.Context, table string, t store.Throttle) error {
	var start, locked int64
	if !t.WindowStart.IsZero() {
		start = ms(t.WindowStart)
	}
	if !t.LockedUntil.IsZero() {
		locked = ms(t.LockedUntil)
	}
	_, err := x.q.ExecContext(ctx, `INSERT INTO `+table+`
		(user_id, consecutive_failures, window_start, window_failures, locked_until) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET consecutive_failures = excluded.consecutive_failures,
		window_start = excluded.window_start, window_failures = excluded.window_failures, locked_until = excluded.locked_until`,
		t.UserID, t.ConsecutiveFailures, start, t.WindowFailures, locked)
	if err != nil {
		return x.fail("put throttle", err)
	}
	return nil
}

// Known browsers.

func (x reads) KnownBrowser(ctx context.Context, tokenHash []byte) (store.KnownBrowser, error) {
	var b store.KnownBrowser
	var created, expires, used, locked sql.NullInt64
	err := x.q.QueryRowContext(ctx, `SELECT token_hash, user_id, created_at, expires_at, last_used_at, consecutive_failures, locked_until
		FROM known_browsers WHERE token_hash = ?`, tokenHash).
		Scan(&b.TokenHash, &b.UserID, &created, &expires, &used, &b.ConsecutiveFailures, &locked)
	if err != nil {
		return store.KnownBrowser{}, x.fail("known browser", err)
	}
	b.CreatedAt, b.ExpiresAt, b.LastUsedAt = fromMS(created), fromMS(expires), fromMS(used)
	if locked.Int64 != 0 {
		b.LockedUntil = fromMS(locked)
	}
	return b, nil
}

func (x writes) PutKnownBrowser(ctx context.Context, b store.KnownBrowser) error {
	var locked int64
	if !b.LockedUntil.IsZero() {
		locked = ms(b.LockedUntil)
	}
	_, err := x.q.ExecContext(ctx, `INSERT INTO known_browsers
		(token_hash, user_id, created_at, expires_at, last_used_at, consecutive_failures, locked_until) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET expires_at = excluded.expires_at, last_used_at = excluded.last_used_at,
		consecutive_failures = excluded.consecutive_failures, locked_until = excluded.locked_until`,
		b.TokenHash, b.UserID, ms(b.CreatedAt), ms(b.ExpiresAt), ms(b.LastUsedAt), b.ConsecutiveFailures, locked)
	if err != nil {
		return x.fail("put known browser", err)
	}
	return nil
}

func (x writes) DeleteKnownBrowsers(ctx context.Context, userID string) (int64, error) {
	res, err := x.q.ExecContext(ctx, `DELETE FROM known_browsers WHERE user_id = ?`, userID)
	return x.count("delete known browsers", res, err)
}

func (x writes) DeleteExpiredKnownBrowsers(ctx context.Context, now time.Time) (int64, error) {
	res, err := x.q.ExecContext(ctx, `DELETE FROM known_browsers WHERE expires_at <= ?`, ms(now))
	return x.count("delete expired known browsers", res, err)
}

// Audit.

const auditColumns = `id, user_id, actor_id, org_id, type, at, client_addr, user_agent, device_id, detail`

func (x writes) AddAuditEvent(ctx context.Context, e store.AuditEvent) error {
	var user any
	if e.UserID != "" {
		user = e.UserID
	}
	_, err := x.q.ExecContext(ctx, `INSERT INTO audit_events (user_id, actor_id, org_id, type, at, client_addr, user_agent, device_id, detail)
		VALUES (?, ?, COALESCE(NULLIF(?, ''), (SELECT org_id FROM users WHERE id = ?), ''), ?, ?, ?, ?, ?, ?)`,
		user, e.ActorID, e.OrgID, e.UserID, e.Type, ms(e.At), e.ClientAddr, e.UserAgent, e.DeviceID, e.Detail)
	if err != nil {
		return x.fail("audit", err)
	}
	return nil
}

func (x reads) AuditEvents(ctx context.Context, userID string, beforeID int64, limit int) ([]store.AuditEvent, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	return x.auditEvents(ctx, `SELECT `+auditColumns+` FROM audit_events
		WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, userID, beforeID, limit)
}

func (x reads) OrgAuditEvents(ctx context.Context, orgID string, f store.AuditFilter) ([]store.AuditEvent, error) {
	q := `SELECT ` + auditColumns + ` FROM audit_events WHERE org_id = ?`
	args := []any{orgID}
	if f.UserID != "" {
		q += ` AND (user_id = ? OR actor_id = ?)`
		args = append(args, f.UserID, f.UserID)
	}
	if f.Type != "" {
		q += ` AND type = ?`
		args = append(args, f.Type)
	}
	if !f.Since.IsZero() {
		q += ` AND at >= ?`
		args = append(args, ms(f.Since))
	}
	if !f.Until.IsZero() {
		q += ` AND at < ?`
		args = append(args, ms(f.Until))
	}
	if f.BeforeID > 0 {
		q += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, max(1, f.Limit))
	return x.auditEvents(ctx, q, args...)
}

func (x reads) auditEvents(ctx context.Context, query string, args ...any) ([]store.AuditEvent, error) {
	rows, err := x.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, x.fail("audit events", err)
	}
	defer rows.Close()
	var out []store.AuditEvent
	for rows.Next() {
		var e store.AuditEvent
		var user sql.NullString
		var at sql.NullInt64
		if err := rows.Scan(&e.ID, &user, &e.ActorID, &e.OrgID, &e.Type, &at, &e.ClientAddr, &e.UserAgent, &e.DeviceID, &e.Detail); err != nil {
			return nil, x.fail("audit events", err)
		}
		e.UserID, e.At = user.String, fromMS(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, x.fail("audit events", err)
	}
	return out, nil
}
