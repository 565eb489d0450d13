package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// Invitations, emailed codes, the outbox and trusted browsers.

const invitationColumns = `id, org_id, email, role, token_hash, created_by, created_at, expires_at, used_at`

func scanInvitation(sc interface{ Scan(...any) error }) (store.Invitation, error) {
	var inv store.Invitation
	var created, expires, used sql.NullInt64
	if err := sc.Scan(&inv.ID, &inv.OrgID, &inv.Email, &inv.Role, &inv.TokenHash, &inv.CreatedBy, &created, &expires, &used); err != nil {
		return store.Invitation{}, err
	}
	inv.CreatedAt, inv.ExpiresAt, inv.UsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return inv, nil
}

func (x reads) InvitationByHash(ctx context.Context, tokenHash []byte) (store.Invitation, error) {
	inv, err := scanInvitation(x.q.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE token_hash = ?`, tokenHash))
	if err != nil {
		return store.Invitation{}, x.fail("invitation", err)
	}
	return inv, nil
}

func (x reads) Invitations(ctx context.Context, orgID string) ([]store.Invitation, error) {
	rows, err := x.q.QueryContext(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE org_id = ? ORDER BY created_at DESC, id`, orgID)
	if err != nil {
		return nil, x.fail("invitations", err)
	}
	defer rows.Close()
	var out []store.Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, x.fail("invitations", err)
		}
		out = append(out, inv)
	}
	return out, x.rowsErr("invitations", rows)
}

func (x writes) CreateInvitation(ctx context.Context, inv store.Invitation) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO invitations (`+invitationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
		inv.ID, inv.OrgID, inv.Email, string(inv.Role), inv.TokenHash, inv.CreatedBy, ms(inv.CreatedAt), ms(inv.ExpiresAt))
	if err != nil {
		return x.fail("create invitation", err)
	}
	return nil
}

func (x writes) UseInvitation(ctx context.Context, id string, now time.Time) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE invitations SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?`,
		ms(now), id, ms(now))
	n, err := x.count("use invitation", res, err)
	return n == 1, err
}

func (x reads) EmailCode(ctx context.Context, userID, purpose string, now time.Time) (store.EmailCode, error) {
	var c store.EmailCode
	var created, expires, used sql.NullInt64
	err := x.q.QueryRowContext(ctx, `SELECT id, user_id, purpose, code_hash, created_at, expires_at, used_at, attempts
		FROM email_codes WHERE user_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
		ORDER BY created_at DESC, id LIMIT 1`, userID, purpose, ms(now)).
		Scan(&c.ID, &c.UserID, &c.Purpose, &c.CodeHash, &created, &expires, &used, &c.Attempts)
	if err != nil {
		return store.EmailCode{}, x.fail("email code", err)
	}
	c.CreatedAt, c.ExpiresAt, c.UsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return c, nil
}

func (x writes) CreateEmailCode(ctx context.Context, c store.EmailCode) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO email_codes (id, user_id, purpose, code_hash, created_at, expires_at, used_at, attempts)
		VALUES (?, ?, ?, ?, ?, ?, NULL, 0)`, c.ID, c.UserID, c.Purpose, c.CodeHash, ms(c.CreatedAt), ms(c.ExpiresAt))
	if err != nil {
		return x.fail("create email code", err)
	}
	return nil
}

func (x writes) UseEmailCode(ctx context.Context, id string, now time.Time) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE email_codes SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?`, ms(now), id, ms(now))
	n, err := x.count("use email code", res, err)
	return n == 1, err
}

func (x writes) FailEmailCode(ctx context.Context, id string, maxAttempts int, now time.Time) error {
	_, err := x.q.ExecContext(ctx, `UPDATE email_codes SET attempts = attempts + 1,
		used_at = CASE WHEN attempts + 1 >= ? THEN ? ELSE used_at END WHERE id = ? AND used_at IS NULL`, maxAttempts, ms(now), id)
	if err != nil {
		return x.fail("fail email code", err)
	}
	return nil
}

func (x writes) VoidEmailCodes(ctx context.Context, userID, purpose string, now time.Time) error {
	_, err := x.q.ExecContext(ctx, `UPDATE email_codes SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL`,
		ms(now), userID, purpose)
	if err != nil {
		return x.fail("void email codes", err)
	}
	return nil
}

