package client

import (
	"context"
	"net/http"

	"github.com/twofold-auth/twofold/server/api/wire"
)

// Push sign-in: an authenticator registers its key; a signing-in browser
// (a partial cookie session) sends a prompt, follows it and redeems an
// approval. The device's own side (the websocket at /api/v1/push/ws) is
// wasm/pushclient's.

// RegisterPush registers an authenticator's public key for a TOTP device,
// proved by an HMAC under the device's key (no session needed; see
// docs/push.md).
func (c *Client) RegisterPush(ctx context.Context, req wire.PushRegistrationRequest) (wire.PushRegistration, error) {
	return call[wire.PushRegistration](ctx, c, http.MethodPost, "/push/registrations", req)
}

// CreatePushChallenge sends a sign-in prompt to the account's registered
// authenticators.
func (c *Client) CreatePushChallenge(ctx context.Context) (wire.PushChallenge, error) {
	return call[wire.PushChallenge](ctx, c, http.MethodPost, "/push/challenges", nil)
}

// PushChallenge is a prompt's state now.
func (c *Client) PushChallenge(ctx context.Context, challengeID string) (wire.PushChallenge, error) {
	return call[wire.PushChallenge](ctx, c, http.MethodGet, "/push/challenges/"+id(challengeID), nil)
}

// CompletePushSignIn turns an approved prompt into a full session.
func (c *Client) CompletePushSignIn(ctx context.Context, challengeID string) (wire.SessionResponse, error) {
	return call[wire.SessionResponse](ctx, c, http.MethodPost, "/push/challenges/"+id(challengeID)+"/complete", nil)
}
