package client

import (
	"context"
	"net/http"

	"github.com/twofold-auth/twofold/server/api/wire"
)

// AppTokens lists the account's application tokens (never their secrets).
func (c *Client) AppTokens(ctx context.Context) (wire.AppTokenList, error) {
	return call[wire.AppTokenList](ctx, c, http.MethodGet, "/app-tokens", nil)
}

// CreateAppToken makes an application token: the one answer that carries
// its secret. It needs a cookie session (a token cannot mint tokens) and,
// with MFA, a second factor in the request or a fresh one in the session.
func (c *Client) CreateAppToken(ctx context.Context, req wire.CreateAppTokenRequest) (wire.CreatedAppToken, error) {
	return call[wire.CreatedAppToken](ctx, c, http.MethodPost, "/app-tokens", req)
}

// RevokeAppToken revokes an application token by its id.
func (c *Client) RevokeAppToken(ctx context.Context, tokenID string) error {
	return c.do(ctx, http.MethodDelete, "/app-tokens/"+id(tokenID), nil, nil)
}

// CreateCLIGrant is the browser's half of a CLI signing in through the
// browser (twofold login --browser): a full session allows the CLI whose
// PKCE challenge (base64url, no padding, of the SHA-256 of its verifier)
// it carries, under the rule for creating a token (fresh_factor_required
// without a recent second factor or one in the request). The grant works
// once, for 2 minutes, and only with the verifier.
func (c *Client) CreateCLIGrant(ctx context.Context, req wire.CLIGrantRequest) (wire.CLIGrant, error) {
	return call[wire.CLIGrant](ctx, c, http.MethodPost, "/cli-grants", req)
}

// RedeemCLIGrant is the CLI's half: the grant and the verifier give the
// application token, once. It needs no session; every failure is
// invalid_grant.
func (c *Client) RedeemCLIGrant(ctx context.Context, grant, verifier string) (wire.CreatedAppToken, error) {
	return call[wire.CreatedAppToken](ctx, c, http.MethodPost, "/cli-grants/token", wire.CLIGrantRedeem{Grant: grant, CodeVerifier: verifier})
}
