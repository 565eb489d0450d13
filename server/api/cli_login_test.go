package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/web"
)

// /cli-login (twofold login --browser) is served with a CSP of its own:
// the site's, except that its form may post to the CLI's listener on
// 127.0.0.1 and nowhere else; every other page keeps form-action 'self'.
func TestCLILoginPage(t *testing.T) {
	router := NewRouter(Deps{Site: web.Site, App: testApp})
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	rec := get("/cli-login?port=5000&state=s&code_challenge=c&name=n")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `data-page="cli-login"`) {
		t.Fatalf("GET /cli-login: %d %.200s", rec.Code, rec.Body)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	if csp != cspCLILogin || !strings.Contains(csp, "form-action 'self' http://127.0.0.1:*;") || strings.Contains(csp, "unsafe") ||
		strings.Replace(csp, " http://127.0.0.1:*", "", 1) != cspSite {
		t.Fatalf("CSP %q", csp)
	}
	for _, p := range []string{"/", "/account", "/tokens", "/site/site.js"} {
		if csp := get(p).Header().Get("Content-Security-Policy"); csp != cspSite {
			t.Errorf("%s: CSP %q", p, csp)
		}
	}
}
