package client_test

import (
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
