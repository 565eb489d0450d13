package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/twofold-auth/twofold/server/store"
)

// Invitations, emailed codes, the outbox and trusted browsers.

const invitationColumns = `id, org_id, email, role, token_hash, created_by, created_at, expires_at, used_at`

func scanInvitation(r pgx.Row) (store.Invitation, error) {
	var inv store.Invitation
	var role string
	var created, expires int64
	var used *int64
	if err := r.Scan(&inv.ID, &inv.OrgID, &inv.Email, &role, &inv.TokenHash, &inv.CreatedBy, &created, &expires, &used); err != nil {
		return store.Invitation{}, err
	}
	inv.Role, inv.CreatedAt, inv.ExpiresAt, inv.UsedAt = store.Role(role), fromMS(created), fromMS(expires), fromNullMS(used)
	return inv, nil
}

func (x reads) InvitationByHash(ctx context.Context, tokenHash []byte) (store.Invitation, error) {
	inv, err := scanInvitation(x.q.QueryRow(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE token_hash = $1`, tokenHash))
	if err != nil {
		return store.Invitation{}, x.fail("invitation", err)
	}
	return inv, nil
}

func (x reads) Invitations(ctx context.Context, orgID string) ([]store.Invitation, error) {
	return collect(x, ctx, "invitations", scanInvitation, `SELECT `+invitationColumns+` FROM invitations
		WHERE org_id = $1 ORDER BY created_at DESC, id COLLATE "C"`, orgID)
}

func (x writes) CreateInvitation(ctx context.Context, inv store.Invitation) error {
	return x.insert(ctx, "create invitation", `INSERT INTO invitations (`+invitationColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)`,
		inv.ID, inv.OrgID, inv.Email, string(inv.Role), inv.TokenHash, inv.CreatedBy, ms(inv.CreatedAt), ms(inv.ExpiresAt))
}

// UseInvitation is one conditional UPDATE: of concurrent uses, one changes
// the row.
func (x writes) UseInvitation(ctx context.Context, id string, now time.Time) (bool, error) {
	tag, err := x.q.Exec(ctx, `UPDATE invitations SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1`, ms(now), id)
	n, err := x.count("use invitation", tag, err)
	return n == 1, err
}

func (x reads) EmailCode(ctx context.Context, userID, purpose string, now time.Time) (store.EmailCode, error) {
	var c store.EmailCode
	var created, expires int64
	var used *int64
	err := x.q.QueryRow(ctx, `SELECT id, user_id, purpose, code_hash, created_at, expires_at, used_at, attempts
		FROM email_codes WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
		ORDER BY created_at DESC, id COLLATE "C" LIMIT 1`, userID, purpose, ms(now)).
		Scan(&c.ID, &c.UserID, &c.Purpose, &c.CodeHash, &created, &expires, &used, &c.Attempts)
	if err != nil {
		return store.EmailCode{}, x.fail("email code", err)
	}
	c.CreatedAt, c.ExpiresAt, c.UsedAt = fromMS(created), fromMS(expires), fromNullMS(used)
	return c, nil
}

func (x writes) CreateEmailCode(ctx context.Context, c store.EmailCode) error {
	return x.insert(ctx, "create email code", `INSERT INTO email_codes (id, user_id, purpose, code_hash, created_at, expires_at, used_at, attempts)
		VALUES ($1, $2, $3, $4, $5, $6, NULL, 0)`, c.ID, c.UserID, c.Purpose, c.CodeHash, ms(c.CreatedAt), ms(c.ExpiresAt))
}

// UseEmailCode is one conditional UPDATE: of concurrent uses, one changes
// the row.
func (x writes) UseEmailCode(ctx context.Context, id string, now time.Time) (bool, error) {
	tag, err := x.q.Exec(ctx, `UPDATE email_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1`, ms(now), id)
	n, err := x.count("use email code", tag, err)
	return n == 1, err
}

// FailEmailCode counts the wrong try and, at maxAttempts, uses the code up
// in the same statement, so concurrent wrong tries are all counted.
func (x writes) FailEmailCode(ctx context.Context, id string, maxAttempts int, now time.Time) error {
	_, err := x.q.Exec(ctx, `UPDATE email_codes SET attempts = attempts + 1,
		used_at = CASE WHEN attempts + 1 >= $1 THEN $2 ELSE used_at END WHERE id = $3 AND used_at IS NULL`, maxAttempts, ms(now), id)
	if err != nil {
		return x.fail("fail email code", err)
	}
	return nil
}

func (x writes) VoidEmailCodes(ctx context.Context, userID, purpose string, now time.Time) error {
	_, err := x.q.Exec(ctx, `UPDATE email_codes SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL`,
		ms(now), userID, purpose)
	if err != nil {
		return x.fail("void email codes", err)
	}
	return nil
}

// The outbox.

func (x reads) Outbox(ctx context.Context, orgID string, limit int) ([]store.Mail, error) {
	return collect(x, ctx, "outbox", func(r pgx.Row) (store.Mail, error) {
		var m store.Mail
		var created int64
		var sent *int64
		err := r.Scan(&m.ID, &m.OrgID, &m.To, &m.Subject, &m.Body, &created, &sent, &m.Error)
		m.CreatedAt, m.SentAt = fromMS(created), fromNullMS(sent)
		return m, err
	}, `SELECT id, org_id, to_addr, subject, body, created_at, sent_at, error
		FROM outbox WHERE org_id = $1 ORDER BY id DESC LIMIT $2`, orgID, max(1, limit))
}

func (x writes) AddMail(ctx context.Context, m store.Mail) (int64, error) {
	var id int64
	err := x.q.QueryRow(ctx, `INSERT INTO outbox (org_id, to_addr, subject, body, created_at, sent_at, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, m.OrgID, m.To, m.Subject, m.Body, ms(m.CreatedAt), nullMS(m.SentAt), m.Error).Scan(&id)
	if err != nil {
		return 0, x.fail("add mail", err)
	}
	return id, nil
}

func (x writes) MarkMailSent(ctx context.Context, id int64, at time.Time, sendErr string) error {
	tag, err := x.q.Exec(ctx, `UPDATE outbox SET sent_at = $1, error = $2 WHERE id = $3`, nullMS(at), sendErr, id)
	return x.one("mark mail sent", tag, err)
}

// Trusted browsers.

const trustColumns = `id, user_id, token_hash, created_at, expires_at, last_used_at, client_addr, user_agent`

func scanTrusted(r pgx.Row) (store.TrustedBrowser, error) {
	var b store.TrustedBrowser
	var created, expires, used int64
	err := r.Scan(&b.ID, &b.UserID, &b.TokenHash, &created, &expires, &used, &b.ClientAddr, &b.UserAgent)
	b.CreatedAt, b.ExpiresAt, b.LastUsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return b, err
}

func (x reads) TrustedBrowserByHash(ctx context.Context, tokenHash []byte) (store.TrustedBrowser, error) {
	b, err := scanTrusted(x.q.QueryRow(ctx, `SELECT `+trustColumns+` FROM trusted_browsers WHERE token_hash = $1`, tokenHash))
	if err != nil {
		return store.TrustedBrowser{}, x.fail("trusted browser", err)
	}
	return b, nil
}

func (x reads) TrustedBrowsers(ctx context.Context, userID string) ([]store.TrustedBrowser, error) {
	return collect(x, ctx, "trusted browsers", scanTrusted, `SELECT `+trustColumns+` FROM trusted_browsers
		WHERE user_id = $1 ORDER BY created_at DESC, id COLLATE "C"`, userID)
}

// PutTrustedBrowser updates the browser's use if its id exists, else
// inserts it. One statement, so that a token hash taken by another row is
// ErrConflict without aborting the transaction: INSERT ... ON CONFLICT (id)
// DO UPDATE, as SQLite has it, would fail on the other unique key.
func (x writes) PutTrustedBrowser(ctx context.Context, b store.TrustedBrowser) error {
	var n int
	err := x.q.QueryRow(ctx, `WITH up AS (
			UPDATE trusted_browsers SET last_used_at = $6, client_addr = $7, user_agent = $8 WHERE id = $1 RETURNING 1
		), ins AS (
			INSERT INTO trusted_browsers (`+trustColumns+`)
			SELECT $1, $2::text, $3::bytea, $4::bigint, $5::bigint, $6, $7, $8 WHERE NOT EXISTS (SELECT 1 FROM up)
			ON CONFLICT DO NOTHING RETURNING 1
		)
		SELECT (SELECT COUNT(*) FROM up) + (SELECT COUNT(*) FROM ins)`,
		b.ID, b.UserID, b.TokenHash, ms(b.CreatedAt), ms(b.ExpiresAt), ms(b.LastUsedAt), b.ClientAddr, b.UserAgent).Scan(&n)
	if err != nil {
		return x.fail("put trusted browser", err)
	}
	if n == 0 {
		return store.ErrConflict
	}
	return nil
}

func (x writes) DeleteTrustedBrowser(ctx context.Context, userID, id string) error {
	tag, err := x.q.Exec(ctx, `DELETE FROM trusted_browsers WHERE user_id = $1 AND id = $2`, userID, id)
	return x.one("delete trusted browser", tag, err)
}

func (x writes) DeleteTrustedBrowsers(ctx context.Context, userID string) (int64, error) {
	tag, err := x.q.Exec(ctx, `DELETE FROM trusted_browsers WHERE user_id = $1`, userID)
	return x.count("delete trusted browsers", tag, err)
}

func (x writes) DeleteExpiredTrustedBrowsers(ctx context.Context, now time.Time) (int64, error) {
	tag, err := x.q.Exec(ctx, `DELETE FROM trusted_browsers WHERE expires_at <= $1`, ms(now))
	return x.count("delete expired trusted browsers", tag, err)
}
