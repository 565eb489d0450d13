package client_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
)

// Tokens: made in a session (shown once), listed without their secret,
// used as Bearer, unable to mint more, revoked.
func TestAppTokens(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	c := e.user(t, "tokens@example.com")
	expires := t0.Add(24 * time.Hour)
	created, err := c.CreateAppToken(ctx, wire.CreateAppTokenRequest{Name: "ci", ExpiresAt: &expires})
	if err != nil || !strings.HasPrefix(created.Secret, "tft_") || created.Token.Name != "ci" || created.Token.ExpiresAt == nil ||
		!created.Token.ExpiresAt.Equal(expires) {
		t.Fatalf("create: %+v %v", created, err)
	}
	_, err = c.CreateAppToken(ctx, wire.CreateAppTokenRequest{Name: ""})
	wantCode(t, err, http.StatusBadRequest, "invalid_token_name")

	tc := e.Client(t, client.WithToken(created.Secret))
	list, err := tc.AppTokens(ctx)
	if err != nil || len(list.Tokens) != 1 || list.Tokens[0].ID != created.Token.ID || list.Tokens[0].LastUsedAt == nil {
		t.Fatalf("list: %+v %v", list, err)
	}
	_, err = tc.CreateAppToken(ctx, wire.CreateAppTokenRequest{Name: "more"})
	wantCode(t, err, http.StatusForbidden, "token_not_allowed")
	_, err = tc.Session(ctx)
	wantCode(t, err, http.StatusForbidden, "token_not_allowed")

	if err := c.RevokeAppToken(ctx, created.Token.ID); err != nil {
		t.Fatal(err)
	}
	_, err = tc.AppTokens(ctx)
	wantCode(t, err, http.StatusUnauthorized, "invalid_token")
	wantCode(t, c.RevokeAppToken(ctx, created.Token.ID), http.StatusNotFound, "not_found")
}

// pkce is a verifier and its S256 challenge (RFC 7636).
func pkce(verifier string) (string, string) {
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// A CLI's sign-in through the browser: the session makes a grant bound to
// the challenge (with a fresh factor, or a code in the request), the CLI
// redeems it once with the verifier; every failure is invalid_grant.
func TestCLIGrants(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	c, key, _ := e.enrolled(t, "grant@example.com")
	if _, err := c.SecondFactor(ctx, wire.SecondFactorRequest{Code: e.code(t, key)}); err != nil {
		t.Fatal(err)
	}
	verifier, challenge := pkce(strings.Repeat("v", 43))
	g, err := c.CreateCLIGrant(ctx, wire.CLIGrantRequest{CodeChallenge: challenge, Name: "twofold CLI on test"})
	if err != nil || g.Grant == "" || !g.ExpiresAt.Equal(e.clock.Now().Add(2*time.Minute)) {
		t.Fatalf("grant: %+v %v", g, err)
	}
	_, err = c.CreateCLIGrant(ctx, wire.CLIGrantRequest{CodeChallenge: "short", Name: "x"})
	wantCode(t, err, http.StatusBadRequest, "invalid_challenge")

	cli := e.Client(t) // no session: the grant and the verifier are the credential
	_, err = cli.RedeemCLIGrant(ctx, g.Grant, strings.Repeat("w", 43))
	wantCode(t, err, http.StatusBadRequest, "invalid_grant")
	tok, err := cli.RedeemCLIGrant(ctx, g.Grant, verifier)
	if err != nil || tok.Token.Name != "twofold CLI on test" || !tok.Token.MFA || !strings.HasPrefix(tok.Secret, "tft_") {
		t.Fatalf("redeem: %+v %v", tok, err)
	}
	_, err = cli.RedeemCLIGrant(ctx, g.Grant, verifier)
	wantCode(t, err, http.StatusBadRequest, "invalid_grant")
	if _, err := e.Client(t, client.WithToken(tok.Secret)).Devices(ctx); err != nil {
		t.Fatalf("the redeemed token: %v", err)
	}

	// Minutes later the session's factor is no longer fresh: a code in the
	// request is.
	e.clock.Advance(10 * time.Minute)
	_, err = c.CreateCLIGrant(ctx, wire.CLIGrantRequest{CodeChallenge: challenge, Name: "again"})
	wantCode(t, err, http.StatusForbidden, "fresh_factor_required")
	if _, err := c.CreateCLIGrant(ctx, wire.CLIGrantRequest{CodeChallenge: challenge, Name: "again", Code: e.code(t, key)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Client(t, client.WithToken(tok.Secret)).CreateCLIGrant(ctx, wire.CLIGrantRequest{CodeChallenge: challenge, Name: "x"})
	wantCode(t, err, http.StatusForbidden, "token_not_allowed")
}
