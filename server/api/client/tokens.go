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
