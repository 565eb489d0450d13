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

// CLI grants.

const cliGrantColumns = `id, user_id, code_hash, challenge, token_name, token_expires_at, mfa, created_at, expires_at, used_at`

func (x reads) CLIGrantByHash(ctx context.Context, codeHash []byte) (store.CLIGrant, error) {
	var g store.CLIGrant
	var tokenExpires, used sql.NullInt64
	var created, expires int64
	err := x.q.QueryRowContext(ctx, `SELECT `+cliGrantColumns+` FROM cli_grants WHERE code_hash = ?`, codeHash).Scan(
		&g.ID, &g.UserID, &g.CodeHash, &g.Challenge, &g.TokenName, &tokenExpires, &g.MFA, &created, &expires, &used)
	if err != nil {
		return store.CLIGrant{}, x.fail("cli grant", err)
	}
	g.TokenExpiresAt, g.UsedAt = fromMS(tokenExpires), fromMS(used)
	g.CreatedAt, g.ExpiresAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	return g, nil
}

func (x writes) CreateCLIGrant(ctx context.Context, g store.CLIGrant) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO cli_grants (`+cliGrantColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
		g.ID, g.UserID, g.CodeHash, g.Challenge, g.TokenName, nullMS(g.TokenExpiresAt), g.MFA, ms(g.CreatedAt), ms(g.ExpiresAt))
	if err != nil {
		return x.fail("create cli grant", err)
	}
	return nil
}

func (x writes) UseCLIGrant(ctx context.Context, id string, now time.Time) (bool, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE cli_grants SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?`, ms(now), id, ms(now))
	n, err := x.count("use cli grant", res, err)
	return n == 1, err
}

func (x writes) DeleteExpiredCLIGrants(ctx context.Context, now time.Time) (int64, error) {
	res, err := x.q.ExecContext(ctx, `DELETE FROM cli_grants WHERE expires_at <= ?`, ms(now))
	return x.count("delete expired cli grants", res, err)
}
