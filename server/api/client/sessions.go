package client

import (
	"context"
	"net/http"

	"github.com/twofold-auth/twofold/server/api/wire"
)

// Accounts, sessions and the password. These need a cookie session (a
// client without WithToken): the server refuses application tokens here
// (token_not_allowed).

// SignUp creates an account and signs in with its password.
func (c *Client) SignUp(ctx context.Context, email, password string) (wire.SessionResponse, error) {
	return call[wire.SessionResponse](ctx, c, http.MethodPost, "/users", wire.Credentials{Email: email, Password: password})
}

// SignUpWithInvitation creates an account in the organisation that invited
// email, with the token of the invitation link (its invitation= parameter):
// single use, expiring, for that address only (invitation_invalid
// otherwise).
func (c *Client) SignUpWithInvitation(ctx context.Context, email, password, invitation string) (wire.SessionResponse, error) {
	return call[wire.SessionResponse](ctx, c, http.MethodPost, "/users",
		wire.Credentials{Email: email, Password: password, Invitation: invitation})
}

// SignIn signs in with the password. With MFA the session is "partial"
// (Session.Stage) until SecondFactor or CompletePushSignIn finishes it.
func (c *Client) SignIn(ctx context.Context, email, password string) (wire.SessionResponse, error) {
	return call[wire.SessionResponse](ctx, c, http.MethodPost, "/session", wire.Credentials{Email: email, Password: password})
}

// SecondFactor finishes a partial sign-in, or steps a full session up,
// with a code or a recovery code (exactly one); TrustBrowser asks the
// organisation to skip the second factor on this client for a while.
func (c *Client) SecondFactor(ctx context.Context, req wire.SecondFactorRequest) (wire.SessionResponse, error) {
	return call[wire.SessionResponse](ctx, c, http.MethodPost, "/session/mfa", req)
}

// Session is the current session and its user.
func (c *Client) Session(ctx context.Context) (wire.SessionResponse, error) {
	return call[wire.SessionResponse](ctx, c, http.MethodGet, "/session", nil)
}

// SessionStatus says whether the client holds a live session, and its
// stage: always an answer, never unauthenticated (the sign-in pages ask it
// on every load).
func (c *Client) SessionStatus(ctx context.Context) (wire.SessionStatus, error) {
	return call[wire.SessionStatus](ctx, c, http.MethodGet, "/session/status", nil)
}

// SignOut ends the current session.
func (c *Client) SignOut(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/session", nil, nil)
}

// SignOutEverywhere ends every session of the account, this one too.
func (c *Client) SignOutEverywhere(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/sessions", nil, nil)
}

// Sessions lists the account's signed-in sessions.
func (c *Client) Sessions(ctx context.Context) (wire.SessionList, error) {
	return call[wire.SessionList](ctx, c, http.MethodGet, "/sessions", nil)
}

// EndSession signs one session out by its id.
func (c *Client) EndSession(ctx context.Context, sessionID string) error {
	return c.do(ctx, http.MethodDelete, "/sessions/"+id(sessionID), nil, nil)
}

// ChangePassword changes the password (with a second factor when the
// server asks for a fresh one) and ends the account's other sessions.
func (c *Client) ChangePassword(ctx context.Context, req wire.ChangePasswordRequest) (wire.ChangePasswordResponse, error) {
	return call[wire.ChangePasswordResponse](ctx, c, http.MethodPost, "/password", req)
}

// TrustedBrowsers lists the browsers that skip the second factor for the
// account ("Don't ask again on this browser").
func (c *Client) TrustedBrowsers(ctx context.Context) (wire.TrustedBrowserList, error) {
	return call[wire.TrustedBrowserList](ctx, c, http.MethodGet, "/trusted-browsers", nil)
}

// RevokeTrustedBrowser makes a trusted browser ask for the second factor
// again.
func (c *Client) RevokeTrustedBrowser(ctx context.Context, browserID string) error {
	return c.do(ctx, http.MethodDelete, "/trusted-browsers/"+id(browserID), nil, nil)
}
