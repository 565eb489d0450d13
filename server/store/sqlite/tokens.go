package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// Application tokens and the pending-device seed replacement.

const appTokenColumns = `id, user_id, name, token_hash, created_at, expires_at, last_used_at, last_used_addr, mfa`

func scanAppToken(sc interface{ Scan(...any) error }) (store.AppToken, error) {
	var t store.AppToken
	var created, expires, used sql.NullInt64
	if err := sc.Scan(&t.ID, &t.UserID, &t.Name, &t.TokenHash, &created, &expires, &used, &t.LastUsedAddr, &t.MFA); err != nil {
		return store.AppToken{}, err
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return t, nil
}

func (x reads) AppTokenByHash(ctx context.Context, tokenHash []byte) (store.AppToken, error) {
	t, err := scanAppToken(x.q.QueryRowContext(ctx, `SELECT `+appTokenColumns+` FROM app_tokens WHERE token_hash = ?`, tokenHash))
	if err != nil {
		return store.AppToken{}, x.fail("app token", err)
	}
	return t, nil
}

func (x reads) AppTokens(ctx context.Context, userID string) ([]store.AppToken, error) {
	rows, err := x.q.QueryContext(ctx, `SELECT `+appTokenColumns+` FROM app_tokens WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, x.fail("app tokens", err)
	}
	defer rows.Close()
	var out []store.AppToken
	for rows.Next() {
		t, err := scanAppToken(rows)
		if err != nil {
			return nil, x.fail("app tokens", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, x.fail("app tokens", err)
	}
	return out, nil
}

func (x writes) CreateAppToken(ctx context.Context, t store.AppToken) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO app_tokens (`+appTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, NULL, '', ?)`,
		t.ID, t.UserID, t.Name, t.TokenHash, ms(t.CreatedAt), nullMS(t.ExpiresAt), t.MFA)
	if err != nil {
		return x.fail("create app token", err)
	}
	return nil
}

func (x writes) DeleteAppToken(ctx context.Context, userID, id string) error {
	res, err := x.q.ExecContext(ctx, `DELETE FROM app_tokens WHERE user_id = ? AND id = ?`, userID, id)
	return x.one("delete app token", res, err)
}

func (x writes) TouchAppToken(ctx context.Context, id, addr string, now time.Time, every time.Duration) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE app_tokens SET last_used_at = ?, last_used_addr = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
		ms(now), addr, id, ms(now.Add(-every)))
	n, err := x.count("touch app token", res, err)
	return n == 1, err
}
