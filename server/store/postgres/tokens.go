package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/twofold-auth/twofold/server/store"
)

// Application tokens.

const appTokenColumns = `id, user_id, name, token_hash, created_at, expires_at, last_used_at, last_used_addr, mfa`

func scanAppToken(r pgx.Row) (store.AppToken, error) {
	var t store.AppToken
	var created int64
	var expires, used *int64
	var mfa int
	if err := r.Scan(&t.ID, &t.UserID, &t.Name, &t.TokenHash, &created, &expires, &used, &t.LastUsedAddr, &mfa); err != nil {
		return store.AppToken{}, err
	}
	t.MFA = mfa != 0
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt = fromMS(created), fromNullMS(expires), fromNullMS(used)
	return t, nil
}

func (x reads) AppTokenByHash(ctx context.Context, tokenHash []byte) (store.AppToken, error) {
	t, err := scanAppToken(x.q.QueryRow(ctx, `SELECT `+appTokenColumns+` FROM app_tokens WHERE token_hash = $1`, tokenHash))
	if err != nil {
		return store.AppToken{}, x.fail("app token", err)
	}
	return t, nil
}

func (x reads) AppTokens(ctx context.Context, userID string) ([]store.AppToken, error) {
	return collect(x, ctx, "app tokens", scanAppToken, `SELECT `+appTokenColumns+` FROM app_tokens WHERE user_id = $1 ORDER BY created_at, id`, userID)
}

func (x writes) CreateAppToken(ctx context.Context, t store.AppToken) error {
	return x.insert(ctx, "create app token", `INSERT INTO app_tokens (`+appTokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, NULL, '', $7)`,
		t.ID, t.UserID, t.Name, t.TokenHash, ms(t.CreatedAt), nullMS(t.ExpiresAt), flag(t.MFA))
}

func (x writes) DeleteAppToken(ctx context.Context, userID, id string) error {
	tag, err := x.q.Exec(ctx, `DELETE FROM app_tokens WHERE user_id = $1 AND id = $2`, userID, id)
	return x.one("delete app token", tag, err)
}

func (x writes) TouchAppToken(ctx context.Context, id, addr string, now time.Time, every time.Duration) (bool, error) {
	tag, err := x.q.Exec(ctx, `UPDATE app_tokens SET last_used_at = $1, last_used_addr = $2
		WHERE id = $3 AND (last_used_at IS NULL OR last_used_at <= $4)`,
		ms(now), addr, id, ms(now.Add(-every)))
	n, err := x.count("touch app token", tag, err)
	return n == 1, err
}

// CLI grants.

const cliGrantColumns = `id, user_id, code_hash, challenge, token_name, token_expires_at, mfa, created_at, expires_at, used_at`

func (x reads) CLIGrantByHash(ctx context.Context, codeHash []byte) (store.CLIGrant, error) {
	var g store.CLIGrant
	var tokenExpires, used *int64
	var created, expires int64
	var mfa int
	err := x.q.QueryRow(ctx, `SELECT `+cliGrantColumns+` FROM cli_grants WHERE code_hash = $1`, codeHash).Scan(
		&g.ID, &g.UserID, &g.CodeHash, &g.Challenge, &g.TokenName, &tokenExpires, &mfa, &created, &expires, &used)
	if err != nil {
		return store.CLIGrant{}, x.fail("cli grant", err)
	}
	g.MFA = mfa != 0
	g.TokenExpiresAt, g.UsedAt = fromNullMS(tokenExpires), fromNullMS(used)
	g.CreatedAt, g.ExpiresAt = fromMS(created), fromMS(expires)
	return g, nil
}

func (x writes) CreateCLIGrant(ctx context.Context, g store.CLIGrant) error {
	return x.insert(ctx, "create cli grant", `INSERT INTO cli_grants (`+cliGrantColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)`,
		g.ID, g.UserID, g.CodeHash, g.Challenge, g.TokenName, nullMS(g.TokenExpiresAt), flag(g.MFA), ms(g.CreatedAt), ms(g.ExpiresAt))
}

// UseCLIGrant is one conditional UPDATE: of concurrent redemptions, one
// changes the row.
func (x writes) UseCLIGrant(ctx context.Context, id string, now time.Time) (bool, error) {
	tag, err := x.q.Exec(ctx, `UPDATE cli_grants SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1`, ms(now), id)
	n, err := x.count("use cli grant", tag, err)
	return n == 1, err
}

func (x writes) DeleteExpiredCLIGrants(ctx context.Context, now time.Time) (int64, error) {
	tag, err := x.q.Exec(ctx, `DELETE FROM cli_grants WHERE expires_at <= $1`, ms(now))
	return x.count("delete expired cli grants", tag, err)
}
