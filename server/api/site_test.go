package api

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/web"
)

// Every page of the site has its file in web/site, and is served at its
// clean path with the site's strict CSP; the admin pages' paths are pages,
// not the API's /admin routes.
func TestSitePagesServed(t *testing.T) {
	router := NewRouter(Deps{Site: web.Site, App: testApp})
	for route, file := range sitePages {
		if _, err := fs.Stat(web.Site, file); err != nil {
			t.Errorf("%s: %v", route, err)
			continue
		}
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, route, nil))
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(body, "<!doctype html>") {
			t.Errorf("GET %s: %d %q", route, rec.Code, rec.Header().Get("Content-Type"))
		}
		if csp := rec.Header().Get("Content-Security-Policy"); csp != cspSite {
			t.Errorf("GET %s: CSP %q", route, csp)
		}
	}
	for _, route := range []string{"/admin", "/admin/users", "/admin/groups", "/admin/audit", "/admin/outbox"} {
		if _, ok := sitePages[route]; !ok {
			t.Errorf("%s is not a page of the site", route)
		}
	}
}
