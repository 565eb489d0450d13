package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
)

// fakeTokens is one concern faked: the handlers need nothing else to serve
// the token routes, no database, no other service.
type fakeTokens struct {
	list    []auth.AppToken
	listErr error
	revoked []string
}

func (f *fakeTokens) Create(context.Context, auth.Client, auth.Session, string, time.Time, auth.Factor) (auth.NewAppToken, error) {
	return auth.NewAppToken{}, errors.New("not in this test")
}
func (f *fakeTokens) CreateCLIGrant(context.Context, auth.Client, auth.Session, string, string, time.Time, auth.Factor) (string, time.Time, error) {
	return "", time.Time{}, errors.New("not in this test")
}
func (f *fakeTokens) RedeemCLIGrant(context.Context, auth.Client, string, string) (auth.NewAppToken, error) {
	return auth.NewAppToken{}, errors.New("not in this test")
}
func (f *fakeTokens) List(_ context.Context, userID string) ([]auth.AppToken, error) {
	return f.list, f.listErr
}
func (f *fakeTokens) Revoke(_ context.Context, _ auth.Client, userID, id string) error {
	if id != "tok_known" {
		return auth.ErrTokenNotFound
	}
	f.revoked = append(f.revoked, userID+"/"+id)
	return nil
}
func (f *fakeTokens) Authenticate(_ context.Context, _ auth.Client, secret string) (auth.AppToken, error) {
	if secret != "tft_good" {
		return auth.AppToken{}, auth.ErrInvalidToken
	}
	return auth.AppToken{ID: "tok_me", UserID: "usr_me"}, nil
}

// A handler test with a fake for one concern: the API's seam.
func TestHandlersWithAFakeService(t *testing.T) {
	fake := &fakeTokens{list: []auth.AppToken{{ID: "tok_1", Name: "ci", CreatedAt: t0}}}
	srv := httptest.NewServer(NewRouter(Deps{Tokens: fake}))
	defer srv.Close()
	do := func(method, path, token string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	var list wire.AppTokenList
	resp := do("GET", "/api/v1/app-tokens", "tft_good")
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&list) != nil || len(list.Tokens) != 1 || list.Tokens[0].Name != "ci" {
		t.Fatalf("list: %d %+v", resp.StatusCode, list)
	}
	if resp := do("GET", "/api/v1/app-tokens", "tft_bad"); resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("bad token: %d", resp.StatusCode)
	}
	if resp := do("DELETE", "/api/v1/app-tokens/tok_known", "tft_good"); resp.StatusCode != 204 || len(fake.revoked) != 1 || fake.revoked[0] != "usr_me/tok_known" {
		t.Fatalf("revoke: %d %v", resp.StatusCode, fake.revoked)
	}
	var e wire.ErrorBody
	resp = do("DELETE", "/api/v1/app-tokens/tok_other", "tft_good")
	if resp.StatusCode != 404 || json.NewDecoder(resp.Body).Decode(&e) != nil || e.Error.Code != "not_found" {
		t.Fatalf("unknown token: %d %+v", resp.StatusCode, e)
	}
	// An error the registry does not know is a bare 500.
	fake.listErr = errors.New("disk on fire")
	resp = do("GET", "/api/v1/app-tokens", "tft_good")
	if resp.StatusCode != 500 || json.NewDecoder(resp.Body).Decode(&e) != nil || e.Error.Code != "internal" {
		t.Fatalf("unexpected error: %d %+v", resp.StatusCode, e)
	}
}
