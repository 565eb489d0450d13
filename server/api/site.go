package api

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/twofold-auth/twofold/server/api/wire"
)

// The demo sign-in site: static pages (web/site) that call the same JSON
// API as the CLI, so page, API and command line run the same endpoints and
// the server renders nothing. Each page has a clean path; its CSS and
// scripts are under /site/. The CSP allows no inline script or style, and
// data: images only for the enrollment QR code the API returns.
const cspSite = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// The page of `twofold login --browser` (cli-login.html) is the site's
// one page with a CSP of its own, so it is routed apart from sitePages:
// its form hands the CLI its grant, so it may also post to the CLI's
// listener on 127.0.0.1 (any port), and nowhere else.
const (
	cliLoginPath = "/cli-login"
	cliLoginFile = "cli-login.html"
	cspCLILogin  = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self' http://127.0.0.1:*; frame-ancestors 'none'"
)

// sitePages maps each page's path to its file in web/site.
var sitePages = map[string]string{
	"/":              "index.html",
	"/sign-up":       "sign-up.html",
	"/second-factor": "second-factor.html",
	"/account":       "account.html",
	"/enable-mfa":    "enable-mfa.html",
	"/tokens":        "tokens.html",
	"/protected":     "protected.html",
	"/admin":         "admin.html",
	"/admin/users":   "admin-users.html",
	"/admin/groups":  "admin-groups.html",
	"/admin/audit":   "admin-audit.html",
	"/admin/outbox":  "admin-outbox.html",
}

// isSitePath reports whether a path is the site's (for its CSP).
func isSitePath(p string) bool {
	_, page := sitePages[p]
	return page || strings.HasPrefix(p, "/site/")
}

// mountSite routes the site's pages and assets.
func (a *api) mountSite(r chi.Router, site fs.FS) {
	files := &staticFiles{fsys: site, prefix: "/site"}
	for route, file := range sitePages {
		r.Get(route, func(w http.ResponseWriter, req *http.Request) { files.serve(w, req, file) })
	}
	r.Get(cliLoginPath, func(w http.ResponseWriter, req *http.Request) { files.serve(w, req, cliLoginFile) })
	r.Mount("/site", files)
}

// demo is the step-up demo: a protected area that only a session with a
// verified second factor (mfa_totp_verified) may open.
type demo struct{ *api }

func (d demo) Routes() chi.Router {
	r := d.subrouter()
	r.With(d.requireFull).Get("/protected", d.handle(d.protected))
	return r
}

func (d demo) protected(w http.ResponseWriter, r *http.Request) error {
	sess := principalOf(r)
	if err := d.accounts.RequireMFAVerified(r.Context(), sess); err != nil {
		return err
	}
	v := viewSession(sess)
	return writeJSON(w, http.StatusOK, wire.Protected{
		Message:    "You are in: this session verified a second factor.",
		AMR:        v.AMR,
		VerifiedAt: v.MFAVerifiedAt.Format("2006-01-02T15:04:05Z07:00"),
	})
}