func (x reads) Outbox(ctx context.Context, orgID string, limit int) ([]store.Mail, error) {
	rows, err := x.q.QueryContext(ctx, `SELECT id, org_id, to_addr, subject, body, created_at, sent_at, error
		FROM outbox WHERE org_id = ? ORDER BY id DESC LIMIT ?`, orgID, max(1, limit))
	if err != nil {
		return nil, x.fail("outbox", err)
	}
	defer rows.Close()
	var out []store.Mail
	for rows.Next() {
		var m store.Mail
		var created, sent sql.NullInt64
		if err := rows.Scan(&m.ID, &m.OrgID, &m.To, &m.Subject, &m.Body, &created, &sent, &m.Error); err != nil {
			return nil, x.fail("outbox", err)
		}
		m.CreatedAt, m.SentAt = fromMS(created), fromMS(sent)
		out = append(out, m)
	}
	return out, x.rowsErr("outbox", rows)
}

func (x writes) AddMail(ctx context.Context, m store.Mail) (int64, error) {
	var id int64
	err := x.q.QueryRowContext(ctx, `INSERT INTO outbox (org_id, to_addr, subject, body, created_at, sent_at, error)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.OrgID, m.To, m.Subject, m.Body, ms(m.CreatedAt), nullMS(m.SentAt), m.Error).Scan(&id)
	if err != nil {
		return 0, x.fail("add mail", err)
	}
	return id, nil
}

func (x writes) MarkMailSent(ctx context.Context, id int64, at time.Time, sendErr string) error {
	res, err := x.q.ExecContext(ctx, `UPDATE outbox SET sent_at = ?, error = ? WHERE id = ?`, nullMS(at), sendErr, id)
	return x.one("mark mail sent", res, err)
}

const trustColumns = `id, user_id, token_hash, created_at, expires_at, last_used_at, client_addr, user_agent`

func scanTrusted(sc interface{ Scan(...any) error }) (store.TrustedBrowser, error) {
	var b store.TrustedBrowser
	var created, expires, used sql.NullInt64
	if err := sc.Scan(&b.ID, &b.UserID, &b.TokenHash, &created, &expires, &used, &b.ClientAddr, &b.UserAgent); err != nil {
		return store.TrustedBrowser{}, err
	}
	b.CreatedAt, b.ExpiresAt, b.LastUsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return b, nil
}

func (x reads) TrustedBrowserByHash(ctx context.Context, tokenHash []byte) (store.TrustedBrowser, error) {
	b, err := scanTrusted(x.q.QueryRowContext(ctx, `SELECT `+trustColumns+` FROM trusted_browsers WHERE token_hash = ?`, tokenHash))
	if err != nil {
		return store.TrustedBrowser{}, x.fail("trusted browser", err)
	}
	return b, nil
}

func (x reads) TrustedBrowsers(ctx context.Context, userID string) ([]store.TrustedBrowser, error) {
	rows, err := x.q.QueryContext(ctx, `SELECT `+trustColumns+` FROM trusted_browsers WHERE user_id = ? ORDER BY created_at DESC, id`, userID)
	if err != nil {
		return nil, x.fail("trusted browsers", err)
	}
	defer rows.Close()
	var out []store.TrustedBrowser
	for rows.Next() {
		b, err := scanTrusted(rows)
		if err != nil {
			return nil, x.fail("trusted browsers", err)
		}
		out = append(out, b)
	}
	return out, x.rowsErr("trusted browsers", rows)
}

func (x writes) PutTrustedBrowser(ctx context.Context, b store.TrustedBrowser) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO trusted_browsers (`+trustColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET last_used_at = excluded.last_used_at, client_addr = excluded.client_addr, user_agent = excluded.user_agent`,
		b.ID, b.UserID, b.TokenHash, ms(b.CreatedAt), ms(b.ExpiresAt), ms(b.LastUsedAt), b.ClientAddr, b.UserAgent)
	if err != nil {
		return x.fail("put trusted browser", err)
	}
	return nil
}

func (x writes) DeleteTrustedBrowser(ctx context.Context, userID, id string) error {
	res, err := x.q.ExecContext(ctx, `DELETE FROM trusted_browsers WHERE user_id = ? AND id = ?`, userID, id)
	return x.one("delete trusted browser", res, err)
}

func (x writes) DeleteTrustedBrowsers(ctx context.Context, userID string) (int64, error) {
	res, err := x.q.ExecContext(ctx, `DELETE FROM trusted_browsers WHERE user_id = ?`, userID)
	return x.count("delete trusted browsers", res, err)
}

func (x writes) DeleteExpiredTrustedBrowsers(ctx context.Context, now time.Time) (int64, error) {
	res, err := x.q.ExecContext(ctx, `DELETE FROM trusted_browsers WHERE expires_at <= ?`, ms(now))
	return x.count("delete expired trusted browsers", res, err)
}
